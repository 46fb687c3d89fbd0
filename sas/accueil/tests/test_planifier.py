"""The demo's scheduler runs each periodic command at its own rhythm."""

from sas.accueil.management.commands.planifier import PERIODIQUES, dues


def test_every_command_runs_at_the_first_pass_then_at_its_interval():
    noms = [nom for nom, _ in PERIODIQUES]
    assert dues({}, 0.0) == noms
    derniers = dict.fromkeys(noms, 0.0)
    plus_court = min(intervalle for _, intervalle in PERIODIQUES)
    assert dues(derniers, plus_court - 1) == []
    assert dues(derniers, plus_court) == [nom for nom, intervalle in PERIODIQUES if intervalle == plus_court]
    assert dues(derniers, max(intervalle for _, intervalle in PERIODIQUES)) == noms


def test_each_scheduled_command_exists():
    from django.core.management import get_commands

    assert {nom for nom, _ in PERIODIQUES} <= set(get_commands())
