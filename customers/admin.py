from django import forms
from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html

from devices.models import Device
from telite.admin_history import GuardedHistoryAdmin
from telite.phone import normalize_phone, try_normalize_phone

from .models import Customer


class OpenDevicesFilter(admin.SimpleListFilter):
    title = "devices in the shop"
    parameter_name = "in_shop"

    def lookups(self, request, model_admin):
        return [("yes", "Has devices in the shop"), ("no", "Nothing in the shop")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(open_count__gt=0)
        if self.value() == "no":
            return queryset.filter(open_count=0)
        return queryset


class CustomerAdminForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = ("name", "whatsapp_number", "location", "email", "notes")

    def clean_whatsapp_number(self):
        # Normalised before the unique check, so "98450 12345" clashes with "+919845012345".
        return normalize_phone(self.cleaned_data["whatsapp_number"])


@admin.register(Customer)
class CustomerAdmin(GuardedHistoryAdmin):
    """Managers and admins correct customer details; the number is stored normalised."""

    form = CustomerAdminForm

    list_display = (
        "name",
        "whatsapp",
        "location",
        "email",
        "device_count",
        "open_count",
        "created_at",
    )
    list_filter = (OpenDevicesFilter, "created_at")
    search_fields = ("name", "whatsapp_number", "email", "location")
    search_help_text = "Name, email, place, or WhatsApp number in any format (98450 12345, +91…)."
    date_hierarchy = "created_at"
    ordering = ("name",)
    readonly_fields = ("created_at", "updated_at", "devices_link")
    fields = (
        "name",
        "whatsapp_number",
        "location",
        "email",
        "notes",
        "devices_link",
        "created_at",
        "updated_at",
    )
    list_per_page = 50

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                device_count=Count("devices", distinct=True),
                open_count=Count(
                    "devices", filter=Q(devices__status__in=Device.IN_SHOP), distinct=True
                ),
            )
        )

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        canonical = try_normalize_phone(search_term)
        if canonical:
            queryset |= self.get_queryset(request).filter(whatsapp_number=canonical)
        return queryset, may_have_duplicates

    @admin.display(description="WhatsApp", ordering="whatsapp_number")
    def whatsapp(self, obj):
        return obj.whatsapp_display

    @admin.display(description="devices", ordering="device_count")
    def device_count(self, obj):
        return obj.device_count

    @admin.display(description="in the shop", ordering="open_count")
    def open_count(self, obj):
        return obj.open_count

    @admin.display(description="devices")
    def devices_link(self, obj):
        if not obj.pk:
            return "—"
        return format_html(
            '<a href="{}?customer__id__exact={}">Devices of this customer</a> · '
            '<a href="{}">Customer page</a>',
            reverse("admin:devices_device_changelist"),
            obj.pk,
            reverse("customers:customer_detail", args=[obj.pk]),
        )
