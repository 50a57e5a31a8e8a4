import datetime

import pytest
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import UserFactory
from devices.models import DeviceEvent, DeviceStatus
from devices.tests.factories import DeviceFactory

S = DeviceStatus
Kind = DeviceEvent.Kind
ASSIGN = "/device_assign"
OVERDUE = "/device_time_overlap"
HTMX = {"HTTP_HX_REQUEST": "true"}


def days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


# --- assignment ----------------------------------------------------------------------


@pytest.mark.django_db
def test_assign_page_lists_unassigned_devices_oldest_first_with_age_and_due(
    client_for, manager, technician
):
    now = timezone.now()
    old = DeviceFactory(received_at=now - datetime.timedelta(days=4), issue_description="Beeps")
    new = DeviceFactory(received_at=now)
    DeviceFactory(status=S.ASSIGNED, assigned_to=technician)
    response = client_for(manager).get(ASSIGN)
    assert response.status_code == 200
    assert [row["pk"] for row, _form in response.context["rows"]] == [old.pk, new.pk]
    html = response.content.decode()
    assert "4 days" in html and "today" in html
    assert "Beeps" in html and old.customer.name in html
    assert old.expected_delivery_date.strftime("%-d %b %Y") in html


@pytest.mark.django_db
def test_only_active_technicians_are_offered_with_their_load(
    client_for, manager, technician, front_desk
):
    UserFactory(
        username="gone", role=Role.STAFF, is_technician=True, is_active=False, first_name="Gone"
    )
    DeviceFactory(status=S.ASSIGNED, assigned_to=technician)
    DeviceFactory()
    response = client_for(manager).get(ASSIGN)
    offered = response.context["technicians"]
    assert [t.pk for t in offered] == [technician.pk]
    assert offered[0].open_jobs == 1
    assert f"{technician.get_full_name()} (1 in repair)" in response.content.decode()


@pytest.mark.django_db
def test_manager_assigns_a_device_in_one_post(client_for, manager, technician):
    device = DeviceFactory()
    response = client_for(manager).post(
        ASSIGN, {"device": device.pk, "technician": technician.pk}, follow=True
    )
    device.refresh_from_db()
    assert (device.status, device.assigned_to) == (S.ASSIGNED, technician)
    assert f"{device.job_number} assigned to {technician}" in response.content.decode()
    event = device.events.get()
    assert (event.kind, event.by) == (Kind.ASSIGNED, manager)


@pytest.mark.django_db
def test_assign_with_htmx_replaces_the_row(client_for, owner, technician):
    device = DeviceFactory()
    response = client_for(owner).post(
        ASSIGN, {"device": device.pk, "technician": technician.pk}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="assign-row-{device.pk}"' in html and "Assigned to" in html
    assert "<html" not in html


@pytest.mark.django_db
def test_assign_with_htmx_updates_the_unassigned_count_out_of_band(client_for, manager, technician):
    device, _still_waiting, _also_waiting = DeviceFactory.create_batch(3)
    page = client_for(manager).get(ASSIGN).content.decode()
    assert 'id="unassigned-count"' in page and "3 unassigned" in page
    response = client_for(manager).post(
        ASSIGN, {"device": device.pk, "technician": technician.pk}, **HTMX
    )
    html = response.content.decode()
    assert 'id="unassigned-count"' in html and 'hx-swap-oob="true"' in html
    assert "2 unassigned" in html
    # The list's own count below the table too: it is the id the page's footer carries.
    assert '<span id="list-count">3</span> in all' in page
    assert '<span id="list-count" hx-swap-oob="true">2</span>' in html


@pytest.mark.django_db
def test_assign_with_htmx_tells_the_other_rows_the_technicians_new_load(
    client_for, manager, technician
):
    import json

    first, second = DeviceFactory.create_batch(2)
    DeviceFactory(status=S.ASSIGNED, assigned_to=technician)
    page = client_for(manager).get(ASSIGN).content.decode()
    assert f"{technician} (1 in repair)" in page

    response = client_for(manager).post(
        ASSIGN, {"device": first.pk, "technician": technician.pk}, **HTMX
    )

    # The page's script sets this label on every row's menu (static/js/telite.js).
    event = json.loads(response["HX-Trigger"])["telite:technician-load"]
    assert event == {"pk": technician.pk, "label": f"{technician} (2 in repair)"}


@pytest.mark.django_db
def test_assign_with_htmx_from_a_filtered_list_counts_what_the_filter_shows(
    client_for, manager, technician
):
    from customers.tests.factories import CustomerFactory

    meera = CustomerFactory(name="Meera Nair")
    hers, _also_hers = DeviceFactory.create_batch(2, customer=meera)
    DeviceFactory.create_batch(2)

    response = client_for(manager).post(
        f"{ASSIGN}?q=meera", {"device": hers.pk, "technician": technician.pk}, **HTMX
    )

    html = response.content.decode()
    assert "3 unassigned" in html  # the badge: every device waiting
    assert '<span id="list-count" hx-swap-oob="true">1</span>' in html  # the list: Meera's


@pytest.mark.django_db
def test_assigning_an_already_assigned_device_gives_a_message_not_an_error(
    client_for, manager, technician, other_technician
):
    device = DeviceFactory(status=S.ASSIGNED, assigned_to=technician)
    response = client_for(manager).post(
        ASSIGN, {"device": device.pk, "technician": other_technician.pk}, follow=True
    )
    assert response.status_code == 200
    assert "already assigned to" in response.content.decode()
    device.refresh_from_db()
    assert device.assigned_to == technician


@pytest.mark.django_db
def test_a_row_assigned_meanwhile_from_another_page_says_so_in_place(
    client_for, manager, technician, other_technician
):
    device, _waiting = DeviceFactory.create_batch(2)
    client_for(manager).post(ASSIGN, {"device": device.pk, "technician": technician.pk})

    response = client_for(manager).post(
        ASSIGN, {"device": device.pk, "technician": other_technician.pk}, **HTMX
    )

    html = response.content.decode()
    assert f"Already assigned to <strong>{technician}</strong> from another page" in html
    assert 'name="technician"' not in html  # no form for it again
    assert "1 unassigned" in html  # and the counts are today's
    device.refresh_from_db()
    assert device.assigned_to == technician


@pytest.mark.django_db
def test_assign_without_a_technician_shows_the_error_in_the_row(client_for, manager):
    device = DeviceFactory()
    response = client_for(manager).post(ASSIGN, {"device": device.pk, "technician": ""}, **HTMX)
    html = response.content.decode()
    assert "Choose a technician." in html and "is-invalid" in html
    device.refresh_from_db()
    assert device.status == S.RECEIVED


@pytest.mark.django_db
def test_assign_to_someone_who_is_not_a_technician_is_refused(client_for, manager, front_desk):
    device = DeviceFactory()
    response = client_for(manager).post(
        ASSIGN, {"device": device.pk, "technician": front_desk.pk}, follow=True
    )
    assert "Choose an active technician" in response.content.decode()
    device.refresh_from_db()
    assert device.status == S.RECEIVED


@pytest.mark.django_db
def test_assign_of_a_missing_device_says_so(client_for, manager, technician):
    response = client_for(manager).post(
        ASSIGN, {"device": 9999, "technician": technician.pk}, follow=True
    )
    assert response.status_code == 200
    assert "no longer exists" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["technician", "front_desk"])
def test_staff_cannot_assign(who, request, client_for, technician):
    device = DeviceFactory()
    client = client_for(request.getfixturevalue(who))
    assert client.get(ASSIGN).status_code == 403
    response = client.post(ASSIGN, {"device": device.pk, "technician": technician.pk})
    assert response.status_code == 403
    device.refresh_from_db()
    assert device.status == S.RECEIVED


@pytest.mark.django_db
def test_assign_page_query_count_does_not_grow(
    client_for, manager, technician, django_assert_max_num_queries
):
    client = client_for(manager)
    client.get(ASSIGN)
    for _ in range(3):
        DeviceFactory()
    with django_assert_max_num_queries(50) as small:
        client.get(ASSIGN)
    for _ in range(30):
        DeviceFactory()
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(ASSIGN)
    # 25 a page (each row has a form); the badge counts them all.
    assert len(response.context["rows"]) == 25
    assert response.context["page"].paginator.count == 33
    assert len(client.get(ASSIGN, {"page": 2}).context["rows"]) == 8


@pytest.mark.django_db
def test_assign_page_shows_either_the_table_or_the_all_assigned_message(
    client_for, manager, technician
):
    client = client_for(manager)
    empty = client.get(ASSIGN).content.decode()
    assert "Every device has a technician." in empty and "<table" not in empty
    DeviceFactory()
    html = client.get(ASSIGN).content.decode()
    assert "<table" in html and "Every device has a technician." not in html
    assert html.count('id="unassigned-count"') == 1  # one badge for the out-of-band swap
    assert html.count("<table") == html.count("</table>")


# --- overdue -------------------------------------------------------------------------


@pytest.fixture
def late_devices(technician, other_technician):
    return {
        "very": DeviceFactory(
            status=S.ASSIGNED, assigned_to=other_technician, expected_delivery_date=days(-9)
        ),
        "bit": DeviceFactory(
            status=S.ASSIGNED, assigned_to=technician, expected_delivery_date=days(-1)
        ),
        "nobody": DeviceFactory(expected_delivery_date=days(-3)),
    }


@pytest.mark.django_db
def test_overdue_lists_open_late_devices_most_late_first(
    client_for, front_desk, technician, late_devices
):
    DeviceFactory(status=S.READY, assigned_to=technician, expected_delivery_date=days(-20))
    DeviceFactory(expected_delivery_date=days(0))  # due today is not late yet
    response = client_for(front_desk).get(OVERDUE)
    assert [row["pk"] for row, _f in response.context["rows"]] == [
        late_devices["very"].pk,
        late_devices["nobody"].pk,
        late_devices["bit"].pk,
    ]
    html = response.content.decode()
    assert "9 days late" in html and "1 day late" in html
    assert "unassigned" in html
    assert response.context["can_reassign"] is False
    assert "Reassign</button>" not in html


@pytest.mark.django_db
def test_a_technician_sees_their_own_overdue_jobs_first(client_for, technician, late_devices):
    rows = client_for(technician).get(OVERDUE).context["rows"]
    assert rows[0][0]["pk"] == late_devices["bit"].pk


@pytest.mark.django_db
def test_manager_reassigns_with_a_new_date_and_reason(
    client_for, manager, technician, late_devices
):
    device = late_devices["very"]
    response = client_for(manager).post(
        OVERDUE,
        {
            "device": device.pk,
            f"d{device.pk}-technician": technician.pk,
            f"d{device.pk}-expected_delivery_date": days(2).isoformat(),
            f"d{device.pk}-reason": "Meena on leave",
        },
        follow=True,
    )
    device.refresh_from_db()
    assert device.assigned_to == technician
    assert device.expected_delivery_date == days(2)
    assert list(device.events.values_list("kind", "note")) == [
        (Kind.REASSIGNED, "Meena on leave"),
        (Kind.DEADLINE, "Meena on leave"),
    ]
    assert f"{device.job_number} is now with" in response.content.decode()
    assert device.pk not in [row["pk"] for row, _f in response.context["rows"]]


@pytest.mark.django_db
def test_reassign_of_an_unassigned_overdue_device_assigns_it(
    client_for, owner, technician, late_devices
):
    device = late_devices["nobody"]
    client_for(owner).post(
        OVERDUE,
        {
            "device": device.pk,
            f"d{device.pk}-technician": technician.pk,
            f"d{device.pk}-expected_delivery_date": days(1).isoformat(),
            f"d{device.pk}-reason": "Nobody picked it up",
        },
    )
    device.refresh_from_db()
    assert (device.status, device.assigned_to) == (S.ASSIGNED, technician)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reason", "", "Give a reason"),
        ("expected_delivery_date", "past", "cannot be in the past"),
        ("technician", "", "Choose a technician."),
    ],
)
def test_refused_reassign_shows_errors_next_to_the_row_fields(
    field, value, message, client_for, manager, technician, late_devices
):
    device = late_devices["very"]
    data = {
        "device": device.pk,
        f"d{device.pk}-technician": technician.pk,
        f"d{device.pk}-expected_delivery_date": days(2).isoformat(),
        f"d{device.pk}-reason": "Because",
    }
    data[f"d{device.pk}-{field}"] = days(-1).isoformat() if value == "past" else value
    response = client_for(manager).post(OVERDUE, data)
    assert response.status_code == 200
    rows = {row["pk"]: form for row, form in response.context["rows"]}
    form = rows[device.pk]
    assert message in " ".join(form.errors[field])
    html = response.content.decode()
    assert message in html and "is-invalid" in html
    assert device.job_number in html  # the message on top names the job
    if field == "reason":
        assert form["expected_delivery_date"].value() == days(2).isoformat()  # kept
    device.refresh_from_db()
    assert not device.events.exists()


@pytest.mark.django_db
def test_keeping_the_technician_and_giving_a_new_date_only_moves_the_date(
    client_for, manager, other_technician
):
    device = DeviceFactory(
        status=S.ASSIGNED, assigned_to=other_technician, expected_delivery_date=days(-2)
    )
    response = client_for(manager).post(
        OVERDUE,
        {
            "device": device.pk,
            f"d{device.pk}-technician": other_technician.pk,
            f"d{device.pk}-expected_delivery_date": days(0).isoformat(),
            f"d{device.pk}-reason": "More time",
        },
        follow=True,
    )
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.expected_delivery_date == days(0)
    assert device.assigned_to == other_technician
    assert list(device.events.values_list("kind", flat=True)) == [Kind.DEADLINE]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["technician", "front_desk"])
def test_staff_see_overdue_but_cannot_reassign(
    who, request, client_for, other_technician, late_devices
):
    client = client_for(request.getfixturevalue(who))
    assert client.get(OVERDUE).status_code == 200
    device = late_devices["bit"]
    response = client.post(
        OVERDUE,
        {
            "device": device.pk,
            f"d{device.pk}-technician": other_technician.pk,
            f"d{device.pk}-expected_delivery_date": days(2).isoformat(),
            f"d{device.pk}-reason": "x",
        },
    )
    assert response.status_code == 403
    device.refresh_from_db()
    assert device.expected_delivery_date == days(-1)


@pytest.mark.django_db
def test_reassign_of_a_missing_device_is_404(client_for, manager):
    assert client_for(manager).post(OVERDUE, {"device": 999}).status_code == 404


@pytest.mark.django_db
def test_nothing_overdue_says_so(client_for, manager):
    html = client_for(manager).get(OVERDUE).content.decode()
    assert "Nothing is overdue" in html
    # The header's badge is not a red alarm reading "0 overdue".
    assert "0 overdue" not in html and "text-bg-danger" not in html


@pytest.mark.django_db
def test_overdue_query_count_does_not_grow(
    client_for, manager, technician, django_assert_max_num_queries
):
    client = client_for(manager)
    client.get(OVERDUE)
    for _ in range(3):
        DeviceFactory(status=S.ASSIGNED, assigned_to=technician, expected_delivery_date=days(-2))
    with django_assert_max_num_queries(50) as small:
        client.get(OVERDUE)
    for _ in range(30):
        DeviceFactory(status=S.ASSIGNED, assigned_to=technician, expected_delivery_date=days(-2))
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(OVERDUE)
    # 25 a page (each row has a reassign form); the badge counts them all.
    assert len(response.context["rows"]) == 25
    assert "33 overdue" in response.content.decode()
    assert len(client.get(OVERDUE, {"page": 2}).context["rows"]) == 8


@pytest.mark.django_db
def test_each_row_offers_every_technician_with_its_own_choice_selected(
    client_for, manager, technician, other_technician
):
    mine = DeviceFactory(status=S.ASSIGNED, assigned_to=technician, expected_delivery_date=days(-2))
    theirs = DeviceFactory(
        status=S.ASSIGNED, assigned_to=other_technician, expected_delivery_date=days(-3)
    )
    html = client_for(manager).get(OVERDUE).content.decode()
    for device, chosen, other in (
        (mine, technician, other_technician),
        (theirs, other_technician, technician),
    ):
        row = html.split(f'id="overdue-{device.pk}"', 1)[1].split("</tbody>", 1)[0]
        assert f'<option value="{chosen.pk}" selected>' in row
        assert f'<option value="{other.pk}">' in row


@pytest.mark.django_db
def test_a_refused_reassign_of_a_row_not_on_the_page_says_why_in_the_message(
    client_for, manager, technician
):
    # A second tab: the device is no longer overdue, so its row (and its errors) are gone.
    device = DeviceFactory(
        status=DeviceStatus.ASSIGNED, assigned_to=technician, expected_delivery_date=days(-5)
    )
    response = client_for(manager).post(
        OVERDUE,
        {
            "device": device.pk,
            f"d{device.pk}-technician": technician.pk,
            f"d{device.pk}-expected_delivery_date": days(-1).isoformat(),
            f"d{device.pk}-reason": "",
        },
    )

    said = " ".join(str(m) for m in response.context["messages"])
    assert f"{device.job_number} was not reassigned" in said
    assert "cannot be in the past" in said
    assert "Give a reason" in said


@pytest.mark.django_db
def test_a_refused_assign_of_an_unassigned_overdue_device_says_assigned(client_for, manager):
    device = DeviceFactory(status=DeviceStatus.RECEIVED, expected_delivery_date=days(-2))
    response = client_for(manager).post(
        OVERDUE, {"device": device.pk, f"d{device.pk}-reason": ""}, follow=True
    )
    said = " ".join(str(m) for m in response.context["messages"])
    assert f"{device.job_number} was not assigned" in said


# --- filters (SPEC §4: every list filters and searches) --------------------------------


def _shown(response):
    return {row["pk"] for row, _form in response.context["rows"]}


@pytest.mark.django_db
def test_the_assign_list_searches_and_filters_by_day_received(client_for, manager):
    from customers.tests.factories import CustomerFactory

    meera = CustomerFactory(name="Meera Nair", whatsapp_number="+919447012345")
    hers = DeviceFactory(customer=meera)
    other = DeviceFactory()
    old = DeviceFactory()
    old.received_at = timezone.now() - datetime.timedelta(days=20)
    old.save(update_fields=["received_at"])
    client = client_for(manager)

    assert _shown(client.get(ASSIGN, {"q": "meera"})) == {hers.pk}
    assert _shown(client.get(ASSIGN, {"q": "94470 12345"})) == {hers.pk}
    assert _shown(client.get(ASSIGN, {"q": hers.job_number})) == {hers.pk}
    recent = client.get(ASSIGN, {"received_after": days(-2).isoformat()})
    assert _shown(recent) == {hers.pk, other.pk}
    # The badge still counts every device waiting.
    assert recent.context["unassigned_count"] == 3
    assert "3 unassigned" in recent.content.decode()


@pytest.mark.django_db
def test_the_overdue_list_filters_by_technician_and_searches(
    client_for, manager, other_technician, late_devices
):
    client = client_for(manager)

    by_tech = client.get(OVERDUE, {"technician": other_technician.pk})
    assert _shown(by_tech) == {late_devices["very"].pk}
    assert by_tech.context["overdue_count"] == 3
    found = client.get(OVERDUE, {"q": late_devices["bit"].job_number})
    assert _shown(found) == {late_devices["bit"].pk}


@pytest.mark.django_db
def test_a_filter_that_matches_nothing_says_so_not_that_all_is_well(client_for, manager):
    DeviceFactory(expected_delivery_date=days(-2))
    html = client_for(manager).get(OVERDUE, {"q": "no such thing"}).content.decode()
    assert "No overdue device matches these filters" in html
    assert "Nothing is overdue" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("url", [ASSIGN, OVERDUE])
def test_a_broken_customer_link_is_said_to_be_ignored(url, client_for, manager):
    html = client_for(manager).get(url, {"customer": "abc"}).content.decode()
    assert "customer was not understood and is ignored" in html


@pytest.mark.django_db
def test_assigning_from_a_filtered_list_comes_back_to_it(client_for, manager, technician):
    device = DeviceFactory()
    client = client_for(manager)
    page = client.get(ASSIGN, {"q": device.job_number})
    assert f'action="{ASSIGN}?q={device.job_number}"' in page.content.decode()

    response = client.post(
        f"{ASSIGN}?q={device.job_number}", {"device": device.pk, "technician": technician.pk}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{ASSIGN}?q={device.job_number}"


@pytest.mark.django_db
def test_overdue_reassign_fields_have_visible_labels_and_an_unassigned_row_says_assign(
    client_for, manager, late_devices
):
    html = client_for(manager).get(OVERDUE).content.decode()
    assert "most overdue first" in html and "latest first" not in html

    def row(device):
        return html.split(f'id="overdue-{device.pk}"', 1)[1].split("</tbody>", 1)[0]

    assigned, unassigned = row(late_devices["very"]), row(late_devices["nobody"])
    assert "Reassign</button>" in assigned
    assert "Assign</button>" in unassigned and "Reassign</button>" not in unassigned
    job = late_devices["very"].job_number
    # Shown, not only read out: no label is hidden whole, its words are outside .visually-hidden.
    assert '<label class="visually-hidden"' not in assigned
    for label in ("Technician", "New expected date", "Reason"):
        assert f'>{label}<span class="visually-hidden"> for {job}</span>' in assigned
