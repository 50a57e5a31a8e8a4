"""The lead list's filters. Query parameters other pages link with (keep them):
``/crm/?q=&status=&owner=&source=&follow_up=due`` (due = today or overdue, open leads only).
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from telite.forms_util import (
    DateRangeForm,
    DayFromFilter,
    DayToFilter,
    search_filter,
    style_filter_form,
)
from telite.phone import phone_search_q
from telite.trigram import all_words_q

from .models import Lead, LeadSource, LeadStatus
from .selectors import follow_up_due_q

OPEN = "open"
STATUS_CHOICES = [(OPEN, "Open (new, contacted, qualified)"), *LeadStatus.choices]
FOLLOW_UP_CHOICES = [
    ("due", "Due: today or overdue"),
    ("today", "Due today"),
    ("overdue", "Overdue"),
    ("upcoming", "Later"),
    ("none", "No follow-up set"),
]


class _OwnerField(django_filters.fields.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj) if obj.is_active else f"{obj} (left)"


class OwnerFilter(django_filters.ModelChoiceFilter):
    field_class = _OwnerField


class LeadFilter(django_filters.FilterSet):
    q = search_filter("Name, phone or what they want")
    status = django_filters.ChoiceFilter(
        label="Status", choices=STATUS_CHOICES, method="filter_status", empty_label="Any status"
    )
    # Everyone, those still working first: the leads of someone who left must be found to be
    # handed over.
    owner = OwnerFilter(
        label="Owner",
        queryset=User.objects.order_by("-is_active", "first_name", "username"),
        null_label="Nobody yet",
        empty_label="Anyone",
    )
    source = django_filters.ChoiceFilter(
        label="Source", choices=LeadSource.choices, empty_label="Any source"
    )
    follow_up = django_filters.ChoiceFilter(
        label="Follow-up",
        choices=FOLLOW_UP_CHOICES,
        method="filter_follow_up",
        empty_label="Any time",
    )
    created_after = DayFromFilter(
        field_name="created_at",
        label="Created from",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_before = DayToFilter(
        field_name="created_at",
        label="Created to",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Lead
        fields = ["q", "status", "owner", "source", "follow_up", "created_after", "created_before"]
        form = DateRangeForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_filter_form(self.form)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        match = all_words_q("name", value) | Q(requirement__icontains=value)
        # "98450 12345", "+91 98450 12345" and "919845012345" are one number.
        phone = phone_search_q(value, "phone")
        if phone is not None:
            match |= phone
        return queryset.filter(match)

    def filter_status(self, queryset, name, value):
        if value == OPEN:
            return queryset.filter(status__in=Lead.OPEN)
        return queryset.filter(status=value)

    def filter_follow_up(self, queryset, name, value):
        today = timezone.localdate()
        open_leads = Q(status__in=Lead.OPEN)
        conditions = {
            "due": follow_up_due_q(today),
            "today": open_leads & Q(follow_up_date=today),
            "overdue": open_leads & Q(follow_up_date__lt=today),
            "upcoming": open_leads & Q(follow_up_date__gt=today),
            "none": open_leads & Q(follow_up_date__isnull=True),
        }
        queryset = queryset.filter(conditions[value])
        if value != "none":
            # A follow-up list is worked through oldest date first.
            queryset = queryset.order_by("follow_up_date", "-created_at")
        return queryset
