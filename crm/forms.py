import datetime
import uuid

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html_join

from accounts.models import User
from devices.workflow import check_promise_horizon
from telite.forms_util import MoneyField, add_service_errors, reversed_range
from telite.phone import normalize_phone

from . import services
from .models import Lead, LeadSource, LeadStatus


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj) if obj.is_active else f"{obj} (left)"


def _owner_field(**kwargs):
    return OwnerChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("first_name", "username"),
        required=False,
        empty_label="Nobody yet",
        label="Owner",
        help_text="Who follows this lead up.",
        **kwargs,
    )


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def refuse_what_the_service_would(form, check, *args) -> None:
    """Run a ``crm.services`` check while the form is cleaned, so that its refusal shows
    next to the field it names (the rule itself lives in the service, for every caller)."""
    try:
        check(*args)
    except ValidationError as exc:
        add_service_errors(form, exc)


def _check_follow_up(value, before=None):
    # A date already in the past is only accepted if it was there before (editing other fields).
    if value and value != before and value < timezone.localdate():
        raise forms.ValidationError("Pick today or a later date for the next follow-up.")
    if value != before:
        # 9999-12-31 is a slip of the keyboard, and the lead would never come up again.
        check_promise_horizon(value)
    return value


_UNKNOWN = object()


class LeadForm(forms.ModelForm):
    """Create or edit a lead. The view hands the cleaned data to crm.services."""

    owner = _owner_field()
    # A new lead's form carries a one-time key (crm.services.lead_create): sent twice, one lead.
    create_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(
        label="First note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional: how they reached us, what was promised.",
    )

    class Meta:
        model = Lead
        fields = (
            "name",
            "phone",
            "email",
            "source",
            "requirement",
            "estimated_value",
            "status",
            "owner",
            "follow_up_date",
        )
        field_classes = {"estimated_value": MoneyField}
        widgets = {
            "requirement": forms.Textarea(attrs={"rows": 3}),
            "follow_up_date": _date_widget(),
        }
        help_texts = {
            "phone": "Any format: 98450 12345, +91 98450 12345 or 919845012345.",
            "estimated_value": "What the job or sale could be worth, in rupees.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        editing = bool(self.instance.pk)
        self._follow_up_before = self.instance.follow_up_date if editing else None
        self.fields["phone"].widget.attrs.update(
            {"inputmode": "tel", "placeholder": "98450 12345", "autocomplete": "off"}
        )
        self.fields["name"].widget.attrs["autofocus"] = not editing and not self.is_bound
        self.fields["source"].choices = [("", "How did they reach us?"), *LeadSource.choices]
        self.fields["source"].error_messages["required"] = "Choose how they reached us."
        self.fields["name"].error_messages["required"] = "Enter the person's name."
        self.fields["phone"].error_messages["required"] = (
            "Enter their WhatsApp number, e.g. 98450 12345."
        )
        self.fields["requirement"].error_messages["required"] = (
            "Say what they want, e.g. laptop screen replacement."
        )
        self.fields["requirement"].widget.attrs["placeholder"] = (
            "e.g. Laptop screen replacement, 10 desktops AMC, new printer"
        )
        if editing:
            self.fields.pop("note")
            self.fields.pop("create_key")
            owner = self.fields["owner"]
            if self.instance.owner_id and not self.instance.owner.is_active:
                # Whoever left still owns the lead until someone else is chosen: saving
                # another change must not quietly make it nobody's.
                owner.queryset = User.objects.filter(
                    Q(is_active=True) | Q(pk=self.instance.owner_id)
                ).order_by("-is_active", "first_name", "username")
            if self.instance.customer_id:
                self.fields[
                    "status"
                ].help_text = "This lead already became a customer, so it stays won."
        self.fields[
            "follow_up_date"
        ].help_text = "Only open leads are followed up: won or lost leads keep no date."
        self.helper = FormHelper()
        self.helper.form_tag = False
        layout = [
            Row(Column("name", css_class="col-md-6"), Column("phone", css_class="col-md-6")),
            Row(Column("email", css_class="col-md-6"), Column("source", css_class="col-md-6")),
            Field("requirement"),
            Row(
                Column("estimated_value", css_class="col-md-4"),
                Column("status", css_class="col-md-4"),
                Column("owner", css_class="col-md-4"),
            ),
            Row(Column("follow_up_date", css_class="col-md-4")),
        ]
        if not editing:
            layout += [Field("note"), Field("create_key")]
        self.helper.layout = Layout(*layout)

    def clean_phone(self):
        return normalize_phone(self.cleaned_data["phone"])

    def clean_follow_up_date(self):
        return _check_follow_up(self.cleaned_data.get("follow_up_date"), self._follow_up_before)

    def clean_estimated_value(self):
        value = self.cleaned_data.get("estimated_value")
        if value is not None and value < 0:
            raise forms.ValidationError("The estimated value cannot be negative.")
        return value

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if not status or (self.instance.pk and status == self.instance.status):
            return cleaned
        if self.instance.pk and "status" not in self._changed():
            # Left as the page showed it: someone else moved the lead on meanwhile, and this
            # edit does not touch the status (service_kwargs leaves it out).
            return cleaned
        try:
            services.check_status_change(self.instance, status, cleaned.get("note", ""))
        except ValidationError as exc:
            errors = exc.message_dict
            if "note" in errors and "note" not in self.fields:
                # Editing has no note field: a lead is lost where its reason is asked.
                errors = {
                    "status": "Mark a lead lost from its page (Move the lead on), "
                    "where you say why."
                }
            for field, messages in errors.items():
                self.add_error(field, messages)
        return cleaned

    def _post_clean(self):
        # The service validates the model; keep the instance untouched until it runs.
        pass

    def service_kwargs(self) -> dict:
        """What a new lead is made of; for an edit, only the fields this person changed and,
        as ``was``, what the page showed in them (``crm.services.lead_update``)."""
        if not self.instance.pk:
            return {name: self.cleaned_data[name] for name in self.Meta.fields}
        changed = self._changed()
        kwargs = {name: self.cleaned_data[name] for name in changed}
        kwargs["was"] = {
            name: shown for name in changed if (shown := self._shown(name)) is not _UNKNOWN
        }
        return kwargs

    def _changed(self) -> list[str]:
        """The fields this person changed: what is sent differs from what the page showed
        (``initial-<name>``, printed by ``shown_inputs``), so a form opened before someone
        else moved the lead on does not undo it. A page that sent no shown values (opened
        before they existed) counts every field as changed."""
        changed = []
        for name in self.Meta.fields:
            shown = self._shown(name)
            if shown is _UNKNOWN or self.fields[name].has_changed(shown, self[name].data):
                changed.append(name)
        return changed

    def _shown(self, name):
        raw = self.data.get(self[name].html_initial_name)
        if raw is None:
            return _UNKNOWN
        try:
            return self.fields[name].to_python(raw)
        except ValidationError:
            return _UNKNOWN

    def shown_inputs(self) -> str:
        """The hidden ``initial-<name>`` inputs of an edit: what the page first showed in each
        field, carried unchanged through a refusal (Django's ``show_hidden_initial`` would
        print what was typed, and lose track of what changed), or as set by
        ``now_showing``."""
        inputs = []
        for name in self.Meta.fields:
            bound = self[name]
            shown = self.data.get(bound.html_initial_name, "") if self.is_bound else bound.value()
            inputs.append(forms.HiddenInput().render(bound.html_initial_name, shown))
        return format_html_join("", "{}", ((html,) for html in inputs))

    def now_showing(self, lead: Lead, clashed) -> None:
        """After a clash, the form shows ``lead`` as saved now: the fields this person did
        not change take its values; the ``clashed`` ones keep what was typed, counted as
        shown over the new value, so saving again puts it instead."""
        changed = self._changed()
        self.data = self.data.copy()
        for name in self.Meta.fields:
            value = getattr(lead, f"{name}_id" if name == "owner" else name)
            value = "" if value is None else str(value)
            if name not in changed:
                self.data[name] = value
            if name not in changed or name in clashed:
                self.data[self[name].html_initial_name] = value


class LeadStatusForm(forms.Form):
    """Move a lead on: status, next follow-up and a note in one step."""

    status = forms.ChoiceField(label="Status", choices=LeadStatus.choices)
    follow_up_date = forms.DateField(label="Next follow-up", required=False, widget=_date_widget())
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "What happened?"}),
        help_text="Optional, except when marking the lead lost: then say why (kept as the reason).",
    )
    # One key per rendered form: the same form sent twice moves the lead on once (see
    # ``services.lead_update``; the view answers a repeat before "Nothing changed").
    idempotency_key = forms.UUIDField(required=False, widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, lead: Lead, **kwargs):
        kwargs.setdefault("initial", {"status": lead.status, "follow_up_date": lead.follow_up_date})
        super().__init__(*args, **kwargs)
        self.lead = lead
        self.fields["status"].widget.attrs["class"] = "form-select"
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_follow_up_date(self):
        return _check_follow_up(self.cleaned_data.get("follow_up_date"), self.lead.follow_up_date)

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if status and status != self.lead.status:
            refuse_what_the_service_would(
                self, services.check_status_change, self.lead, status, cleaned.get("note")
            )
        unchanged = (
            status == self.lead.status
            and cleaned.get("follow_up_date") == self.lead.follow_up_date
            and not (cleaned.get("note") or "").strip()
        )
        if status and unchanged and not self.errors:
            raise forms.ValidationError(
                "Nothing changed: pick a new status or follow-up date, or write a note."
            )
        return cleaned


class LeadNoteForm(forms.Form):
    text = forms.CharField(
        label="Add a note",
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": "Called back, sent a quote, customer will visit…"}
        ),
        error_messages={"required": "Write the note before saving it."},
    )
    # One key per rendered form (see ``services.lead_add_note``). Not required: a page opened
    # before the key existed still adds its note, only without the double-post guard.
    idempotency_key = forms.UUIDField(required=False, widget=forms.HiddenInput, initial=uuid.uuid4)


class LeadConvertForm(forms.Form):
    location = forms.CharField(
        label="Location",
        max_length=200,
        required=False,
        help_text="Area or town for the customer record (optional).",
    )


class MetricsPeriodForm(forms.Form):
    """A period for the conversion figures; this month when nothing is chosen."""

    start = forms.DateField(label="From", required=False, widget=_date_widget())
    end = forms.DateField(label="To", required=False, widget=_date_widget())

    MAX_DAYS = 3660

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        start = cleaned.get("start") or today.replace(day=1)
        end = cleaned.get("end") or today
        if start > end:
            raise forms.ValidationError(reversed_range("From", "To", start))
        if (end - start) > datetime.timedelta(days=self.MAX_DAYS):
            raise forms.ValidationError("Choose a period of at most ten years.")
        cleaned["start"], cleaned["end"] = start, end
        return cleaned
