"""Form pieces that lists repeat on every row."""

import django_filters
import django_filters.fields
from django.utils.html import format_html_join
from django.utils.safestring import SafeString


def options_html(choices) -> SafeString:
    """``<option>``s for ``(value, label)`` pairs, escaped, rendered once per page.

    A list with a ``<select>`` per row (assign, overdue) shows the same technicians in
    every row; rendering them with a template loop per row was most of those pages' time.
    Rows mark their own choice with the ``|selecting:value`` filter (``{% load telite %}``).
    """
    return format_html_join("", '<option value="{}">{}</option>', choices)


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

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if getattr(self.field, "null_label", None) is not None:
            yield (self.field.null_value, self.field.null_label)
        for obj in self._objects():
            yield self.choice(obj)

    def __len__(self):
        extra = (self.field.empty_label is not None) + (
            getattr(self.field, "null_label", None) is not None
        )
        return len(self._objects()) + extra

    def __bool__(self):
        return bool(len(self))


class ListedModelChoiceField(django_filters.fields.ModelChoiceField):
    iterator = ListedModelChoiceIterator


class ListedModelChoiceFilter(django_filters.ModelChoiceFilter):
    """``ModelChoiceFilter`` whose options cost one query (filter bars' technician lists)."""

    field_class = ListedModelChoiceField
