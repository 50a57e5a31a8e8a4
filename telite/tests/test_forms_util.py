"""Filter bars' technician lists: read once, kept for the process, fresh after a user change."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from devices.filters import DeviceFilter
from devices.models import Device
from telite import forms_util

pytestmark = pytest.mark.django_db


def _offered() -> list[str]:
    form = DeviceFilter({}, queryset=Device.objects.none()).form
    return [label for _value, label in form.fields["technician"].choices]


def _technician_queries(func) -> int:
    with CaptureQueriesContext(connection) as ctx:
        func()
    return sum("accounts_user" in q["sql"] for q in ctx.captured_queries)


def test_the_list_is_read_once_then_kept(technician):
    assert _technician_queries(_offered) == 1
    assert _technician_queries(_offered) == 0
    assert str(technician) in _offered()


def test_a_new_or_renamed_technician_shows_at_once(technician):
    _offered()
    UserFactory(first_name="Imran", last_name="Qureshi", is_technician=True)
    assert "Imran Qureshi" in _offered()
    technician.first_name = "Renamed"
    technician.save()
    assert any(label.startswith("Renamed") for label in _offered())


def test_another_process_change_shows_after_the_time_limit(technician, monkeypatch):
    _offered()
    # A change made by another process: no signal here. Saved without signals, as the
    # other process's save would be from this one's point of view.
    from accounts.models import User

    User.objects.filter(pk=technician.pk).update(first_name="Elsewhere")
    assert not any(label.startswith("Elsewhere") for label in _offered())
    now = forms_util.time.monotonic()
    monkeypatch.setattr(
        forms_util.time, "monotonic", lambda: now + forms_util.KEPT_OPTIONS_SECONDS + 1
    )
    assert any(label.startswith("Elsewhere") for label in _offered())


def test_a_kept_choice_is_still_checked_against_the_database(technician):
    _offered()
    found = DeviceFilter({"technician": "999999"}, queryset=Device.objects.all())
    assert not found.is_valid()
    assert "technician" in found.errors


def test_a_list_read_back_before_the_save_commits_is_dropped_at_commit(
    technician, django_capture_on_commit_callbacks
):
    """Another thread may read the technicians between the save and its commit: the list
    it keeps is dropped again when the transaction commits."""
    _offered()
    with django_capture_on_commit_callbacks(execute=True):
        technician.first_name = "Later"
        technician.save()
        stale = (forms_util.time.monotonic(), [(technician.pk, "Read before the commit")])
        forms_util._kept_options["technicians"] = stale
    assert "Read before the commit" not in _offered()
