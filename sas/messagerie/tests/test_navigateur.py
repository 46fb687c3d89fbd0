import pytest
from django.urls import reverse

from sas.browser_testing import needs_browser, serious_violations
from sas.messagerie.envoi import envoyer

from .conftest import MARDI


@needs_browser
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sent_messages_page_in_a_narrow_browser(log_in, live_server, page, parcours, aiguilleur):
    envoyer(parcours, "premier_contact", at=MARDI)
    page.set_viewport_size({"width": 320, "height": 800})
    log_in(page, aiguilleur)
    page.goto(live_server.url + reverse("messagerie:envoyes"))
    assert page.get_by_role("heading", name="Messages envoyés").is_visible()
    assert "nous a parlé de vous" in page.content()
    assert serious_violations(page) == []
