import django_filters
from django import forms

from telite.forms_util import DateRangeForm, DayFromFilter, DayToFilter, search_filter

from .models import Customer
from .selectors import customer_search


class CustomerFilter(django_filters.FilterSet):
    """``/customers/?q=&with_open=1&sort=name|recent|devices``."""

    SORTS = {
        "name": ("name", "pk"),
        "recent": ("-created_at", "-pk"),
        "devices": ("-device_count", "name", "pk"),
    }

    q = search_filter("Name, WhatsApp number, email or place")
    with_open = django_filters.BooleanFilter(
        method="only_with_open",
        label="With devices in the shop",
        widget=forms.CheckboxInput,
    )
    added_after = DayFromFilter(
        field_name="created_at",
        label="Added from",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    added_before = DayToFilter(
        field_name="created_at", label="Added to", widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = django_filters.ChoiceFilter(
        method="sort_by",
        label="Sort by",
        empty_label=None,
        choices=[("name", "Name"), ("recent", "Newest first"), ("devices", "Most devices")],
    )

    class Meta:
        model = Customer
        fields = []
        form = DateRangeForm

    def search(self, queryset, name, value):
        return customer_search(queryset, value)

    def only_with_open(self, queryset, name, value):
        return queryset.filter(open_count__gt=0) if value else queryset

    def sort_by(self, queryset, name, value):
        return queryset.order_by(*self.SORTS.get(value, self.SORTS["name"]))
