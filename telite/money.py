"""Money: Decimal with two places, shown the way the shop's customers read it.

``format_money(250000)`` -> ``₹2,50,000.00`` (Indian lakh/crore grouping for ``en_IN``, the
default ``MONEY_LOCALE``); ``amount_in_words(2500)`` -> ``Rupees Two Thousand Five Hundred Only``.
"""

import functools
import re
import threading
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel import Locale
from babel.numbers import NumberPattern, parse_pattern
from django.conf import settings
from num2words import num2words

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# The largest amount a money column holds (max_digits=12, decimal_places=2): a job, a line
# or a bill past it is refused with a message, never written (PostgreSQL would raise; SQLite
# would store it and every page reading it back would fail).
MAX_AMOUNT = Decimal("9999999999.99")


# How amounts are written at an Indian counter, around the number: "₹1,500", "Rs. 1500",
# "INR 1500", "1500/-", "1,50,000.00". Only these marks are taken off; anything else left
# in the text (a letter, a second number) makes it not an amount.
_CURRENCY_PREFIX = re.compile(r"^(?:₹|rs\.?|inr)\s*", re.IGNORECASE)
_ONLY_SUFFIX = re.compile(r"\s*/-?$")


# Digit grouping as it is written: Indian ("1,50,000") or international ("150,000").
_GROUPED = re.compile(r"[+-]?(?:\d{1,2}(?:,\d{2})*,\d{3}|\d{1,3}(?:,\d{3})+)(?:\.\d*)?")


def typed_amount(text: str) -> str:
    """``text`` as typed, less the currency marks and digit grouping above: ``"1500/-"``
    -> ``"1500"``. What is left is for ``Decimal`` to read (or refuse): a comma out of a
    grouping place ("1500,50", a decimal comma) or a space inside the number ("500 600")
    is left in, so the amount is refused rather than read as another number."""
    text = str(text).strip().replace("\u00a0", " ")
    text = _CURRENCY_PREFIX.sub("", text)
    text = _ONLY_SUFFIX.sub("", text).strip()
    if "," in text and _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    return text


def to_money(value) -> Decimal:
    """Any number-ish value as a two-place Decimal (never via float arithmetic).

    ``None`` and ``""`` are zero; text may carry the marks ``typed_amount`` takes off;
    anything that is not a finite number raises ValueError.
    """
    if value is None or value == "":
        return ZERO
    try:
        amount = Decimal(typed_amount(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@functools.cache
def _pattern(pattern: str) -> NumberPattern:
    """Babel parses a format string on every call; lists format hundreds of amounts."""
    return parse_pattern(pattern)


@functools.cache
def _locale(name: str) -> Locale:
    return Locale.parse(name)


def format_money(value, symbol: str | None = None, locale: str | None = None) -> str:
    """``₹2,50,000.00``: the symbol and the digit grouping of the locale (en_IN by default).

    ``symbol`` defaults to the shop's currency symbol (shop settings).
    """
    amount = to_money(value)
    if symbol is None:
        symbol = shop_currency_symbol()
    locale = locale or settings.MONEY_LOCALE
    if locale == "en_IN":  # the default: plain string work, lists format hundreds of these
        text = _indian_grouping(abs(amount))
    else:
        text = _pattern("#,##0.00").apply(abs(amount), _locale(locale))
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{text}"


def _indian_grouping(amount: Decimal) -> str:
    """``250000.00`` -> ``2,50,000.00``: the last three digits, then pairs (lakh, crore)."""
    whole, cents = f"{amount:.2f}".split(".")
    head, tail = whole[:-3], whole[-3:]
    pairs = []
    while head:
        pairs.append(head[-2:])
        head = head[:-2]
    return ",".join([*reversed(pairs), tail]) + "." + cents


def amount_in_words(value, currency: str = "Rupees", subunit: str = "Paise") -> str:
    """Indian English words, as written on a cheque or bill.

    2500 -> "Rupees Two Thousand Five Hundred Only";
    250000.50 -> "Rupees Two Lakh Fifty Thousand and Fifty Paise Only".
    """
    amount = to_money(value)
    sign = "Minus " if amount < 0 else ""
    amount = abs(amount)
    rupees = int(amount)
    paise = int((amount - rupees) * 100)
    text = f"{sign}{currency} {_words(rupees)}"
    if paise:
        # "One Paisa", as a cheque writes it; "Paise" for more.
        unit = "Paisa" if paise == 1 and subunit == "Paise" else subunit
        text += f" and {_words(paise)} {unit}"
    return text + " Only"


def _words(number: int) -> str:
    raw = num2words(number, lang="en_IN").replace(",", "").replace("-", " ")
    return " ".join(part.capitalize() if part != "and" else "and" for part in raw.split())


# The shop's symbol, read at most once per request: a list of 50 bills formats 150 amounts
# and must not run 150 queries. billing.apps clears it when a request starts and whenever
# the shop settings are saved.
_symbol_cache = threading.local()


def shop_currency_symbol() -> str:
    symbol = getattr(_symbol_cache, "value", None)
    if symbol is None:
        from billing.selectors import shop_settings

        symbol = shop_settings().currency_symbol or "₹"
        _symbol_cache.value = symbol
    return symbol


def forget_shop_currency_symbol(**kwargs) -> None:
    """Signal receiver: the next amount formatted reads the symbol again."""
    _symbol_cache.value = None
