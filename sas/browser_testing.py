"""What every browser test shares: Debian's Chromium driven by Playwright (never a downloaded browser), and axe."""

import csv
import io
import os
import pathlib
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


# The DSFR's own script now and then writes a style attribute by innerHTML (seen on a loaded machine only, a matter
# of timing): the CSP blocks it, nothing on the page depends on it. Left out; an inline style in our own pages is still
# caught, reported from the page's address.
DSFR_SCRIPT = "dsfr.module.min.js"


def _note_csp(message):
    url = message.location.get("url") or ""
    if url.endswith(DSFR_SCRIPT) and message.text.startswith("Applying inline style"):
        return
    if "Content Security Policy" in message.text:
        page = message.page.url if message.page else "?"
        CSP_VIOLATIONS.append(f"on {page}, {url}: {message.text}")


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


def parcourir_liste(page, titre, *, pages):
    """A list page once open on a phone: its heading, no serious accessibility violation, no sideways scrolling at
    320 px, then its second page of `pages`."""
    page.get_by_role("heading", level=1, name=titre).wait_for()
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.get_by_role("link", name="Page suivante").click()
    page.get_by_text(f"(page 2 sur {pages})").wait_for()


def filtrer(page, accordeon, choix):
    """Unfold the filters under `accordeon`, choose the radio labelled `choix` and apply."""
    page.get_by_role("button", name=accordeon).click()
    # A DSFR radio is drawn by its label, which takes the click.
    page.locator("label", has_text=choix).click()
    page.get_by_role("button", name="Afficher").click()


def telecharger_csv(page, lien):
    """Click the list's download link: the file's suggested name and its rows, read as the export writes them."""
    with page.expect_download() as download:
        page.get_by_role("link", name=lien).click()
    text = pathlib.Path(download.value.path()).read_bytes().decode("utf-8-sig")
    return download.value.suggested_filename, list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
