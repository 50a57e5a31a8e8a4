"""SPEC §5: managers and admins reassign work and change deadlines, overdue or not, from the
device's own page; the timeline keeps who, when and why."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from devices.models import DeviceEvent, DeviceStatus
from devices.tests.factories import DeviceFactory, ServiceFactory

Kind = DeviceEvent.Kind
pytestmark = pytest.mark.django_db


def in_days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def job(technician):
    # Due in a week: nowhere near the overdue list.
    device = DeviceFactory(
        status=DeviceStatus.ASSIGNED, assigned_to=technician, expected_delivery_date=in_days(7)
    )
    ServiceFactory(device=device)
    return device


def _post(client, device, **data):
    return client.post(reverse("devices:reassign", args=[device.pk]), data)


@pytest.mark.parametrize("who", ["manager", "owner"])
def test_a_job_not_overdue_is_handed_to_another_technician(
    who, request, client_for, job, other_technician
):
    response = _post(
        client_for(request.getfixturevalue(who)),
        job,
        technician=other_technician.pk,
        expected_delivery_date=job.expected_delivery_date.isoformat(),
        reason="Meena on leave this week",
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("devices:service", args=[job.pk])
    job.refresh_from_db()
    assert job.assigned_to == other_technician
    event = job.events.get(kind=Kind.REASSIGNED)
    assert (event.note, event.by) == ("Meena on leave this week", request.getfixturevalue(who))


def test_only_the_promised_date_moves_when_the_technician_stays(client_for, manager, job):
    _post(
        client_for(manager),
        job,
        technician=job.assigned_to_id,
        expected_delivery_date=in_days(10).isoformat(),
        reason="Part arrives Friday",
    )

    job.refresh_from_db()
    assert job.expected_delivery_date == in_days(10)
    assert list(job.events.values_list("kind", "note")) == [(Kind.DEADLINE, "Part arrives Friday")]


def test_a_refused_change_says_why_next_to_the_field_and_keeps_what_was_typed(
    client_for, manager, job, other_technician
):
    response = _post(
        client_for(manager),
        job,
        technician=other_technician.pk,
        expected_delivery_date=in_days(-1).isoformat(),
        reason="",
    )

    assert response.status_code == 400
    form = response.context["reassign_form"]
    assert "past" in form.errors["expected_delivery_date"][0]
    assert "reason" in form.errors
    html = response.content.decode()
    assert f'value="{other_technician.pk}" selected' in html
    assert "<details open" in html
    job.refresh_from_db()
    assert job.assigned_to_id != other_technician.pk


def test_nothing_changed_is_refused_with_a_message(client_for, manager, job):
    response = _post(
        client_for(manager),
        job,
        technician=job.assigned_to_id,
        expected_delivery_date=job.expected_delivery_date.isoformat(),
        reason="Checking",
    )

    assert response.status_code == 400
    assert "already with" in " ".join(response.context["reassign_form"].non_field_errors())
    assert not job.events.exists()


@pytest.mark.parametrize(
    ("who", "shown"),
    [("owner", True), ("manager", True), ("technician", False), ("front_desk", False)],
)
def test_the_control_is_on_the_page_for_managers_and_admins_only(
    who, shown, request, client_for, job
):
    response = client_for(request.getfixturevalue(who)).get(
        reverse("devices:service", args=[job.pk])
    )
    assert (response.context["reassign_form"] is not None) is shown
    assert ("Reassign or change the date" in response.content.decode()) is shown


def test_a_finished_device_offers_no_reassignment(client_for, manager, technician):
    device = DeviceFactory(status=DeviceStatus.READY, assigned_to=technician)
    ServiceFactory(device=device)
    response = client_for(manager).get(reverse("devices:service", args=[device.pk]))
    assert response.context["reassign_form"] is None
    # Closed while the manager's page was open: told why, on the device's page.
    client = client_for(manager)
    refused = _post(
        client,
        device,
        technician=technician.pk,
        expected_delivery_date=in_days(3).isoformat(),
        reason="Again",
    )
    assert refused.status_code == 302
    page = client.get(refused["Location"]).content.decode()
    assert "no longer in the workshop" in page
    device.refresh_from_db()
    assert device.status == DeviceStatus.READY
    assert not device.events.exists()


def test_the_service_form_still_saves_the_service_after_a_refused_reassignment(
    client_for, manager, job
):
    # The refusal is shown at the reassign address; the service form must not post there.
    refused = _post(client_for(manager), job, technician="", reason="")
    html = refused.content.decode()
    action = reverse("devices:service", args=[job.pk])
    assert f'action="{action}" id="service-form"' in html


def test_a_reassignment_with_a_new_date_shows_its_reason_once(
    client_for, manager, job, other_technician
):
    client = client_for(manager)
    _post(
        client,
        job,
        technician=other_technician.pk,
        expected_delivery_date=in_days(10).isoformat(),
        reason="Board needs the BGA station",
    )

    timeline = _timeline_html(client, job)
    assert "Reassigned" in timeline and "Deadline changed" in timeline
    assert timeline.count("Board needs the BGA station") == 1


def test_the_same_reason_given_again_later_shows_again(
    client_for, manager, job, technician, other_technician
):
    client = client_for(manager)
    reason = "Waiting for the part"
    _post(
        client,
        job,
        technician=other_technician.pk,
        reason=reason,
        expected_delivery_date=job.expected_delivery_date.isoformat(),
    )
    job.events.filter(kind=Kind.REASSIGNED).update(at=timezone.now() - datetime.timedelta(hours=2))
    _post(
        client,
        job,
        technician=technician.pk,
        reason=reason,
        expected_delivery_date=job.expected_delivery_date.isoformat(),
    )

    assert _timeline_html(client, job).count(reason) == 2


def _timeline_html(client, device):
    html = client.get(reverse("devices:service", args=[device.pk])).content.decode()
    return html[html.index('<div id="timeline"') :]
