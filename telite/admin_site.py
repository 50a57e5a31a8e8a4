"""The back office's site: a logged-in user without back-office rights gets the app's 403
page (SPEC §5), not Django admin's login form saying "you are not authorized"."""

from functools import wraps

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import BadRequest, PermissionDenied
from django.urls import reverse

from telite.urls_util import is_id


class TeliteAdminSite(admin.AdminSite):
    site_header = "TELITE back office"
    site_title = "TELITE back office"
    index_title = "Records"

    def _refuse_if_logged_in_without_rights(self, request):
        user = request.user
        if user.is_authenticated and user.is_active and not self.has_permission(request):
            raise PermissionDenied("The back office is for managers and admins.")

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def refuse_or_view(request, *args, **kwargs):
            if request.path != reverse("admin:logout", current_app=self.name):
                self._refuse_if_logged_in_without_rights(request)
            # List filters go to the database unchecked by any form: PostgreSQL refuses a
            # NUL character in a string with an error, which was a 500.
            if any("\x00" in key or "\x00" in value for key, value in request.GET.items()):
                raise BadRequest("A filter in the address holds a NUL character.")
            # A bulk action's rows go to the database unchecked by Django ("abc" for an id
            # raised ValueError): only ids are taken.
            selected = request.POST.getlist("_selected_action") if request.method == "POST" else []
            if not all(is_id(value) for value in selected):
                raise BadRequest("The rows chosen for that action are not rows of this list.")
            return inner(request, *args, **kwargs)

        return refuse_or_view

    def login(self, request, extra_context=None):
        self._refuse_if_logged_in_without_rights(request)
        return super().login(request, extra_context)


class TeliteAdminConfig(AdminConfig):
    default_site = "telite.admin_site.TeliteAdminSite"

    def ready(self):
        super().ready()  # every app's admin module is registered by now
        from telite.admin_history import SafeDateHierarchyMixin

        # Other libraries' lists with a date drill-down (django-axes' login records) answer
        # an impossible date as ours do: the plain list, not a 500.
        for model, model_admin in list(admin.site._registry.items()):
            if model_admin.date_hierarchy and not isinstance(model_admin, SafeDateHierarchyMixin):
                base = type(model_admin)
                admin.site.unregister(model)
                admin.site.register(
                    model,
                    type(
                        base.__name__,
                        (SafeDateHierarchyMixin, base),
                        {"__module__": base.__module__},
                    ),
                )
