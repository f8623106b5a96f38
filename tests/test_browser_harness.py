"""The browser harness itself (tests/browser.py), against tiny pages served on an ephemeral port."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.browser import ARTIFACTS, NOT_FOUND, Browser

ROOT = Path(__file__).resolve().parents[1]

STYLE = "body { font-family: sans-serif; margin: 2rem; } h1 { color: #234; }"
CSP = f"default-src 'none'; style-src 'sha256-{base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()}'"

CHART = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Session chart</title><style>{style}</style></head>
<body>
<h1>Where the session stands</h1>
<p>Six questions, four answered.</p>
<svg width="300" height="120" viewBox="0 0 300 120" role="img" aria-label="answers per question">
  <rect x="10" y="20" width="40" height="100" fill="#4a7"/>
  <rect x="60" y="50" width="40" height="70" fill="#4a7"/>
</svg>
</body></html>
"""

BLOCKED_SCRIPT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Blocked</title></head>
<body><h1>Script below</h1><script>document.title = "ran";</script></body></html>
"""

THROWS = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Throws</title></head>
<body><h1>Broken</h1><script>throw new Error("boom in the page");</script></body></html>
"""


def _page(body: str, csp: str | None = CSP) -> web.Response:
    response = web.Response(text=body, content_type="text/html")
    if csp is not None:
        response.headers["Content-Security-Policy"] = csp
    return response


@pytest.fixture
async def site() -> AsyncIterator[str]:
    """The base URL of a tiny aiohttp site on 127.0.0.1 at an ephemeral port."""

    async def chart(request: web.Request) -> web.Response:
        return _page(CHART.format(style=STYLE))

    async def blocked(request: web.Request) -> web.Response:
        return _page(BLOCKED_SCRIPT)

    async def throws(request: web.Request) -> web.Response:
        return _page(THROWS, csp="default-src 'none'; script-src 'unsafe-inline'")

    app = web.Application()
    app.router.add_get("/chart", chart)
    app.router.add_get("/blocked", blocked)
    app.router.add_get("/throws", throws)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_a_clean_page_is_seen_with_its_heading_text_and_chart(browser: Browser, site: str) -> None:
    screenshot = ARTIFACTS / "browser-harness" / "chart.png"
    screenshot.unlink(missing_ok=True)
    seen = await browser.open(f"{site}/chart", screenshot=screenshot)
    assert seen.errors == []
    assert seen.status == 200
    assert seen.title == "Session chart"
    assert seen.headings == ["Where the session stands"]
    assert "Six questions, four answered." in seen.text
    assert seen.svg_visible
    assert seen.svg_size == (300.0, 120.0)
    assert seen.screenshot == screenshot
    assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


async def test_an_inline_script_the_csp_blocks_is_a_console_error(browser: Browser, site: str) -> None:
    seen = await browser.open(f"{site}/blocked")
    assert seen.title == "Blocked"  # the script did not run
    assert any("Content Security Policy" in error for error in seen.console_errors), seen.errors
    assert not seen.svg_visible


async def test_an_uncaught_exception_is_a_page_error(browser: Browser, site: str) -> None:
    seen = await browser.open(f"{site}/throws")
    assert any("boom in the page" in error for error in seen.page_errors), seen.errors


async def test_a_missing_page_reports_404(browser: Browser, site: str) -> None:
    seen = await browser.open(f"{site}/nowhere")
    assert seen.status == 404
    assert seen.text == "404: Not Found"
    assert len(seen.console_errors) == 1, seen.errors  # the page's own 404; not Chromium's favicon request
    assert "status of 404" in seen.console_errors[0]


USES_THE_FIXTURE = '''
from tests.browser import Browser

async def test_needs_a_browser(browser: Browser) -> None:
    raise AssertionError("ran without a browser")

def test_plain() -> None:
    pass
'''


def _run_without_chromium(folder: Path, *, require: bool) -> subprocess.CompletedProcess[str]:
    (folder / "conftest.py").write_text('pytest_plugins = ["tests.browser"]\n')
    (folder / "test_tiny.py").write_text(USES_THE_FIXTURE)
    environment = {key: value for key, value in os.environ.items() if key != "VOORDENKEN_REQUIRE_BROWSER"}
    environment |= {"PYTHONPATH": str(ROOT), "VOORDENKEN_CHROMIUM": str(folder / "no-chromium-here"),
                    "PATH": os.path.dirname(sys.executable)}
    if require:
        environment["VOORDENKEN_REQUIRE_BROWSER"] = "1"
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly",
                           "-o", "asyncio_mode=auto", "-ra", "-q", str(folder)],
                          capture_output=True, text=True, cwd=folder, env=environment, timeout=120)


def test_without_chromium_the_browser_tests_skip_and_the_last_lines_say_so(tmp_path: Path) -> None:
    result = _run_without_chromium(tmp_path, require=False)
    assert result.returncode == 0, result.stdout + result.stderr
    last = result.stdout.strip().splitlines()[-3:]
    assert "1 browser test(s) SKIPPED" in last[0]
    assert last[1].startswith(f"why: {NOT_FOUND} (VOORDENKEN_CHROMIUM=")
    assert last[2].startswith("1 passed, 1 skipped")


def test_with_voordenken_require_browser_a_missing_chromium_fails(tmp_path: Path) -> None:
    result = _run_without_chromium(tmp_path, require=True)
    assert result.returncode == 1, result.stdout + result.stderr
    assert NOT_FOUND in result.stdout
    assert "1 passed, 1 error" in result.stdout
