"""The dashboard in a real browser, under the production CSP: accessible at 360 and 1280 px, the funnel drawn."""

import datetime

import pytest
from django.utils import timezone

from sas.browser_testing import needs_browser, serious_violations
from sas.organisations.factories import OrganisationFactory, TerritoryFactory, member
from sas.organisations.models import Role
from sas.parcours.factories import ParcoursFactory, SignalementFactory

pytestmark = [needs_browser, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [360, 1280])
def test_the_dashboard_is_accessible_on_a_phone_and_a_desktop(live_server, page, log_in, width):
    territory = TerritoryFactory(nom="Territoire tableau")
    ase = OrganisationFactory(territory=territory)
    at = timezone.now() - datetime.timedelta(days=20)
    for _ in range(12):
        SignalementFactory(parcours=ParcoursFactory(territory=territory, at=at), organisation=ase, created_at=at)
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, member(Role.PILOTE, territory=territory), "/pilotage/")
    page.get_by_role("heading", level=1, name="Tableau de bord du pilotage").wait_for(timeout=5000)
    assert page.get_by_role("img", name="Entonnoir des parcours signalés dans la période").is_visible()
    assert serious_violations(page) == []
    # Nothing wider than the screen but the tables, which scroll in their own frame.
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow
