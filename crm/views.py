"""Lead pages. Every role works leads (SPEC §5: CRM leads — staff, manager, admin)."""

import datetime
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from telite.forms_util import add_service_errors
from telite.permissions import STAFF, post_only, role_required

from . import selectors, services
from .filters import LeadFilter
from .forms import LeadConvertForm, LeadForm, LeadNoteForm, LeadStatusForm, MetricsPeriodForm
from .models import LeadSource, LeadStatus

PAGE_SIZE = 25


def _tabs(request, counts: dict) -> list[dict]:
    status = request.GET.get("status", "")
    follow_up = request.GET.get("follow_up", "")
    base = reverse("crm:lead_list")
    return [
        {
            "label": "All leads",
            "url": base,
            "count": counts["all"],
            "active": not status and not follow_up,
        },
        {
            "label": "Open",
            "url": f"{base}?status=open",
            "count": counts["open"],
            "active": status == "open" and not follow_up,
        },
        {
            "label": "Follow-ups due",
            "url": f"{base}?follow_up=due",
            "count": counts["due"],
            "active": follow_up == "due" and not status,
            "icon": "bi-alarm",
            "highlight": counts["due"] > 0,
        },
        {
            "label": "Won",
            "url": f"{base}?status=won",
            "count": counts["won"],
            "active": status == "won" and not follow_up,
        },
        {
            "label": "Lost",
            "url": f"{base}?status=lost",
            "count": counts["lost"],
            "active": status == "lost" and not follow_up,
        },
    ]


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
def lead_list(request):
    """Every role: leads with filters, search and pages. POST creates a lead (the original
    system's ``/crm/`` form posted here)."""
    if request.method == "POST":
        return _create(request)
    lead_filter = LeadFilter(request.GET or None, queryset=selectors.lead_queryset())
    page = Paginator(lead_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.lead_tab_counts()
    filtered = any(
        request.GET.get(key) for key in lead_filter.filters if key not in ("status", "follow_up")
    )
    return render(
        request,
        "crm/lead_list.html",
        {
            "filter": lead_filter,
            "page": page,
            "tabs": _tabs(request, counts),
            "filtered": filtered or bool(request.GET.get("status") or request.GET.get("follow_up")),
            "today": timezone.localdate(),
        },
    )


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
def lead_create(request):
    """Every role: take a lead (a call, a walk-in asking for a quote…)."""
    return _create(request)


def _create(request):
    if request.method == "POST":
        form = LeadForm(request.POST)
        if form.is_valid():
            try:
                lead = services.lead_create(
                    by=request.user,
                    note=form.cleaned_data.get("note", ""),
                    create_key=form.cleaned_data.get("create_key"),
                    **form.service_kwargs(),
                )
            except services.LeadAlreadyTaken as taken:
                messages.info(
                    request,
                    f"This form was already sent: the lead “{taken.lead.name}” was saved "
                    "from it. Nothing new was added.",
                )
                return redirect("crm:lead_detail", pk=taken.lead.pk)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Lead “{lead.name}” saved.")
                related = selectors.lead_related(lead)
                if related["existing_customer"]:
                    messages.info(
                        request,
                        f"This number already belongs to the customer "
                        f"{related['existing_customer'].name}.",
                    )
                open_others = [o for o in related["other_leads"] if o.is_open]
                if open_others:
                    messages.warning(
                        request,
                        f"There is another open lead with this number: {open_others[0].name} "
                        f"(lead #{open_others[0].pk}). Check you are not following it up twice.",
                    )
                return redirect("crm:lead_detail", pk=lead.pk)
    else:
        initial = {
            "owner": request.user,
            "follow_up_date": timezone.localdate() + datetime.timedelta(days=1),
            "status": LeadStatus.NEW,
            "create_key": uuid.uuid4(),
        }
        for key in ("name", "phone", "requirement"):
            if request.GET.get(key):
                initial[key] = request.GET[key][:200]
        if request.GET.get("source") in LeadSource.values:
            initial["source"] = request.GET["source"]
        form = LeadForm(initial=initial)
    return render(request, "crm/lead_form.html", {"form": form, "lead": None})


def _detail(request, lead, *, status=200, **forms):
    context = {
        "lead": lead,
        "timeline": selectors.lead_timeline(lead),
        "note_form": forms.get("note_form") or LeadNoteForm(),
        "status_form": forms.get("status_form") or LeadStatusForm(lead=lead),
        "convert_form": forms.get("convert_form") or LeadConvertForm(),
        "today": timezone.localdate(),
        **selectors.lead_related(lead),
    }
    return render(request, "crm/lead_detail.html", context, status=status)


@role_required(STAFF)
def lead_detail(request, pk):
    """Every role: one lead, its timeline and what to do next."""
    return _detail(request, selectors.lead_get(pk))


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
def lead_edit(request, pk):
    """Every role: correct or complete a lead's details."""
    lead = selectors.lead_get(pk)
    if request.method == "POST":
        form = LeadForm(request.POST, instance=lead)
        if form.is_valid():
            changes = form.service_kwargs()
            if changes.keys() == {"was"}:
                messages.info(request, "Nothing was changed.")
                return redirect("crm:lead_detail", pk=lead.pk)
            try:
                services.lead_update(lead=lead, by=request.user, **changes)
            except services.LeadChangedMeanwhile as exc:
                add_service_errors(form, exc)
                form.now_showing(exc.lead, exc.fields)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Lead “{form.cleaned_data['name']}” updated.")
                return redirect("crm:lead_detail", pk=lead.pk)
    else:
        form = LeadForm(instance=lead)
    return render(request, "crm/lead_form.html", {"form": form, "lead": lead})


def _lead_page(request, pk):
    return reverse("crm:lead_detail", args=[pk])


@role_required(STAFF)
@post_only(_lead_page)
def lead_add_note(request, pk):
    """Every role: a note on the timeline. With htmx the timeline is swapped in place."""
    lead = selectors.lead_get(pk)
    form = LeadNoteForm(request.POST)
    saved = False
    if form.is_valid():
        try:
            services.lead_add_note(
                lead=lead,
                by=request.user,
                text=form.cleaned_data["text"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            saved = True
    if request.htmx:
        return render(
            request,
            "crm/_timeline.html",
            {
                "lead": lead,
                "timeline": selectors.lead_timeline(lead),
                "note_form": LeadNoteForm() if saved else form,
                "note_saved": saved,
            },
        )
    if saved:
        messages.success(request, "Note added.")
        return redirect("crm:lead_detail", pk=lead.pk)
    return _detail(request, lead, note_form=form)


@role_required(STAFF)
@post_only(_lead_page)
def lead_change_status(request, pk):
    """Every role: move a lead on (status, next follow-up, note), recorded on the timeline."""
    lead = selectors.lead_get(pk)
    form = LeadStatusForm(request.POST, lead=lead)
    if services.already_sent(lead, request.POST.get("idempotency_key")):
        # The same form sent again (a double click): the first one moved the lead on.
        messages.success(request, "Lead updated.")
        return redirect("crm:lead_detail", pk=lead.pk)
    if form.is_valid():
        before = lead.get_status_display()
        try:
            lead = services.lead_update(
                lead=lead,
                by=request.user,
                note=form.cleaned_data["note"],
                status=form.cleaned_data["status"],
                follow_up_date=form.cleaned_data["follow_up_date"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            after = lead.get_status_display()
            if after != before:
                messages.success(request, f"Status changed from {before} to {after}.")
            else:
                messages.success(request, "Lead updated.")
            if lead.status == LeadStatus.WON and not lead.customer_id:
                messages.info(
                    request,
                    "Won! Turn the lead into a customer to take their device in.",
                )
            return redirect("crm:lead_detail", pk=lead.pk)
    if not lead.is_open:
        # Won or lost by someone else meanwhile: the page has no status form to show the
        # refusal in; it says why at the top and keeps the note to add as a note.
        note = LeadNoteForm(initial={"text": (form.data.get("note") or "").strip()})
        return _detail(request, lead, status_form=form, note_form=note)
    return _detail(request, lead, status_form=form)


@role_required(STAFF)
@post_only(_lead_page)
def lead_convert(request, pk):
    """Every role: make the lead a customer (matched by WhatsApp number), marking it won."""
    lead = selectors.lead_get(pk)
    form = LeadConvertForm(request.POST)
    if form.is_valid():
        already = bool(lead.customer_id)
        try:
            lead, created = services.lead_convert(
                lead=lead, by=request.user, location=form.cleaned_data["location"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if already:
                messages.info(request, f"This lead is already the customer {lead.customer.name}.")
            elif created:
                messages.success(request, f"{lead.customer.name} is now a customer.")
            else:
                messages.success(
                    request,
                    f"Linked to the existing customer {lead.customer.name} "
                    "(same WhatsApp number); no duplicate was made.",
                )
        return redirect("crm:lead_detail", pk=lead.pk)
    return _detail(request, lead, convert_form=form)


def _period_links(today: datetime.date) -> list[dict]:
    month_start = today.replace(day=1)
    last_month_end = month_start - datetime.timedelta(days=1)
    fy_start = datetime.date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    return [
        {"label": "This month", "start": month_start, "end": today},
        {"label": "Last month", "start": last_month_end.replace(day=1), "end": last_month_end},
        {"label": "Last 90 days", "start": today - datetime.timedelta(days=89), "end": today},
        {"label": "This financial year", "start": fy_start, "end": today},
    ]


@role_required(STAFF)
def lead_metrics(request):
    """Every role: how leads turned out for a period (default: this month)."""
    form = MetricsPeriodForm(request.GET or {})
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    else:
        today = timezone.localdate()
        start, end = today.replace(day=1), today
    return render(
        request,
        "crm/lead_metrics.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "metrics": selectors.lead_metrics(start=start, end=end),
            "periods": _period_links(timezone.localdate()),
        },
    )
