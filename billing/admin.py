"""Back office for bills and payments: read-mostly.

Issued bills and payments are money records: nothing here adds, edits or deletes them.
A manager changes a bill through the correction page (``billing:correct_bill``), which
calls ``billing.services.bill_correct`` like every other change, so a rule holds
everywhere or nowhere.
"""

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html

from telite.admin_history import (
    GuardedHistoryAdmin,
    PeopleNamesMixin,
    ReadOnlyAdminMixin,
    SafeDateHierarchyMixin,
)
from telite.money import format_money

from .models import Bill, BillChange, BillLine, Payment, Refund, ShopSettings


@admin.register(ShopSettings)
class ShopSettingsAdmin(GuardedHistoryAdmin):
    """One row. Admins edit it (managers may only view: see accounts.roles)."""

    # An admin may put back an earlier version of the shop's details.
    allow_revert = True

    fieldsets = (
        ("Shop", {"fields": ("shop_name", "address", "phone", "email", "tax_id", "logo")}),
        ("Printed text", {"fields": ("bill_footer", "intake_terms")}),
        ("Money", {"fields": ("currency_symbol", "staff_discount_limit")}),
    )

    def has_add_permission(self, request):
        return not ShopSettings.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # There is only one record: go straight to it.
        return redirect("admin:billing_shopsettings_change", ShopSettings.load().pk)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        # Who received, refunded or changed: one query for all the rows, not one a row.
        people = [
            f.name for f in self.model._meta.fields if f.is_relation and f.name.endswith("_by")
        ]
        return super().get_queryset(request).select_related(*people)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BillLineInline(ReadOnlyInline):
    model = BillLine
    fields = ("position", "kind", "description", "quantity", "unit_price", "amount")


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ("received_at", "amount", "mode", "reference", "is_advance", "received_by")


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ("refunded_at", "amount", "mode", "reason", "refunded_by")


class BillChangeInline(ReadOnlyInline):
    model = BillChange
    fields = ("changed_at", "changed_by", "summary", "reason")


class ReadOnlyMoneyAdmin(ReadOnlyAdminMixin, GuardedHistoryAdmin):
    """View only, with the audit history, and no revert from the history page."""

    def revert_disabled(self, request, obj=None):
        return True


@admin.register(Bill)
class BillAdmin(ReadOnlyMoneyAdmin):
    list_display = (
        "number",
        "issued_at",
        "customer",
        "job_number",
        "total",
        "received",
        "balance_due",
        "status",
    )
    list_filter = ("status", "kind", ("issued_at", admin.DateFieldListFilter), "financial_year")
    search_fields = (
        "number",
        "device__job_number",
        "device__customer__name",
        "device__customer__whatsapp_number",
    )
    date_hierarchy = "issued_at"
    list_select_related = ("device__customer",)
    inlines = (BillLineInline, PaymentInline, RefundInline, BillChangeInline)
    fieldsets = (
        (None, {"fields": ("number", "kind", "status", "device_link", "issued_at", "issued_by")}),
        (
            "Amounts",
            {"fields": ("subtotal", "discount", "bill_value", "amount_received", "balance_due")},
        ),
        ("Notes", {"fields": ("notes",)}),
        ("Void", {"fields": ("void_reason", "voided_at", "voided_by"), "classes": ("collapse",)}),
        ("Change it", {"fields": ("change_link",)}),
    )
    readonly_fields = (
        "number",
        "kind",
        "status",
        "device_link",
        "issued_at",
        "issued_by",
        "subtotal",
        "discount",
        "bill_value",
        "amount_received",
        "balance_due",
        "notes",
        "void_reason",
        "voided_at",
        "voided_by",
        "change_link",
    )

    @admin.display(description="customer", ordering="device__customer__name")
    def customer(self, bill):
        return bill.device.customer.name

    @admin.display(description="job", ordering="device__job_number")
    def job_number(self, bill):
        return bill.device.job_number

    @admin.display(description="total", ordering="bill_value")
    def total(self, bill):
        return format_money(bill.bill_value)

    @admin.display(description="received", ordering="amount_received")
    def received(self, bill):
        return format_money(bill.amount_received)

    @admin.display(description="balance")
    def balance_due(self, bill):
        return format_money(bill.balance)

    @admin.display(description="device")
    def device_link(self, bill):
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">printable bill</a>',
            reverse("devices:service", args=[bill.device_id]),
            bill.device,
            reverse("billing:print_bill", args=[bill.device_id]),
        )

    @admin.display(description="correction")
    def change_link(self, bill):
        if bill.is_void:
            return "A void bill cannot be changed."
        return format_html(
            '<a class="button" href="{}">Change this bill (discount, charges, notes) '
            "with a reason</a>",
            reverse("billing:correct_bill", args=[bill.pk]),
        )


@admin.register(Payment)
class PaymentAdmin(ReadOnlyMoneyAdmin):
    list_display = (
        "received_at",
        "amount_display",
        "mode",
        "reference",
        "bill",
        "device",
        "received_by",
    )
    list_filter = ("mode", "is_advance", ("received_at", admin.DateFieldListFilter))
    search_fields = (
        "reference",
        "bill__number",
        "device__job_number",
        "device__customer__name",
    )
    date_hierarchy = "received_at"
    list_select_related = ("bill", "device", "received_by")
    fields = (
        "device",
        "bill",
        "amount",
        "mode",
        "reference",
        "is_advance",
        "received_by",
        "received_at",
    )
    readonly_fields = fields

    @admin.display(description="amount", ordering="amount")
    def amount_display(self, payment):
        return format_money(payment.amount)


@admin.register(Refund)
class RefundAdmin(PeopleNamesMixin, ReadOnlyAdminMixin, SafeDateHierarchyMixin, admin.ModelAdmin):
    # Refunds keep no simple-history table (they are never changed after they are made), so
    # the history admin's page would fail on them; Django's own history page is kept.
    list_display = ("refunded_at", "amount", "mode", "reason", "bill", "device", "refunded_by")
    list_filter = ("mode", ("refunded_at", admin.DateFieldListFilter))
    search_fields = ("bill__number", "device__job_number", "device__customer__name")
    list_select_related = ("bill", "device", "refunded_by")
    fields = ("device", "bill", "amount", "mode", "reason", "refunded_by", "refunded_at")
    readonly_fields = fields
