from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError

from telite.admin_history import SafeDateHierarchyMixin

from .forms import check_own_access
from .models import User
from .services import active_admin_pks, check_an_admin_remains, warn_of_jobs_left_behind


class BackOfficeUserForm(UserChangeForm):
    """The back office's user form keeps the Users page's rules: nobody takes away their own
    admin access, and the shop keeps one active admin."""

    acting_user = None  # set per request by UserAdmin.get_form

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and "role" in cleaned and "is_active" in cleaned:
            check_own_access(self.acting_user, self.instance, cleaned)
            try:
                # The admin saves in this same transaction: the admins' rows stay locked.
                check_an_admin_remains(
                    self.instance.pk, role=cleaned["role"], is_active=cleaned["is_active"]
                )
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from exc
        return cleaned


@admin.register(User)
class UserAdmin(SafeDateHierarchyMixin, BaseUserAdmin):
    """Admins only: managers hold no permission on accounts, so they never see this."""

    form = BackOfficeUserForm
    list_display = ("username", "get_full_name", "phone_number", "role", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "first_name", "last_name", "phone_number")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "email", "phone_number")}),
        ("Access", {"fields": ("role", "is_active")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "phone_number", "role", "password1", "password2")}),
    )
    readonly_fields = ("last_login", "date_joined")

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.acting_user = request.user  # a class made for this request
        return form

    def get_actions(self, request):
        # Deleting several users at once could take every admin with them: one at a time.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        # Not yourself, and not the shop's last active admin (deactivate people instead:
        # their name stays on the jobs and bills they touched).
        if obj is not None and (obj.pk == request.user.pk or active_admin_pks() == [obj.pk]):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            warn_of_jobs_left_behind(request, obj)
