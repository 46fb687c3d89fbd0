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


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def serious_violations(page, impacts=("serious", "critical")):
    """axe's violations of these impacts (serious and critical by default) on the current page, readable in a failed
    assertion."""
    from axe_playwright_python.sync_playwright import Axe

    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in impacts
    ]
