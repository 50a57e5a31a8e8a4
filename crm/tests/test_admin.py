import pytest
from django.urls import reverse

from crm.models import Lead, LeadNote, LeadSource, LeadStatus
from crm.services import lead_convert
from customers.models import Customer

from .factories import LeadFactory

pytestmark = pytest.mark.django_db


def _post_data(lead=None, **overrides):
    data = {
        "name": lead.name if lead else "Deepak",
        "phone": lead.phone if lead else "98450 12345",
        "email": "",
        "source": lead.source if lead else LeadSource.PHONE,
        "requirement": lead.requirement if lead else "Desktop upgrade",
        "estimated_value": "",
        "status": lead.status if lead else LeadStatus.NEW,
        "owner": "",
        "follow_up_date": "",
        # Inlines: "add a note" (one empty form) and the read-only timeline.
        "notes-TOTAL_FORMS": "1",
        "notes-INITIAL_FORMS": "0",
        "notes-MIN_NUM_FORMS": "0",
        "notes-MAX_NUM_FORMS": "1",
        "notes-0-text": "",
        "notes-2-TOTAL_FORMS": "0",
        "notes-2-INITIAL_FORMS": "0",
        "notes-2-MIN_NUM_FORMS": "0",
        "notes-2-MAX_NUM_FORMS": "0",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("persona", ["admin", "manager"])
def test_managers_and_admins_open_the_lead_admin(persona, personas, client_for):
    lead = LeadFactory()
    client = client_for(personas[persona])
    for url in (
        reverse("admin:crm_lead_changelist"),
        reverse("admin:crm_lead_changelist") + "?q=98450&status__exact=new",
        reverse("admin:crm_lead_add"),
        reverse("admin:crm_lead_change", args=[lead.pk]),
        reverse("admin:crm_lead_history", args=[lead.pk]),
        reverse("admin:crm_leadnote_changelist"),
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", ["technician", "front_desk"])
def test_staff_do_not_reach_the_lead_admin(persona, personas, client_for):
    response = client_for(personas[persona]).get(reverse("admin:crm_lead_changelist"))
    assert response.status_code == 403  # the app's refusal, not the admin's login form


def test_adding_a_lead_in_the_admin_goes_through_the_service(client_for, manager):
    response = client_for(manager).post(
        reverse("admin:crm_lead_add"), _post_data(**{"notes-0-text": "Met at the expo"})
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    lead = Lead.objects.get()
    assert lead.phone == "+919845012345"
    assert lead.created_by == manager
    texts = list(lead.notes.values_list("text", flat=True))
    assert any(t.startswith("Lead taken") for t in texts)
    assert "Met at the expo" in texts


def test_status_change_in_the_admin_lands_on_the_timeline(client_for, manager):
    lead = LeadFactory()
    response = client_for(manager).post(
        reverse("admin:crm_lead_change", args=[lead.pk]),
        _post_data(lead, status=LeadStatus.QUALIFIED),
    )
    assert response.status_code == 302
    entry = LeadNote.objects.get(lead=lead)
    assert (entry.from_status, entry.to_status, entry.by) == (
        LeadStatus.NEW,
        LeadStatus.QUALIFIED,
        manager,
    )


def test_admin_refuses_to_move_a_converted_lead_off_won(client_for, manager):
    lead = LeadFactory()
    lead, _ = lead_convert(lead=lead, by=manager)
    response = client_for(manager).post(
        reverse("admin:crm_lead_change", args=[lead.pk]),
        _post_data(lead, status=LeadStatus.LOST),
    )
    assert response.status_code == 200
    assert "stays won" in str(response.context["adminform"].form.errors["status"])
    lead.refresh_from_db()
    assert lead.status == LeadStatus.WON


def test_admin_refuses_a_bad_phone_next_to_the_field(client_for, manager):
    response = client_for(manager).post(reverse("admin:crm_lead_add"), _post_data(phone="123"))
    assert response.status_code == 200
    assert "valid mobile number" in str(response.context["adminform"].form.errors["phone"])
    assert not Lead.objects.exists()


def test_admin_action_converts_leads_matching_customers_by_number(client_for, manager):
    won = LeadFactory(status=LeadStatus.WON, phone="+919900011122")
    lost = LeadFactory(status=LeadStatus.LOST)
    response = client_for(manager).post(
        reverse("admin:crm_lead_changelist"),
        {"action": "convert_to_customer", "_selected_action": [won.pk, lost.pk]},
        follow=True,
    )
    assert response.status_code == 200
    won.refresh_from_db()
    assert won.customer == Customer.objects.get(whatsapp_number="+919900011122")
    lost.refresh_from_db()
    assert lost.customer is None
    assert "marked lost" in response.content.decode()


@pytest.mark.parametrize("who", ["manager", "owner"])
def test_timeline_entries_cannot_be_added_edited_or_deleted_in_the_admin(client_for, request, who):
    user = request.getfixturevalue(who)
    lead = LeadFactory()
    note = LeadNote.objects.create(lead=lead, by=user, text="Called")
    client = client_for(user)
    assert client.get(reverse("admin:crm_leadnote_add")).status_code == 403
    response = client.post(reverse("admin:crm_leadnote_change", args=[note.pk]), {"text": "x"})
    assert response.status_code == 403
    deleting = client.post(reverse("admin:crm_leadnote_delete", args=[note.pk]), {"post": "yes"})
    assert deleting.status_code == 403
    changelist = reverse("admin:crm_leadnote_changelist")
    assert "delete_selected" not in client.get(changelist).text
    client.post(
        changelist, {"action": "delete_selected", "_selected_action": [note.pk], "post": "yes"}
    )
    note.refresh_from_db()
    assert note.text == "Called"


def test_marking_a_lead_lost_in_the_admin_needs_a_reason(client_for, manager):
    lead = LeadFactory()
    url = reverse("admin:crm_lead_change", args=[lead.pk])

    refused = client_for(manager).post(url, _post_data(lead, status=LeadStatus.LOST))
    assert refused.status_code == 200
    assert "Say why the lead was lost" in str(refused.context["adminform"].form.errors["note"])
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW

    saved = client_for(manager).post(
        url, _post_data(lead, status=LeadStatus.LOST, note="Bought a new laptop instead")
    )
    assert saved.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.lost_reason) == (LeadStatus.LOST, "Bought a new laptop instead")
    entry = LeadNote.objects.get(lead=lead)
    assert (entry.to_status, entry.text) == (LeadStatus.LOST, "Bought a new laptop instead")


@pytest.mark.parametrize("who", ["manager", "owner"])
def test_a_lead_entered_by_mistake_is_deleted_with_its_timeline(client_for, request, who):
    from crm.services import lead_create

    user = request.getfixturevalue(who)
    lead = lead_create(
        by=user, name="Test entry", phone="98450 12345", source="walk_in", requirement="typo"
    )
    assert lead.notes.exists()  # "Lead taken."
    client_for(user).post(reverse("admin:crm_lead_delete", args=[lead.pk]), {"post": "yes"})
    assert not Lead.objects.filter(pk=lead.pk).exists()
    assert not LeadNote.objects.filter(lead_id=lead.pk).exists()
