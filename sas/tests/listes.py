"""What every list page of young people shows, asserted once for them all."""


def assert_filtered_and_captioned(html, *, champ, valeur, libelle, nombre, legende, export):
    """The list filtered on `champ`=`valeur`: its search field labelled and not optional, the filter's choice
    labelled with its count, the table captioned `legende`, the download keeping the filter."""
    assert '<label class="fr-label" for="id_q">Rechercher un jeune\n' in html and "(Optionnel)" not in html
    assert f'<label class="fr-label" for="{champ}-{valeur}">{libelle} ({nombre})</label>' in html
    assert f"<caption>{legende}" in html
    assert f'href="{export}?{champ}={valeur}"' in html
