"""Money as the shop's customers read it: Indian grouping, the shop's symbol, words."""

from decimal import Decimal

import pytest

from billing.models import ShopSettings
from telite.money import amount_in_words, format_money, to_money


@pytest.mark.parametrize(
    "amount, figures, words",
    [
        (0, "₹0.00", "Rupees Zero Only"),
        (5, "₹5.00", "Rupees Five Only"),
        (2500, "₹2,500.00", "Rupees Two Thousand Five Hundred Only"),
        (100000, "₹1,00,000.00", "Rupees One Lakh Only"),
        ("250000.50", "₹2,50,000.50", "Rupees Two Lakh Fifty Thousand and Fifty Paise Only"),
        (
            "190688.01",
            "₹1,90,688.01",
            "Rupees One Lakh Ninety Thousand Six Hundred and Eighty Eight and One Paisa Only",
        ),
        (
            12345678,
            "₹1,23,45,678.00",
            "Rupees One Crore Twenty Three Lakh Forty Five Thousand Six Hundred and Seventy "
            "Eight Only",
        ),
    ],
)
def test_amounts_use_indian_grouping_and_indian_english_words(amount, figures, words):
    assert format_money(amount, symbol="₹") == figures
    assert amount_in_words(amount) == words


def test_negative_amounts_keep_their_sign():
    assert format_money("-1500", symbol="₹") == "-₹1,500.00"
    assert amount_in_words("-5") == "Minus Rupees Five Only"


def test_to_money_rounds_half_up_to_paise_and_never_uses_float():
    assert to_money("2.345") == Decimal("2.35")
    assert to_money("1,00,000") == Decimal("100000.00")
    assert to_money(None) == Decimal("0.00")
    assert str(to_money(0.1)) == "0.10"


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", "1.2.3"])
def test_to_money_refuses_what_is_not_an_amount(bad):
    with pytest.raises(ValueError):
        to_money(bad)


def test_other_locales_group_in_thousands(settings):
    assert format_money(250000, symbol="$", locale="en_US") == "$250,000.00"


@pytest.mark.django_db
def test_the_shop_currency_symbol_is_used_and_a_change_shows_at_once():
    assert format_money(2500) == "₹2,500.00"
    shop = ShopSettings.load()
    shop.currency_symbol = "Rs. "
    shop.save()
    assert format_money(2500) == "Rs. 2,500.00"


@pytest.mark.django_db
def test_the_shop_symbol_is_read_once_however_many_amounts(django_assert_num_queries):
    ShopSettings.load()
    format_money(1)
    with django_assert_num_queries(0):
        for amount in range(50):
            format_money(amount)


@pytest.mark.parametrize(
    "amount",
    ["0.01", "9.99", "999", "1000", "99999.99", "100000", "9999999", "10000000", "123456789012.34"],
)
def test_indian_grouping_matches_the_babel_pattern_it_replaces(amount):
    """The en_IN fast path prints what babel's ``#,##,##0.00`` pattern prints."""
    from babel import Locale
    from babel.numbers import parse_pattern

    expected = parse_pattern("#,##,##0.00").apply(Decimal(amount), Locale.parse("en_IN"))
    assert format_money(amount, symbol="") == expected
    assert format_money("-" + amount, symbol="₹") == "-₹" + expected
