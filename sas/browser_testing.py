"""What every browser test shares: Debian's Chromium driven by Playwright (never a downloaded browser), and axe."""

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# CI sets SAS_REQUIRE_BROWSER=1 so that a missing Chromium fails instead of skipping.
needs_browser = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not os.environ.get("SAS_REQUIRE_BROWSER"),
    reason="Chromium absent (apt-get install chromium)",
)


# What Chromium refused because of the Content-Security-Policy, for every page of every test: an inline script or
# style the CSP blocks is a page that silently does not work (conftest.py fails the browser test that saw one).
CSP_VIOLATIONS = []


def _note_csp(message):
    if "Content Security Policy" in message.text:
        page = message.page.url if message.page else "?"
        CSP_VIOLATIONS.append(f"on {page}, {message.location.get('url')}: {message.text}")


def launch(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    new_context, new_page = browser.new_context, browser.new_page

    def watched_context(**options):
        context = new_context(**options)
        context.on("console", _note_csp)
        return context

    def watched_page(**options):
        page = new_page(**options)
        page.on("console", _note_csp)
        return page

    browser.new_context, browser.new_page = watched_context, watched_page
    return browser


def serious_violations(page, impacts=("serious", "critical")):
    """axe's violations of these impacts (serious and critical by default) on the current page, readable in a failed
    assertion."""
    from axe_playwright_python.sync_playwright import Axe

    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in impacts
    ]


def on_first_screen(page, locator):
    """Whether the element is wholly inside the viewport as the page opens, without scrolling."""
    page.evaluate("window.scrollTo(0, 0)")
    box = locator.bounding_box()
    viewport = page.viewport_size
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= viewport["width"]
        and box["y"] + box["height"] <= viewport["height"]
    )
