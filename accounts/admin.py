from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError

from telite.admin_history import ReadOnlyAdminMixin, SafeDateHierarchyMixin
from telite.permissions import ADMINS, has_role

from .forms import check_own_access
from .models import User
from .services import active_admin_pks, check_an_admin_remains, warn_of_jobs_left_behind

ONLY_ADMINS = "Only an admin changes people's access (role, active); nothing was saved."


def _is_admin(user) -> bool:
    # The role, not the permissions a group holds: SPEC §5, only an admin changes roles.
    return user is not None and has_role(user, ADMINS)


class BackOfficeUserForm(UserChangeForm):
    """The back office's user form keeps the Users page's rules: only an admin changes
    someone's access (the role decides staff and superuser), nobody takes away their own
    admin access, and the shop keeps one active admin."""

    acting_user = None  # set per request by UserAdmin.get_form

    def clean(self):
        cleaned = super().clean()
        access = {"role", "is_active"} & set(self.changed_data)
        if access and not _is_admin(self.acting_user):
            raise forms.ValidationError(ONLY_ADMINS)
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


class BackOfficeUserCreationForm(AdminUserCreationForm):
    acting_user = None  # set per request by UserAdmin.get_form

    def clean(self):
        cleaned = super().clean()
        if not _is_admin(self.acting_user):
            raise forms.ValidationError("Only an admin adds people; nothing was saved.")
        return cleaned


@admin.register(User)
class UserAdmin(SafeDateHierarchyMixin, BaseUserAdmin):
    """Admins only: managers hold no permission on accounts, so they never see this. The
    forms check the role too, whatever permissions a group may hold."""

    form = BackOfficeUserForm
    add_form = BackOfficeUserCreationForm
    list_display = (
        "username",
        "get_full_name",
        "phone_number",
        "role",
        "is_technician",
        "is_active",
        "last_login",
    )
    list_filter = ("role", "is_technician", "is_active")
    search_fields = ("username", "first_name", "last_name", "phone_number")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "email", "phone_number")}),
        # A technician appears in the list of people work can be assigned to.
        ("Access", {"fields": ("role", "is_technician", "is_active")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "fields": (
                    "username",
                    "phone_number",
                    "role",
                    "is_technician",
                    "password1",
                    "password2",
                )
            },
        ),
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

    def user_change_password(self, request, id, form_url=""):
        # Setting someone else's password is logging in as them: admins only.
        if not _is_admin(request.user) and str(id) != str(request.user.pk):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(ReadOnlyAdminMixin, GroupAdmin):
    """The role groups, to read what each role may do. accounts.roles owns them: it resets
    their permissions at every migrate, and a user's group follows their role. An edit here
    would be undone silently, a deleted group would lock a whole role out, and a permission
    granted here could let a manager change users (and so his own role)."""
