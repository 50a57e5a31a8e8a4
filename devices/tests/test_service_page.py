import re
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from devices.models import (
    MAX_QUANTITY,
    DeviceEvent,
    DevicePhoto,
    DeviceStatus,
    Service,
    SparePart,
)
from devices.services import part_add, part_change, service_update
from devices.tests.factories import DeviceFactory, ServiceFactory, SparePartFactory
from devices.tests.helpers import image_upload, text_pretending_to_be_jpeg

Kind = DeviceEvent.Kind
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def job(technician):
    device = DeviceFactory(status=DeviceStatus.ASSIGNED, assigned_to=technician)
    ServiceFactory(device=device)
    return device


def service_post(labour="450", **extra):
    return {
        "diagnosis": "Dead power IC",
        "work_done": "Replaced IC",
        "labour_charge": labour,
        **extra,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who", ["owner", "manager", "technician", "other_technician", "front_desk"]
)
def test_every_staff_member_sees_the_service_page(who, request, client_for, job):
    user = request.getfixturevalue(who)
    response = client_for(user).get(reverse("devices:service", args=[job.pk]))
    assert response.status_code == 200
    assert job.job_number in response.content.decode()
    editable = who in ("owner", "manager", "technician")
    assert response.context["can_edit"] is editable
    assert ('name="labour_charge"' in response.content.decode()) is editable


@pytest.mark.django_db
def test_original_route_works_with_and_without_slash(client_for, front_desk, job):
    client = client_for(front_desk)
    assert client.get(f"/service/{job.pk}").status_code == 200
    assert client.get(f"/service/{job.pk}/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("owner", 302),
        ("manager", 302),
        ("technician", 302),
        ("other_technician", 403),
        ("front_desk", 403),
    ],
)
def test_only_the_assigned_technician_and_managers_save_the_service(
    who, status, request, client_for, job
):
    user = request.getfixturevalue(who)
    response = client_for(user).post(reverse("devices:service", args=[job.pk]), service_post())
    assert response.status_code == status
    service = Service.objects.get(device=job)
    if status == 302:
        assert service.labour_charge == Decimal("450.00")
        assert service.updated_by == user
        event = job.events.get(kind=Kind.SERVICE)
        assert event.by == user
        assert "labour charge" in event.note
    else:
        assert service.labour_charge == Decimal("0.00")
        assert not job.events.exists()


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(anonymous, job):
    response = anonymous.get(reverse("devices:service", args=[job.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    response = anonymous.post(reverse("devices:part_add", args=[job.pk]), {"name": "x"})
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not SparePart.objects.exists()


@pytest.mark.django_db
def test_missing_device_is_404(client_for, manager):
    assert client_for(manager).get("/service/9999").status_code == 404


@pytest.mark.django_db
def test_refused_service_form_keeps_what_was_typed(client_for, technician, job):
    response = client_for(technician).post(
        reverse("devices:service", args=[job.pk]), service_post(labour="-5", diagnosis="Typed text")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "labour_charge" in form.errors
    assert form["diagnosis"].value() == "Typed text"
    assert Service.objects.get(device=job).diagnosis == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status, label",
    [
        (DeviceStatus.ASSIGNED, "Total so far"),
        (DeviceStatus.READY, "Work total"),
        (DeviceStatus.DELIVERED, "Work total"),
    ],
)
def test_parts_total_is_a_running_total_only_while_the_job_is_open(
    status, label, client_for, front_desk, technician
):
    device = DeviceFactory(status=status, assigned_to=technician)
    ServiceFactory(device=device)
    html = client_for(front_desk).get(reverse("devices:service", args=[device.pk])).content.decode()
    total_row = html[: html.index('id="running-total"')].rsplit("<tr", 1)[1]
    assert re.search(rf">{label}</td>", total_row)


@pytest.mark.django_db
def test_a_billed_jobs_card_says_what_the_bill_comes_to_after_its_discount(
    client_for, front_desk, technician, job
):
    from billing.services import bill_close

    service_update(device=job, by=technician, diagnosis="", work_done="", labour_charge="4950.50")
    bill = bill_close(device=job, by=technician, discount="50.50")
    html = client_for(front_desk).get(reverse("devices:service", args=[job.pk])).content.decode()
    assert "₹4,950.50" in html  # the work, as recorded
    assert f'{bill.number}</a> comes to <strong class="text-body">₹4,900.00</strong>' in html
    assert "after a discount of ₹50.50" in html


@pytest.mark.django_db
def test_a_billed_job_without_a_discount_shows_no_bill_note(client_for, technician, job):
    from billing.services import bill_close

    service_update(device=job, by=technician, diagnosis="", work_done="", labour_charge="500")
    bill_close(device=job, by=technician)
    html = client_for(technician).get(reverse("devices:service", args=[job.pk])).content.decode()
    assert "that is what the customer pays" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status", [DeviceStatus.READY, DeviceStatus.DELIVERED, DeviceStatus.RETURNED]
)
def test_service_of_a_closed_device_cannot_change(status, client_for, manager, technician):
    device = DeviceFactory(status=status, assigned_to=technician)
    ServiceFactory(device=device, diagnosis="As billed")
    part = SparePartFactory(service=device.service)
    client = client_for(manager)
    page = client.get(reverse("devices:service", args=[device.pk]))
    assert 'name="labour_charge"' not in page.content.decode()
    assert "can no longer change" in page.content.decode()
    # The reason given is the true one: a returned device had no bill made from its work.
    unrepaired = "went back to the customer unrepaired" in page.content.decode()
    billed = "because its bill was issued from them" in page.content.decode()
    assert (unrepaired, billed) == (
        (True, False) if status == DeviceStatus.RETURNED else (False, True)
    )

    response = client.post(reverse("devices:service", args=[device.pk]), service_post())
    assert response.status_code == 200
    assert "cannot change any more" in " ".join(response.context["form"].non_field_errors())
    assert Service.objects.get(device=device).diagnosis == "As billed"

    response = client.post(
        reverse("devices:part_add", args=[device.pk]),
        {"name": "RAM", "quantity": 1, "unit_cost": "900"},
        **HTMX,
    )
    assert "cannot change any more" in response.content.decode()
    response = client.post(reverse("devices:part_delete", args=[device.pk, part.pk]), **HTMX)
    assert "cannot change any more" in response.content.decode()
    assert list(SparePart.objects.all()) == [part]
    assert not device.events.exists()


@pytest.mark.django_db
def test_adding_a_part_with_htmx_returns_the_parts_and_timeline(client_for, technician, job):
    response = client_for(technician).post(
        reverse("devices:part_add", args=[job.pk]),
        {"name": "Keyboard", "quantity": "2", "unit_cost": "450.50"},
        **HTMX,
    )
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "devices/_parts.html"
    html = response.content.decode()
    assert 'id="parts"' in html
    assert "<html" not in html  # a partial, not a page
    assert "₹901.00" in html  # 2 × 450.50
    assert 'hx-swap-oob="true"' in html and "Spare part added" in html
    part = SparePart.objects.get()
    assert (part.quantity, part.unit_cost, part.added_by) == (2, Decimal("450.50"), technician)
    event = job.events.get(kind=Kind.PART_ADDED)
    assert event.to_value == "Keyboard × 2"


@pytest.mark.django_db
def test_running_total_is_labour_plus_parts_in_decimal(client_for, manager, job):
    service_update(device=job, by=manager, diagnosis="", work_done="", labour_charge="300.10")
    part_add(device=job, by=manager, name="Fan", quantity=3, unit_cost="0.10")
    part_add(device=job, by=manager, name="Paste", quantity=1, unit_cost="99.99")
    response = client_for(manager).get(reverse("devices:service", args=[job.pk]))
    totals = response.context["totals"]
    assert totals == {
        "labour": Decimal("300.10"),
        "parts": Decimal("100.29"),
        "total": Decimal("400.39"),
    }
    assert all(isinstance(v, Decimal) for v in totals.values())
    assert "₹400.39" in response.content.decode()


@pytest.mark.django_db
def test_refused_part_shows_errors_next_to_the_fields(client_for, technician, job):
    response = client_for(technician).post(
        reverse("devices:part_add", args=[job.pk]),
        {"name": "", "quantity": "0", "unit_cost": "abc"},
        **HTMX,
    )
    assert response.status_code == 200
    form = response.context["part_form"]
    assert set(form.errors) == {"name", "quantity", "unit_cost"}
    assert "invalid-feedback" in response.content.decode()
    assert not SparePart.objects.exists()


def _key_in_part_form(html, device):
    """The hidden key of the "add a part" form (the page has payment forms with keys too)."""
    add_url = re.escape(reverse("devices:part_add", args=[device.pk]))
    found = re.search(rf'action="{add_url}".*?name="idempotency_key" value="([^"]+)"', html, re.S)
    return found.group(1)


def _part_form_key(client, device):
    page = client.get(reverse("devices:service", args=[device.pk])).content.decode()
    return _key_in_part_form(page, device)


@pytest.mark.django_db
def test_the_same_part_form_sent_twice_adds_the_part_once(client_for, technician, job):
    # Without JavaScript a double click sends the form twice; htmx would drop the second.
    client = client_for(technician)
    post = {"name": "Keyboard", "quantity": "1", "unit_cost": "450"}
    post["idempotency_key"] = _part_form_key(client, job)
    url = reverse("devices:part_add", args=[job.pk])
    first, second = client.post(url, post), client.post(url, post)
    assert first.status_code == second.status_code == 302
    assert SparePart.objects.filter(service__device=job).count() == 1
    assert job.events.filter(kind=Kind.PART_ADDED).count() == 1
    assert client.get(reverse("devices:service", args=[job.pk])).context["totals"][
        "parts"
    ] == Decimal("450.00")


@pytest.mark.django_db
def test_each_new_part_form_adds_its_own_part(client_for, technician, job):
    # The same part twice on purpose: two forms, two parts.
    client = client_for(technician)
    url = reverse("devices:part_add", args=[job.pk])
    keys = []
    for _ in range(2):
        keys.append(_part_form_key(client, job))
        client.post(
            url, {"name": "Screw", "quantity": "1", "unit_cost": "5", "idempotency_key": keys[-1]}
        )
    assert keys[0] != keys[1]
    assert SparePart.objects.filter(service__device=job, name="Screw").count() == 2


@pytest.mark.django_db
def test_after_an_htmx_add_the_form_comes_back_with_a_new_key(client_for, technician, job):
    client = client_for(technician)
    key = _part_form_key(client, job)
    response = client.post(
        reverse("devices:part_add", args=[job.pk]),
        {"name": "Fan", "quantity": "1", "unit_cost": "150", "idempotency_key": key},
        **HTMX,
    )
    fresh = _key_in_part_form(response.content.decode(), job)
    assert fresh != key
    assert SparePart.objects.get().idempotency_key == uuid.UUID(key)


@pytest.mark.django_db
def test_a_refused_part_keeps_its_key_so_the_corrected_form_adds_once(client_for, technician, job):
    client = client_for(technician)
    key = _part_form_key(client, job)
    url = reverse("devices:part_add", args=[job.pk])
    refused = client.post(
        url, {"name": "Fan", "quantity": "0", "unit_cost": "150", "idempotency_key": key}, **HTMX
    )
    assert _key_in_part_form(refused.content.decode(), job) == key
    fixed = {"name": "Fan", "quantity": "1", "unit_cost": "150", "idempotency_key": key}
    client.post(url, fixed, **HTMX)
    client.post(url, fixed, **HTMX)
    assert SparePart.objects.count() == 1


@pytest.mark.django_db
def test_a_part_form_from_before_the_key_still_adds_its_part(client_for, technician, job):
    client_for(technician).post(
        reverse("devices:part_add", args=[job.pk]),
        {"name": "Fan", "quantity": "1", "unit_cost": "150"},
    )
    assert SparePart.objects.get().idempotency_key is None


@pytest.mark.django_db
def test_another_jobs_part_key_does_not_stop_or_move_the_part(client_for, manager, job):
    other = DeviceFactory(status=DeviceStatus.ASSIGNED, assigned_to=job.assigned_to)
    ServiceFactory(device=other)
    key = uuid.uuid4()
    part_add(device=other, by=manager, name="Fan", quantity=1, unit_cost="150", idempotency_key=key)
    client_for(manager).post(
        reverse("devices:part_add", args=[job.pk]),
        {"name": "RAM", "quantity": "1", "unit_cost": "900", "idempotency_key": str(key)},
    )
    assert [p.name for p in SparePart.objects.filter(service__device=job)] == ["RAM"]
    assert [p.name for p in SparePart.objects.filter(service__device=other)] == ["Fan"]


@pytest.mark.django_db
def test_adding_a_part_also_refreshes_the_actions_panel(client_for, technician, job):
    client = client_for(technician)
    assert "Nothing to bill yet" in client.get(reverse("devices:service", args=[job.pk])).text
    response = client.post(
        reverse("devices:part_add", args=[job.pk]),
        {"name": "Fan", "quantity": "1", "unit_cost": "150"},
        **HTMX,
    )
    html = response.content.decode()
    assert f'id="billing-actions-{job.pk}" hx-swap-oob="true"' in html
    assert "Close repair &amp; issue bill" in html
    assert "Nothing to bill yet" not in html


@pytest.mark.django_db
def test_a_part_that_takes_the_job_past_what_a_bill_holds_is_refused(client_for, manager, job):
    url = reverse("devices:part_add", args=[job.pk])
    big = {"name": "Board", "quantity": "9999", "unit_cost": "999999.99"}
    client = client_for(manager)
    assert client.post(url, big, **HTMX).context["part_form"].errors == {}
    response = client.post(url, big, **HTMX)
    assert "more than a bill can hold" in response.context["part_form"].errors["unit_cost"][0]
    assert SparePart.objects.filter(service__device=job).count() == 1
    # The shared lists still read every job.
    assert client.get(reverse("devices:device_list")).status_code == 200


@pytest.mark.django_db
def test_labour_that_takes_the_job_past_what_a_bill_holds_is_refused(client_for, manager, job):
    part_add(device=job, by=manager, name="Fan", quantity=1, unit_cost="1.00")
    response = client_for(manager).post(
        reverse("devices:service", args=[job.pk]), service_post(labour="9999999999.99")
    )
    assert response.status_code == 200
    assert "more than a bill can hold" in response.context["form"].errors["labour_charge"][0]
    assert Service.objects.get(device=job).labour_charge == Decimal("0.00")


@pytest.mark.django_db
def test_removing_a_part_records_what_it_was(client_for, technician, job):
    part = SparePartFactory(service=job.service, name="Battery", quantity=1, unit_cost="2100")
    response = client_for(technician).post(
        reverse("devices:part_delete", args=[job.pk, part.pk]), **HTMX
    )
    assert response.status_code == 200
    assert not SparePart.objects.exists()
    event = job.events.get(kind=Kind.PART_REMOVED)
    assert event.from_value == "Battery × 1"
    assert "₹2,100.00" in event.note


@pytest.mark.django_db
def test_part_of_another_device_is_404(client_for, manager, job):
    other = SparePartFactory()
    response = client_for(manager).post(reverse("devices:part_delete", args=[job.pk, other.pk]))
    assert response.status_code == 404
    assert SparePart.objects.filter(pk=other.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["other_technician", "front_desk"])
def test_parts_cannot_be_changed_by_someone_not_assigned(who, request, client_for, job):
    part = SparePartFactory(service=job.service)
    client = client_for(request.getfixturevalue(who))
    add = client.post(
        reverse("devices:part_add", args=[job.pk]), {"name": "X", "quantity": 1, "unit_cost": 1}
    )
    remove = client.post(reverse("devices:part_delete", args=[job.pk, part.pk]))
    assert (add.status_code, remove.status_code) == (403, 403)
    assert list(SparePart.objects.all()) == [part]


@pytest.mark.django_db
def test_a_service_action_opened_as_a_page_goes_back_to_the_device(client_for, manager, job):
    client = client_for(manager)
    for name in ("devices:part_add", "devices:photos_add", "devices:reassign"):
        response = client.get(reverse(name, args=[job.pk]))
        assert response["Location"] == reverse("devices:service", args=[job.pk]), name
    assert not job.service.parts.exists()


@pytest.mark.django_db
def test_without_htmx_part_add_redirects_back_with_a_message(client_for, manager, job):
    response = client_for(manager).post(
        reverse("devices:part_add", args=[job.pk]),
        {"name": "SSD 512 GB", "quantity": 1, "unit_cost": "3200"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("devices:service", args=[job.pk])
    assert "SSD 512 GB added" in response.content.decode()


@pytest.mark.django_db
def test_timeline_shows_who_when_from_to_and_note(client_for, front_desk, manager, technician):
    from devices.workflow import device_assign

    device = DeviceFactory()
    device_assign(device=device, technician=technician, by=manager, note="Priority customer")
    page = client_for(front_desk).get(reverse("devices:service", args=[device.pk])).content.decode()
    assert "Assigned" in page
    assert "unassigned" in page and str(technician) in page
    assert "Priority customer" in page
    assert f"by {manager}" in page


def _timeline_entries(html):
    """The <li> entries of the job timeline, in page order."""
    timeline = html[html.index('id="timeline"') :]
    timeline = timeline[: timeline.index("</ul>")]
    return timeline.split("<li>")[1:]


@pytest.mark.django_db
def test_a_removed_part_on_the_timeline_has_no_dangling_arrow(client_for, technician, job):
    part = SparePartFactory(service=job.service, name="Keyboard", quantity=2, unit_cost="900")
    html = (
        client_for(technician)
        .post(reverse("devices:part_delete", args=[job.pk, part.pk]), **HTMX)
        .content.decode()
    )
    (removed,) = [e for e in _timeline_entries(html) if "Spare part removed" in e]
    assert "Keyboard × 2" in removed
    assert "bi-arrow-right" not in removed


@pytest.mark.django_db
def test_a_deadline_change_on_the_timeline_reads_as_dates(client_for, front_desk, manager, job):
    import datetime

    from django.utils import timezone

    from devices.workflow import device_set_deadline

    before = job.expected_delivery_date
    after = timezone.localdate() + datetime.timedelta(days=40)
    device_set_deadline(device=job, expected_delivery_date=after, by=manager)
    html = client_for(front_desk).get(reverse("devices:service", args=[job.pk])).content.decode()
    (changed,) = [e for e in _timeline_entries(html) if "Deadline changed" in e]
    assert f"{before.day} {before:%b %Y}" in changed and f"{after.day} {after:%b %Y}" in changed
    assert before.isoformat() not in changed and after.isoformat() not in changed
    assert "bi-arrow-right" in changed


@pytest.mark.django_db
def test_job_timeline_reads_oldest_first(client_for, front_desk, manager):
    import datetime

    from django.utils import timezone

    from devices.workflow import record_event

    device = DeviceFactory()
    now = timezone.now()
    # Recorded out of order, so that the page must sort by when, not by id.
    for note, hours_ago in [("second", 2), ("first", 3), ("third", 1)]:
        record_event(
            device,
            kind=Kind.NOTE,
            by=manager,
            note=note,
            at=now - datetime.timedelta(hours=hours_ago),
        )
    html = client_for(front_desk).get(reverse("devices:service", args=[device.pk])).content.decode()
    notes = [re.search(r'fst-italic"[^>]*>(\w+)<', e).group(1) for e in _timeline_entries(html)]
    assert notes == ["first", "second", "third"]


@pytest.mark.django_db
def test_photos_are_served_only_to_logged_in_staff(client_for, anonymous, front_desk, manager, job):
    client = client_for(manager)
    response = client.post(
        reverse("devices:photos_add", args=[job.pk]), {"photos": [image_upload()]}, follow=True
    )
    assert "1 photo added" in response.content.decode()
    photo = DevicePhoto.objects.get()
    url = reverse("devices:photo", args=[photo.pk])
    assert anonymous.get(url).status_code == 302
    served = client_for(front_desk).get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content)[:2] == b"\xff\xd8"  # a JPEG
    assert client_for(front_desk).get(reverse("devices:photo", args=[999])).status_code == 404


@pytest.mark.django_db
def test_adding_a_non_image_photo_on_the_service_page_is_refused(client_for, manager, job):
    response = client_for(manager).post(
        reverse("devices:photos_add", args=[job.pk]),
        {"photos": [text_pretending_to_be_jpeg()]},
        follow=True,
    )
    assert "No photo was added" in response.content.decode()
    assert not DevicePhoto.objects.exists()


def _photo_key(client, device):
    html = client.get(reverse("devices:service", args=[device.pk])).content.decode()
    form = html[html.index(reverse("devices:photos_add", args=[device.pk])) :]
    return re.search(r'name="idempotency_key" value="([^"]+)"', form).group(1)


@pytest.mark.django_db
def test_the_same_photo_form_sent_twice_adds_its_photos_once(client_for, manager, job):
    client = client_for(manager)
    url = reverse("devices:photos_add", args=[job.pk])
    key = _photo_key(client, job)

    for _ in range(2):
        client.post(url, {"photos": [image_upload(), image_upload()], "idempotency_key": key})

    assert job.photos.count() == 2
    assert job.events.filter(kind=Kind.NOTE, note="2 photos added").count() == 1


@pytest.mark.django_db
def test_each_photo_form_shown_adds_its_own_photos(client_for, manager, job):
    client = client_for(manager)
    url = reverse("devices:photos_add", args=[job.pk])

    for _ in range(2):
        key = _photo_key(client, job)
        client.post(url, {"photos": [image_upload()], "idempotency_key": key})

    assert job.photos.count() == 2


@pytest.mark.django_db
def test_actions_card_includes_the_billing_actions(client_for, manager, job):
    response = client_for(manager).get(reverse("devices:service", args=[job.pk]))
    assert "billing/_device_actions.html" in [t.name for t in response.templates]
    assert 'id="actions"' in response.content.decode()


@pytest.mark.django_db
def test_service_page_query_count_does_not_grow_with_parts_and_events(
    client_for, manager, job, django_assert_max_num_queries
):
    client = client_for(manager)
    url = reverse("devices:service", args=[job.pk])
    client.get(url)  # first request of the session: shop settings row, session
    part_add(device=job, by=manager, name="A", quantity=1, unit_cost=1)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for n in range(30):
        part_add(device=job, by=manager, name=f"P{n}", quantity=1, unit_cost=1)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        response = client.get(url)
    assert len(response.context["parts"]) == 31
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", [MAX_QUANTITY + 1, 100_000_000, "99999999999999999999"])
def test_a_part_quantity_past_the_limit_is_refused_by_the_service_itself(quantity, manager, job):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        part_add(device=job, by=manager, name="Screw", quantity=quantity, unit_cost="0.01")
    assert refused.value.message_dict == {
        "quantity": [f"The quantity can be at most {MAX_QUANTITY}: check what was typed."]
    }
    part = part_add(device=job, by=manager, name="Screw", quantity=MAX_QUANTITY, unit_cost="1")
    with pytest.raises(ValidationError) as refused:
        part_change(part=part, by=manager, name="Screw", quantity=quantity, unit_cost="1")
    assert list(refused.value.message_dict) == ["quantity"]
    part.refresh_from_db()
    assert part.quantity == MAX_QUANTITY
    assert [p.quantity for p in job.service.parts.all()] == [MAX_QUANTITY]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "then"),
    [(DeviceStatus.READY, "reopen it first"), (DeviceStatus.DELIVERED, "handed back")],
)
def test_a_closed_job_says_what_can_still_be_done(status, then, technician, manager):
    from django.core.exceptions import ValidationError

    device = DeviceFactory(status=status, assigned_to=technician)
    ServiceFactory(device=device)
    with pytest.raises(ValidationError) as refused:
        part_add(device=device, by=manager, name="Fan", quantity=1, unit_cost="100")
    assert then in refused.value.messages[0]


@pytest.mark.django_db
def test_a_returned_jobs_card_says_only_the_inspection_charge_is_billed(
    client_for, manager, technician, job
):
    from billing.services import return_unrepaired

    service_update(device=job, by=technician, diagnosis="", work_done="", labour_charge="4500")
    bill = return_unrepaired(
        device=job,
        by=manager,
        reason="Declined",
        inspection_charge="300",
        allow_balance_due=True,
        balance_reason="Pays later",
    )
    html = client_for(manager).get(reverse("devices:service", args=[job.pk])).content.decode()
    assert "only the inspection charge is billed" in html and bill.number in html
    assert "a manager changed" not in html


# --- correcting a spare part in place ---------------------------------------------------------


def _change(client, job, part, htmx=True, **values):
    data = {"change-name": part.name, "change-quantity": "1", "change-unit_cost": "600"}
    data.update({f"change-{k}": v for k, v in values.items()})
    url = reverse("devices:part_change", args=[job.pk, part.pk])
    return client.post(url, data, **(HTMX if htmx else {}))


@pytest.mark.django_db
def test_a_technician_corrects_a_parts_quantity_in_place_and_the_timeline_says_so(
    client_for, technician, job
):
    first = part_add(device=job, by=technician, name="Hinge set", quantity=2, unit_cost="600")
    last = part_add(device=job, by=technician, name="Screws", quantity=4, unit_cost="5")
    client = client_for(technician)
    opened = client.get(reverse("devices:part_change", args=[job.pk, first.pk]), **HTMX)
    assert 'name="change-quantity"' in opened.text and 'value="2"' in opened.text

    response = _change(client, job, first, quantity="1")

    assert response.status_code == 200 and "<html" not in response.text
    first.refresh_from_db()
    assert (first.quantity, first.unit_cost) == (1, Decimal("600.00"))
    # Same line, same place: the bill lists parts in the order they were added.
    assert [p.pk for p in job.service.parts.order_by("added_at", "pk")] == [first.pk, last.pk]
    event = job.events.get(kind=Kind.PART_CHANGED)
    assert (event.from_value, event.to_value, event.by) == (
        "Hinge set × 2 at ₹600.00",
        "Hinge set × 1 at ₹600.00",
        technician,
    )
    assert 'hx-swap-oob="true"' in response.text and "Spare part corrected" in response.text
    assert response.context["totals"]["parts"] == first.line_total + last.line_total


@pytest.mark.django_db
def test_a_refused_correction_keeps_what_was_typed_and_changes_nothing(client_for, technician, job):
    part = part_add(device=job, by=technician, name="Keyboard", quantity=1, unit_cost="900")
    client = client_for(technician)
    response = _change(client, job, part, quantity="0", unit_cost="-5")
    assert response.status_code == 200
    assert "at least 1" in response.text and "cannot be negative" in response.text
    assert 'value="-5"' in response.text  # the row stays open with the typed price
    # Without JavaScript: the page again, the row open, the reason beside the field.
    page = _change(client, job, part, htmx=False, unit_cost="abc")
    assert page.status_code == 400 and 'name="change-unit_cost"' in page.text
    assert 'value="abc"' in page.text and "e.g. 450 or 450.00" in page.text
    part.refresh_from_db()
    assert (part.quantity, part.unit_cost) == (1, Decimal("900.00"))
    assert not job.events.filter(kind=Kind.PART_CHANGED).exists()


@pytest.mark.django_db
def test_sending_the_same_correction_twice_records_it_once(client_for, technician, job):
    part = part_add(device=job, by=technician, name="RAM 8GB", quantity=1, unit_cost="1650")
    client = client_for(technician)
    _change(client, job, part, quantity="2", unit_cost="1650")
    _change(client, job, part, quantity="2", unit_cost="1650")
    assert job.events.filter(kind=Kind.PART_CHANGED).count() == 1


@pytest.mark.django_db
def test_a_billed_jobs_parts_cannot_be_corrected(client_for, manager, technician, job):
    from billing import services as billing

    part = part_add(device=job, by=technician, name="Fan", quantity=1, unit_cost="300")
    billing.bill_close(device=job, by=technician)
    response = _change(client_for(manager), job, part, quantity="3")
    assert "cannot change" in response.text
    part.refresh_from_db()
    assert part.quantity == 1
    page = client_for(manager).get(reverse("devices:service", args=[job.pk]))
    assert reverse("devices:part_change", args=[job.pk, part.pk]) not in page.text


@pytest.mark.django_db
def test_a_part_refused_without_javascript_says_why_on_the_page(client_for, technician, job):
    response = client_for(technician).post(
        reverse("devices:part_add", args=[job.pk]),
        {"name": "Keyboard", "quantity": "0", "unit_cost": "abc"},
        follow=True,
    )
    said = " ".join(str(m) for m in response.context["messages"])
    assert "The part was not added" in said and "at least 1" in said
    assert not SparePart.objects.exists()


@pytest.mark.django_db
def test_a_correction_from_a_row_opened_before_anothers_correction_is_refused(
    client_for, technician, manager, job
):
    part = part_add(device=job, by=technician, name="Hinge set", quantity=2, unit_cost="600")
    tech = client_for(technician)
    opened = tech.get(reverse("devices:part_change", args=[job.pk, part.pk]), **HTMX)
    shown = opened.context["change_form"]["was"].value()
    # Meanwhile the manager corrects the price from a row of their own.
    boss_row = client_for(manager).get(
        reverse("devices:part_change", args=[job.pk, part.pk]), **HTMX
    )
    _change(
        client_for(manager),
        job,
        part,
        quantity="2",
        unit_cost="550",
        was=boss_row.context["change_form"]["was"].value(),
    )
    # The technician saves the quantity from the row opened before: refused, price kept.
    response = _change(tech, job, part, quantity="1", unit_cost="600", was=shown)
    assert "Someone corrected this part meanwhile" in response.text
    assert "Hinge set × 2 at ₹550.00" in response.text
    part.refresh_from_db()
    assert (part.quantity, part.unit_cost) == (2, Decimal("550.00"))
    assert job.events.filter(kind=Kind.PART_CHANGED).count() == 1


@pytest.mark.django_db
def test_adding_a_part_keeps_a_correction_row_open_with_what_was_typed(client_for, technician, job):
    part = part_add(device=job, by=technician, name="Hinge set", quantity=2, unit_cost="600")
    response = client_for(technician).post(
        reverse("devices:part_add", args=[job.pk]),
        {
            "name": "Screws",
            "quantity": "4",
            "unit_cost": "5",
            # The open correction row, sent along by htmx (hx-include).
            "editing": str(part.pk),
            "change-name": "Hinge set",
            "change-quantity": "1",
            "change-unit_cost": "600",
        },
        **HTMX,
    )
    assert SparePart.objects.filter(service__device=job, name="Screws").exists()
    assert response.context["editing_part"] == part.pk
    assert 'name="change-quantity"' in response.text
    assert response.context["change_form"]["quantity"].value() == "1"
    part.refresh_from_db()
    assert part.quantity == 2  # the correction itself is not saved until its own Save


@pytest.mark.django_db
def test_removing_a_part_keeps_what_is_typed_in_the_add_row_and_an_open_correction(
    client_for, technician, job
):
    wrong = part_add(device=job, by=technician, name="Wrong fan", quantity=1, unit_cost="300")
    hinge = part_add(device=job, by=technician, name="Hinge set", quantity=2, unit_cost="600")
    client = client_for(technician)
    row = client.get(reverse("devices:part_change", args=[job.pk, hinge.pk]), **HTMX).text
    delete_url = reverse("devices:part_delete", args=[job.pk, wrong.pk])
    remove = re.search(rf"<form[^>]*{delete_url}[^>]*>", row)
    assert "#part-add-form" in remove.group(0) and "#part-change-form" in remove.group(0)

    response = client.post(
        reverse("devices:part_delete", args=[job.pk, wrong.pk]),
        {
            "name": "RAM 8GB DDR4",
            "quantity": "2",
            "unit_cost": "2450",
            "editing": str(hinge.pk),
            "change-name": "Hinge set",
            "change-quantity": "1",
            "change-unit_cost": "600",
        },
        **HTMX,
    )

    assert not SparePart.objects.filter(pk=wrong.pk).exists()
    assert response.context["part_form"]["name"].value() == "RAM 8GB DDR4"
    assert response.context["change_form"]["quantity"].value() == "1"


def _was(html) -> str:
    """The service as the page's form showed it (its hidden ``was``)."""
    return re.search(r'name="was" value="([^"]*)"', html).group(1)


@pytest.mark.django_db
def test_a_service_form_opened_before_someone_elses_save_does_not_undo_it(
    client_for, job, technician, manager
):
    url = reverse("devices:service", args=[job.pk])
    tech = client_for(technician)
    opened = _was(tech.get(url).content.decode())
    # The manager saves while the technician's page is open.
    client_for(manager).post(url, service_post(labour="300", diagnosis="Ribbon loose"))

    response = tech.post(url, service_post(labour="800", diagnosis="Keyboard dead", was=opened))

    service = Service.objects.get(device=job)
    assert (service.diagnosis, service.labour_charge) == ("Ribbon loose", Decimal("300.00"))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"{manager} saved this service at" in html and "Nothing was saved" in html
    assert "Keyboard dead" in html  # the box keeps what was typed
    assert "Ribbon loose" in html and "₹300.00" in html  # and says what is saved now
    # Having seen both, the technician saves again: this time it is taken.
    tech.post(url, service_post(labour="800", diagnosis="Keyboard dead", was=_was(html)))
    service.refresh_from_db()
    assert (service.diagnosis, service.labour_charge) == ("Keyboard dead", Decimal("800.00"))


@pytest.mark.django_db
def test_typing_what_someone_else_saved_meanwhile_is_no_conflict(
    client_for, job, technician, manager
):
    url = reverse("devices:service", args=[job.pk])
    opened = _was(client_for(technician).get(url).content.decode())
    client_for(manager).post(url, service_post(labour="300"))

    response = client_for(technician).post(url, service_post(labour="300", was=opened))

    assert response.status_code == 302


@pytest.mark.django_db
def test_a_save_refused_because_the_job_was_closed_meanwhile_shows_what_was_typed(
    client_for, job, technician
):
    from billing.services import bill_close

    url = reverse("devices:service", args=[job.pk])
    tech = client_for(technician)
    opened = _was(tech.get(url).content.decode())
    service_update(device=job, by=technician, diagnosis="Hinge", work_done="", labour_charge="200")
    bill_close(device=job, by=technician)

    response = tech.post(
        url, service_post(diagnosis="Hinge cracked, glued", work_done="Glued", was=opened)
    )

    html = response.content.decode()
    assert "Not saved, as you typed it" in html
    assert "Hinge cracked, glued" in html
