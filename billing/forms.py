"""Forms for closing, paying, delivering, returning, reopening and correcting bills.

Each form only parses what was typed; the rules live in ``billing.services`` and their
``ValidationError`` messages are put back on these forms next to the field they name.
"""

import uuid
from decimal import Decimal

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError

from devices.models import MAX_QUANTITY, Device
from telite.forms_util import MoneyField, add_service_errors
from telite.money import format_money

from .models import Bill, Payment

MONEY_KW = dict(
    min_value=Decimal("0.00"),
    # Django's "Ensure this value is greater than or equal to 0.00." in the shop's words.
    error_messages={"min_value": "Enter an amount of zero or more, without a minus sign."},
)


class ServiceErrorsMixin:
    """Put a service's ``ValidationError`` on the form: on its field when it names one
    that the form has, otherwise as a form-wide error."""

    def add_service_error(self, exc: ValidationError) -> None:
        add_service_errors(self, exc)


class NoTagHelperMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class CloseDeviceForm(ServiceErrorsMixin, NoTagHelperMixin, forms.Form):
    device = forms.ModelChoiceField(
        queryset=Device.objects.all(),
        widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": "That device does not exist any more.",
            "required": "Choose the device to close.",
        },
    )
    discount = MoneyField(label="Discount", required=False, **MONEY_KW)
    refund_excess = forms.BooleanField(
        label="If the advance is more than the bill, refund the difference",
        required=False,
    )
    refund_mode = forms.ChoiceField(
        label="Refund by", choices=Payment.Mode.choices, initial=Payment.Mode.CASH, required=False
    )
    # A numbered bill cannot be taken back: a ₹0 bill is issued only when ticked.
    allow_zero = forms.BooleanField(required=False)
    # The total before discount as the page showed it (see ``bill_close``).
    expected_total = MoneyField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["allow_zero"].label = f"Issue a {format_money(0)} bill"
        self.fields[
            "allow_zero"
        ].help_text = (
            "Tick only if the work is free of charge: the bill is numbered and cannot be undone."
        )


class PaymentForm(ServiceErrorsMixin, NoTagHelperMixin, forms.Form):
    amount = MoneyField(
        label="Amount",
        min_value=Decimal("0.01"),
        error_messages={"min_value": "Enter an amount greater than zero."},
    )
    mode = forms.ChoiceField(label="Mode", choices=Payment.Mode.choices, initial=Payment.Mode.CASH)
    reference = forms.CharField(
        label="Reference",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "UPI / card ref (optional)"}),
    )
    # One key per rendered form: the same form posted twice records one payment.
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())

    def clean(self):
        data = super().clean()
        if self.has_error("idempotency_key"):
            # The hidden key was lost or garbled (an old page): the person cannot see that
            # field, so say what to do, and send the form back with a new key.
            self.add_error(
                None,
                "This payment form was out of date, so nothing was recorded. "
                "Check the amount and send it again.",
            )
            self.data = self.data.copy()
            self.data[self.add_prefix("idempotency_key")] = str(uuid.uuid4())
        return data


class DeliverForm(ServiceErrorsMixin, NoTagHelperMixin, forms.Form):
    allow_balance_due = forms.BooleanField(
        label="Deliver with balance due (manager)", required=False
    )
    reason = forms.CharField(
        label="Reason for delivering with a balance due",
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. regular customer, pays on Friday"}),
    )


class ReturnForm(ServiceErrorsMixin, NoTagHelperMixin, forms.Form):
    reason = forms.CharField(
        label="Why is it returned unrepaired?",
        max_length=300,
        error_messages={"required": "Say why the device goes back unrepaired."},
        widget=forms.TextInput(attrs={"placeholder": "e.g. customer declined the estimate"}),
    )
    inspection_charge = MoneyField(
        label="Inspection charge",
        required=False,
        help_text="Leave empty for no charge. A charge is billed on its own bill.",
        **MONEY_KW,
    )
    refund_mode = forms.ChoiceField(
        label="Refund any advance by",
        choices=Payment.Mode.choices,
        initial=Payment.Mode.CASH,
        help_text="Advance paid above the inspection charge is handed back.",
    )
    allow_balance_due = forms.BooleanField(
        label="Return with the charge due (manager)",
        required=False,
        help_text="When the customer has not paid the whole charge.",
    )
    balance_reason = forms.CharField(
        label="Reason for returning with the charge due",
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. regular customer, pays on Friday"}),
    )

    def __init__(self, *args, manager: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not manager:  # only a manager may let a device go with money due
            del self.fields["allow_balance_due"], self.fields["balance_reason"]


class ReopenForm(ServiceErrorsMixin, NoTagHelperMixin, forms.Form):
    reason = forms.CharField(
        label="Why is it reopened?",
        max_length=300,
        error_messages={"required": "Say why the repair is reopened: it goes on the voided bill."},
        help_text="The bill is voided with this reason; a new one is issued on closing again.",
        widget=forms.TextInput(attrs={"placeholder": "e.g. fault came back during testing"}),
    )


class BillCorrectionForm(ServiceErrorsMixin, NoTagHelperMixin, forms.Form):
    """A manager's change to an issued bill: discount, notes, one extra charge, removals."""

    discount = MoneyField(label="Discount", **MONEY_KW)
    notes = forms.CharField(
        label="Notes printed on the bill",
        required=False,
        max_length=Bill._meta.get_field("notes").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    description = forms.CharField(
        label="Extra charge",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Data backup to pen drive"}),
    )
    quantity = forms.IntegerField(
        label="Qty", min_value=1, max_value=MAX_QUANTITY, initial=1, required=False
    )
    unit_price = MoneyField(label="Price", required=False, **MONEY_KW)
    remove_lines = forms.TypedMultipleChoiceField(
        label="Remove extra charges",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(
        label="Reason for the change",
        max_length=500,
        error_messages={"required": "Say why the bill is changed: it is kept with the bill."},
        help_text="Required. Kept with the bill and shown on the device timeline.",
        widget=forms.TextInput(attrs={"placeholder": "e.g. goodwill discount agreed by owner"}),
    )

    # The bill's version when the page was opened: a second send of the same form, or a
    # form opened before another change, is refused instead of applied twice.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, bill, **kwargs):
        kwargs.setdefault(
            "initial", {"discount": bill.discount, "notes": bill.notes, "version": bill.version}
        )
        super().__init__(*args, **kwargs)
        self.bill = bill
        self.fields["remove_lines"].choices = [
            (line.pk, f"{line.description} ({format_money(line.amount)})")
            for line in bill.lines.all()
            if line.kind == line.Kind.CHARGE
        ]
        if not self.fields["remove_lines"].choices:
            del self.fields["remove_lines"]

    def clean(self):
        data = super().clean()
        if data.get("version") is None:
            # Without the version the stale check cannot run, and a second send would be
            # applied again: only a hand-made post or a page from before the check lacks it.
            self.add_error(
                None,
                "This form is out of date, so nothing was changed. "
                "Open the bill's change page again.",
            )
        description, price = data.get("description"), data.get("unit_price")
        # A price refused by its own field (negative, not a number) already says why.
        if description and not price and "unit_price" not in self.errors:
            self.add_error("unit_price", "Enter the price of the extra charge.")
        if price and not description:
            self.add_error("description", "Describe the extra charge.")
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        add_lines = []
        if data.get("description") and data.get("unit_price"):
            add_lines.append(
                {
                    "description": data["description"],
                    "quantity": data.get("quantity") or 1,
                    "unit_price": data["unit_price"],
                }
            )
        return {
            "discount": data["discount"],
            "notes": data.get("notes", ""),
            "add_lines": add_lines,
            "remove_line_ids": data.get("remove_lines") or [],
            "reason": data["reason"],
            "expected_version": data.get("version"),
        }


class ReversePaymentForm(ServiceErrorsMixin, NoTagHelperMixin, forms.Form):
    reason = forms.CharField(
        label="Why is it reversed?",
        max_length=200,
        error_messages={"required": "Say why the payment is reversed: it goes on the timeline."},
        widget=forms.TextInput(
            attrs={"placeholder": "e.g. typed 50000 for 5000; was UPI, entered as cash"}
        ),
    )
