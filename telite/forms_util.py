"""Form pieces that lists repeat on every row."""

import re
import time

import django_filters
import django_filters.constants
import django_filters.fields
from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.html import escape, format_html_join
from django.utils.safestring import SafeString, mark_safe

from telite.dates import day_end, day_start
from telite.money import typed_amount

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)")


class MoneyInput(forms.TextInput):
    """A text box for an amount, with the phone's number pad (``inputmode="decimal"``).

    Not ``<input type="number">``: a browser sends an empty value for anything it cannot
    read as a number there ("1500/-", "Rs 500"), so an optional amount typed that way was
    saved as zero without a word. A text box sends what was typed, and ``MoneyField``
    reads it or says what is wrong."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})


class MoneyField(forms.DecimalField):
    """An amount of money as people type it at the counter: "1500", "1,500.50", "₹1,500",
    "Rs. 1500", "1500/-" (``telite.money.typed_amount``); anything else is refused with a
    message next to the field, never read as zero."""

    widget = MoneyInput
    default_error_messages = {
        "invalid": "Enter the amount as a number, e.g. 1500 or 1,500.50.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            value = typed_amount(value)
            # Digits and one point only: no "1e3", no "Infinity".
            if not _PLAIN_NUMBER.fullmatch(value):
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)

    def widget_attrs(self, widget):
        # DecimalField would add step/min/max, which only a number input reads.
        attrs = forms.Field.widget_attrs(self, widget)
        attrs.setdefault("placeholder", "0.00")
        return attrs


def options_html(choices) -> SafeString:
    """``<option>``s for ``(value, label)`` pairs, escaped, rendered once per page.

    A list with a ``<select>`` per row (assign, overdue) shows the same technicians in
    every row; rendering them with a template loop per row was most of those pages' time.
    Rows mark their own choice with the ``|selecting:value`` filter (``{% load telite %}``).
    """
    return format_html_join("", '<option value="{}">{}</option>', choices)


def with_selected(options: SafeString, value) -> SafeString:
    """``options`` (built by ``options_html``) with the option of ``value`` selected.

    The value is escaped exactly as ``options_html`` escaped it, so the result is the same
    safe markup with " selected" added inside one of its own tags.
    """
    marker = f'<option value="{escape(value)}">'
    return mark_safe(options.replace(marker, marker[:-1] + " selected>", 1))  # noqa: S308


# Options kept per process for fields given an ``options_key`` (filter bars' technician
# lists): {key: (time.monotonic() when read, [(pk, label), ...])}. A saved or deleted user
# empties it in this process (accounts.apps); other processes read again within
# KEPT_OPTIONS_SECONDS. Only what the list offers is kept: a choice is still checked
# against the database when the form is validated.
_kept_options: dict = {}
KEPT_OPTIONS_SECONDS = 60


def forget_kept_options(**kwargs) -> None:
    """Signal receiver (and test fixture): the next filter bar reads its options again.

    Again once the transaction commits, in case another thread read the old list back
    meanwhile."""
    from telite.pagecache import forget_after_commit

    _kept_options.clear()
    if kwargs.get("sender") is not None:
        forget_after_commit(_kept_options.clear, using=kwargs.get("using"))


class ListedModelChoiceIterator(django_filters.fields.ModelChoiceIterator):
    """A model choice field's options from one plain query, read once per form.

    Django's iterator counts the options (a COUNT query) when a template asks how many
    there are, then reads them through a server-side cursor (DECLARE, FETCH, CLOSE on
    PostgreSQL): five round trips for the twenty technicians of a filter bar.
    """

    def _objects(self) -> list:
        field = self.field
        if field.__dict__.get("_listed_from") is not field.queryset:
            field._listed_from = field.queryset
            field._listed = list(field.queryset)
        return field._listed

    def _choices(self) -> list:
        key = getattr(self.field, "options_key", None)
        if key is None:
            return [self.choice(obj) for obj in self._objects()]
        kept = _kept_options.get(key)
        if kept is None or time.monotonic() - kept[0] > KEPT_OPTIONS_SECONDS:
            options = [(obj.pk, self.field.label_from_instance(obj)) for obj in self._objects()]
            kept = _kept_options[key] = (time.monotonic(), options)
        return kept[1]

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if getattr(self.field, "null_label", None) is not None:
            yield (self.field.null_value, self.field.null_label)
        yield from self._choices()

    def __len__(self):
        extra = (self.field.empty_label is not None) + (
            getattr(self.field, "null_label", None) is not None
        )
        return len(self._choices()) + extra

    def __bool__(self):
        return bool(len(self))


class ListedModelChoiceField(django_filters.fields.ModelChoiceField):
    iterator = ListedModelChoiceIterator

    def __init__(self, *args, options_key: str | None = None, **kwargs):
        self.options_key = options_key
        super().__init__(*args, **kwargs)


class ListedModelChoiceFilter(django_filters.ModelChoiceFilter):
    """``ModelChoiceFilter`` whose options cost one query (filter bars' technician lists),
    or none while they are kept for the process (``options_key=``, see ``_kept_options``)."""

    field_class = ListedModelChoiceField


class DayFromFilter(django_filters.DateFilter):
    """Rows whose ``field_name`` is on or after the start of this day in the shop's time
    zone: a datetime bound, so the column's index is used (a ``__date`` lookup would
    compute a date for every row)."""

    def filter(self, qs, value):
        if value in django_filters.constants.EMPTY_VALUES:
            return qs
        return qs.filter(**{f"{self.field_name}__gte": day_start(value)})


class DayToFilter(django_filters.DateFilter):
    """Rows whose ``field_name`` is before the end of this day in the shop's time zone:
    "to 31 March" includes the whole of 31 March."""

    def filter(self, qs, value):
        if value in django_filters.constants.EMPTY_VALUES:
            return qs
        return qs.filter(**{f"{self.field_name}__lt": day_end(value)})


class DateRangeForm(forms.Form):
    """The form of a filter bar whose date ranges are ``<name>_after`` / ``<name>_before``
    pairs ("Received from" / "Received to"): a "to" before its "from" is refused next to
    the "to" field, and the list is filtered by the "from" alone, instead of silently
    showing nothing."""

    def clean(self):
        cleaned = super().clean()
        for name in list(self.fields):
            if not name.endswith("_after"):
                continue
            end = name.removesuffix("_after") + "_before"
            start_day, end_day = cleaned.get(name), cleaned.get(end)
            if start_day and end_day and end_day < start_day:
                self.add_error(
                    end, reversed_range(self.fields[name].label, self.fields[end].label, start_day)
                )
        return cleaned


def reversed_range(start_label: str, end_label: str, start_day) -> str:
    """What every date range says of a "to" day before its "from" day."""
    return (
        f"“{end_label}” is before “{start_label}”: pick a day on or after "
        f"{date_format(start_day, 'j M Y')}."
    )


def add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's refusal on the form: next to the field it names when the form has
    that field, otherwise above the form (every app's views and forms use this)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def form_error_text(form) -> str:
    """A refused form's errors in one sentence, for a message shown where the form is not
    (a flash message, a row that no longer carries the form)."""
    return " ".join(e for errs in form.errors.values() for e in errs)


def asks_for_filters(request) -> bool:
    """Whether a list's address asks for anything beyond a page number."""
    return any(value for key, value in request.GET.items() if key != "page")


def applied_filters(filterset) -> dict:
    """The values a bound filter set filters by: its form's valid fields, as django-filter
    applies them when another field is refused (a reversed date range filters by its "from"
    alone). Anything computed beside the list (totals, refunds, a banner) must use these,
    not ``{}``, or it would describe a different set of rows."""
    if not filterset.is_bound:
        return {}
    filterset.form.is_valid()
    return filterset.form.cleaned_data


def search_filter(placeholder: str) -> django_filters.CharFilter:
    """A list's search box (``?q=``): the filter set's ``search`` method reads it."""
    return django_filters.CharFilter(
        label="Search",
        method="search",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": placeholder, "class": "form-control"}
        ),
    )


def style_filter_form(form) -> None:
    """Bootstrap classes on a django-filter form's widgets, small to fit one bar
    (``templates/_filter_bar.html``), whatever size the filter set declared."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(widget, forms.Select):
            widget.attrs["class"] = "form-select form-select-sm"
        else:
            widget.attrs["class"] = "form-control form-control-sm"
