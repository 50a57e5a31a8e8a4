"""Who may call a view, stated in one visible place.

Roles (SPEC §5): ``staff`` (front desk and technicians), ``manager``, ``admin``.
Not logged in -> the login page; logged in without the role -> 403.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect

from accounts.models import Role

STAFF = (Role.STAFF, Role.MANAGER, Role.ADMIN)
MANAGERS = (Role.MANAGER, Role.ADMIN)
ADMINS = (Role.ADMIN,)


def has_role(user, roles) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in roles)


def role_required(*roles):
    """Decorator: the user must be logged in and hold one of ``roles``."""
    allowed = tuple(r for group in roles for r in (group if isinstance(group, tuple) else (group,)))

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_role(request.user, allowed):
                raise PermissionDenied("Your role does not allow this page.")
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = allowed
        return wrapper

    return decorator


class RoleRequiredMixin(LoginRequiredMixin):
    """Class-based views: set ``allowed_roles`` (defaults to every role)."""

    allowed_roles = STAFF

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not has_role(request.user, self.allowed_roles):
            raise PermissionDenied("Your role does not allow this page.")
        return super().dispatch(request, *args, **kwargs)


def is_manager(user) -> bool:
    return has_role(user, MANAGERS)


def post_only(page):
    """Decorator for a form's action address (it only takes POST): opened as a page (a
    refused form reloaded, a restored tab, a link copied from the address bar) it goes to
    ``page(request, *args, **kwargs)``, the page that form is on, instead of a bare
    "405 Method Not Allowed". Put it under ``role_required``: who may see it is asked first."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in ("GET", "HEAD"):
                return redirect(page(request, *args, **kwargs))
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def can_edit_service(user, device) -> bool:
    """SPEC §5: the assigned technician, managers and admins edit a device's service."""
    return is_manager(user) or (
        device.assigned_to_id is not None and device.assigned_to_id == user.pk
    )
