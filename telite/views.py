from django.shortcuts import render
from django.views.decorators.http import require_safe

from telite.permissions import STAFF, role_required


@role_required(STAFF)
@require_safe
def dashboard(request):
    """Every role: the day at a glance (SPEC §7); figures from telite.dashboard."""
    from telite.dashboard import dashboard_context

    return render(request, "dashboard.html", dashboard_context(request.user))


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", {"reason": str(exception or "")}, status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # No context processors beyond the bare template: the database may be what failed.
    return render(request, "errors/500.html", status=500)
