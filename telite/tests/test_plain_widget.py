"""Filter bars' fields built in Python print what Django's widget templates print."""

import pytest
from django.test.html import parse_html

from billing.filters import ClosedDeviceFilter, DeliveryFilter, PaymentFilter
from devices.filters import DeviceFilter
from devices.models import Device
from telite.forms_util import style_filter_form
from telite.templatetags.telite import filters_in_use, plain_widget

pytestmark = pytest.mark.django_db

FILTERS = [
    (DeviceFilter, {"q": "98450 <b>", "status": "assigned", "received_after": "2026-01-05"}),
    (DeviceFilter, {}),
    (ClosedDeviceFilter, {"q": "x", "status": "delivered", "closed_before": "2026-02-01"}),
    (ClosedDeviceFilter, {"status": "not-a-status", "closed_after": "someday"}),
    (DeliveryFilter, {"balance": "due"}),
    (PaymentFilter, {"mode": "upi"}),
]


@pytest.mark.parametrize("filterset, data", FILTERS)
def test_each_field_is_the_html_django_would_render(filterset, data, technician):
    found = filterset(data or None, queryset=Device.objects.all())
    style_filter_form(found.form)
    found.form.is_valid()
    for field in found.form:
        ours, django = parse_html(str(plain_widget(field))), parse_html(str(field.as_widget()))
        assert ours == django, field.name


def test_the_technician_choice_is_kept(technician):
    found = DeviceFilter({"technician": str(technician.pk)}, queryset=Device.objects.all())
    html = str(plain_widget(found.form["technician"]))
    assert f'<option value="{technician.pk}" selected>' in html


@pytest.mark.parametrize(
    "data, in_use",
    [
        ({}, 0),
        ({"q": "98450"}, 0),  # the search stays in sight: it is not folded away
        ({"q": "98450", "status": "delivered"}, 1),
        ({"status": "delivered", "closed_before": "2026-02-01"}, 2),
        ({"closed_after": "someday"}, 1),  # refused: opened, to show why
        ({"customer": "7"}, 0),  # hidden: it has its own banner, not a folded field
        ({"status": ""}, 0),
    ],
)
def test_a_phone_opens_the_folded_filters_only_when_one_is_in_use(data, in_use, technician):
    found = ClosedDeviceFilter(data or None, queryset=Device.objects.all())
    found.form.is_valid()
    assert filters_in_use(found.form, "q") == in_use


def test_the_filter_bar_on_a_phone_shows_how_many_folded_filters_are_in_use(
    client_for, manager, technician
):
    folded = client_for(manager).get("/closed_devices?q=98450").content.decode()
    assert 'class="col-12 col-lg filter-more collapse d-sm-block" id="more-filters"' in folded
    assert "More filters</button>" in folded

    opened = client_for(manager).get(
        f"/closed_devices?q=98450&technician={technician.pk}&status=delivered"
    )
    html = opened.content.decode()
    assert 'collapse d-sm-block show" id="more-filters"' in html
    assert "More filters (2)</button>" in html
