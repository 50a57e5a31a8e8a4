"""Routes that keep the original system's bookmarks working.

``route("service/<int:pk>", view, name=...)`` answers ``/service/7`` and ``/service/7/``
(GET and POST alike), and reverses to the original form without the slash.
"""

import re

from django.urls import re_path

# At most 18 digits: a longer id is no row of ours (ids are 64-bit), and SQLite cannot even
# be asked about it (OverflowError), so it is a 404 here.
_CONVERTERS = {"int": r"[0-9]{1,18}", "str": r"[^/]+", "slug": r"[-a-zA-Z0-9_]+"}


def route(pattern: str, view, name: str):
    def convert(match):
        kind, arg = match.group(1), match.group(2)
        return f"(?P<{arg}>{_CONVERTERS[kind]})"

    body = re.sub(r"<(\w+):(\w+)>", convert, pattern.rstrip("/"))
    return re_path(rf"^{body}/?$", view, name=name)
