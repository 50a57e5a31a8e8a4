from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.views.decorators.http import require_safe

from telite.pagecache import cached_page
from telite.permissions import STAFF, role_required


@role_required(STAFF)
@require_safe
@cached_page
def dashboard(request):
    """Every role: the day at a glance (SPEC §7); figures from telite.dashboard."""
    from telite.dashboard import dashboard_context

    return render(request, "dashboard.html", dashboard_context(request.user))


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", {"reason": str(exception or "")}, status=403)


def csrf_failure(request, reason=""):
    """A form whose security token no longer holds: nothing was done; say so plainly."""
    return render(request, "errors/csrf.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # No request context: its context processors read the session and the shop's settings
    # from the database, which may be what failed (then this page itself failed, and the
    # person got the web server's bare error instead).
    return HttpResponseServerError(loader.render_to_string("errors/500.html"))
