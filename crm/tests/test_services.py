import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm.models import Lead, LeadNote, LeadSource, LeadStatus
from crm.services import lead_add_note, lead_convert, lead_create, lead_update
from customers.models import Customer
from customers.tests.factories import CustomerFactory

from .factories import LeadFactory

pytestmark = pytest.mark.django_db


def _create(by, **overrides):
    data = {
        "name": "Suresh Kumar",
        "phone": "98450 12345",
        "source": LeadSource.PHONE,
        "requirement": "AMC for 10 desktops",
        "by": by,
    }
    data.update(overrides)
    return lead_create(**data)


@pytest.mark.parametrize("typed", ["98450 12345", "+91 98450 12345", "919845012345"])
def test_lead_phone_in_any_format_is_stored_as_one_number(front_desk, typed):
    lead = _create(front_desk, phone=typed)
    assert lead.phone == "+919845012345"


def test_lead_phone_that_is_not_a_number_is_refused_on_the_phone_field(front_desk):
    with pytest.raises(ValidationError) as exc:
        _create(front_desk, phone="12345")
    assert "phone" in exc.value.message_dict
    assert not Lead.objects.exists()


def test_creating_a_lead_starts_its_timeline_with_who_took_it(front_desk):
    follow_up = timezone.localdate() + datetime.timedelta(days=2)
    lead = _create(front_desk, note="Called from Jayanagar", follow_up_date=follow_up)
    note = lead.notes.get()
    assert note.by == front_desk
    assert note.to_status == LeadStatus.NEW
    assert note.from_status == ""
    assert "Called from Jayanagar" in note.text
    assert "Next follow-up" in note.text
    assert lead.created_by == front_desk


def test_creating_a_lead_as_won_stamps_when_it_was_won(front_desk):
    lead = _create(front_desk, status=LeadStatus.WON)
    assert lead.won_at is not None


def test_negative_estimated_value_is_refused(front_desk):
    with pytest.raises(ValidationError) as exc:
        _create(front_desk, estimated_value=Decimal("-1.00"))
    assert "estimated_value" in exc.value.message_dict


def test_status_change_is_recorded_on_the_timeline_with_who_and_from_to(front_desk, manager):
    lead = _create(front_desk)
    lead = lead_update(lead=lead, by=manager, status=LeadStatus.CONTACTED, note="Sent a quote")
    change = lead.notes.order_by("-at", "-pk").first()
    assert (change.from_status, change.to_status) == (LeadStatus.NEW, LeadStatus.CONTACTED)
    assert change.by == manager
    assert change.text == "Sent a quote"
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.CONTACTED


def test_editing_details_without_status_change_adds_no_timeline_entry(front_desk):
    lead = _create(front_desk)
    lead_update(lead=lead, by=front_desk, name="Suresh K", requirement="AMC for 12 desktops")
    assert lead.notes.count() == 1
    lead.refresh_from_db()
    assert lead.name == "Suresh K"


def test_new_follow_up_date_is_noted_on_the_timeline(front_desk):
    lead = _create(front_desk)
    later = timezone.localdate() + datetime.timedelta(days=5)
    lead_update(lead=lead, by=front_desk, follow_up_date=later)
    latest = lead.notes.order_by("-pk").first()
    assert "Next follow-up" in latest.text
    assert latest.to_status == ""


def test_a_note_and_the_follow_up_are_on_separate_lines(front_desk, manager):
    lead = _create(front_desk)
    later = timezone.localdate() + datetime.timedelta(days=2)
    lead = lead_update(
        lead=lead,
        by=manager,
        status=LeadStatus.CONTACTED,
        follow_up_date=later,
        note="Will visit on Saturday with the purchase order",
    )
    change = lead.notes.order_by("-pk").first()
    assert change.text == (
        f"Will visit on Saturday with the purchase order\nNext follow-up: {later:%-d %b %Y}."
    )
    first = _create(front_desk, phone="98450 99999", note="Walked in", follow_up_date=later)
    assert first.notes.get().text == f"Lead taken. Walked in\nNext follow-up: {later:%-d %b %Y}."


@pytest.mark.parametrize("status", [LeadStatus.WON, LeadStatus.LOST])
def test_a_won_or_lost_lead_keeps_no_follow_up_date(front_desk, status):
    later = timezone.localdate() + datetime.timedelta(days=3)
    lead = _create(front_desk, follow_up_date=later)
    # The status form sends the date it showed along with the new status.
    lead = lead_update(lead=lead, by=front_desk, status=status, follow_up_date=later, note="Done")
    assert Lead.objects.get(pk=lead.pk).follow_up_date is None
    assert lead.notes.order_by("-pk").first().text == "Done\nFollow-up cleared."
    # Editing other details later does not bring a follow-up back on a closed lead.
    lead_update(lead=lead, by=front_desk, name="Suresh K", follow_up_date=later)
    assert Lead.objects.get(pk=lead.pk).follow_up_date is None


def test_converting_a_lead_clears_its_follow_up(front_desk):
    lead = _create(front_desk, follow_up_date=timezone.localdate())
    lead, _ = lead_convert(lead=lead, by=front_desk)
    assert Lead.objects.get(pk=lead.pk).follow_up_date is None
    assert "Follow-up cleared." in lead.notes.order_by("-pk").first().text


def test_reopening_a_lost_lead_takes_a_follow_up_again(front_desk):
    later = timezone.localdate() + datetime.timedelta(days=1)
    lead = _create(front_desk, status=LeadStatus.LOST, follow_up_date=later, note="Went elsewhere")
    assert lead.follow_up_date is None
    lead = lead_update(lead=lead, by=front_desk, status=LeadStatus.QUALIFIED, follow_up_date=later)
    assert Lead.objects.get(pk=lead.pk).follow_up_date == later


def test_winning_stamps_won_at_and_reopening_clears_it(front_desk):
    lead = _create(front_desk)
    lead = lead_update(lead=lead, by=front_desk, status=LeadStatus.WON)
    assert lead.won_at is not None
    lead = lead_update(lead=lead, by=front_desk, status=LeadStatus.QUALIFIED)
    assert lead.won_at is None


@pytest.mark.parametrize("note", ["", "   "])
def test_a_lead_is_never_lost_without_a_reason(front_desk, note):
    # Whoever calls the service (a page, the admin, a script) gets the same refusal.
    with pytest.raises(ValidationError) as refused:
        _create(front_desk, status=LeadStatus.LOST, note=note)
    assert "Say why the lead was lost" in refused.value.message_dict["note"][0]
    lead = _create(front_desk)
    with pytest.raises(ValidationError) as refused:
        lead_update(lead=lead, by=front_desk, status=LeadStatus.LOST, note=note)
    assert "note" in refused.value.message_dict
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.NEW


def test_losing_keeps_the_note_as_the_reason(front_desk):
    lead = _create(front_desk)
    lead = lead_update(lead=lead, by=front_desk, status=LeadStatus.LOST, note="Went to a rival")
    assert lead.lost_reason == "Went to a rival"


def test_a_converted_lead_stays_won(front_desk):
    lead = _create(front_desk)
    lead, _ = lead_convert(lead=lead, by=front_desk)
    with pytest.raises(ValidationError) as exc:
        lead_update(lead=lead, by=front_desk, status=LeadStatus.LOST)
    assert "stays won" in exc.value.message_dict["status"][0]
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.WON


def test_update_refuses_fields_that_are_not_editable(front_desk):
    lead = _create(front_desk)
    with pytest.raises(TypeError):
        lead_update(lead=lead, by=front_desk, customer=None)


def test_note_needs_text(front_desk):
    lead = _create(front_desk)
    with pytest.raises(ValidationError):
        lead_add_note(lead=lead, by=front_desk, text="   ")
    note = lead_add_note(lead=lead, by=front_desk, text="Will visit on Saturday")
    assert (note.by, note.text) == (front_desk, "Will visit on Saturday")


def test_conversion_matches_an_existing_customer_by_whatsapp_number(front_desk):
    existing = CustomerFactory(name="Suresh Kumar (old)", whatsapp_number="+919845012345")
    lead = _create(front_desk, phone="9845012345", email="suresh@example.in")
    before = Customer.objects.count()

    lead, created = lead_convert(lead=lead, by=front_desk)

    assert created is False
    assert Customer.objects.count() == before
    assert lead.customer == existing
    assert lead.status == LeadStatus.WON
    existing.refresh_from_db()
    # The existing record keeps its name; an empty email is filled in from the lead.
    assert existing.name == "Suresh Kumar (old)"
    assert existing.email == "suresh@example.in"
    note = lead.notes.order_by("-pk").first()
    assert "existing customer" in note.text
    assert (note.from_status, note.to_status) == (LeadStatus.NEW, LeadStatus.WON)


def test_conversion_creates_a_new_customer_when_the_number_is_unknown(front_desk):
    lead = _create(front_desk, phone="+91 99000 11122")
    lead, created = lead_convert(lead=lead, by=front_desk, location="Indiranagar")
    assert created is True
    customer = Customer.objects.get(whatsapp_number="+919900011122")
    assert (customer.name, customer.location) == ("Suresh Kumar", "Indiranagar")
    assert lead.customer == customer
    assert lead.won_at is not None


def test_converting_twice_changes_nothing(front_desk):
    lead = _create(front_desk)
    lead, _ = lead_convert(lead=lead, by=front_desk)
    notes = lead.notes.count()
    again, created = lead_convert(lead=lead, by=front_desk)
    assert created is False
    assert again.customer == lead.customer
    assert Customer.objects.count() == 1
    assert lead.notes.count() == notes


def test_a_lost_lead_is_not_converted(front_desk):
    lead = LeadFactory(status=LeadStatus.LOST)
    with pytest.raises(ValidationError) as exc:
        lead_convert(lead=lead, by=front_desk)
    assert "lost" in exc.value.messages[0]
    assert not Customer.objects.exists()
    assert not LeadNote.objects.filter(lead=lead).exists()
