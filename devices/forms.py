import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils import timezone
from django.utils.formats import date_format

from billing.models import PaymentMode
from customers.forms import CustomerContactForm
from telite.forms_util import MoneyField

from .models import MAX_QUANTITY, Device, Service, SparePart
from .selectors import active_technicians
from .services import MAX_PHOTOS, validate_photo
from .workflow import check_promise_horizon, device_reassign

# Offered as the clerk types the device type (any other text is accepted too).
DEVICE_TYPES = (
    "Laptop",
    "Desktop",
    "All-in-one PC",
    "Printer",
    "Monitor",
    "UPS",
    "Tablet",
    "Mobile phone",
    "Hard disk / SSD",
    "Motherboard",
    "Power supply (SMPS)",
    "Keyboard / mouse",
    "Projector",
    "Router / modem",
    "CCTV DVR",
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _not_in_past(value):
    if value and value < timezone.localdate():
        raise ValidationError("The date cannot be in the past.", code="date_in_past")


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Any number of photos; each must be an image (by content) within PHOTO_MAX_MB."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", "image/jpeg,image/png,image/webp")

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        if len(files) > MAX_PHOTOS:
            raise ValidationError(f"Attach at most {MAX_PHOTOS} photos.")
        errors = []
        for upload in files:
            super().clean(upload, initial)
            try:
                validate_photo(upload)
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return files


_device_fields = forms.fields_for_model(
    Device,
    field_classes={"expected_budget": MoneyField},
    fields=[
        "device_name",
        "brand",
        "model",
        "serial_number",
        "issue_description",
        "accessories",
        "condition",
        "password_note",
        "expected_delivery_date",
        "expected_budget",
    ],
)

# A plain form does not run the model's validators: the budget's floor is the form's too
# (without it a negative budget reached the database's check constraint).
_device_fields["expected_budget"].validators.append(
    MinValueValidator(0, message="The budget cannot be negative: leave it empty if none was given.")
)

DEVICE_FIELDS = tuple(_device_fields)
ADVANCE_FIELDS = ("advance_amount", "advance_mode", "advance_reference")


class IntakeForm(CustomerContactForm):
    """Taking a device in (SPEC §2, §3): the customer, the device, photos, an advance."""

    intake_key = forms.UUIDField(widget=forms.HiddenInput)

    device_name = _device_fields["device_name"]
    brand = _device_fields["brand"]
    model = _device_fields["model"]
    serial_number = _device_fields["serial_number"]
    issue_description = _device_fields["issue_description"]
    accessories = _device_fields["accessories"]
    condition = _device_fields["condition"]
    password_note = _device_fields["password_note"]
    expected_delivery_date = _device_fields["expected_delivery_date"]
    expected_budget = _device_fields["expected_budget"]

    photos = MultiplePhotoField(
        label="Photos of the device",
        help_text=f"Optional, up to {MAX_PHOTOS} images (JPEG, PNG, WebP), "
        f"{settings.PHOTO_MAX_MB} MB each.",
    )

    advance_amount = MoneyField(
        label="Advance received",
        required=False,
        min_value=0,
        help_text="Leave empty if the customer paid nothing now.",
    )
    advance_mode = forms.ChoiceField(
        label="Paid by", choices=PaymentMode.choices, initial=PaymentMode.CASH, required=False
    )
    advance_reference = forms.CharField(
        label="Payment reference",
        max_length=100,
        required=False,
        help_text="UPI / card / bank reference, if any.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        f = self.fields
        if not self.is_bound:  # sent back with errors, the first error takes the cursor
            f["whatsapp_number"].widget.attrs["autofocus"] = True
        f["device_name"].widget.attrs.update({"list": "device-types", "autocomplete": "off"})
        f["issue_description"].widget.attrs["rows"] = 3
        f["issue_description"].error_messages["required"] = (
            "Describe the problem the customer reports, e.g. no power, broken screen."
        )
        f["device_name"].error_messages["required"] = (
            "Say what the device is, e.g. laptop, desktop, printer."
        )
        f["expected_delivery_date"].error_messages["required"] = (
            "Pick the date promised to the customer."
        )
        for name in ("accessories", "condition"):
            f[name].widget = forms.Textarea(attrs={"rows": 2, "maxlength": 300})
        f["expected_delivery_date"].widget = DateInput(
            attrs={"min": timezone.localdate().isoformat()}
        )
        f["expected_delivery_date"].validators += [_not_in_past, check_promise_horizon]

    def clean(self):
        data = super().clean()
        amount = data.get("advance_amount")
        if amount and amount > 0 and not data.get("advance_mode"):
            self.add_error("advance_mode", "Choose how the advance was paid.")
        return data

    @staticmethod
    def new_key():
        return uuid.uuid4()

    def device_data(self):
        return {k: self.cleaned_data.get(k) for k in DEVICE_FIELDS}

    def advance_data(self):
        return {
            "amount": self.cleaned_data.get("advance_amount"),
            "mode": self.cleaned_data.get("advance_mode") or PaymentMode.CASH,
            "reference": self.cleaned_data.get("advance_reference") or "",
        }


class ServiceForm(forms.ModelForm):
    # The service as this form showed it (devices.services.service_stamp).
    was = forms.CharField(required=False, widget=forms.HiddenInput)
    labour_charge = MoneyField(
        label="Labour charge",
        min_value=0,
        initial=0,
        help_text="Charge for the work, without spare parts.",
        error_messages={
            "required": "Enter the labour charge (0 if none).",
            "min_value": "The labour charge cannot be negative.",
            "invalid": "Enter the charge as a number, e.g. 450 or 450.00.",
        },
    )

    class Meta:
        model = Service
        fields = ["diagnosis", "work_done", "labour_charge"]
        widgets = {
            "diagnosis": forms.Textarea(attrs={"rows": 3}),
            "work_done": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "diagnosis": "What the technician found.",
            "work_done": "What was repaired or replaced. Printed on the bill.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .services import service_stamp

        if not self.is_bound:
            self.initial["was"] = service_stamp(self.instance if self.instance.pk else None)

    def showing(self, service) -> None:
        """A refused save: the form goes on as if opened on ``service`` as saved now (the
        next save is taken), keeping what was typed."""
        from .services import service_stamp

        self.data = self.data.copy()
        self.data["was"] = service_stamp(service)


class SparePartForm(forms.ModelForm):
    quantity = forms.IntegerField(
        label="Quantity",
        min_value=1,
        max_value=MAX_QUANTITY,
        initial=1,
        error_messages={
            "required": "Enter how many.",
            "min_value": "The quantity must be at least 1.",
            "invalid": "Enter a whole number.",
        },
    )
    unit_cost = MoneyField(
        label="Unit price",
        min_value=0,
        error_messages={
            "required": "Enter the unit price (0 if free).",
            "min_value": "The unit price cannot be negative.",
            "invalid": "Enter the price as a number, e.g. 450 or 450.00.",
        },
    )

    # One key per rendered form (see ``part_add``). Not required: a page opened before the
    # key existed still adds its part, only without the double-post guard.
    idempotency_key = forms.UUIDField(required=False, widget=forms.HiddenInput, initial=uuid.uuid4)
    # A correction's form: the part as it showed it (devices.services.part_change).
    was = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = SparePart
        fields = ["name", "quantity", "unit_cost"]
        error_messages = {"name": {"required": "Enter the part's name."}}


class TechnicianChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        jobs = getattr(obj, "open_jobs", None)
        name = str(obj)
        return f"{name} ({jobs} in repair)" if jobs is not None else name


class AssignForm(forms.Form):
    device = forms.ModelChoiceField(queryset=Device.objects.all(), widget=forms.HiddenInput)
    technician = TechnicianChoiceField(
        queryset=active_technicians(),
        empty_label="Choose a technician…",
        error_messages={
            "required": "Choose a technician.",
            "invalid_choice": "Choose an active technician.",
        },
    )


class ReassignForm(forms.Form):
    """A device in the workshop (overdue or not): its technician, its promised date, and why
    they change (kept on the timeline)."""

    technician = TechnicianChoiceField(
        queryset=active_technicians(),
        empty_label="Choose a technician…",
        error_messages={
            "required": "Choose a technician.",
            "invalid_choice": "Choose an active technician.",
        },
    )
    expected_delivery_date = forms.DateField(
        label="New expected date",
        validators=[_not_in_past, check_promise_horizon],
        error_messages={"required": "Enter the new expected date."},
    )
    reason = forms.CharField(
        label="Reason",
        max_length=300,
        error_messages={"required": "Give a reason: it is kept on the device's timeline."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_delivery_date"].widget = DateInput(
            attrs={"min": timezone.localdate().isoformat()}
        )
        self.fields["reason"].widget.attrs["placeholder"] = "e.g. waiting for a part; Arun on leave"

    def reassign(self, device: Device, *, by) -> Device:
        """Hand ``device`` over as the valid form says (``workflow.device_reassign``)."""
        return device_reassign(
            device=device,
            technician=self.cleaned_data["technician"],
            by=by,
            note=self.cleaned_data["reason"],
            expected_delivery_date=self.cleaned_data["expected_delivery_date"],
        )

    @staticmethod
    def done_message(device: Device) -> str:
        return (
            f"{device.job_number} is now with {device.assigned_to}, due "
            f"{date_format(device.expected_delivery_date, 'j M Y')}."
        )


class PhotoForm(forms.Form):
    photos = MultiplePhotoField(label="Add photos", required=True)
    # One key per rendered form (``services.photos_add``'s upload_key; named so that the page
    # cache gives every response its own). Not required: a page opened before the key existed
    # still adds its photos, only without the double-post guard.
    idempotency_key = forms.UUIDField(required=False, widget=forms.HiddenInput, initial=uuid.uuid4)
