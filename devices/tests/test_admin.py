import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.tests.factories import CustomerFactory
from devices.models import MAX_QUANTITY, DeviceEvent, DeviceStatus, Service, SparePart
from devices.services import service_stamp, service_update
from devices.tests.factories import DeviceFactory, ServiceFactory, SparePartFactory

Kind = DeviceEvent.Kind


def change_url(device):
    return reverse("admin:devices_device_change", args=[device.pk])


def device_form(device, **overrides):
    """The device change form as the admin page posts it (inlines management included)."""
    data = {
        "device_name": device.device_name,
        "brand": device.brand,
        "model": device.model,
        "serial_number": device.serial_number,
        "issue_description": device.issue_description,
        "accessories": device.accessories,
        "condition": device.condition,
        "password_note": device.password_note,
        "expected_budget": "",
        "expected_delivery_date": device.expected_delivery_date.isoformat(),
        "change_note": "",
        "service-TOTAL_FORMS": "0",
        "service-INITIAL_FORMS": "0",
        "photos-TOTAL_FORMS": "0",
        "photos-INITIAL_FORMS": "0",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    if hasattr(device, "service"):
        data.update(
            {
                "service-TOTAL_FORMS": "1",
                "service-INITIAL_FORMS": "1",
                "service-0-id": device.service.pk,
                "service-0-device": device.pk,
                "service-0-diagnosis": device.service.diagnosis,
                "service-0-work_done": device.service.work_done,
                "service-0-labour_charge": str(device.service.labour_charge),
                "service-0-was": service_stamp(device.service),
            }
        )
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_changelist_searches_job_serial_name_and_number_in_any_form(client_for, manager):
    wanted = DeviceFactory(
        customer=CustomerFactory(name="Lakshmi Rao", whatsapp_number="+919845012345"),
        serial_number="CN77X1",
    )
    DeviceFactory()
    client = client_for(manager)
    url = reverse("admin:devices_device_changelist")
    for term in (wanted.job_number, "CN77X1", "lakshmi", "98450 12345", "919845012345"):
        response = client.get(url, {"q": term})
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == [wanted], term


@pytest.mark.django_db
def test_changelist_filters_and_date_hierarchy(client_for, manager, technician):
    DeviceFactory(
        status=DeviceStatus.ASSIGNED,
        assigned_to=technician,
        expected_delivery_date=timezone.localdate() - datetime.timedelta(days=1),
    )
    DeviceFactory()
    client = client_for(manager)
    url = reverse("admin:devices_device_changelist")
    assert client.get(url, {"overdue": "yes"}).context["cl"].result_count == 1
    assert client.get(url, {"status__exact": "received"}).context["cl"].result_count == 1
    assert client.get(url, {"technician": technician.pk}).context["cl"].result_count == 1
    html = client.get(url).content.decode()
    assert "date_hierarchy" in html or "xfull" in html or "received_at__year" in html


@pytest.mark.django_db
def test_status_and_technician_cannot_be_typed_and_devices_are_not_added_here(client_for, manager):
    device = DeviceFactory()
    client = client_for(manager)
    response = client.get(change_url(device))
    form = response.context["adminform"].form
    assert "status" not in form.fields and "assigned_to" not in form.fields
    assert "job_number" not in form.fields
    assert client.get(reverse("admin:devices_device_add")).status_code == 403
    assert (
        client.post(
            change_url(device),
            device_form(device, status="delivered", assigned_to=manager.pk),
        ).status_code
        == 302
    )
    device.refresh_from_db()
    assert device.status == DeviceStatus.RECEIVED and device.assigned_to is None


@pytest.mark.django_db
def test_correcting_details_is_recorded_on_the_timeline(client_for, manager):
    device = DeviceFactory(serial_number="WRONG")
    response = client_for(manager).post(
        change_url(device), device_form(device, serial_number="5CD999", model="Victus")
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert (device.serial_number, device.model) == ("5CD999", "Victus")
    event = device.events.get()
    assert event.kind == Kind.NOTE and event.by == manager
    assert "serial number" in event.note and "model" in event.note


@pytest.mark.django_db
def test_new_deadline_in_the_admin_needs_a_reason_and_goes_through_the_workflow(
    client_for, manager
):
    device = DeviceFactory()
    client = client_for(manager)
    new_date = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    response = client.post(change_url(device), device_form(device, expected_delivery_date=new_date))
    assert response.status_code == 200
    assert "Say why" in response.content.decode()
    past = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = client.post(
        change_url(device), device_form(device, expected_delivery_date=past, change_note="x")
    )
    assert "cannot be in the past" in response.content.decode()
    assert not device.events.exists()
    response = client.post(
        change_url(device),
        device_form(device, expected_delivery_date=new_date, change_note="Part delayed"),
    )
    assert response.status_code == 302
    event = device.events.get()
    assert (event.kind, event.to_value, event.note) == (Kind.DEADLINE, new_date, "Part delayed")


@pytest.mark.django_db
def test_service_inline_saves_through_the_service(client_for, manager, technician):
    device = DeviceFactory(status=DeviceStatus.ASSIGNED, assigned_to=technician)
    ServiceFactory(device=device)
    response = client_for(manager).post(
        change_url(device),
        device_form(device, **{"service-0-labour_charge": "650", "service-0-diagnosis": "Bad RAM"}),
    )
    assert response.status_code == 302
    service = Service.objects.get(device=device)
    assert (service.labour_charge, service.diagnosis) == (Decimal("650.00"), "Bad RAM")
    assert device.events.get().kind == Kind.SERVICE


def service_form(service, **overrides):
    """The service change form as the admin page posts it (no spare part rows)."""
    data = {
        "diagnosis": service.diagnosis,
        "work_done": service.work_done,
        "labour_charge": str(service.labour_charge),
        "was": service_stamp(service),
        "parts-TOTAL_FORMS": "0",
        "parts-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


@pytest.mark.django_db
def test_a_stale_service_page_in_the_back_office_does_not_undo_a_newer_save(
    client_for, manager, technician
):
    device = DeviceFactory(status=DeviceStatus.ASSIGNED, assigned_to=technician)
    service = ServiceFactory(device=device, diagnosis="", labour_charge=0)
    service.refresh_from_db()  # as the page reads it (0.00)
    url = reverse("admin:devices_service_change", args=[service.pk])
    client = client_for(manager)
    shown = client.get(url).context["adminform"].form.initial["was"]
    assert shown == service_stamp(service)
    service_update(
        device=device, by=technician, diagnosis="Dead power IC", work_done="", labour_charge="0"
    )
    response = client.post(url, service_form(service, labour_charge="800", was=shown), follow=True)
    service.refresh_from_db()
    assert (service.diagnosis, service.labour_charge) == ("Dead power IC", Decimal("0.00"))
    said = " ".join(messages_of(response))
    assert "Nothing was saved" in said and f"{technician} saved the service" in said
    assert device.events.filter(by=manager).count() == 0
    # Opened again, the page shows what is saved and takes the change.
    response = client.post(url, service_form(service, labour_charge="800"))
    assert response.status_code == 302
    service.refresh_from_db()
    assert (service.diagnosis, service.labour_charge) == ("Dead power IC", Decimal("800.00"))


@pytest.mark.django_db
def test_a_stale_device_page_in_the_back_office_does_not_undo_a_newer_service_save(
    client_for, manager, technician
):
    device = DeviceFactory(status=DeviceStatus.ASSIGNED, assigned_to=technician)
    ServiceFactory(device=device, diagnosis="", labour_charge=0)
    device.refresh_from_db()
    client = client_for(manager)
    page = client.get(change_url(device))
    inline = [f for f in page.context["inline_admin_formsets"] if f.formset.model is Service][0]
    assert inline.formset.forms[0].initial["was"] == service_stamp(device.service)
    shown = device_form(device)
    service_update(
        device=device, by=technician, diagnosis="Dead power IC", work_done="", labour_charge="0"
    )
    response = client.post(
        change_url(device),
        {**shown, "service-0-labour_charge": "800", "model": "Victus"},
        follow=True,
    )
    device.refresh_from_db()
    device.service.refresh_from_db()
    assert device.service.diagnosis == "Dead power IC"
    assert device.service.labour_charge == Decimal("0.00")
    assert device.model != "Victus"  # the whole save is refused, details included
    said = " ".join(messages_of(response))
    assert "Nothing was saved" in said and f"{technician} saved the service" in said


@pytest.mark.django_db
def test_closed_device_shows_service_read_only(client_for, manager, technician):
    device = DeviceFactory(status=DeviceStatus.READY, assigned_to=technician)
    ServiceFactory(device=device, diagnosis="Billed")
    response = client_for(manager).get(change_url(device))
    inline = [f for f in response.context["inline_admin_formsets"] if f.formset.model is Service][0]
    assert "diagnosis" in inline.readonly_fields


@pytest.mark.django_db
@pytest.mark.parametrize("what", ["labour", "part"])
def test_a_service_page_saved_after_the_bill_was_closed_meanwhile_says_nothing_was_saved(
    client_for, manager, technician, what
):
    from billing.services import bill_close

    device = DeviceFactory(status=DeviceStatus.ASSIGNED, assigned_to=technician)
    service = ServiceFactory(device=device, labour_charge=500)
    service.refresh_from_db()
    url = reverse("admin:devices_service_change", args=[service.pk])
    shown = service_form(service)  # opened while the device is in repair
    bill_close(device=device, by=technician)
    if what == "labour":
        posted = {**shown, "labour_charge": "900"}
    else:
        posted = {
            **shown,
            "parts-TOTAL_FORMS": "1",
            "parts-0-service": service.pk,
            "parts-0-name": "Fan",
            "parts-0-quantity": "2",
            "parts-0-unit_cost": "700",
        }
    response = client_for(manager).post(url, posted, follow=True)
    service.refresh_from_db()
    assert service.labour_charge == Decimal("500.00") and not service.parts.exists()
    said = " ".join(messages_of(response))
    assert "successfully" not in said
    assert f"Nothing was saved: {device.job_number} is" in said and "cannot change" in said


@pytest.mark.django_db
def test_a_device_page_saved_after_the_bill_was_closed_meanwhile_says_nothing_was_saved(
    client_for, manager, technician
):
    from billing.services import bill_close

    device = DeviceFactory(status=DeviceStatus.ASSIGNED, assigned_to=technician)
    ServiceFactory(device=device, labour_charge=500)
    device.refresh_from_db()
    shown = device_form(device)  # opened while the device is in repair
    bill_close(device=device, by=technician)
    response = client_for(manager).post(
        change_url(device), {**shown, "service-0-labour_charge": "900"}, follow=True
    )
    device.service.refresh_from_db()
    assert device.service.labour_charge == Decimal("500.00")
    said = " ".join(messages_of(response))
    assert "successfully" not in said
    assert f"Nothing was saved: {device.job_number} is" in said and "cannot change" in said


@pytest.mark.django_db
def test_details_of_a_closed_job_are_still_corrected_on_its_read_only_page(
    client_for, manager, technician
):
    device = DeviceFactory(status=DeviceStatus.READY, assigned_to=technician)
    ServiceFactory(device=device, diagnosis="Billed", labour_charge=500)
    # The page shows the service read-only: it posts no service boxes.
    posted = {
        k: v
        for k, v in device_form(device, serial_number="5CD999").items()
        if k.split("-")[-1] not in ("diagnosis", "work_done", "labour_charge", "was")
    }
    response = client_for(manager).post(change_url(device), posted)
    assert response.status_code == 302
    device.refresh_from_db()
    device.service.refresh_from_db()
    assert device.serial_number == "5CD999"
    assert (device.service.diagnosis, device.service.labour_charge) == (
        "Billed",
        Decimal("500.00"),
    )


@pytest.mark.django_db
def test_timeline_inline_is_read_only(client_for, manager, technician):
    from devices.workflow import device_assign

    device = device_assign(device=DeviceFactory(), technician=technician, by=manager)
    response = client_for(manager).get(change_url(device))
    inline = [
        f for f in response.context["inline_admin_formsets"] if f.formset.model is DeviceEvent
    ][0]
    assert not inline.has_add_permission
    assert not inline.has_change_permission
    assert not inline.has_delete_permission


@pytest.mark.django_db
def test_service_admin_adds_and_removes_parts_through_the_services(client_for, manager, technician):
    device = DeviceFactory(status=DeviceStatus.ASSIGNED, assigned_to=technician)
    service = ServiceFactory(device=device)
    old = SparePartFactory(service=service, name="Old fan")
    url = reverse("admin:devices_service_change", args=[service.pk])
    data = {
        "diagnosis": "",
        "work_done": "",
        "labour_charge": "0.00",
        "parts-TOTAL_FORMS": "2",
        "parts-INITIAL_FORMS": "1",
        "parts-0-id": old.pk,
        "parts-0-service": service.pk,
        "parts-0-DELETE": "on",
        "parts-1-service": service.pk,
        "parts-1-name": "New fan",
        "parts-1-quantity": "1",
        "parts-1-unit_cost": "350",
    }
    response = client_for(manager).post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(SparePart.objects.values_list("name", flat=True)) == ["New fan"]
    kinds = sorted(device.events.values_list("kind", flat=True))
    assert kinds == sorted([Kind.PART_REMOVED, Kind.PART_ADDED])


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", [str(MAX_QUANTITY + 1), "100000000", "99999999999999999999"])
def test_a_part_quantity_past_the_limit_is_refused_next_to_the_box_in_the_back_office(
    client_for, manager, technician, quantity
):
    device = DeviceFactory(status=DeviceStatus.ASSIGNED, assigned_to=technician)
    service = ServiceFactory(device=device)
    service.refresh_from_db()
    data = service_form(
        service,
        **{
            "parts-TOTAL_FORMS": "1",
            "parts-0-service": service.pk,
            "parts-0-name": "Screw",
            "parts-0-quantity": quantity,
            "parts-0-unit_cost": "0.01",
        },
    )
    url = reverse("admin:devices_service_change", args=[service.pk])
    response = client_for(manager).post(url, data)
    assert response.status_code == 200  # the form again, with the error
    row = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert "quantity" in row.errors
    assert not service.parts.exists()


@pytest.mark.django_db
def test_staff_have_no_back_office(client_for, front_desk):
    response = client_for(front_desk).get(reverse("admin:devices_device_changelist"))
    assert response.status_code == 403  # the app's refusal, not the admin's login form


@pytest.mark.django_db
def test_photos_added_or_recaptioned_in_the_back_office_are_on_the_timeline(client_for, manager):
    from devices.tests.helpers import image_upload

    device = DeviceFactory()
    client = client_for(manager)
    added = device_form(
        device,
        **{
            "photos-TOTAL_FORMS": "1",
            "photos-0-image": image_upload(),
            "photos-0-caption": "Scratch on the lid",
        },
    )
    assert client.post(change_url(device), added).status_code == 302
    photo = device.photos.get()
    assert photo.uploaded_by == manager
    event = device.events.filter(kind=Kind.NOTE).latest("at")
    assert (event.note, event.by) == ("1 photo added", manager)

    recaptioned = device_form(
        device,
        **{
            "photos-TOTAL_FORMS": "1",
            "photos-INITIAL_FORMS": "1",
            "photos-0-id": photo.pk,
            "photos-0-device": device.pk,
            "photos-0-caption": "Scratch and a dent on the lid",
        },
    )
    assert client.post(change_url(device), recaptioned).status_code == 302
    assert device.events.filter(kind=Kind.NOTE).latest("at").note == "1 photo caption changed"


@pytest.mark.django_db
def test_a_stored_photo_cannot_be_swapped_in_the_back_office(client_for, manager):
    # Intake photos show the device's condition when it came in: evidence, not editable.
    from devices.tests.helpers import image_upload

    device = DeviceFactory()
    client = client_for(manager)
    client.post(
        change_url(device),
        device_form(
            device,
            **{
                "photos-TOTAL_FORMS": "1",
                "photos-0-image": image_upload(),
                "photos-0-caption": "Lid",
            },
        ),
    )
    photo = device.photos.get()
    stored = photo.image.name
    swapped = device_form(
        device,
        **{
            "photos-TOTAL_FORMS": "1",
            "photos-INITIAL_FORMS": "1",
            "photos-0-id": photo.pk,
            "photos-0-device": device.pk,
            "photos-0-image": image_upload("other.png", fmt="PNG"),
            "photos-0-caption": "Lid",
        },
    )
    client.post(change_url(device), swapped)
    photo.refresh_from_db()
    assert photo.image.name == stored


def _job_touched_by(people: int, technician):
    """A job whose timeline and spare parts hold a row by each of ``people`` colleagues."""
    from accounts.models import Role
    from accounts.tests.factories import UserFactory
    from devices.workflow import record_event

    device = DeviceFactory(status=DeviceStatus.ASSIGNED, assigned_to=technician)
    service = ServiceFactory(device=device, labour_charge=100)
    for n in range(people):
        by = UserFactory(username=f"u{device.pk}-{n}", role=Role.STAFF)
        record_event(device, kind=Kind.NOTE, by=by, note=f"Note {n}")
        SparePartFactory(service=service, added_by=by)
    return device


def _queries_to_open(client, url, django_assert_max_num_queries):
    client.get(url)  # the session's first request reads more
    with django_assert_max_num_queries(200) as counted:
        assert client.get(url).status_code == 200
    return len(counted.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["device", "service"])
def test_change_page_queries_do_not_grow_with_the_timeline_and_parts(
    client_for, owner, technician, page, django_assert_max_num_queries
):
    def url(device):
        if page == "device":
            return change_url(device)
        return reverse("admin:devices_service_change", args=[device.service.pk])

    client = client_for(owner)
    few, many = (
        _queries_to_open(client, url(_job_touched_by(n, technician)), django_assert_max_num_queries)
        for n in (3, 30)
    )
    assert many == few


@pytest.mark.django_db
def test_a_photo_added_in_the_back_office_is_named_by_its_content_not_its_upload(
    client_for, manager
):
    from devices.tests.helpers import image_upload

    device = DeviceFactory()
    client = client_for(manager)
    png_called_pdf = image_upload("lid.pdf", fmt="PNG", content_type="application/pdf")
    data = device_form(
        device,
        **{"photos-TOTAL_FORMS": "1", "photos-0-image": png_called_pdf, "photos-0-caption": "Lid"},
    )
    assert client.post(change_url(device), data).status_code == 302
    photo = device.photos.get()
    assert photo.image.name.endswith(".png") and "lid" not in photo.image.name
    assert (photo.caption, photo.uploaded_by) == ("Lid", manager)
    response = client.get(reverse("devices:photo", args=[photo.pk]))
    assert response["Content-Type"] == "image/png"


@pytest.mark.django_db
def test_the_back_office_keeps_the_photo_limit_and_says_so(client_for, manager):
    from devices.services import MAX_PHOTOS, photos_add
    from devices.tests.helpers import image_upload

    device = DeviceFactory()
    photos_add(device=device, photos=[image_upload() for _ in range(MAX_PHOTOS - 1)], by=manager)
    data = device_form(
        device,
        **{"photos-TOTAL_FORMS": str(MAX_PHOTOS + 1), "photos-INITIAL_FORMS": str(MAX_PHOTOS - 1)},
    )
    for n, photo in enumerate(device.photos.order_by("pk")):
        data.update({f"photos-{n}-id": photo.pk, f"photos-{n}-device": device.pk})
    data[f"photos-{MAX_PHOTOS - 1}-image"] = image_upload("one.jpg")
    data[f"photos-{MAX_PHOTOS}-image"] = image_upload("two.jpg")
    response = client_for(manager).post(change_url(device), data)
    assert response.status_code == 200  # the form again, with why
    html = response.content.decode()
    assert f"A device can have at most {MAX_PHOTOS} photos: it has {MAX_PHOTOS - 1}" in html
    assert device.photos.count() == MAX_PHOTOS - 1
    # The one more that fits is taken.
    data["photos-TOTAL_FORMS"] = str(MAX_PHOTOS)
    data[f"photos-{MAX_PHOTOS - 1}-image"] = image_upload("one.jpg")
    del data[f"photos-{MAX_PHOTOS}-image"]
    assert client_for(manager).post(change_url(device), data).status_code == 302
    assert device.photos.count() == MAX_PHOTOS
