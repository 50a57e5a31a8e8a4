"""Pages that only show something refuse a POST with 405 (SPEC §5's role rules for every
route, as every persona, are in telite/tests/test_permissions.py)."""

import pytest

from devices.models import DeviceStatus
from devices.tests.factories import DeviceFactory


@pytest.fixture
def world(technician):
    device = DeviceFactory(status=DeviceStatus.ASSIGNED, assigned_to=technician)
    return {"device": device.pk}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/devices/", "/devices/{device}/slip/", "/customers/", "/customers/lookup/"]
)
def test_read_only_pages_refuse_post(url, manager, client_for, world):
    assert client_for(manager).post(url.format(**world), {}).status_code == 405
