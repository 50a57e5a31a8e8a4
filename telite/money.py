"""Money: Decimal with two places, shown the way the shop's customers read it."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_decimal
from django.conf import settings
from num2words import num2words

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value) -> Decimal:
    """Any number-ish value as a two-place Decimal (never via float)."""
    if value is None or value == "":
        return ZERO
    try:
        return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


def format_money(value, symbol: str | None = None, locale: str | None = None) -> str:
    """``₹2,50,000.00``: the symbol and the digit grouping of the locale (en_IN by default)."""
    amount = to_money(value)
    if symbol is None:
        symbol = _shop_symbol()
    text = format_decimal(
        abs(amount),
        format="#,##,##0.00" if (locale or settings.MONEY_LOCALE) == "en_IN" else None,
        locale=locale or settings.MONEY_LOCALE,
    )
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{text}"


def amount_in_words(value, currency: str = "Rupees", subunit: str = "Paise") -> str:
    """Indian English words: 2500 -> "Rupees Two Thousand Five Hundred Only"."""
    amount = to_money(value)
    rupees = int(amount)
    paise = int((amount - rupees) * 100)
    words = _words(rupees)
    text = f"{currency} {words}"
    if paise:
        text += f" and {_words(paise)} {subunit}"
    return text + " Only"


def _words(number: int) -> str:
    raw = num2words(number, lang="en_IN").replace(",", "").replace("-", " ")
    return " ".join(part.capitalize() if part != "and" else "and" for part in raw.split())


def _shop_symbol() -> str:
    from billing.selectors import shop_settings

    return shop_settings().currency_symbol
