import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect

from telite.urls_util import is_own_page, split_sent_url

_KEY = "last_activity"


class IdleSessionTimeoutMiddleware:
    """Log a user out after SESSION_IDLE_TIMEOUT_MINUTES without a request.

    A shop counter PC is shared: a session left open must not stay usable all day.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(_KEY)
            limit = settings.SESSION_IDLE_TIMEOUT_MINUTES * 60
            if last is not None and now - last > limit:
                logout(request)
                messages.info(request, "You were logged out after a period of inactivity.")
            elif last is None or now - last > 60:
                # Write at most once a minute so every request does not save the session.
                request.session[_KEY] = now
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Headers Django does not set itself: no camera/microphone/geolocation for any script,
    and no caching of signed-in pages by shared proxies or the browser's back button after
    logout on a shared counter PC."""

    PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.PERMISSIONS_POLICY)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            response.setdefault("Cache-Control", "private, no-store")
        return response


class HtmxLoginRedirectMiddleware:
    """An htmx request that meets the login page (logged out in another tab, or idle too
    long) reloads the whole window at the login page, coming back afterwards to the page
    the person was on. Without it htmx followed the redirect and put the login form inside
    the panel being updated (a spare-parts card showing a login page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not getattr(request, "htmx", False) or response.status_code not in (301, 302):
            return response
        login = resolve_url(settings.LOGIN_URL)
        if urlsplit(response["Location"]).path != login:
            return response
        # Said on the login page: what was being sent did not reach the database.
        messages.warning(
            request,
            "You were logged out, so what you were sending was not saved. "
            "Log in and send it again.",
        )
        page = split_sent_url(request.htmx.current_url)
        back = page.path + (f"?{page.query}" if page.query else "")
        # Only a path on this site comes back ("//host" would name another site).
        target = f"{login}?{urlencode({'next': back})}" if is_own_page(back) else login
        return HttpResponseClientRedirect(target)
