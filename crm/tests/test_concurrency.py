"""Two clerks converting at the same moment (PostgreSQL only: real concurrent transactions)."""

import threading

import pytest
from django.db import connection

from accounts.models import Role
from accounts.tests.factories import UserFactory
from crm.models import Lead, LeadNote, LeadStatus
from crm.services import LeadAlreadyTaken, lead_add_note, lead_convert, lead_create, lead_update
from customers.models import Customer

from .factories import LeadFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"
    ),
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def _run_at_once(count, work):
    start = threading.Barrier(count)
    results, errors = [], []

    def worker(n):
        try:
            start.wait(timeout=30)
            results.append(work(n))
        except Exception as exc:  # surfaced by the assertions below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def test_one_lead_converted_by_two_clerks_at_once_makes_one_customer_and_one_entry():
    clerks = [UserFactory(username=f"clerk{n}", role=Role.STAFF) for n in range(2)]
    lead = LeadFactory(phone="+919845077777", status=LeadStatus.QUALIFIED)

    results, errors = _run_at_once(2, lambda n: lead_convert(lead=lead, by=clerks[n]))

    assert errors == []
    assert Customer.objects.filter(whatsapp_number="+919845077777").count() == 1
    assert sorted(created for _, created in results) == [False, True]
    assert LeadNote.objects.filter(lead=lead, to_status=LeadStatus.WON).count() == 1


def test_two_leads_from_one_number_converted_at_once_share_one_customer():
    clerk = UserFactory(username="clerk", role=Role.STAFF)
    leads = [LeadFactory(phone="+919845066666") for _ in range(2)]

    results, errors = _run_at_once(2, lambda n: lead_convert(lead=leads[n], by=clerk))

    assert errors == []
    customers = Customer.objects.filter(whatsapp_number="+919845066666")
    assert customers.count() == 1
    for lead in leads:
        lead.refresh_from_db()
        assert lead.customer == customers.get()


def test_status_changes_at_once_each_land_on_the_timeline_in_order():
    clerks = [UserFactory(username=f"desk{n}", role=Role.STAFF) for n in range(2)]
    lead = LeadFactory(status=LeadStatus.NEW)
    targets = [LeadStatus.CONTACTED, LeadStatus.QUALIFIED]

    results, errors = _run_at_once(
        2, lambda n: lead_update(lead=lead, by=clerks[n], status=targets[n])
    )

    assert errors == []
    entries = list(LeadNote.objects.filter(lead=lead).order_by("pk"))
    assert len(entries) == 2
    # The second change starts from where the first left the lead (row lock), so the
    # timeline reads as one unbroken chain ending at the lead's status.
    assert entries[0].from_status == LeadStatus.NEW
    assert entries[1].from_status == entries[0].to_status
    lead.refresh_from_db()
    assert lead.status == entries[1].to_status


def test_one_new_lead_form_sent_twice_at_once_takes_one_lead():
    import uuid

    clerk = UserFactory(username="clerk", role=Role.STAFF)
    key = uuid.uuid4()

    def send(_n):
        try:
            return lead_create(
                name="Anita Rao",
                phone="98450 12345",
                source="walk_in",
                requirement="Printer not feeding paper",
                by=clerk,
                create_key=key,
            ).pk
        except LeadAlreadyTaken as taken:
            return taken.lead.pk

    results, errors = _run_at_once(2, send)

    assert errors == []
    lead = Lead.objects.get()
    assert results == [lead.pk, lead.pk]
    assert LeadNote.objects.filter(lead=lead).count() == 1


def test_one_note_form_sent_twice_at_once_adds_one_note():
    import uuid

    clerk = UserFactory(username="clerk", role=Role.STAFF)
    lead = LeadFactory()
    key = uuid.uuid4()

    results, errors = _run_at_once(
        2, lambda _n: lead_add_note(lead=lead, by=clerk, text="Quote sent", idempotency_key=key).pk
    )

    assert errors == []
    assert len(set(results)) == 1
    assert LeadNote.objects.filter(lead=lead, text="Quote sent").count() == 1
