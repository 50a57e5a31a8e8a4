import datetime
import re
from html import unescape as html_unescape

import pytest
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from crm.models import Lead, LeadNote, LeadSource, LeadStatus
from crm.services import lead_convert, lead_update
from customers.models import Customer
from customers.tests.factories import CustomerFactory

from .factories import LeadFactory

pytestmark = pytest.mark.django_db

PERSONAS = ["admin", "manager", "technician", "front_desk"]


@pytest.fixture
def lead(front_desk):
    return LeadFactory(created_by=front_desk, phone="+919845012345", name="Suresh Kumar")


def _routes(lead):
    """(method, url) of every CRM route."""
    return [
        ("get", reverse("crm:lead_list")),
        ("get", reverse("crm:lead_create")),
        ("get", reverse("crm:lead_metrics")),
        ("get", reverse("crm:lead_detail", args=[lead.pk])),
        ("get", reverse("crm:lead_edit", args=[lead.pk])),
        ("post", reverse("crm:lead_add_note", args=[lead.pk])),
        ("post", reverse("crm:lead_change_status", args=[lead.pk])),
        ("post", reverse("crm:lead_convert", args=[lead.pk])),
    ]


# --- SPEC §5: every route x every persona -------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_role_may_open_every_crm_page(persona, personas, client_for, lead):
    client = client_for(personas[persona])
    for method, url in _routes(lead):
        if method == "get":
            assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_role_may_add_a_note(persona, personas, client_for, lead):
    response = client_for(personas[persona]).post(
        reverse("crm:lead_add_note", args=[lead.pk]), {"text": f"Called by {persona}"}
    )
    assert response.status_code == 302
    assert lead.notes.get(text=f"Called by {persona}").by == personas[persona]


def test_anonymous_is_sent_to_login_on_every_crm_route(anonymous, lead):
    login = reverse("accounts:login")
    for method, url in _routes(lead):
        response = getattr(anonymous, method)(url)
        assert response.status_code == 302, url
        assert response.url.startswith(f"{login}?{REDIRECT_FIELD_NAME}="), url
    assert lead.notes.count() == 0


def test_a_lead_that_does_not_exist_is_404(client_for, front_desk):
    client = client_for(front_desk)
    missing = (Lead.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    for name in ("crm:lead_detail", "crm:lead_edit"):
        assert client.get(reverse(name, args=[missing])).status_code == 404
    for name in ("crm:lead_add_note", "crm:lead_change_status", "crm:lead_convert"):
        assert client.post(reverse(name, args=[missing])).status_code == 404


def test_a_lead_action_opened_as_a_page_goes_back_to_the_lead(client_for, front_desk, lead):
    client = client_for(front_desk)
    for name in ("crm:lead_add_note", "crm:lead_change_status", "crm:lead_convert"):
        response = client.get(reverse(name, args=[lead.pk]))
        assert response.status_code == 302
        assert response["Location"] == reverse("crm:lead_detail", args=[lead.pk])
        assert client.put(reverse(name, args=[lead.pk])).status_code == 405
    assert lead.notes.count() == 0
    lead.refresh_from_db()
    assert lead.customer_id is None


def test_state_changes_need_the_csrf_token(front_desk, lead):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(front_desk)
    response = client.post(reverse("crm:lead_add_note", args=[lead.pk]), {"text": "x"})
    assert response.status_code == 403
    assert lead.notes.count() == 0


# --- create and edit ------------------------------------------------------------------------


def _form(**overrides):
    data = {
        "name": "Anita Rao",
        "phone": "98450 12345",
        "email": "",
        "source": LeadSource.WHATSAPP,
        "requirement": "Printer not feeding paper",
        "estimated_value": "1500.00",
        "status": LeadStatus.NEW,
        "owner": "",
        "follow_up_date": (timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
        "note": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("typed", ["98450 12345", "+91 98450 12345", "919845012345"])
def test_lead_phone_typed_in_three_formats_is_one_number(client_for, front_desk, typed):
    client_for(front_desk).post(reverse("crm:lead_create"), _form(phone=typed))
    assert Lead.objects.get().phone == "+919845012345"


def test_create_saves_the_lead_and_opens_it(client_for, front_desk, manager):
    response = client_for(front_desk).post(
        reverse("crm:lead_create"), _form(owner=manager.pk, note="Saw our board")
    )
    lead = Lead.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("crm:lead_detail", args=[lead.pk])
    assert (lead.owner, lead.created_by, str(lead.estimated_value)) == (
        manager,
        front_desk,
        "1500.00",
    )
    assert "Saw our board" in lead.notes.get().text


def test_the_same_new_lead_form_sent_twice_takes_one_lead(client_for, front_desk):
    clerk = client_for(front_desk)
    key = clerk.get(reverse("crm:lead_create")).context["form"].initial["create_key"]
    first = clerk.post(reverse("crm:lead_create"), _form(create_key=key))
    again = clerk.post(reverse("crm:lead_create"), _form(create_key=key), follow=True)
    lead = Lead.objects.get()
    assert first.url == reverse("crm:lead_detail", args=[lead.pk])
    assert again.redirect_chain[-1][0] == first.url
    assert "This form was already sent" in again.content.decode()
    assert lead.notes.count() == 1
    # A fresh form is a fresh lead, even for the same person.
    fresh = clerk.get(reverse("crm:lead_create")).context["form"].initial["create_key"]
    assert fresh != key
    clerk.post(reverse("crm:lead_create"), _form(create_key=fresh))
    assert Lead.objects.count() == 2


def test_posting_to_crm_root_creates_a_lead_like_the_original_system(client_for, front_desk):
    response = client_for(front_desk).post(reverse("crm:lead_list"), _form())
    assert response.status_code == 302
    assert Lead.objects.filter(name="Anita Rao").exists()


def test_refused_create_keeps_what_was_typed_and_says_what_is_wrong(client_for, front_desk):
    response = client_for(front_desk).post(
        reverse("crm:lead_create"), _form(phone="12345", estimated_value="-5")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "valid mobile number" in form.errors["phone"][0]
    assert "negative" in form.errors["estimated_value"][0]
    assert 'value="Anita Rao"' in response.content.decode()
    assert not Lead.objects.exists()


def test_a_lead_without_name_or_number_is_refused_in_the_shops_words(client_for, front_desk):
    form = (
        client_for(front_desk)
        .post(reverse("crm:lead_create"), _form(name="", phone=""))
        .context["form"]
    )
    assert form.errors["name"] == ["Enter the person's name."]
    assert form.errors["phone"] == ["Enter their WhatsApp number, e.g. 98450 12345."]


def test_a_follow_up_years_away_is_refused_as_a_slip_of_the_keyboard(client_for, front_desk):
    response = client_for(front_desk).post(
        reverse("crm:lead_create"), _form(follow_up_date="9999-12-31")
    )
    assert "Pick a date within a year" in response.context["form"].errors["follow_up_date"][0]
    assert not Lead.objects.exists()


def test_a_new_follow_up_in_the_past_is_refused(client_for, front_desk):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = client_for(front_desk).post(
        reverse("crm:lead_create"), _form(follow_up_date=yesterday.isoformat())
    )
    assert "today or a later date" in response.context["form"].errors["follow_up_date"][0]
    assert not Lead.objects.exists()


def test_create_warns_when_the_number_is_already_a_customer_or_an_open_lead(client_for, front_desk):
    CustomerFactory(name="Anita (customer)", whatsapp_number="+919845012345")
    LeadFactory(phone="+919845012345", name="Anita earlier")
    response = client_for(front_desk).post(reverse("crm:lead_create"), _form(), follow=True)
    text = response.content.decode()
    assert "already belongs to the customer Anita (customer)" in text
    assert "another open lead with this number: Anita earlier" in text


def test_create_form_is_prefilled_from_the_query_string(client_for, front_desk):
    response = client_for(front_desk).get(
        reverse("crm:lead_create") + "?name=Ravi&phone=9845012345&source=phone"
    )
    form = response.context["form"]
    assert form.initial["name"] == "Ravi"
    assert form.initial["source"] == "phone"
    assert form.initial["owner"] == front_desk


def test_edit_changes_details_and_records_a_status_change(client_for, manager, lead):
    response = client_for(manager).post(
        reverse("crm:lead_edit", args=[lead.pk]),
        _form(name="Suresh K", phone="+91 98450 12345", status=LeadStatus.QUALIFIED),
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.name, lead.status) == ("Suresh K", LeadStatus.QUALIFIED)
    entry = lead.notes.get()
    assert (entry.from_status, entry.to_status, entry.by) == (
        LeadStatus.NEW,
        LeadStatus.QUALIFIED,
        manager,
    )


def test_a_lead_of_someone_who_left_keeps_its_owner_until_handed_over(client_for, manager):
    gone = UserFactory(username="former", first_name="Farida", is_active=False)
    lead = LeadFactory(owner=gone)
    client = client_for(manager)
    page = client.get(reverse("crm:lead_edit", args=[lead.pk]))
    assert page.context["form"].initial["owner"] == gone.pk
    assert f"{gone} (left)" in page.content.decode()
    # Another change, the owner left as shown: still Farida's.
    response = client.post(
        reverse("crm:lead_edit", args=[lead.pk]), _form(name="Renamed", owner=gone.pk)
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.name, lead.owner) == ("Renamed", gone)
    # The list finds the leaver's leads, to hand them over.
    listed = client.get(reverse("crm:lead_list"), {"owner": gone.pk})
    assert [row.pk for row in listed.context["page"].object_list] == [lead.pk]
    assert f"{gone} (left)" in listed.content.decode()
    # Handing over works; the leaver is not offered on other leads.
    client.post(reverse("crm:lead_edit", args=[lead.pk]), _form(owner=manager.pk))
    lead.refresh_from_db()
    assert lead.owner == manager
    fresh = client.get(reverse("crm:lead_edit", args=[LeadFactory().pk])).content.decode()
    assert "Farida" not in fresh


def test_edit_keeps_an_old_follow_up_date_that_was_not_changed(client_for, front_desk):
    past = timezone.localdate() - datetime.timedelta(days=3)
    lead = LeadFactory(follow_up_date=past)
    response = client_for(front_desk).post(
        reverse("crm:lead_edit", args=[lead.pk]),
        _form(follow_up_date=past.isoformat(), name="Renamed"),
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.name, lead.follow_up_date) == ("Renamed", past)


def _edit_form_as_shown(client, lead) -> dict:
    """What the browser sends back from the edit page: each box as shown, and the hidden
    ``initial-<name>`` inputs the page printed."""
    page = client.get(reverse("crm:lead_edit", args=[lead.pk]))
    form = page.context["form"]
    data = {name: "" if form[name].value() is None else form[name].value() for name in form.fields}
    html = page.content.decode()
    for name in form.fields:
        shown = re.search(rf'<input type="hidden" name="initial-{name}"(?: value="([^"]*)")?', html)
        data[f"initial-{name}"] = html_unescape(shown.group(1) or "")
    return data


def test_an_edit_opened_before_someone_moved_the_lead_on_does_not_undo_it(
    client_for, front_desk, manager
):
    lead = LeadFactory(name="Lata", status=LeadStatus.NEW, follow_up_date=None)
    desk = client_for(front_desk)
    data = _edit_form_as_shown(desk, lead)
    later = timezone.localdate() + datetime.timedelta(days=2)
    client_for(manager).post(
        reverse("crm:lead_change_status", args=[lead.pk]),
        {"status": LeadStatus.QUALIFIED, "follow_up_date": later.isoformat(), "note": "10 PCs"},
    )

    response = desk.post(reverse("crm:lead_edit", args=[lead.pk]), {**data, "name": "Latha"})

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.name, lead.status, lead.follow_up_date) == ("Latha", LeadStatus.QUALIFIED, later)
    assert not lead.notes.filter(to_status=LeadStatus.NEW).exists()


def test_an_edit_opened_before_the_lead_became_a_customer_still_saves_its_change(
    client_for, front_desk, manager
):
    lead = LeadFactory(name="Lata", status=LeadStatus.QUALIFIED)
    desk = client_for(front_desk)
    data = _edit_form_as_shown(desk, lead)
    lead_convert(lead=lead, by=manager)

    response = desk.post(reverse("crm:lead_edit", args=[lead.pk]), {**data, "name": "Latha"})

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.name, lead.status) == ("Latha", LeadStatus.WON)


def test_the_same_field_changed_by_two_people_is_refused_then_saved_on_purpose(
    client_for, front_desk, manager
):
    lead = LeadFactory(name="Lata", requirement="Laptop screen")
    desk = client_for(front_desk)
    data = _edit_form_as_shown(desk, lead)
    boss = client_for(manager)
    boss.post(
        reverse("crm:lead_edit", args=[lead.pk]),
        {**_edit_form_as_shown(boss, lead), "requirement": "Laptop screen and keyboard"},
    )

    refused = desk.post(
        reverse("crm:lead_edit", args=[lead.pk]), {**data, "requirement": "Laptop screen (15 in)"}
    )

    text = refused.content.decode()
    assert refused.status_code == 200
    assert f"{manager} changed this to “Laptop screen and keyboard”" in text
    assert "Laptop screen (15 in)" in text  # what was typed is kept
    lead.refresh_from_db()
    assert lead.requirement == "Laptop screen and keyboard"
    # Sent again as the page now shows it: the desk's text goes in.
    form = refused.context["form"]
    again = desk.post(reverse("crm:lead_edit", args=[lead.pk]), form.data)
    assert again.status_code == 302
    lead.refresh_from_db()
    assert lead.requirement == "Laptop screen (15 in)"


def test_a_refused_edit_still_saves_only_what_was_changed(client_for, front_desk, manager):
    lead = LeadFactory(name="Lata", status=LeadStatus.NEW)
    desk = client_for(front_desk)
    data = _edit_form_as_shown(desk, lead)
    refused = desk.post(
        reverse("crm:lead_edit", args=[lead.pk]), {**data, "name": "Latha", "phone": "12"}
    )
    assert refused.status_code == 200
    lead_update(lead=lead, by=manager, status=LeadStatus.CONTACTED)

    fixed = {**refused.context["form"].data.dict(), "phone": data["phone"]}
    desk.post(reverse("crm:lead_edit", args=[lead.pk]), fixed)

    lead.refresh_from_db()
    assert (lead.name, lead.status) == ("Latha", LeadStatus.CONTACTED)


def test_an_edit_saved_with_nothing_changed_says_so_and_records_nothing(client_for, front_desk):
    lead = LeadFactory()
    client = client_for(front_desk)
    history = lead.history.count()

    response = client.post(
        reverse("crm:lead_edit", args=[lead.pk]), _edit_form_as_shown(client, lead), follow=True
    )

    assert "Nothing was changed." in response.content.decode()
    assert lead.history.count() == history


def test_edit_refuses_to_move_a_converted_lead_off_won(client_for, front_desk, lead):
    lead_convert(lead=lead, by=front_desk)
    response = client_for(front_desk).post(
        reverse("crm:lead_edit", args=[lead.pk]), _form(status=LeadStatus.LOST)
    )
    assert response.status_code == 200
    assert "stays won" in response.context["form"].errors["status"][0]
    lead.refresh_from_db()
    assert lead.status == LeadStatus.WON


# --- detail: notes, status, conversion ------------------------------------------------------


def test_detail_shows_the_timeline_with_who_and_status_changes(client_for, front_desk, lead):
    LeadNote.objects.create(lead=lead, by=front_desk, text="Asked for a quote")
    LeadNote.objects.create(
        lead=lead, by=front_desk, from_status="new", to_status="contacted", text=""
    )
    response = client_for(front_desk).get(reverse("crm:lead_detail", args=[lead.pk]))
    html = response.content.decode()
    assert "Asked for a quote" in html
    assert "lead-status-contacted" in html
    assert front_desk.get_full_name() in html


def test_note_with_htmx_returns_the_timeline_only(client_for, front_desk, lead):
    response = client_for(front_desk).post(
        reverse("crm:lead_add_note", args=[lead.pk]),
        {"text": "Will come on Monday"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="lead-timeline">')
    assert "<nav" not in html
    assert "Will come on Monday" in html


def _note_key(html):
    return re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)


def test_the_same_note_form_sent_twice_adds_one_note(client_for, front_desk, lead):
    client = client_for(front_desk)
    url = reverse("crm:lead_add_note", args=[lead.pk])
    key = _note_key(client.get(reverse("crm:lead_detail", args=[lead.pk])).content.decode())

    first = client.post(url, {"text": "Sent the quote", "idempotency_key": key})
    again = client.post(url, {"text": "Sent the quote", "idempotency_key": key})

    assert first.status_code == again.status_code == 302
    assert list(lead.notes.values_list("text", flat=True)) == ["Sent the quote"]


def test_after_a_note_the_form_is_fresh_for_the_next_one(client_for, front_desk, lead):
    client = client_for(front_desk)
    url = reverse("crm:lead_add_note", args=[lead.pk])
    page = client.get(reverse("crm:lead_detail", args=[lead.pk])).content.decode()

    after = client.post(
        url,
        {"text": "Called, no answer", "idempotency_key": _note_key(page)},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    client.post(url, {"text": "Called again", "idempotency_key": _note_key(after)})

    assert _note_key(after) != _note_key(page)
    assert lead.notes.count() == 2


def test_a_note_key_from_another_leads_form_still_adds_the_note(client_for, front_desk, lead):
    client = client_for(front_desk)
    other = LeadFactory(created_by=front_desk)
    key = _note_key(client.get(reverse("crm:lead_detail", args=[other.pk])).content.decode())
    client.post(
        reverse("crm:lead_add_note", args=[other.pk]), {"text": "First", "idempotency_key": key}
    )

    client.post(
        reverse("crm:lead_add_note", args=[lead.pk]), {"text": "Second", "idempotency_key": key}
    )

    assert list(lead.notes.values_list("text", flat=True)) == ["Second"]


@pytest.mark.parametrize("note", ["Called", ""])
def test_the_same_status_form_sent_twice_moves_the_lead_on_once(note, client_for, front_desk, lead):
    client = client_for(front_desk)
    page = client.get(reverse("crm:lead_detail", args=[lead.pk])).content.decode()
    form = page[page.index(reverse("crm:lead_change_status", args=[lead.pk])) :]
    data = {"status": LeadStatus.CONTACTED, "note": note, "idempotency_key": _note_key(form)}
    url = reverse("crm:lead_change_status", args=[lead.pk])

    client.post(url, data)
    again = client.post(url, data, follow=True)

    assert "Nothing changed" not in again.content.decode()
    assert "Lead updated." in again.content.decode()
    assert list(lead.notes.values_list("text", "to_status")) == [(note, LeadStatus.CONTACTED)]


def test_empty_note_with_htmx_shows_the_error_in_place(client_for, front_desk, lead):
    response = client_for(front_desk).post(
        reverse("crm:lead_add_note", args=[lead.pk]), {"text": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Write the note before saving it." in response.content.decode()
    assert lead.notes.count() == 0


def test_empty_note_without_htmx_shows_the_page_with_the_error(client_for, front_desk, lead):
    response = client_for(front_desk).post(
        reverse("crm:lead_add_note", args=[lead.pk]), {"text": ""}
    )
    assert response.status_code == 200
    assert response.context["note_form"].errors["text"]


def test_status_form_moves_the_lead_on_with_follow_up_and_note(client_for, front_desk, lead):
    in_three_days = timezone.localdate() + datetime.timedelta(days=3)
    response = client_for(front_desk).post(
        reverse("crm:lead_change_status", args=[lead.pk]),
        {
            "status": LeadStatus.CONTACTED,
            "follow_up_date": in_three_days.isoformat(),
            "note": "Quote sent",
        },
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.follow_up_date) == (LeadStatus.CONTACTED, in_three_days)
    entry = lead.notes.get()
    assert entry.to_status == LeadStatus.CONTACTED
    assert entry.text.startswith("Quote sent")


def test_status_form_that_changes_nothing_says_so(client_for, front_desk, lead):
    response = client_for(front_desk).post(
        reverse("crm:lead_change_status", args=[lead.pk]), {"status": lead.status}
    )
    assert response.status_code == 200
    assert "Nothing changed" in response.context["status_form"].non_field_errors()[0]


def test_status_form_with_an_unknown_status_is_refused_not_500(client_for, front_desk, lead):
    response = client_for(front_desk).post(
        reverse("crm:lead_change_status", args=[lead.pk]), {"status": "bogus"}
    )
    assert response.status_code == 200
    assert response.context["status_form"].errors["status"]


def test_a_status_update_on_a_lead_converted_meanwhile_says_why_and_keeps_the_note(
    client_for, front_desk, manager, lead
):
    lead_convert(lead=lead, by=manager)  # while the clerk had the lead open
    response = client_for(front_desk).post(
        reverse("crm:lead_change_status", args=[lead.pk]),
        {"status": LeadStatus.CONTACTED, "follow_up_date": "", "note": "Will come Saturday"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The lead was not updated" in page and "so it stays won" in page
    # The note is not lost: it waits in the timeline's note box, to be added from there.
    assert response.context["note_form"].initial["text"] == "Will come Saturday"
    assert "\nWill come Saturday</textarea>" in page
    lead.refresh_from_db()
    assert lead.status == LeadStatus.WON and not lead.notes.filter(text__contains="Saturday")


def test_convert_button_creates_the_customer_and_offers_intake(client_for, front_desk, lead):
    client = client_for(front_desk)
    response = client.post(reverse("crm:lead_convert", args=[lead.pk]), {"location": "BTM"})
    assert response.status_code == 302
    lead.refresh_from_db()
    customer = Customer.objects.get()
    assert lead.customer == customer
    assert lead.status == LeadStatus.WON
    page = client.get(reverse("crm:lead_detail", args=[lead.pk])).content.decode()
    assert f"{reverse('devices:add_device')}?customer={customer.pk}" in page


def test_convert_button_links_an_existing_customer_without_duplicate(client_for, front_desk, lead):
    existing = CustomerFactory(whatsapp_number="+919845012345")
    response = client_for(front_desk).post(
        reverse("crm:lead_convert", args=[lead.pk]), {}, follow=True
    )
    assert Customer.objects.count() == 1
    lead.refresh_from_db()
    assert lead.customer == existing
    assert "no duplicate was made" in response.content.decode()


def test_converting_a_lost_lead_shows_why_it_cannot(client_for, front_desk):
    lost = LeadFactory(status=LeadStatus.LOST)
    response = client_for(front_desk).post(
        reverse("crm:lead_convert", args=[lost.pk]), {}, follow=True
    )
    assert response.status_code == 200
    assert "marked lost" in response.content.decode()
    assert not Customer.objects.exists()


# --- list: filters, search, follow-ups, query count ------------------------------------------


def _names(response):
    return {lead.name for lead in response.context["page"].object_list}


@pytest.fixture
def dated_leads():
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    return {
        "today": LeadFactory(name="Due today", follow_up_date=today),
        "overdue": LeadFactory(
            name="Overdue", follow_up_date=today - 3 * day, status=LeadStatus.CONTACTED
        ),
        "future": LeadFactory(name="Later", follow_up_date=today + 2 * day),
        "none": LeadFactory(name="No date"),
        "won": LeadFactory(name="Won past", follow_up_date=today - day, status=LeadStatus.WON),
        "lost": LeadFactory(name="Lost today", follow_up_date=today, status=LeadStatus.LOST),
    }


def test_follow_ups_due_lists_today_and_overdue_open_leads_oldest_first(
    client_for, front_desk, dated_leads
):
    response = client_for(front_desk).get(reverse("crm:lead_list") + "?follow_up=due")
    rows = [lead.name for lead in response.context["page"].object_list]
    assert rows == ["Overdue", "Due today"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("today", {"Due today"}),
        ("overdue", {"Overdue"}),
        ("upcoming", {"Later"}),
        ("none", {"No date"}),
    ],
)
def test_follow_up_filters_by_date_and_leave_closed_leads_out(
    client_for, front_desk, dated_leads, value, expected
):
    response = client_for(front_desk).get(reverse("crm:lead_list") + f"?follow_up={value}")
    assert _names(response) == expected


def test_follow_ups_due_tab_counts_only_open_due_leads(client_for, front_desk, dated_leads):
    response = client_for(front_desk).get(reverse("crm:lead_list"))
    tabs = {tab["label"]: tab["count"] for tab in response.context["tabs"]}
    assert tabs == {"All leads": 6, "Open": 4, "Follow-ups due": 2, "Won": 1, "Lost": 1}


def test_status_open_means_new_contacted_and_qualified(client_for, front_desk, dated_leads):
    response = client_for(front_desk).get(reverse("crm:lead_list") + "?status=open")
    assert _names(response) == {"Due today", "Overdue", "Later", "No date"}


@pytest.mark.parametrize(
    "typed", ["98450 12345", "+91 98450 12345", "919845012345", "12345", "098450", "0 98450 123"]
)
def test_search_finds_a_lead_by_phone_in_any_format(client_for, front_desk, typed):
    LeadFactory(name="Meera", phone="+919845012345")
    LeadFactory(name="Someone else", phone="+919900099000")
    response = client_for(front_desk).get(reverse("crm:lead_list"), {"q": typed})
    assert _names(response) == {"Meera"}


def test_search_finds_by_name_and_requirement(client_for, front_desk):
    LeadFactory(name="Meera", requirement="UPS battery")
    LeadFactory(name="Farhan", requirement="Motherboard repair")
    client = client_for(front_desk)
    assert _names(client.get(reverse("crm:lead_list"), {"q": "meer"})) == {"Meera"}
    assert _names(client.get(reverse("crm:lead_list"), {"q": "motherboard"})) == {"Farhan"}


def test_filters_by_owner_source_and_nobody(client_for, front_desk, manager):
    LeadFactory(name="Mine", owner=front_desk, source=LeadSource.REFERRAL)
    LeadFactory(name="Managers", owner=manager, source=LeadSource.WEBSITE)
    LeadFactory(name="Nobody's", owner=None)
    client = client_for(front_desk)
    url = reverse("crm:lead_list")
    assert _names(client.get(url, {"owner": front_desk.pk})) == {"Mine"}
    assert _names(client.get(url, {"source": "website"})) == {"Managers"}
    assert _names(client.get(url, {"owner": "null"})) == {"Nobody's"}


def test_filter_by_creation_dates(client_for, front_desk):
    old = LeadFactory(name="Old")
    Lead.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=40))
    LeadFactory(name="Recent")
    today = timezone.localdate().isoformat()
    response = client_for(front_desk).get(
        reverse("crm:lead_list"), {"created_after": today, "created_before": today}
    )
    assert _names(response) == {"Recent"}


def test_an_invalid_filter_value_shows_an_error_not_a_500(client_for, front_desk):
    LeadFactory()
    response = client_for(front_desk).get(
        reverse("crm:lead_list"), {"status": "bogus", "created_after": "yesterday"}
    )
    assert response.status_code == 200
    assert response.context["filter"].form.errors


def test_empty_list_tells_what_to_do(client_for, front_desk):
    html = client_for(front_desk).get(reverse("crm:lead_list")).content.decode()
    assert "No leads yet" in html
    assert reverse("crm:lead_create") in html


def test_list_pages_through_many_leads(client_for, front_desk):
    LeadFactory.create_batch(30)
    client = client_for(front_desk)
    first = client.get(reverse("crm:lead_list"))
    second = client.get(reverse("crm:lead_list"), {"page": 2})
    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5


def _queries(client, url, params=None):
    client.get(url, params)  # warm-up: shop settings row, session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx), response


def test_list_query_count_does_not_grow_with_rows(client_for, front_desk):
    owners = UserFactory.create_batch(3)
    customer = CustomerFactory()
    client = client_for(front_desk)
    LeadFactory(owner=owners[0])
    few, _ = _queries(client, reverse("crm:lead_list"))
    for i in range(35):
        LeadFactory(
            owner=owners[i % 3],
            customer=customer if i % 2 else None,
            estimated_value=f"{1000 + i}.00",
        )
    many, response = _queries(client, reverse("crm:lead_list"))
    assert len(response.context["page"].object_list) == 25
    assert many == few
    assert many <= 10
    due, _ = _queries(client, reverse("crm:lead_list"), {"follow_up": "due", "q": "98450"})
    assert due <= 10


def test_detail_query_count_does_not_grow_with_notes(client_for, front_desk, lead):
    writers = UserFactory.create_batch(3)
    client = client_for(front_desk)
    url = reverse("crm:lead_detail", args=[lead.pk])
    LeadNote.objects.create(lead=lead, by=writers[0], text="first")
    few, _ = _queries(client, url)
    for i in range(30):
        LeadNote.objects.create(lead=lead, by=writers[i % 3], text=f"note {i}")
    many, response = _queries(client, url)
    assert response.content.decode().count("note-meta") == 31
    assert many == few


# --- metrics ------------------------------------------------------------------------------------


def test_metrics_count_by_status_and_source_with_rates_and_value(client_for, front_desk):
    LeadFactory(status=LeadStatus.WON, source=LeadSource.REFERRAL, estimated_value="2500.00")
    LeadFactory(status=LeadStatus.WON, source=LeadSource.WALK_IN, estimated_value="1500.50")
    LeadFactory(status=LeadStatus.LOST, source=LeadSource.WALK_IN, estimated_value="9000.00")
    LeadFactory(status=LeadStatus.NEW, source=LeadSource.WALK_IN, estimated_value="700.00")
    old = LeadFactory(status=LeadStatus.WON, estimated_value="99999.00")
    Lead.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=400))
    today = timezone.localdate()
    response = client_for(front_desk).get(
        reverse("crm:lead_metrics"),
        {"start": (today - datetime.timedelta(days=5)).isoformat(), "end": today.isoformat()},
    )
    m = response.context["metrics"]
    assert (m["total"], m["won"], m["lost"], m["open"]) == (4, 2, 1, 1)
    assert str(m["value_won"]) == "4000.50"
    assert str(m["value_open"]) == "700.00"
    assert str(m["conversion_rate"]) == "66.7"  # 2 won of 3 decided
    assert str(m["win_rate"]) == "50.0"  # 2 won of 4 taken
    by_status = {row["status"]: row["count"] for row in m["by_status"]}
    assert by_status == {"new": 1, "contacted": 0, "qualified": 0, "won": 2, "lost": 1}
    walk_in = next(row for row in m["by_source"] if row["source"] == "walk_in")
    assert (walk_in["total"], walk_in["won"], walk_in["lost"]) == (3, 1, 1)
    assert str(walk_in["conversion_rate"]) == "50.0"
    assert "₹4,000.50" in response.content.decode()


def test_metrics_default_to_this_month(client_for, front_desk):
    response = client_for(front_desk).get(reverse("crm:lead_metrics"))
    today = timezone.localdate()
    assert (response.context["start"], response.context["end"]) == (today.replace(day=1), today)


def test_metrics_with_a_backwards_period_explain_and_fall_back(client_for, front_desk):
    response = client_for(front_desk).get(
        reverse("crm:lead_metrics"), {"start": "2026-05-10", "end": "2026-05-01"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "“To” is before “From”: pick a day on or after 10 May 2026." in html
    assert "Showing this month instead" in html


def test_metrics_query_count_is_fixed(client_for, front_desk):
    client = client_for(front_desk)
    LeadFactory()
    few, _ = _queries(client, reverse("crm:lead_metrics"))
    for i in range(40):
        LeadFactory(
            status=LeadStatus.values[i % 5],
            source=LeadSource.values[i % 7],
            owner=front_desk if i % 2 else None,
            estimated_value="500.00",
        )
    many, response = _queries(client, reverse("crm:lead_metrics"))
    assert response.context["metrics"]["total"] == 41
    assert many == few


def test_timeline_shows_the_note_and_the_follow_up_on_two_lines(client_for, front_desk, lead):
    in_two_days = timezone.localdate() + datetime.timedelta(days=2)
    client = client_for(front_desk)
    client.post(
        reverse("crm:lead_change_status", args=[lead.pk]),
        {
            "status": LeadStatus.CONTACTED,
            "follow_up_date": in_two_days.isoformat(),
            "note": "Will visit with the purchase order",
        },
    )
    html = client.get(reverse("crm:lead_detail", args=[lead.pk])).content.decode()
    assert "Will visit with the purchase order<br>Next follow-up:" in html


@pytest.mark.parametrize("status", [LeadStatus.WON, LeadStatus.LOST])
def test_a_closed_lead_offers_no_follow_up_and_no_status_form(client_for, front_desk, status):
    lead = LeadFactory(status=status, follow_up_date=timezone.localdate())
    response = client_for(front_desk).get(reverse("crm:lead_detail", args=[lead.pk]))
    html = response.content.decode()
    assert "Next follow-up" not in html
    assert reverse("crm:lead_change_status", args=[lead.pk]) not in html
    assert "no follow-up is due" in html
    assert reverse("crm:lead_edit", args=[lead.pk]) in html  # the way to reopen it
    assert reverse("crm:lead_add_note", args=[lead.pk]) in html


def test_a_converted_lead_keeps_only_the_note_box(client_for, front_desk, lead):
    lead_convert(lead=lead, by=front_desk)
    html = client_for(front_desk).get(reverse("crm:lead_detail", args=[lead.pk])).content.decode()
    assert "Became the customer" in html
    assert reverse("crm:lead_change_status", args=[lead.pk]) not in html
    assert reverse("crm:lead_convert", args=[lead.pk]) not in html
    assert "no follow-up is due" not in html and "Next follow-up" not in html
    assert reverse("crm:lead_add_note", args=[lead.pk]) in html


def test_an_open_lead_still_offers_the_status_form(client_for, front_desk, lead):
    html = client_for(front_desk).get(reverse("crm:lead_detail", args=[lead.pk])).content.decode()
    assert reverse("crm:lead_change_status", args=[lead.pk]) in html
    assert "Next follow-up" in html


def test_list_shows_no_follow_up_for_closed_leads(client_for, front_desk):
    day = timezone.localdate() + datetime.timedelta(days=4)
    LeadFactory(name="Open One", status=LeadStatus.CONTACTED, follow_up_date=day)
    LeadFactory(name="Lost One", status=LeadStatus.LOST, follow_up_date=day)
    html = client_for(front_desk).get(reverse("crm:lead_list")).content.decode()
    rows = {name: html.split(name, 1)[1].split("</tr>", 1)[0] for name in ("Open One", "Lost One")}
    assert f"{day:%-d %b %Y}" in rows["Open One"]
    assert f"{day:%-d %b %Y}" not in rows["Lost One"]


def test_lead_timeline_reads_oldest_first_with_the_note_box_below(client_for, front_desk, lead):
    now = timezone.now()
    # Created out of order, so that the page must sort by when, not by id.
    for text, hours_ago in [("Second call", 2), ("First call", 3), ("Third call", 1)]:
        LeadNote.objects.create(
            lead=lead, by=front_desk, text=text, at=now - datetime.timedelta(hours=hours_ago)
        )
    html = client_for(front_desk).get(reverse("crm:lead_detail", args=[lead.pk])).content.decode()
    timeline = html[html.index('id="lead-timeline"') :]
    positions = [timeline.index(t) for t in ("First call", "Second call", "Third call")]
    assert positions == sorted(positions)
    assert timeline.index("Third call") < timeline.index('name="text"')


# --- a lost lead keeps why ----------------------------------------------------------------------


def test_marking_a_lead_lost_needs_the_reason_next_to_the_note(client_for, front_desk, lead):
    url = reverse("crm:lead_change_status", args=[lead.pk])
    response = client_for(front_desk).post(url, {"status": LeadStatus.LOST, "note": "  "})

    assert response.status_code == 200
    assert "Say why the lead was lost" in response.context["status_form"].errors["note"][0]
    lead.refresh_from_db()
    assert lead.status != LeadStatus.LOST
    assert not lead.notes.exists()


def test_a_lead_marked_lost_with_a_reason_keeps_it(client_for, front_desk, lead):
    url = reverse("crm:lead_change_status", args=[lead.pk])
    client_for(front_desk).post(url, {"status": LeadStatus.LOST, "note": "Bought online"})

    lead.refresh_from_db()
    assert (lead.status, lead.lost_reason) == (LeadStatus.LOST, "Bought online")


def test_the_edit_form_sends_a_lead_to_be_lost_from_its_page(client_for, front_desk, lead):
    response = client_for(front_desk).post(
        reverse("crm:lead_edit", args=[lead.pk]), _form(status=LeadStatus.LOST)
    )

    assert response.status_code == 200
    assert "Move the lead on" in response.context["form"].errors["status"][0]
    lead.refresh_from_db()
    assert lead.status != LeadStatus.LOST


def test_a_lead_taken_as_lost_needs_its_reason(client_for, front_desk):
    client = client_for(front_desk)
    refused = client.post(reverse("crm:lead_create"), _form(status=LeadStatus.LOST))
    taken = client.post(
        reverse("crm:lead_create"), _form(status=LeadStatus.LOST, note="Price too high")
    )

    assert "Say why the lead was lost" in refused.context["form"].errors["note"][0]
    assert taken.status_code == 302
    assert Lead.objects.get().lost_reason == "Price too high"


def test_search_finds_a_lead_by_parts_of_the_words_of_its_name(client_for, front_desk):
    LeadFactory(name="Meera Krishnamurthy")
    LeadFactory(name="Meera Shah")
    response = client_for(front_desk).get(reverse("crm:lead_list"), {"q": "krishna meera"})
    assert _names(response) == {"Meera Krishnamurthy"}
