"""Amounts as people type them at the counter: read exactly, or refused next to the field,
never taken as zero."""

from decimal import Decimal

import pytest

from telite.forms_util import MoneyField


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1500", "1500"),
        ("1500/-", "1500"),
        ("1,500 /-", "1500"),
        ("₹1,500.50", "1500.50"),
        ("Rs. 1500", "1500"),
        ("rs 1,50,000", "150000"),
        ("12,34,567.89", "1234567.89"),
        ("1,000,000", "1000000"),
        ("INR 250", "250"),
        (" 99.5 ", "99.5"),
    ],
)
def test_counter_notations_are_read_as_the_amount(typed, amount):
    assert MoneyField(required=False).clean(typed) == Decimal(amount)


@pytest.mark.parametrize(
    "typed",
    [
        "fifteen hundred",
        "1500 rupees",
        "1e3",
        "NaN",
        "Infinity",
        "15-00",
        "1.2.3",
        # A decimal comma or two numbers: never read as a bigger amount.
        "1500,50",
        "2,499,00",
        "500 600",
        "1,5",
    ],
)
def test_anything_else_is_refused_with_a_message_not_read_as_zero(typed):
    field = MoneyField(required=False)
    with pytest.raises(Exception) as refused:
        field.clean(typed)
    assert "Enter the amount as a number" in str(refused.value)


def test_an_empty_optional_amount_is_empty():
    assert MoneyField(required=False).clean("") is None


def test_the_box_sends_what_was_typed_not_a_number_input_that_drops_it():
    # A browser sends "" for <input type="number"> holding "1500/-": that was the bug.
    html = MoneyField().widget.render("amount", "")
    assert 'type="text"' in html and 'inputmode="decimal"' in html
    assert "step=" not in html and 'type="number"' not in html
