from django.http import Http404


def _pending(request, *args, **kwargs):  # replaced by the repair-job issue
    raise Http404


add_device = device_assign = service = overdue = device_list = _pending
