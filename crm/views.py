from django.http import Http404


def _pending(request, *args, **kwargs):  # replaced by the CRM issue
    raise Http404


lead_list = lead_create = _pending
