"""Browser tests: Playwright for Python driving Debian's Chromium (never a downloaded browser)."""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run inside one
# unless told it is safe, which it is here: one test thread, the live server in its own thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM}; .ci/run installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


class CspViolations(list):
    """What Chromium reported blocking under the Content-Security-Policy: it says so in the console
    ("Refused to execute inline event handler because it violates the following Content Security Policy
    directive: …")."""

    def watch(self, target):
        """Collect the reports of a browser context or a page; returns it."""
        target.on("console", lambda message: self._note(message.text))
        return target

    def _note(self, text: str) -> None:
        if "Content Security Policy" in text:
            self.append(text)


@pytest.fixture
def csp_violations():
    """Every browser test fails on anything the Content-Security-Policy blocked: a page that needs an
    inline script or style attribute is broken in a real browser."""
    violations = CspViolations()
    yield violations
    assert violations == [], "blocked by the Content-Security-Policy:\n" + "\n".join(violations)


@pytest.fixture
def page(browser, csp_violations):
    context = csp_violations.watch(browser.new_context(locale="zh-CN"))
    page = context.new_page()
    yield page
    context.close()
