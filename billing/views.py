from django.http import Http404


def _pending(request, *args, **kwargs):  # replaced by the billing issue
    raise Http404


close_device = delivery_ready = closed_devices = print_bill = bill_pdf = _pending
