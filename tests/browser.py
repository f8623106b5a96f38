"""Load a page in a real headless Chromium and report what a person sees (the ``browser`` fixture).

``await browser.open(url, screenshot=path)`` returns a :class:`Seen`: the visible text, the title,
the headings, whether an ``<svg>`` is visible and how big, the console and page errors (a CSP
violation is a console error in Chromium), the HTTP status of the page, and a PNG screenshot.

It drives Debian's ``chromium`` through Python Playwright, never a browser Playwright downloads
(``playwright install`` is never needed). Without a Chromium binary or without Playwright the tests
that use the fixture skip, and the last lines of the run say so; ``VOORDENKEN_REQUIRE_BROWSER=1``
makes that a failure (CI sets it). Registered for every test by ``pytest_plugins`` in
``tests/conftest.py``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.async_api import Browser as PlaywrightBrowser
    from playwright.async_api import ConsoleMessage, Error

CHROMIUM_ENV = "VOORDENKEN_CHROMIUM"
REQUIRE_ENV = "VOORDENKEN_REQUIRE_BROWSER"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
"""Where tests keep their screenshots (ignored by git)."""

NOT_FOUND = ("headless Chromium not found: install Debian's chromium package (apt-get install chromium) "
             f"or set {CHROMIUM_ENV}; {REQUIRE_ENV}=1 makes this a failure")
NO_PLAYWRIGHT = ("Python Playwright is not installed: pip install -e '.[dev]' (never `playwright install`: "
                 f"it drives Debian's chromium); {REQUIRE_ENV}=1 makes this a failure")

NAVIGATION_TIMEOUT_MS = 15_000
IDLE_TIMEOUT_MS = 10_000

# Everything a person sees, read in one round trip after the page has loaded. "Visible" is
# Playwright's rule: a non-empty box and not visibility:hidden (display:none has no box).
_READ_PAGE = """() => {
    const visible = (element) => {
        const box = element.getBoundingClientRect();
        return box.width > 0 && box.height > 0 && getComputedStyle(element).visibility !== "hidden";
    };
    const svgs = Array.from(document.querySelectorAll("svg")).filter((svg) => !svg.parentElement?.closest("svg"));
    const shown = svgs.find(visible);
    const box = shown ? shown.getBoundingClientRect() : null;
    return {
        title: document.title,
        text: document.body ? document.body.innerText : "",
        headings: Array.from(document.querySelectorAll("h1, h2, h3")).filter(visible)
            .map((heading) => heading.innerText.trim()),
        svgCount: svgs.length,
        svgSize: box ? [box.width, box.height] : null,
    };
}"""


@dataclass(frozen=True)
class Seen:
    """What a person sees of one page load."""

    url: str
    status: int | None
    """HTTP status of the main response (None when there was none, e.g. ``about:blank``)."""
    title: str
    text: str
    """``document.body.innerText``: the visible text, as laid out."""
    headings: list[str]
    """The visible h1–h3 texts, in document order."""
    svg_count: int
    """Outermost ``<svg>`` elements in the page, visible or not."""
    svg_size: tuple[float, float] | None
    """(width, height) in CSS pixels of the first visible outermost ``<svg>``; None when none is visible."""
    console_errors: list[str]
    """Console messages of type error, CSP violations and failed loads among them (but not Chromium's
    own favicon request: see :func:`_own_favicon_miss`), each followed by ``[url]`` of its source."""
    page_errors: list[str]
    """Uncaught exceptions in the page's scripts."""
    screenshot: Path | None

    @property
    def svg_visible(self) -> bool:
        return self.svg_size is not None

    @property
    def errors(self) -> list[str]:
        """Every console and page error: a clean page has none."""
        return [*self.console_errors, *self.page_errors]


def find_chromium() -> tuple[str | None, str]:
    """The Chromium binary to drive and, when there is none, why (added to the skip reason).

    ``VOORDENKEN_CHROMIUM``, when set, is the only candidate; otherwise ``/usr/bin/chromium``,
    then ``chromium`` or ``chromium-browser`` on ``PATH``."""
    chosen = os.environ.get(CHROMIUM_ENV)
    if chosen:
        if os.path.isfile(chosen) and os.access(chosen, os.X_OK):
            return chosen, ""
        return None, f"{CHROMIUM_ENV}={chosen} is not an executable file"
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium", ""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found, ""
    return None, "no /usr/bin/chromium, and no chromium or chromium-browser on PATH"


def unavailable() -> str | None:
    """Why browser tests cannot run here, or None when they can."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return NO_PLAYWRIGHT
    binary, why = find_chromium()
    return None if binary else f"{NOT_FOUND} ({why})"


class Browser:
    """A launched headless Chromium; every :meth:`open` gets a fresh context (no shared cookies or cache)."""

    def __init__(self, chromium: PlaywrightBrowser) -> None:
        self._chromium = chromium

    @property
    def version(self) -> str:
        return self._chromium.version

    async def open(self, url: str, screenshot: Path | str | None = None, *,
                   viewport: tuple[int, int] = (1280, 800), network_idle: bool = True) -> Seen:
        """Load ``url``, wait for its load event (and, unless told not to, for the network to go idle),
        and say what is seen; save a full-page PNG screenshot at ``screenshot`` when given."""
        width, height = viewport
        context = await self._chromium.new_context(viewport={"width": width, "height": height},
                                                   device_scale_factor=1)
        try:
            page = await context.new_page()
            page.set_default_timeout(IDLE_TIMEOUT_MS)
            console_errors: list[str] = []
            page_errors: list[str] = []

            def on_console(message: ConsoleMessage) -> None:
                where = message.location.get("url", "")
                if message.type == "error" and not _own_favicon_miss(message.text, where):
                    console_errors.append(f"{message.text} [{where}]" if where else message.text)

            def on_page_error(error: Error) -> None:
                page_errors.append(f"{error.name}: {error.message}" if error.name else error.message)

            page.on("console", on_console)
            page.on("pageerror", on_page_error)
            response = await page.goto(url, wait_until="load", timeout=NAVIGATION_TIMEOUT_MS)
            if network_idle:
                await page.wait_for_load_state("networkidle", timeout=IDLE_TIMEOUT_MS)
            read: dict[str, Any] = await page.evaluate(_READ_PAGE)
            path: Path | None = None
            if screenshot is not None:
                path = Path(screenshot)
                path.parent.mkdir(parents=True, exist_ok=True)
                await page.screenshot(path=str(path), full_page=True, type="png")
            # The evaluate and screenshot round trips came after any message the page's load produced.
            size = read["svgSize"]
            return Seen(url=url, status=response.status if response is not None else None,
                        title=read["title"], text=read["text"], headings=list(read["headings"]),
                        svg_count=int(read["svgCount"]),
                        svg_size=(float(size[0]), float(size[1])) if size else None,
                        console_errors=console_errors, page_errors=page_errors, screenshot=path)
        finally:
            await context.close()


def _own_favicon_miss(text: str, url: str) -> bool:
    """Chromium's own ``/favicon.ico`` request failing: made once per browser for the first page
    without a CSP that forbids it, so reporting it would make a test's errors depend on test order."""
    return text.startswith("Failed to load resource") and urlsplit(url).path == "/favicon.ico"


@asynccontextmanager
async def launched(executable: str) -> AsyncIterator[Browser]:
    """Headless Chromium at ``executable``, closed on exit. The sandbox is off only as root
    (Chromium refuses to start sandboxed as root; CI runs as root)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=executable, headless=True,
                                                    chromium_sandbox=os.geteuid() != 0)
        try:
            yield Browser(chromium)
        finally:
            await chromium.close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """A headless Chromium for this test; skips (or fails with VOORDENKEN_REQUIRE_BROWSER=1) without one."""
    reason = unavailable()
    if reason is not None:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    executable, _ = find_chromium()
    assert executable is not None
    async with launched(executable) as opened:
        yield opened


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> Iterator[None]:
    """Say in the last lines of the run when browser tests were skipped, how many and why: a green
    run without Chromium has not looked at a single page."""
    yield
    reasons = [_skip_reason(report) for report in terminalreporter.stats.get("skipped", ())]
    skipped = [reason for reason in reasons if REQUIRE_ENV in reason]
    if not skipped:
        return
    terminalreporter.write_sep("=", f"{len(skipped)} browser test(s) SKIPPED", yellow=True, bold=True)
    for reason in sorted(set(skipped)):
        terminalreporter.write_line(f"why: {reason[:300]}")


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")
