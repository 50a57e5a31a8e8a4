from django.contrib import admin
from django.shortcuts import redirect
from simple_history.admin import SimpleHistoryAdmin

from .models import ShopSettings


@admin.register(ShopSettings)
class ShopSettingsAdmin(SimpleHistoryAdmin):
    """One row. Admins edit it (managers may only view: see accounts.roles)."""

    fieldsets = (
        ("Shop", {"fields": ("shop_name", "address", "phone", "email", "tax_id", "logo")}),
        ("Printed text", {"fields": ("bill_footer", "intake_terms")}),
        ("Money", {"fields": ("currency_symbol",)}),
    )

    def has_add_permission(self, request):
        return not ShopSettings.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # There is only one record: go straight to it.
        return redirect("admin:billing_shopsettings_change", ShopSettings.load().pk)
