"""Filter bars' fields built in Python print what Django's widget templates print."""

import pytest
from django.test.html import parse_html

from billing.filters import ClosedDeviceFilter, DeliveryFilter, PaymentFilter
from devices.filters import DeviceFilter
from devices.models import Device
from telite.forms_util import style_filter_form
from telite.templatetags.telite import plain_widget

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
