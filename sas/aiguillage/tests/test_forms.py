from django import forms

from sas.aiguillage.forms import FiltreFileForm, OptionsSelect


def test_the_filters_selects_write_what_djangos_select_would():
    # Names to escape, a selected option among many, attributes set, unset and bare: the same HTML both ways.
    choices = [("", "Toutes les communes"), ("69001", "Lyon 1er"), ("69002", "Saint-Genis & <Laval>")]
    attrs = {"class": "fr-select", "required": True, "disabled": False, "aria-describedby": 'aide "commune"'}
    for value in ["69002", "", None, "inconnue"]:
        ours = OptionsSelect(attrs=attrs, choices=choices).render("commune", value)
        django = forms.Select(attrs=attrs, choices=choices).render("commune", value)
        assert ours == django
        assert "Saint-Genis &amp; &lt;Laval&gt;" in ours


def test_the_queue_form_keeps_its_dsfr_select_group():
    form = FiltreFileForm({"age": "18-21"}, communes=[], conseillers=[])
    html = form["age"].as_field_group()
    assert 'class="fr-select-group"' in html and 'class="fr-select"' in html
    assert '<option value="18-21" selected>' in html
