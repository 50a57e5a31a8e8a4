from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User
from .services import warn_of_jobs_left_behind


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Admins only: managers hold no permission on accounts, so they never see this."""

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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            warn_of_jobs_left_behind(request, obj)
