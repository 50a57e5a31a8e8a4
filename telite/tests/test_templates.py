"""Template source mistakes that would print on a page rather than fail."""

import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = sorted(
    p
    for root in [settings.BASE_DIR / "templates", *settings.BASE_DIR.glob("*/templates")]
    for p in Path(root).rglob("*.html")
)


def test_there_are_templates_to_check():
    assert len(TEMPLATES) > 40


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_comments_close_on_the_line_they_open(path):
    """``{# … #}`` is a one-line comment in Django: one spread over lines is shown as text."""
    for number, line in enumerate(path.read_text().splitlines(), 1):
        for opened in re.finditer(r"\{#", line):
            assert "#}" in line[opened.end() :], f"{path.name}:{number} opens {{# without #}}"
