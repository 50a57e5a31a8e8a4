from django import forms
from django.urls import reverse_lazy

from telite.phone import normalize_phone

from .models import Customer

_fields = forms.fields_for_model(Customer, fields=["whatsapp_number", "name", "location", "email"])

CONTACT_FIELDS = ("whatsapp_number", "name", "location", "email")


class CustomerContactForm(forms.Form):
    """Who brings the device: found by WhatsApp number as it is typed, or created.

    The number field asks ``customers:lookup`` (htmx) as the clerk types; the answer fills
    name, location and email of a customer we know.
    """

    whatsapp_number = _fields["whatsapp_number"]
    name = _fields["name"]
    location = _fields["location"]
    email = _fields["email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["whatsapp_number"].widget.attrs.update(
            {
                "inputmode": "tel",
                "autocomplete": "off",
                "placeholder": "98450 12345",
                "hx-get": reverse_lazy("customers:lookup"),
                "hx-trigger": "keyup changed delay:300ms, change",
                "hx-target": "#customer-lookup",
                "hx-sync": "this:replace",
                # Which number the details were filled for (see customers:lookup).
                "hx-include": "#id_lookup_filled",
            }
        )
        self.fields["whatsapp_number"].error_messages["required"] = (
            "Enter the customer's WhatsApp number, e.g. 98450 12345."
        )
        self.fields["name"].required = False
        self.fields["name"].help_text = "Filled in for a customer we know; required for a new one."

    def clean_whatsapp_number(self):
        return normalize_phone(self.cleaned_data["whatsapp_number"])

    def clean(self):
        data = super().clean()
        number = data.get("whatsapp_number")
        if number and not (data.get("name") or "").strip():
            if not Customer.objects.filter(whatsapp_number=number).exists():
                self.add_error("name", "Enter the new customer's name.")
        return data

    def customer_data(self) -> dict:
        return {k: (self.cleaned_data.get(k) or "").strip() for k in CONTACT_FIELDS}

    @classmethod
    def for_customer(cls, customer: Customer) -> "CustomerContactForm":
        form = cls(
            initial={
                "whatsapp_number": customer.whatsapp_display,
                "name": customer.name,
                "location": customer.location,
                "email": customer.email,
            }
        )
        form.show_on_file(customer)
        return form

    def show_on_file(self, customer: Customer) -> None:
        """A known customer's details are shown, not edited, at the counter: intake keeps
        what is on file (a family member bringing a device must not rename the account).
        An empty location or email stays open: intake fills it in."""
        on_file = [name for name in ("name", "location", "email") if getattr(customer, name)]
        if self.is_bound and on_file:
            # A refused form comes back with what was typed; a read-only box must show what
            # is kept, not a typed name the clerk can no longer correct.
            self.data = self.data.copy()
            for name in on_file:
                self.data[self.add_prefix(name)] = getattr(customer, name)
        for name in on_file:
            self.fields[name].widget.attrs["readonly"] = True
            self.fields[name].help_text = ON_FILE_HELP


ON_FILE_HELP = "On file for this number; a manager can change it in the back office."


def details_kept(customer: Customer, typed: dict) -> list[str]:
    """The contact details typed at the counter that differ from what is on file for an
    existing customer (and so were not saved)."""
    return [
        Customer._meta.get_field(name).verbose_name
        for name in ("name", "location", "email")
        if typed.get(name) and getattr(customer, name) and typed[name] != getattr(customer, name)
    ]
