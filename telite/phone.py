"""Phone numbers in one canonical form (E.164), India by default.

``98450 12345``, ``+91 98450 12345`` and ``919845012345`` all become ``+919845012345``, so a
customer typed three ways is one customer.
"""

import functools
import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError

INVALID_MESSAGE = "Enter a valid mobile number, for example 98450 12345 or +91 98450 12345."

# What may appear in a typed number besides digits. Anything else (a letter above all) is
# refused before parsing: phonenumbers reads letters as keypad digits ("98450abcde" is
# +919845022233), which would file a device under somebody else's number.
PHONE_NOISE = re.compile(r"[^\d\s+\-().]")
# Direction marks and zero-width characters: a number copied from WhatsApp comes wrapped in
# them ("\u202a+91 98450 12345\u202c"). Invisible, so never what was meant.
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def strip_invisible(value: str) -> str:
    return INVISIBLE.sub("", value or "").strip()


def normalize_phone(value: str, *, region: str | None = None) -> str:
    """Return ``value`` in E.164 form, or raise ValidationError with a message a clerk can act on."""
    raw = strip_invisible(value)
    if not raw:
        raise ValidationError("Enter a phone number.", code="required")
    if PHONE_NOISE.search(raw):
        raise ValidationError(INVALID_MESSAGE, code="invalid_phone")
    region = region or settings.PHONE_DEFAULT_REGION
    candidates = [raw]
    digits = "".join(ch for ch in raw if ch.isdigit())
    # "919845012345" is an Indian number written with its country code but no "+". Only the
    # shop's own code is read so: a local number with one digit too many ("78344485217") would
    # otherwise be valid in Russia, Iran or Poland and file the device under a stranger.
    own_code = str(phonenumbers.country_code_for_region(region))
    if not raw.startswith("+") and len(digits) > 10 and digits.startswith(own_code):
        candidates.append("+" + digits)
    for candidate in candidates:
        try:
            parsed = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not raw.startswith(("+", "00")) and len(digits) > 10:
        raise ValidationError(
            f"That is {len(digits)} digits: check the number. A number from another country "
            "starts with + and its country code.",
            code="invalid_phone",
        )
    raise ValidationError(INVALID_MESSAGE, code="invalid_phone")


def try_normalize_phone(value: str) -> str | None:
    """The canonical form when ``value`` is a valid number, else None (for searches)."""
    try:
        return normalize_phone(value)
    except ValidationError:
        return None


@functools.lru_cache(maxsize=8192)
def format_phone(e164: str) -> str:
    """Human form for pages: +91 98450 12345."""
    if not e164:
        return ""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def validate_phone(value: str) -> None:
    normalize_phone(value)


def phone_search_q(value: str, field: str):
    """A filter matching ``field`` (a stored E.164 number) against what someone searched for.

    A whole number in any written form matches exactly; a run of digits ("45012",
    "+91 98450") matches numbers containing it. Returns None when ``value`` is not
    number-like, so name searches are not slowed by a pointless phone condition.
    """
    from django.db.models import Q

    value = strip_invisible(value)
    query = None
    canonical = try_normalize_phone(value)
    if canonical:
        query = Q(**{field: canonical})
    digits = "".join(ch for ch in value if ch.isdigit())
    # "098450": the leading 0 is the trunk prefix people dial, never stored (E.164). The
    # four digits a partial match needs are counted without it: "00011" is the end of a job
    # number as printed, not a phone number ending in "11".
    dialled = digits.lstrip("0")
    if len(dialled) >= 4 and len(digits) >= len(value.replace(" ", "")) - 1:
        partial = Q(**{f"{field}__contains": dialled})
        query = partial if query is None else query | partial
    return query
