"""Back office for devices (managers and admins).

Details taken at intake can be corrected here, but the job's life cannot be typed: status and
technician are read-only (moves go through ``devices.workflow`` on the pages), a new
expected date goes through ``workflow.device_set_deadline``, service and spare-part changes
through ``devices.services``, so every change lands on the device's timeline as it would
from the pages. Devices are taken in on the intake page (it gives the job number), never
added or deleted here.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from telite.admin_history import GuardedHistoryAdmin, MoneyFieldsMixin
from telite.dates import format_day
from telite.phone import try_normalize_phone

from .models import Device, DeviceEvent, DevicePhoto, DeviceStatus, Service, SparePart
from .services import (
    INTAKE_FIELDS,
    MAX_PHOTOS,
    ServiceChangedMeanwhile,
    device_update_details,
    part_add,
    part_remove,
    part_values,
    photos_add,
    service_stamp,
    service_update,
    validate_photo,
)
from .workflow import check_promise_horizon, device_set_deadline, record_event

DETAIL_FIELDS = tuple(f for f in INTAKE_FIELDS if f != "expected_delivery_date")


def _nothing_saved_directly(formset):
    # The services wrote the rows; the admin's change message still reads these.
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


class ServiceAdminForm(forms.ModelForm):
    """The service as the page showed it (``was``): a save from a page opened before someone
    else's save is refused by ``service_update``, as on the service page, instead of
    silently putting back what the page showed."""

    was = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Service
        fields = ("diagnosis", "work_done", "labour_charge")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Also when bound: "was" is then among the changed data only for a stale page.
            self.initial["was"] = service_stamp(self.instance)


def _editable(fields):
    # "was" is a form field, not the model's: it is never shown read-only.
    return tuple(f for f in fields if f != "was")


def _shown_read_only(request, device, posted_field: str) -> bool:
    """The service of a job that has left the workshop is shown read-only. A form posted
    with the service in it was opened while the job was open: it stays editable, so that
    the service refuses the change with its reason (_lock_open_device) instead of the admin
    dropping what was typed and saying "changed successfully"."""
    if device.is_open:
        return False
    return not (request.method == "POST" and posted_field in request.POST)


def _save_service(request, device, form) -> None:
    """A service form's boxes, saved through service_update when one of them changed (a
    read-only page posts none; the saved values stand for the boxes a form does not have)."""
    boxes = ("diagnosis", "work_done", "labour_charge")
    if not set(form.changed_data) & set(boxes):
        return
    service_update(
        device=device,
        by=request.user,
        **{name: form.cleaned_data.get(name, getattr(form.instance, name)) for name in boxes},
        was=form.cleaned_data.get("was"),
    )


def _parts_editable(request, service) -> bool:
    # As _shown_read_only: rows added or ticked for removal on a page opened while the job
    # was open reach part_add / part_remove, which refuse them with the reason.
    return service is not None and (service.device.is_open or request.method == "POST")


class ServiceRefusalMixin:
    """A service refusing a change (the device left the workshop, or someone saved the
    service, while the form was open) becomes a message on the record's page, not an error
    page; nothing is saved (the admin's transaction is rolled back)."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceChangedMeanwhile as exc:
            service = exc.service
            self.message_user(
                request,
                f"Nothing was saved: {service.updated_by or 'someone'} saved the service of "
                f"{service.device.job_number} at "
                f"{format_day(service.updated_at, with_time=True)}, after this page was "
                "opened. The page now shows what is saved; make your change again if it is "
                "still needed.",
                messages.ERROR,
            )
        except ValidationError as exc:
            self.message_user(
                request, "Nothing was saved: " + " ".join(exc.messages), messages.ERROR
            )
        # The page again, as it is now (read-only once the job has left the workshop).
        return HttpResponseRedirect(request.get_full_path())


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(
                status__in=Device.OPEN, expected_delivery_date__lt=timezone.localdate()
            )
        return queryset


class TechnicianFilter(admin.SimpleListFilter):
    title = "technician"
    parameter_name = "technician"

    def lookups(self, request, model_admin):
        from django.contrib.auth import get_user_model

        users = get_user_model().objects.filter(is_technician=True).order_by("username")
        return [(u.pk, str(u)) for u in users]

    def queryset(self, request, queryset):
        # A value that is not a number raises ValueError here, which the admin's
        # SafeDateHierarchyMixin answers as a bad filter ("?e=1").
        if self.value():
            return queryset.filter(assigned_to_id=self.value())
        return queryset


class ServiceInline(MoneyFieldsMixin, admin.StackedInline):
    model = Service
    form = ServiceAdminForm
    fields = ("diagnosis", "work_done", "labour_charge", "was", "updated_by", "updated_at")
    readonly_fields = ("updated_by", "updated_at")
    can_delete = False
    max_num = 1
    extra = 0
    verbose_name_plural = "service (spare parts: open the service record)"

    def get_readonly_fields(self, request, obj=None):
        # The inline's prefix is the device's accessor, "service".
        if obj is not None and _shown_read_only(request, obj, "service-0-labour_charge"):
            return _editable(self.fields)
        return self.readonly_fields

    def has_add_permission(self, request, obj=None):
        return obj is not None and obj.is_open and super().has_add_permission(request, obj)


class DevicePhotoForm(forms.ModelForm):
    class Meta:
        model = DevicePhoto
        fields = ("image", "caption")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A stored photo is evidence of the device's condition at intake: its picture is
            # never swapped (add a new photo or remove this one); only the caption changes.
            self.fields["image"].disabled = True

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and hasattr(image, "content_type"):  # a new upload, not the stored file
            validate_photo(image)
        return image


class DevicePhotoFormSet(forms.BaseInlineFormSet):
    def clean(self):
        # photos_add refuses the same; said here, the page keeps what was chosen.
        super().clean()
        kept = sum(1 for f in self.initial_forms if not self._should_delete_form(f))
        added = sum(
            1 for f in self.extra_forms if f.has_changed() and not self._should_delete_form(f)
        )
        if added and kept + added > MAX_PHOTOS:
            raise ValidationError(
                f"A device can have at most {MAX_PHOTOS} photos: it has {kept}, so "
                f"{max(MAX_PHOTOS - kept, 0)} more can be added. Nothing was saved.",
                code="too_many_photos",
            )


class DevicePhotoInline(admin.TabularInline):
    model = DevicePhoto
    form = DevicePhotoForm
    formset = DevicePhotoFormSet
    fields = ("preview", "image", "caption", "uploaded_by", "uploaded_at")
    readonly_fields = ("preview", "uploaded_by", "uploaded_at")
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    @admin.display(description="preview")
    def preview(self, obj):
        if not obj.pk:
            return "—"
        url = reverse("devices:photo", args=[obj.pk])
        return format_html(
            '<a href="{}" target="_blank"><img src="{}" alt="" style="height:60px"></a>', url, url
        )


class DeviceEventInline(admin.TabularInline):
    """The timeline, read-only: events are written by the workflow and services only."""

    model = DeviceEvent
    fields = ("at", "kind", "from_value", "to_value", "note", "by")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("at", "pk")
    verbose_name_plural = "timeline"

    def get_queryset(self, request):
        # One query for the timeline, however long, not one per row for its "by".
        return super().get_queryset(request).select_related("by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DeviceAdminForm(forms.ModelForm):
    change_note = forms.CharField(
        label="Why (kept on the timeline)",
        required=False,
        max_length=300,
        help_text="Needed when you change the expected delivery date.",
    )

    class Meta:
        model = Device
        fields = (*DETAIL_FIELDS, "expected_delivery_date")

    def clean(self):
        data = super().clean()
        if self.instance.pk and "expected_delivery_date" in self.changed_data:
            new = data.get("expected_delivery_date")
            if not self.instance.is_open:
                self.add_error(
                    "expected_delivery_date",
                    "This device has left the workshop; its expected date cannot change.",
                )
            elif new and new < timezone.localdate():
                self.add_error(
                    "expected_delivery_date", "The new expected date cannot be in the past."
                )
            else:
                try:
                    check_promise_horizon(new)
                except ValidationError as exc:
                    self.add_error("expected_delivery_date", exc)
            if not (data.get("change_note") or "").strip():
                self.add_error("change_note", "Say why the expected date changes.")
        return data


@admin.register(Device)
class DeviceAdmin(ServiceRefusalMixin, GuardedHistoryAdmin):
    form = DeviceAdminForm
    list_display = (
        "job_number",
        "customer_name",
        "title",
        "status_badge",
        "assigned_to",
        "received_at",
        "expected_delivery_date",
        "overdue",
    )
    list_display_links = ("job_number",)
    list_filter = ("status", TechnicianFilter, OverdueFilter, "device_name", "received_at")
    list_select_related = ("customer", "assigned_to")
    search_fields = (
        "job_number",
        "serial_number",
        "customer__name",
        "customer__whatsapp_number",
    )
    search_help_text = "Job number, serial number, customer name or WhatsApp number (any format)."
    date_hierarchy = "received_at"
    ordering = ("-received_at",)
    list_per_page = 50
    readonly_fields = (
        "job_number",
        "customer_link",
        "status_badge",
        "assigned_to",
        "added_by",
        "received_at",
        "assigned_at",
        "ready_at",
        "delivered_at",
        "returned_at",
        "return_reason",
        "service_page",
    )
    fieldsets = (
        (
            "Job",
            {
                "fields": (
                    ("job_number", "status_badge"),
                    ("customer_link", "assigned_to"),
                    "service_page",
                )
            },
        ),
        (
            "Device (as taken in)",
            {"fields": (*DETAIL_FIELDS,)},
        ),
        ("Deadline", {"fields": ("expected_delivery_date", "change_note")}),
        (
            "Dates",
            {
                "classes": ("collapse",),
                "fields": (
                    ("added_by", "received_at"),
                    ("assigned_at", "ready_at"),
                    ("delivered_at", "returned_at"),
                    "return_reason",
                ),
            },
        ),
    )
    inlines = (ServiceInline, DevicePhotoInline, DeviceEventInline)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        canonical = try_normalize_phone(search_term)
        if canonical:
            queryset |= self.get_queryset(request).filter(Q(customer__whatsapp_number=canonical))
        return queryset, may_have_duplicates

    def has_add_permission(self, request):
        # A device gets its job number at intake: take it in on the intake page.
        return False

    def has_delete_permission(self, request, obj=None):
        # A job ticket is never deleted; it is returned or delivered.
        return False

    @admin.display(description="device")
    def title(self, obj):
        return obj.title

    @admin.display(description="customer", ordering="customer__name")
    def customer_name(self, obj):
        return obj.customer.name

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        colours = {
            DeviceStatus.RECEIVED: "#93370d",
            DeviceStatus.ASSIGNED: "#1849a9",
            DeviceStatus.READY: "#05603a",
            DeviceStatus.DELIVERED: "#344054",
            DeviceStatus.RETURNED: "#912018",
        }
        return format_html(
            '<strong style="color:{}">{}</strong>',
            colours.get(obj.status, "#000"),
            obj.get_status_display(),
        )

    @admin.display(description="overdue", boolean=True)
    def overdue(self, obj):
        return obj.is_overdue

    @admin.display(description="customer")
    def customer_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:customers_customer_change", args=[obj.customer_id]),
            obj.customer,
        )

    @admin.display(description="pages")
    def service_page(self, obj):
        return format_html(
            '<a href="{}">Service page (assign, parts, bill, delivery)</a> · '
            '<a href="{}">Intake slip</a>',
            reverse("devices:service", args=[obj.pk]),
            reverse("devices:slip", args=[obj.pk]),
        )

    def save_model(self, request, obj, form, change):
        """Through the services, so that the timeline records what changed and why."""
        device = Device.objects.get(pk=obj.pk)
        note = (form.cleaned_data.get("change_note") or "").strip()
        details = {f: form.cleaned_data[f] for f in form.changed_data if f in DETAIL_FIELDS}
        if details:
            device = device_update_details(
                device=device,
                by=request.user,
                changes=details,
                note=note or "Details corrected in the back office",
            )
        if "expected_delivery_date" in form.changed_data:
            device_set_deadline(
                device=device,
                expected_delivery_date=form.cleaned_data["expected_delivery_date"],
                by=request.user,
                note=note,
            )

    def save_formset(self, request, form, formset, change):
        device = form.instance
        if formset.model is Service:
            _nothing_saved_directly(formset)
            for f in formset.forms:
                _save_service(request, device, f)
            return
        if formset.model is DevicePhoto:
            _nothing_saved_directly(formset)
            removed = captioned = 0
            for f in formset.initial_forms:
                if formset._should_delete_form(f):
                    f.instance.delete()
                    removed += 1
                elif f.has_changed():  # the caption: a stored picture is never swapped
                    f.instance.save(update_fields=["caption"])
                    captioned += 1
            new = [
                f
                for f in formset.extra_forms
                if f.has_changed() and not formset._should_delete_form(f)
            ]
            # As on the service page: checked by content, server-made names, MAX_PHOTOS;
            # photos_add records them on the timeline.
            uploads = [f.cleaned_data["image"] for f in new]
            stored = photos_add(device=device, photos=uploads, by=request.user) if new else []
            for photo, f in zip(stored, new, strict=True):
                if f.cleaned_data.get("caption"):
                    photo.caption = f.cleaned_data["caption"]
                    photo.save(update_fields=["caption"])
            # Intake photos are evidence of the device's condition: their changes are on the
            # timeline, as the service page's uploads are.
            said = [
                text
                for n, text in (
                    (removed, f"{removed} photo{pluralize(removed)} removed"),
                    (captioned, f"{captioned} photo caption{pluralize(captioned)} changed"),
                )
                if n
            ]
            if said:
                record_event(
                    device, kind=DeviceEvent.Kind.NOTE, by=request.user, note=", ".join(said)
                )
            return
        formset.save()


class SparePartAdminForm(forms.ModelForm):
    class Meta:
        model = SparePart
        fields = ("name", "quantity", "unit_cost")

    def clean(self):
        # part_add refuses the same; checked here too, the refusal shows next to the box.
        data = super().clean()
        if self.instance.pk is None and not self.errors:
            try:
                part_values(data.get("name"), data.get("quantity"), data.get("unit_cost"))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(field, errors)
        return data


class SparePartInline(MoneyFieldsMixin, admin.TabularInline):
    """Parts are added or removed (each recorded on the timeline), not edited in place."""

    model = SparePart
    form = SparePartAdminForm
    fields = ("name", "quantity", "unit_cost", "line_total_display", "added_by", "added_at")
    readonly_fields = ("line_total_display", "added_by", "added_at")
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("added_by")

    @admin.display(description="amount")
    def line_total_display(self, obj):
        return obj.line_total if obj.pk else "—"

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return _parts_editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _parts_editable(request, obj)


@admin.register(Service)
class ServiceAdmin(ServiceRefusalMixin, GuardedHistoryAdmin):
    form = ServiceAdminForm
    list_display = ("device", "customer", "status", "labour_charge", "updated_by", "updated_at")
    list_select_related = ("device", "device__customer", "updated_by")
    list_filter = ("device__status",)
    search_fields = ("device__job_number", "device__customer__name", "device__serial_number")
    search_help_text = "Job number, customer name or serial number."
    fields = (
        "device_link",
        "diagnosis",
        "work_done",
        "labour_charge",
        "was",
        "updated_by",
        "updated_at",
    )
    readonly_fields = ("device_link", "updated_by", "updated_at")
    inlines = (SparePartInline,)

    def has_add_permission(self, request):
        # Every device gets its service record at intake.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and _shown_read_only(request, obj.device, "labour_charge"):
            return _editable(self.fields)
        return self.readonly_fields

    @admin.display(description="customer")
    def customer(self, obj):
        return obj.device.customer.name

    @admin.display(description="status")
    def status(self, obj):
        return obj.device.get_status_display()

    @admin.display(description="device")
    def device_link(self, obj):
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">service page</a>',
            reverse("admin:devices_device_change", args=[obj.device_id]),
            obj.device,
            reverse("devices:service", args=[obj.device_id]),
        )

    def save_model(self, request, obj, form, change):
        _save_service(request, obj.device, form)

    def save_formset(self, request, form, formset, change):
        device = form.instance.device
        _nothing_saved_directly(formset)
        for f in formset.forms:
            if f in formset.deleted_forms:
                if f.instance.pk:
                    part_remove(part=f.instance, by=request.user)
            elif f.instance.pk is None and f.has_changed():
                part_add(
                    device=device,
                    by=request.user,
                    name=f.cleaned_data["name"],
                    quantity=f.cleaned_data["quantity"],
                    unit_cost=f.cleaned_data["unit_cost"],
                )
