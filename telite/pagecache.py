"""Busy pages rendered once a minute per user, and again after anything is written.

The dashboard, the lists and the service page are read far more often than the data
behind them changes: several people keep them open, htmx and the browser reload them. A
page decorated with ``@cached_page`` is kept (cache alias ``pages``, in memory per process)
under a key made of:

- the address with its query string and the user who asked, with what the page shows of
  them (role, technician or not, name): each person sees their own page;
- the current minute in the shop's time zone (overdue and "today" figures move with the
  clock; nothing on these pages is finer than a minute);
- the token of the ``DataVersion`` row, read with one query per request.

**Invalidation.** Every connection gets an execute wrapper (``connection_created``) that
watches the SQL it runs, whether or not this process keeps pages (a ``manage.py`` command
or a worker with the cache off still tells the others). A statement that writes anything
other than sessions, django-axes' login records or the token itself registers a callback
that gives the row a new random token once the transaction commits (at once in
autocommit). A write that rolls back changes nothing. The token is never changed inside a
transaction, so the row adds no lock that could deadlock with the counters' row locks.

A reader that takes the old token before a commit keeps its page under the old token,
which nobody asks for once the new token is in. Between a commit and the new token (one
short statement; on SQLite it may wait for other writers) other processes still serve the
page from before the write. If the new token cannot be written, the error is logged and
this process drops every kept page; other processes catch up at the next minute. Writes
from outside the app (psql, another program) show within two minutes (the cache's
timeout), or at once after a restart.

**Per-request values.** A kept page carries no one's CSRF token and no idempotency key: they
are replaced by markers before the page is kept and by fresh values for every response (a
kept payment form never repeats a key, so two payments are never taken as one).

Pages are not kept for htmx requests, when a flash message is waiting to be shown or was
added, for responses other than 200, or when ``settings.PAGE_CACHE`` is False: the default
with DEBUG (a template being edited shows at once) and in tests, which roll back instead of
committing (``telite/tests/test_pagecache.py`` and the browser tests commit, with it on).
"""

import functools
import hashlib
import logging
import re
import secrets
import uuid

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connections, transaction
from django.db.transaction import TransactionManagementError
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone

logger = logging.getLogger(__name__)

CACHE_ALIAS = "pages"
VERSION_TABLE = "telite_dataversion"  # DataVersion._meta.db_table, spelt out in the SQL

# Tables whose writes do not change any page: sessions (touched on every request by the idle
# timeout), django-axes' login records, and the version row itself.
UNWATCHED_TABLES = frozenset({"django_session", VERSION_TABLE})
UNWATCHED_PREFIXES = ("axes_",)  # a stream of failed logins must not empty everyone's pages
# Statements that never write. Anything else (INSERT, UPDATE, DELETE, TRUNCATE, WITH, DDL)
# counts as a write unless it names an unwatched table.
_READS = (
    "SELECT",
    "(SELECT",
    "SAVEPOI",
    "RELEASE",
    "ROLLBAC",
    "BEGIN",
    "COMMIT",
    "SET ",
    "SHOW",
    "PRAGMA",
    "EXPLAIN",
)
_WRITE_TABLE = re.compile(
    r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z0-9_]+)', re.IGNORECASE
)

# Markers hold "<", which autoescaping never lets typed text carry into a page.
CSRF_MARK = "<csrf-token-of-this-response>"
KEY_MARK = "<payment-key-of-this-response>"
# Where a rendered page prints a CSRF token: every {% csrf_token %} and base.html's htmx header.
_CSRF = re.compile(
    r'(?<=name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{32,64}'
    r'|(?<="X-CSRFToken": ")[A-Za-z0-9]{32,64}'
)
# Hidden idempotency keys of payment and spare-part forms (``idempotency_key``, with or
# without a prefix).
_IDEMPOTENCY = re.compile(r'(?<=idempotency_key" value=")[0-9a-fA-F-]{36}')


def enabled() -> bool:
    return settings.PAGE_CACHE


# --- The version token ----------------------------------------------------------------


def is_write(sql: str) -> bool:
    """Whether ``sql`` may change what a page shows (see UNWATCHED_TABLES)."""
    if not isinstance(sql, str):  # composed SQL (psycopg.sql): assume it writes
        return True
    head = sql.lstrip()[:7].upper()
    if head.startswith(_READS):
        return False
    match = _WRITE_TABLE.match(sql)
    if not match:
        return True
    table = match.group(1).lower()
    return table not in UNWATCHED_TABLES and not table.startswith(UNWATCHED_PREFIXES)


def new_version(connection=None) -> None:
    """Give the version row a new token (its own autocommit statement, after the commit)."""
    connection = connection or connections[DEFAULT_DB_ALIAS]
    token = secrets.token_hex(16)
    try:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE telite_dataversion SET token = %s WHERE id = 1", [token])
            if cursor.rowcount == 0:  # the row is gone (a flushed test database): put it back
                try:
                    cursor.execute(
                        "INSERT INTO telite_dataversion (id, token) VALUES (1, %s)", [token]
                    )
                except IntegrityError:  # another process put it back, with its own token
                    pass
    except DatabaseError:
        # This process's kept pages may predate the write: drop them.
        forget_pages()
        try:
            missing = VERSION_TABLE not in connection.introspection.table_names()
        except DatabaseError:
            missing = False
        if not missing:  # (missing: ``migrate`` on a new database, before its migration)
            logger.warning("could not give the data a new version", exc_info=True)


def _watch_writes(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if is_write(sql):
        connection = context["connection"]
        callback = connection.__dict__.get("_new_version_after_commit")
        if callback is None:

            def new_version_after_commit():
                new_version(connection)

            callback = connection._new_version_after_commit = new_version_after_commit
        # Once per transaction: a callback still waiting is enough (a rollback drops it).
        if not any(entry[1] is callback for entry in connection.run_on_commit):
            try:
                connection.on_commit(callback, robust=True)
            except TransactionManagementError:
                # Manual transaction management (TELITE has none): no commit to wait for and
                # no token to change inside a transaction; at least this process forgets.
                forget_pages()
    return result


def watch_connection(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: every connection reports its writes."""
    if _watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch_writes)


def forget_pages() -> None:
    """Drop every page this process keeps."""
    caches[CACHE_ALIAS].clear()


def forget_after_commit(forget, using=None) -> None:
    """For per-process caches that pages read (shop settings, technician options, the
    dashboard's closed count): run ``forget`` again once the transaction commits, in case
    another thread read the old value back meanwhile, and drop the pages kept meanwhile."""

    def again():
        forget()
        forget_pages()

    transaction.on_commit(again, using=using)


def current_version() -> str | None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT token FROM telite_dataversion WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


# --- Keeping pages ----------------------------------------------------------------------


def _pending_messages(request) -> int:
    storage = getattr(request, "_messages", None)
    return len(storage) if storage is not None else 0


def current_minute() -> str:
    return timezone.localtime().strftime("%Y%m%d%H%M")


def page_key(request, version: str) -> str:
    user = request.user
    # The user row was read before the version: a role or name changed in between must not
    # be kept under the new version with the old menu.
    person = "|".join(
        map(str, (user.pk, user.username, user, user.role, user.is_technician, user.is_superuser))
    )
    raw = "\n".join(
        [request.path, request.META.get("QUERY_STRING", ""), person, current_minute(), version]
    )
    return "page:" + hashlib.blake2b(raw.encode(), digest_size=20).hexdigest()


def _without_request_values(html: str) -> str:
    return _IDEMPOTENCY.sub(KEY_MARK, _CSRF.sub(CSRF_MARK, html))


def _with_request_values(request, html: str) -> str:
    if CSRF_MARK in html:
        html = html.replace(CSRF_MARK, get_token(request))
    if KEY_MARK in html:
        parts = html.split(KEY_MARK)
        html = parts[0] + "".join(str(uuid.uuid4()) + part for part in parts[1:])
    return html


def cached_page(view):
    """Keep the GET responses of ``view`` as described above. Put it below the decorators
    that say who may call the view: they run on every request, kept page or not."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if (
            request.method != "GET"
            or not enabled()
            or getattr(request, "htmx", False)
            or _pending_messages(request)
        ):
            return view(request, *args, **kwargs)
        version = current_version()
        if version is None:
            return view(request, *args, **kwargs)
        cache = caches[CACHE_ALIAS]
        key = page_key(request, version)
        kept = cache.get(key)
        if kept is not None:
            html, content_type = kept
            return HttpResponse(_with_request_values(request, html), content_type=content_type)
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        storage = getattr(request, "_messages", None)
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not (storage is not None and storage.added_new)
        ):
            html = _without_request_values(response.content.decode(response.charset))
            cache.set(key, (html, response["Content-Type"]))
        return response

    return wrapper
