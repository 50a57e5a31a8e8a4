"""Accessibility rules that hold across every template of the project."""

import re
from pathlib import Path

from django.conf import settings

ICON = re.compile(r"<i\b[^>]*\bclass=\"bi[ \"][^>]*>")


def _templates():
    roots = [Path(settings.BASE_DIR) / "templates"]
    roots += sorted(Path(settings.BASE_DIR).glob("*/templates"))
    for root in roots:
        yield from sorted(root.rglob("*.html"))


def test_every_bootstrap_icon_is_hidden_from_screen_readers():
    # The icon font draws a private-use character: without aria-hidden, screen readers
    # and accessible names ("Take payment") pick up a stray symbol.
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)}: {tag}"
        for path in _templates()
        for tag in ICON.findall(path.read_text(encoding="utf-8"))
        if 'aria-hidden="true"' not in tag
    ]
    assert not offenders, "\n".join(offenders)
