"""Back office for leads. Saves go through crm.services, so the admin records status
changes on the timeline and converts leads exactly like the pages do."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from telite.admin_history import (
    GuardedHistoryAdmin,
    PeopleNamesMixin,
    ReadOnlyAdminMixin,
    SafeDateHierarchyMixin,
)
from telite.phone import normalize_phone

from . import services
from .forms import refuse_what_the_service_would
from .models import Lead, LeadNote


class LeadNoteTimelineInline(admin.TabularInline):
    """The timeline as it happened: read-only."""

    model = LeadNote
    verbose_name = "timeline entry"
    verbose_name_plural = "timeline"
    fields = ("at", "by", "from_status", "to_status", "text")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("at", "pk")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")


class LeadNoteAddInline(admin.StackedInline):
    """Add a note; who and when are filled in on save."""

    model = LeadNote
    verbose_name = "new note"
    verbose_name_plural = "add a note"
    fields = ("text",)
    extra = 1
    max_num = 1
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_change_permission(self, request, obj=None):
        return False


class LeadAdminForm(forms.ModelForm):
    note = forms.CharField(
        label="Note with this change",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept on the timeline. Marking the lead lost needs one: it is kept as "
        "the reason.",
    )

    class Meta:
        model = Lead
        fields = services.EDITABLE_FIELDS

    def clean_phone(self):
        return normalize_phone(self.cleaned_data["phone"])

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if status and (self.instance.pk is None or status != self.instance.status):
            refuse_what_the_service_would(
                self, services.check_status_change, self.instance, status, cleaned.get("note")
            )
        return cleaned


@admin.register(Lead)
class LeadAdmin(GuardedHistoryAdmin):
    form = LeadAdminForm

    def get_deleted_objects(self, objs, request):
        """A lead entered by mistake is deleted with its timeline. Timeline entries cannot be
        deleted on their own (``LeadNoteAdmin``), which the admin would otherwise count as a
        missing right to delete the lead at all."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(LeadNote._meta.verbose_name)
        return deleted, counts, perms_needed, protected

    list_display = (
        "name",
        "phone_display",
        "source",
        "status",
        "owner",
        "estimated_value",
        "follow_up_date",
        "customer",
        "created_at",
    )
    list_filter = ("status", "source", "owner", "follow_up_date", "created_at")
    search_fields = ("name", "phone", "email", "requirement")
    list_select_related = ("owner", "customer")
    date_hierarchy = "created_at"
    raw_id_fields = ("customer",)
    readonly_fields = (
        "customer",
        "won_at",
        "lost_reason",
        "created_by",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        ("Who", {"fields": ("name", "phone", "email", "source")}),
        ("What", {"fields": ("requirement", "estimated_value")}),
        ("Follow-up", {"fields": ("status", "owner", "follow_up_date", "note")}),
        (
            "Outcome",
            {
                "fields": (
                    "customer",
                    "won_at",
                    "lost_reason",
                    "created_by",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )
    inlines = (LeadNoteAddInline, LeadNoteTimelineInline)
    actions = ("convert_to_customer",)

    @admin.display(description="WhatsApp number", ordering="phone")
    def phone_display(self, obj):
        return obj.phone_display

    def save_model(self, request, obj, form, change):
        data = {
            field: form.cleaned_data[field]
            for field in services.EDITABLE_FIELDS
            if field in form.cleaned_data
        }
        note = form.cleaned_data.get("note") or ""
        if change:
            changed = {field: data[field] for field in form.changed_data if field in data}
            if changed or note.strip():
                services.lead_update(lead=obj, by=request.user, note=note, **changed)
            return
        lead = services.lead_create(by=request.user, note=note, **data)
        # The admin goes on to save the inlines against ``obj``: make it the saved lead.
        obj.pk = lead.pk
        obj._state.adding = False
        obj._state.db = lead._state.db
        for field in ("created_at", "updated_at", "created_by", "won_at", "phone"):
            setattr(obj, field, getattr(lead, field))

    def save_formset(self, request, form, formset, change):
        if formset.model is not LeadNote:
            return super().save_formset(request, form, formset, change)
        for note_form in formset.forms:
            text = (note_form.cleaned_data or {}).get("text", "").strip()
            if note_form.instance.pk is None and text:
                services.lead_add_note(lead=form.instance, by=request.user, text=text)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    @admin.action(description="Turn selected leads into customers (matched by WhatsApp number)")
    def convert_to_customer(self, request, queryset):
        done, refused = 0, []
        for lead in queryset:
            try:
                services.lead_convert(lead=lead, by=request.user)
            except ValidationError as exc:
                refused.append(f"{lead.name}: {' '.join(exc.messages)}")
            else:
                done += 1
        if done:
            self.message_user(request, f"{done} lead(s) are now customers.", messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.WARNING)


@admin.register(LeadNote)
class LeadNoteAdmin(PeopleNamesMixin, ReadOnlyAdminMixin, SafeDateHierarchyMixin, admin.ModelAdmin):
    """Timeline entries, read-only: they record what happened. Nor deleted, one by one or in
    bulk: a lead's history is not rewritten."""

    list_display = ("lead", "short_text", "from_status", "to_status", "by", "at")
    list_filter = ("to_status", "at", "by")
    search_fields = ("lead__name", "lead__phone", "text")
    list_select_related = ("lead", "by")
    date_hierarchy = "at"
    readonly_fields = ("lead", "text", "from_status", "to_status", "by", "at")

    @admin.display(description="note")
    def short_text(self, obj):
        return obj.text[:80]
