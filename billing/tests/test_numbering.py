"""Bill numbers: TB/<Indian financial year>/<5 digits>, sequential, no gaps, no duplicates."""

import datetime
import zoneinfo

import pytest
from django.db import transaction
from django.utils import timezone

from billing import services
from billing.models import Bill, BillCounter
from billing.services import allocate_bill_number, financial_year

IST = zoneinfo.ZoneInfo("Asia/Kolkata")


@pytest.mark.parametrize(
    "day, fy",
    [
        (datetime.date(2026, 4, 1), "2026-27"),
        (datetime.date(2027, 3, 31), "2026-27"),
        (datetime.date(2027, 4, 1), "2027-28"),
        (datetime.date(2026, 1, 15), "2025-26"),
        (datetime.date(2099, 12, 31), "2099-00"),
    ],
)
def test_financial_year_runs_april_to_march(day, fy):
    assert financial_year(day) == fy


@pytest.mark.django_db
def test_numbering_restarts_when_the_financial_year_turns_on_1_april():
    def take(moment):
        with transaction.atomic():
            return allocate_bill_number(issued_at=moment)[0]

    assert take(datetime.datetime(2027, 3, 31, 10, 0, tzinfo=IST)) == "TB/2026-27/00001"
    assert take(datetime.datetime(2027, 3, 31, 23, 59, tzinfo=IST)) == "TB/2026-27/00002"
    assert take(datetime.datetime(2027, 4, 1, 0, 0, tzinfo=IST)) == "TB/2027-28/00001"
    assert take(datetime.datetime(2027, 4, 1, 9, 30, tzinfo=IST)) == "TB/2027-28/00002"
    # 31 March 20:00 UTC is already 1 April in the shop (Asia/Kolkata): the new year.
    utc = datetime.datetime(2027, 3, 31, 20, 0, tzinfo=datetime.UTC)
    assert take(utc) == "TB/2027-28/00003"
    assert BillCounter.objects.get(financial_year="2026-27").last_number == 2


@pytest.mark.django_db
def test_closing_bills_either_side_of_31_march_numbers_each_year_from_one(
    make_device, technician, monkeypatch
):
    def close_at(moment):
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return services.bill_close(device=make_device(labour="500"), by=technician)

    march = close_at(datetime.datetime(2027, 3, 31, 18, 0, tzinfo=IST))
    april = close_at(datetime.datetime(2027, 4, 1, 11, 0, tzinfo=IST))
    assert (march.number, march.financial_year) == ("TB/2026-27/00001", "2026-27")
    assert (april.number, april.financial_year) == ("TB/2027-28/00001", "2027-28")


@pytest.mark.django_db
def test_a_refused_close_gives_its_number_back_so_there_is_no_gap(make_device, technician):
    first = services.bill_close(device=make_device(labour="500"), by=technician)
    with pytest.raises(Exception, match="discount"):
        services.bill_close(device=make_device(labour="100"), by=technician, discount="900")
    third = services.bill_close(device=make_device(labour="700"), by=technician)
    assert [first.sequence, third.sequence] == [1, 2]
    assert Bill.objects.count() == 2


def test_numbers_are_only_taken_inside_the_bill_transaction():
    with pytest.raises(RuntimeError):
        allocate_bill_number(issued_at=timezone.now())
