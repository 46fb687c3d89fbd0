"""For tests of the young person's pages in every app: pass the check as the young person does."""

from django.urls import reverse


def verifier(client, lien):
    """Answer the birth date on the check form: this client's session then opens the link's sensitive pages."""
    jeune = lien.parcours.jeune
    response = client.post(
        reverse("espace_jeune:verifier", args=[lien.token]),
        {"date_naissance": jeune.date_naissance.isoformat(), "suite": reverse("espace_jeune:page", args=[lien.token])},
    )
    assert response.status_code == 302, response.content.decode()
    return client


def verifier_dans_le_navigateur(page, jeune, *, timeout=30_000):
    """In a browser (Playwright page) showing the check: type the birth date and go on to the page asked for."""
    page.get_by_role("heading", name="Vérifions que c'est bien vous").wait_for(timeout=timeout)
    page.get_by_label("Votre date de naissance").fill(jeune.date_naissance.isoformat())
    page.get_by_role("button", name="Valider").click()
