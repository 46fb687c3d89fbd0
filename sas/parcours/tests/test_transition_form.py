from sas.parcours.forms import TransitionForm
from sas.parcours.models import Parcours
from sas.parcours.status import Status, allowed_targets


def test_the_status_form_leaves_withdrawal_and_the_positive_exit_to_their_own_pages():
    offered = {value for value, _ in TransitionForm(parcours=Parcours(status=Status.SUIVI)).fields["to_status"].choices}
    targets = {Status(s) for s in allowed_targets(Status.SUIVI)}
    assert Status.SORTI_POSITIF in targets and Status.ABANDON in targets
    assert offered == targets - {Status.SORTI_POSITIF, Status.CONSENTEMENT_RETIRE}
