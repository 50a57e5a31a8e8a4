import threading
import uuid

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import UserFactory
from devices.models import Device, JobCounter
from devices.services import device_intake, format_job_number, job_number_next


def intake(by, n, **extra):
    return device_intake(
        by=by,
        customer={
            "whatsapp_number": f"+9197411{n:05d}",
            "name": f"Customer {n}",
            "location": "",
            "email": "",
        },
        device={
            "device_name": "Laptop",
            "issue_description": "No display",
            "expected_delivery_date": timezone.localdate(),
        },
        intake_key=uuid.uuid4(),
        **extra,
    )


def test_job_number_format_is_readable_and_sortable():
    assert format_job_number(2026, 42) == "J-2026-00042"
    assert format_job_number(2027, 12345) == "J-2027-12345"


@pytest.mark.django_db
def test_a_new_year_starts_its_own_counter_at_one():
    JobCounter.objects.create(year=2025, last_number=812)
    with transaction.atomic():
        assert job_number_next(year=2026) == "J-2026-00001"
        assert job_number_next(year=2026) == "J-2026-00002"
        assert job_number_next(year=2025) == "J-2025-00813"


@pytest.mark.django_db(transaction=True)
def test_job_number_must_be_taken_inside_a_transaction():
    # Outside a transaction the lock would be released at once and the number could repeat.
    with pytest.raises(RuntimeError, match="inside a transaction"):
        job_number_next()
    assert not JobCounter.objects.exists()


@pytest.mark.django_db
def test_job_numbers_are_sequential_and_searchable(client_for, front_desk):
    devices = [intake(front_desk, n) for n in range(3)]
    year = timezone.localdate().year
    assert [d.job_number for d in devices] == [f"J-{year}-0000{i}" for i in (1, 2, 3)]
    page = client_for(front_desk).get("/devices/", {"q": devices[1].job_number})
    assert [d.pk for d in page.context["page"].object_list] == [devices[1].pk]


pg_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"
)


@pg_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_intakes_get_twenty_distinct_consecutive_numbers():
    clerk = UserFactory(username="clerk", role=Role.STAFF)
    start = threading.Barrier(20)
    results, errors = [], []

    def worker(n):
        try:
            start.wait(timeout=30)
            results.append(intake(clerk, n).job_number)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    year = timezone.localdate().year
    assert sorted(results) == [format_job_number(year, n) for n in range(1, 21)]
    assert Device.objects.count() == 20
    assert JobCounter.objects.get(year=year).last_number == 20


@pg_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_form_posted_twice_at_once_takes_one_device_in():
    clerk = UserFactory(username="clerk2", role=Role.STAFF)
    key = uuid.uuid4()
    start = threading.Barrier(2)
    outcomes = []

    def worker():
        from devices.services import IntakeAlreadyDone

        try:
            start.wait(timeout=30)
            device = device_intake(
                by=clerk,
                customer={
                    "whatsapp_number": "+919741199999",
                    "name": "Twin",
                    "location": "",
                    "email": "",
                },
                device={
                    "device_name": "Desktop",
                    "issue_description": "Beeps",
                    "expected_delivery_date": timezone.localdate(),
                },
                intake_key=key,
            )
            outcomes.append(("new", device.pk))
        except IntakeAlreadyDone as done:
            outcomes.append(("again", done.device.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(kind for kind, _ in outcomes) == ["again", "new"]
    assert len({pk for _, pk in outcomes}) == 1
    assert Device.objects.count() == 1
    assert JobCounter.objects.get(year=timezone.localdate().year).last_number == 1
