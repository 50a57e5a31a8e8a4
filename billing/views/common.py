"""Small helpers the billing views share."""

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from devices.models import Device
from telite.urls_util import is_own_page

PAGE_SIZE = 25


def safe_next(request, default: str) -> str:
    """Where to go back to: the form's ``next`` if it is one of our own pages (a path: an
    edited "?next=abc" would be read as a route name, after the action was saved)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if is_own_page(target) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def redirect_next(request, default: str):
    return redirect(safe_next(request, default))


def device_page(device) -> str:
    return reverse("devices:service", args=[device.pk])


def get_device(pk) -> Device:
    """Every role sees every device (SPEC §5); an unknown id is a 404."""
    return get_object_or_404(Device.objects.select_related("customer", "assigned_to"), pk=pk)


def int_or_404(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("No such device.") from None


def days_since(moment) -> int:
    """Whole days from ``moment`` to today, in the shop's time zone."""
    if not moment:
        return 0
    return (timezone.localdate() - timezone.localdate(moment)).days
