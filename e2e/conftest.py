"""Browser tests: Playwright driving Debian's Chromium against a live server.

They run when /usr/bin/chromium (or $CHROMIUM) exists and are skipped, with a clear reason,
when it does not. Every test saves screenshots of the pages it visits to ``screenshots/``
(git-ignored) so a person can look at them.
"""

import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# to set up data are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
CLOSED_NETWORK_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]


def pytest_collection_modifyitems(config, items):
    if HAVE_CHROMIUM:
        return
    skip = pytest.mark.skip(
        reason=f"browser tests skipped: Chromium not found at {CHROMIUM} "
        "(apt-get install chromium, or set CHROMIUM=/path/to/chromium)"
    )
    for item in items:
        if "e2e" in item.nodeid.split("/")[0]:
            item.add_marker(skip)


def pytest_report_header(config):
    if HAVE_CHROMIUM:
        return f"browser tests: Chromium at {CHROMIUM}"
    return "browser tests: SKIPPED (no Chromium; apt-get install chromium)"


@pytest.fixture(scope="session")
def playwright_browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CLOSED_NETWORK_ARGS)
        yield browser
        browser.close()


class Screen:
    """A browser tab for one person, with helpers that read like what they do."""

    def __init__(self, page, base_url, name):
        self.page = page
        self.base_url = base_url
        self.name = name
        self.shots = 0

    def go(self, path):
        # ``goto`` returns once the page has loaded; what a test then checks is waited for by
        # ``expect`` (auto-waiting), so no fixed "network idle" pause is paid on every page.
        self.page.goto(self.base_url + path)
        return self.page

    def login(self, username, password):
        self.go("/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(lambda url: "/login" not in url)

    def path(self):
        """The path (and query) of the page being shown, without the live server's address."""
        return self.page.url.removeprefix(self.base_url)

    def shot(self, label):
        SCREENSHOTS.mkdir(exist_ok=True)
        self.shots += 1
        safe = re.sub(r"[^a-zA-Z0-9]+", "_", f"{self.name}_{self.shots:02d}_{label}")
        self.page.screenshot(path=str(SCREENSHOTS / f"{safe}.png"), full_page=True)

    @contextmanager
    def without_reload(self):
        """Inside the block the page must not navigate: a mark left on ``window`` survives
        only if the document was updated in place (htmx), not reloaded."""
        navigations = []
        page = self.page

        def on_navigation(frame):
            if frame == page.main_frame:
                navigations.append(frame.url)

        url = page.url
        page.evaluate("window.__e2eSamePage = true")
        page.on("framenavigated", on_navigation)
        try:
            yield
        finally:
            page.remove_listener("framenavigated", on_navigation)
        assert page.url == url, f"the page moved from {url} to {page.url}"
        assert navigations == [], f"the page navigated: {navigations}"
        assert page.evaluate("window.__e2eSamePage === true"), "the page was reloaded"


@pytest.fixture(autouse=True)
def _page_cache_as_in_production(settings):
    """The live server commits, so its kept pages work as in production: a page shown
    after a write must show that write (telite/pagecache.py)."""
    settings.PAGE_CACHE = True


@pytest.fixture
def screen(playwright_browser, live_server, request):
    """``screen("clerk")`` opens a fresh browser context (its own cookies) for a person."""
    contexts = []
    # This test's screenshots from an earlier run go, so the folder shows the last run only.
    for old in SCREENSHOTS.glob(f"{request.node.name}_*.png"):
        old.unlink()

    # A server error or a script error on any page fails the test, even when the step that
    # caused it did not look for one.
    problems = []

    def open_screen(person="user"):
        context = playwright_browser.new_context(
            viewport={"width": 1366, "height": 900}, accept_downloads=True, locale="en-IN"
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"{person}: script error: {error}"))

        # Pages work offline (SPEC §8): a request for anything not served by the app (a CDN
        # script, a web font) is refused and fails the test.
        def offline(route):
            url = route.request.url
            if url.startswith(live_server.url) or url.startswith(("data:", "blob:")):
                route.continue_()
            else:
                problems.append(f"{person}: asked the internet for {url}")
                route.abort()

        context.route("**/*", offline)
        page.on(
            "response",
            lambda response: (
                response.status >= 500
                and problems.append(f"{person}: {response.status} from {response.url}")
            ),
        )
        return Screen(page, live_server.url, f"{request.node.name}_{person}")

    yield open_screen
    for context in contexts:
        context.close()
    if problems:
        pytest.fail("The browser saw errors:\n" + "\n".join(problems), pytrace=False)
