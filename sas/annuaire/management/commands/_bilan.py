from sas.commands import Bilan


def bilan_import(rapport):
    """The directory import report (annuaire.imports.RapportImport) as a command's summary."""
    fait = rapport.wet_run
    return (
        Bilan(lignes=list(rapport.lignes()))
        .compter(rapport.structures.crees, "structure(s) créée(s)" if fait else "structure(s) à créer")
        .compter(rapport.services.crees, "service(s) créé(s)" if fait else "service(s) à créer")
        .compter(
            rapport.structures.modifies + rapport.services.modifies,
            "fiche(s) modifiée(s)" if fait else "fiche(s) à modifier",
        )
        .compter(len(rapport.rejets), "ligne(s) rejetée(s)")
    )
