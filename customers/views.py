from django.http import Http404


def _pending(request, *args, **kwargs):  # replaced by the repair-job issue
    raise Http404


customer_list = customer_detail = customer_lookup = _pending
