"""Writes on leads. Pages and the admin both call these, so a rule holds everywhere.

Every status change and every note lands on the lead's timeline (``LeadNote``: who, when,
from, to). A lead becomes a customer only through ``lead_convert``, which goes through
``customers.services`` so that a known WhatsApp number is matched, never duplicated.
"""

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from customers.services import customer_get_or_create
from telite.phone import normalize_phone

from .models import Lead, LeadNote, LeadStatus

# The fields a page or the admin may change on an existing lead.
EDITABLE_FIELDS = (
    "name",
    "phone",
    "email",
    "source",
    "requirement",
    "estimated_value",
    "status",
    "owner",
    "follow_up_date",
)


def _clean_phone(value: str) -> str:
    try:
        return normalize_phone(value)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from exc


LOST_NEEDS_A_REASON = "Say why the lead was lost: the note is kept as the reason."


def check_status_change(lead: Lead, new_status: str, note: str = "") -> None:
    """Refuse a status change that would break the lead's link to its customer, or lose a
    lead without saying why (the metrics page counts lost leads; the owner asks why).

    ``lead`` may be unsaved (a lead taken as already lost)."""
    if new_status not in LeadStatus.values:
        raise ValidationError({"status": "Choose one of the listed statuses."})
    if lead.customer_id and new_status != LeadStatus.WON:
        raise ValidationError(
            {
                "status": f"This lead already became the customer “{lead.customer.name}”, "
                "so it stays won. Record further news as a note."
            }
        )
    newly_lost = new_status == LeadStatus.LOST and (lead.pk is None or lead.status != new_status)
    if newly_lost and not (note or "").strip():
        raise ValidationError({"note": LOST_NEEDS_A_REASON})


def _follow_up_text(before, after) -> str:
    if after == before:
        return ""
    if after is None:
        return "Follow-up cleared."
    return f"Next follow-up: {date_format(after, 'j M Y')}."


def _timeline_text(*parts: str) -> str:
    # One line per part: the page shows the text with linebreaksbr, so a note and the
    # follow-up sentence do not run together.
    return "\n".join(part.strip() for part in parts if part and part.strip())


def _close_follow_up(lead: Lead) -> None:
    """A won or lost lead is not chased: it keeps no follow-up date."""
    if lead.status not in Lead.OPEN:
        lead.follow_up_date = None


def _apply_status(lead: Lead, new_status: str, note: str) -> None:
    if new_status == LeadStatus.WON and lead.won_at is None:
        lead.won_at = timezone.now()
    elif new_status != LeadStatus.WON:
        lead.won_at = None
    lead.lost_reason = note.strip()[:200] if new_status == LeadStatus.LOST else ""


class LeadAlreadyTaken(Exception):
    """The same "new lead" form was sent again; ``lead`` is the one it took."""

    def __init__(self, lead):
        super().__init__(lead.pk)
        self.lead = lead


@transaction.atomic
def lead_create(
    *,
    name: str,
    phone: str,
    source: str,
    requirement: str,
    by,
    email: str = "",
    estimated_value=None,
    status: str = LeadStatus.NEW,
    owner=None,
    follow_up_date=None,
    note: str = "",
    create_key=None,
) -> Lead:
    """Record a new lead; its timeline starts with who took it and in what status.

    The phone is stored in the customers' canonical form (+91…), so the lead can later be
    matched to a customer typed in any format. The same ``create_key`` (one per rendered
    form) takes one lead however often the form is sent: a repeat raises
    ``LeadAlreadyTaken`` with the first one's lead.
    """
    if create_key is not None and (taken := Lead.objects.filter(create_key=create_key).first()):
        raise LeadAlreadyTaken(taken)
    if not (name or "").strip():
        raise ValidationError({"name": "Enter the person's name."})
    if not (requirement or "").strip():
        raise ValidationError({"requirement": "Say what they want, in a few words."})
    check_status_change(Lead(), status, note)
    lead = Lead(
        name=name.strip(),
        phone=_clean_phone(phone),
        email=(email or "").strip(),
        source=source,
        requirement=requirement.strip(),
        estimated_value=estimated_value,
        status=status,
        owner=owner,
        follow_up_date=follow_up_date,
        created_by=by,
        create_key=create_key,
    )
    _apply_status(lead, status, note)
    _close_follow_up(lead)
    lead.full_clean(exclude=["created_by", "create_key"])
    try:
        with transaction.atomic():
            lead.save()
    except IntegrityError:
        # The twin post committed while this one was checked: the unique key stopped it.
        taken = create_key and Lead.objects.filter(create_key=create_key).first()
        if taken:
            raise LeadAlreadyTaken(taken) from None
        raise
    text = "Lead taken." + (f" {note.strip()}" if note.strip() else "")
    LeadNote.objects.create(
        lead=lead,
        text=_timeline_text(text, _follow_up_text(None, lead.follow_up_date)),
        to_status=status,
        by=by,
    )
    return lead


class LeadChangedMeanwhile(ValidationError):
    """Someone changed fields of the lead after the form was opened, and this form changes
    them too (``fields``: their names; ``lead``: as saved now)."""

    def __init__(self, lead: Lead, fields: list[str], by):
        who = by or "Someone"
        errors = {
            name: f"{who} changed this to {_shown_value(lead, name)} after you opened this "
            "page. Save again to put yours instead."
            for name in fields
        }
        super().__init__(errors, code="changed_meanwhile")
        self.lead, self.fields = lead, fields


def _shown_value(lead: Lead, name: str) -> str:
    value = getattr(lead, name)
    if value in (None, ""):
        return "nothing"
    if name == "status":
        return f"“{lead.get_status_display()}”"
    if isinstance(value, datetime.date):
        return date_format(value, "j M Y")
    return f"“{value}”"


def _clashes(locked: Lead, changes: dict, was: dict) -> list[str]:
    """The fields this form changes that someone else changed too since it was opened."""
    return [
        name
        for name, value in changes.items()
        if name in was
        and not _same(getattr(locked, name), was[name])
        and not _same(getattr(locked, name), value)
    ]


def _same(a, b) -> bool:
    if hasattr(a, "pk") or hasattr(b, "pk"):
        return getattr(a, "pk", a) == getattr(b, "pk", b)
    return (a or None) == (b or None)


@transaction.atomic
def lead_update(
    *, lead: Lead, by, note: str = "", idempotency_key=None, was: dict | None = None, **changes
) -> Lead:
    """Change a lead's details; a status change (and a new follow-up date or a note that
    comes with it) is recorded on the timeline with who and when.

    Winning stamps ``won_at``; losing keeps the note as the reason. A won or lost lead
    keeps no follow-up date. A lead that already became a customer stays won. The same
    ``idempotency_key`` (one per rendered form, kept on the timeline entry) changes the lead
    once: a repeat returns it as the first left it. ``was``: what the form showed in the
    fields it changes; one that someone else changed meanwhile to something else is
    refused (``LeadChangedMeanwhile``) rather than overwritten unseen.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"lead_update() cannot change {', '.join(sorted(unknown))}")
    locked = Lead.objects.select_for_update(of=("self",)).select_related("customer").get(pk=lead.pk)
    sent, idempotency_key = _claim(locked, idempotency_key)
    if sent is not None:
        return locked  # the same form again: the first one changed the lead
    before_status = locked.status
    before_follow_up = locked.follow_up_date
    if "phone" in changes:
        changes["phone"] = _clean_phone(changes["phone"])
    for field in ("name", "requirement", "email"):
        if field in changes:
            changes[field] = (changes[field] or "").strip()
    if was and (clashes := _clashes(locked, changes, was)):
        last = locked.history.order_by("-history_date").first()
        raise LeadChangedMeanwhile(locked, clashes, last and last.history_user)
    new_status = changes.get("status", before_status)
    if new_status != before_status:
        check_status_change(locked, new_status, note)
    for field, value in changes.items():
        setattr(locked, field, value)
    if new_status != before_status:
        _apply_status(locked, new_status, note)
    _close_follow_up(locked)
    locked.full_clean(exclude=["created_by"])
    locked.save()

    text = _timeline_text(note, _follow_up_text(before_follow_up, locked.follow_up_date))
    if new_status != before_status or text:
        LeadNote.objects.create(
            lead=locked,
            text=text,
            from_status=before_status if new_status != before_status else "",
            to_status=new_status if new_status != before_status else "",
            by=by,
            idempotency_key=idempotency_key,
        )
    return locked


def _entry_with(idempotency_key) -> LeadNote | None:
    """The timeline entry a form with this key (a UUID, or its text as posted) made, on
    whichever lead, or None."""
    try:
        key = uuid.UUID(str(idempotency_key)) if idempotency_key else None
    except ValueError:
        return None
    return LeadNote.objects.filter(idempotency_key=key).first() if key else None


def _claim(lead: Lead, idempotency_key) -> tuple[LeadNote | None, uuid.UUID | None]:
    """For a form's key: (the entry it already made on ``lead``, None) when it is sent again;
    otherwise (None, the key to keep on the new entry), with no key when another lead's
    entry holds it (a tampered post: the change is made without the double-post guard)."""
    sent = _entry_with(idempotency_key)
    if sent is None:
        return None, idempotency_key
    return (sent, None) if sent.lead_id == lead.pk else (None, None)


def already_sent(lead: Lead, idempotency_key) -> bool:
    """Whether the form with this key has already put an entry on the lead's timeline."""
    return _claim(lead, idempotency_key)[0] is not None


@transaction.atomic
def lead_add_note(*, lead: Lead, by, text: str, idempotency_key=None) -> LeadNote:
    """A note on the lead's timeline (a call made, a quote sent…), stamped with who and when.

    The same ``idempotency_key`` (one per rendered form) adds one note however often the
    form is sent: the repeat returns the note the first one added."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write the note before saving it."})
    # Lock the lead so notes from two people land in a stable order, and a repeat of the same
    # form waits here for the first to commit.
    Lead.objects.select_for_update().filter(pk=lead.pk).exists()
    sent, idempotency_key = _claim(lead, idempotency_key)
    if sent is not None:
        return sent  # the same form again: the note it added
    return LeadNote.objects.create(lead=lead, text=text, by=by, idempotency_key=idempotency_key)


@transaction.atomic
def lead_convert(*, lead: Lead, by, location: str = "") -> tuple[Lead, bool]:
    """Make a lead a customer; converting marks it won. Returns (lead, customer_created).

    The customer is found by the lead's WhatsApp number (any existing customer with that
    number is reused, never duplicated) or created with the lead's name and email.
    Converting an already converted lead changes nothing.
    """
    locked = Lead.objects.select_for_update(of=("self",)).select_related("customer").get(pk=lead.pk)
    if locked.customer_id:
        return locked, False
    if locked.status == LeadStatus.LOST:
        raise ValidationError(
            "This lead is marked lost. Change its status back (for example to Qualified) "
            "before turning it into a customer."
        )
    customer, created = customer_get_or_create(
        whatsapp_number=locked.phone,
        name=locked.name,
        location=(location or "").strip(),
        email=locked.email,
        by=by,
    )
    before_status = locked.status
    locked.customer = customer
    if before_status != LeadStatus.WON:
        locked.status = LeadStatus.WON
        _apply_status(locked, LeadStatus.WON, "")
    before_follow_up = locked.follow_up_date
    _close_follow_up(locked)
    locked.save()
    how = (
        "a new customer record"
        if created
        else "the existing customer with this WhatsApp number (no duplicate made)"
    )
    LeadNote.objects.create(
        lead=locked,
        text=_timeline_text(
            f"Became customer {customer.name}: {how}.",
            _follow_up_text(before_follow_up, locked.follow_up_date),
        ),
        from_status=before_status if before_status != LeadStatus.WON else "",
        to_status=LeadStatus.WON if before_status != LeadStatus.WON else "",
        by=by,
    )
    return locked, created
