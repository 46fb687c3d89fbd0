"""Issue 14, headers: in a real Chromium, the production CSP blocks a script injected into a page, the watch that
fails every browser test on a CSP refusal does see it, and the DSFR's own scripts still run."""

import pytest

from sas.browser_testing import CSP_VIOLATIONS, needs_browser

pytestmark = [needs_browser, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_injected_inline_script_is_blocked_and_seen(live_server, page):
    page.goto(f"{live_server.url}/connexion/")
    # What a stored XSS would add to the page: an inline script, then an inline event handler.
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "window.injecte = true";
                document.body.append(script);
            }"""
        )
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate(
            """() => {
                const image = document.createElement("img");
                image.setAttribute("onerror", "window.injecte = true");
                image.src = "/nulle-part.png";
                document.body.append(image);
            }"""
        )
    assert page.evaluate("window.injecte") is None
    assert len(CSP_VIOLATIONS) == 2, "the conftest watch would fail a page that needed either"
    CSP_VIOLATIONS.clear()


def test_the_dsfr_scripts_run_under_the_csp(live_server, page):
    page.goto(f"{live_server.url}/connexion/")
    # The DSFR's JavaScript marks the document once it has started: it ran, loaded from our static files.
    page.locator('html[data-fr-js="true"]').wait_for(state="attached", timeout=5000)
    assert CSP_VIOLATIONS == []
