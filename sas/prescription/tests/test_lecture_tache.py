"""Issue 14, uploads: a file above a small size is read by the task worker, not during the request; the page shows
how far the reading is, then the preview, or the refusal in French. A small file is still read at once."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from sas.browser_testing import needs_browser, serious_violations
from sas.jeunes.models import Jeune
from sas.organisations.factories import OrganisationFactory, member
from sas.organisations.models import Role
from sas.prescription import imports, tasks
from sas.prescription.models import ImportBatch, ImportStatus
from sas.prescription.tests import test_imports
from sas.prescription.tests.test_imports import csv_bytes, row, sample_rows, upload

# The import tests' territory: the real INSEE communes of the Rhône.
territory = test_imports.territory

# The worker closes database connections between tasks, as in production: no test transaction around it.
pytestmark = pytest.mark.django_db(transaction=True)


def run_worker():
    call_command("db_worker", batch=True, no_startup_delay=True, reload=False, verbosity=0)


def page(client, batch):
    return client.get(reverse("prescription:import_detail", args=[batch.pk])).content.decode()


def large_csv(count=None):
    """A CSV just over the size read during the request, of distinct young people (one bad row in 50)."""
    size = len(csv_bytes([row()]))  # header and one row
    count = count or 2 * tasks.INLINE_MAX_BYTES // (size // 2)
    rows, bad = sample_rows(count, bad_every=50)
    content = csv_bytes(rows)
    assert len(content) > tasks.INLINE_MAX_BYTES
    return content, rows, bad


def test_a_small_file_is_still_previewed_during_the_request(client, ase, prescripteur):
    client.force_login(prescripteur)
    content = csv_bytes([row()])
    assert len(content) <= tasks.INLINE_MAX_BYTES
    upload(client, content)
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.APERCU and not DBTaskResult.objects.exists()


def test_a_large_file_is_read_by_the_worker_then_previewed_and_imported(client, ase, prescripteur):
    client.force_login(prescripteur)
    content, rows, bad = large_csv()
    response = upload(client, content)
    batch = ImportBatch.objects.get()
    assert response.url == reverse("prescription:import_detail", args=[batch.pk])
    # Nothing was parsed during the request: the rows wait for the worker, the file with them.
    assert (batch.status, batch.total_rows, batch.rows, bytes(batch.content)) == (ImportStatus.LECTURE, 0, [], content)
    assert DBTaskResult.objects.get().args_kwargs["args"] == [batch.pk]
    html = page(client, batch)
    assert 'data-suivi-import="lecture"' in html
    assert "Lecture du fichier en cours : 0 ligne lue." in html
    assert client.post(reverse("prescription:import_start", args=[batch.pk])).status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportStatus.LECTURE, "a file not read yet cannot be imported"

    run_worker()
    batch.refresh_from_db()
    error_lines = {error["line"] for error in batch.errors}
    assert (batch.status, batch.total_rows, bytes(batch.content)) == (ImportStatus.APERCU, len(rows), b"")
    assert error_lines == set(bad)
    html = page(client, batch)
    assert "data-suivi-import" not in html and f"{len(bad)} lignes à corriger" in html

    client.post(reverse("prescription:import_start", args=[batch.pk]))
    run_worker()  # above INLINE_MAX_ROWS the import itself is the worker's too
    batch.refresh_from_db()
    assert batch.status == ImportStatus.TERMINE
    assert Jeune.objects.count() == len(rows) - len(bad)
    assert [(e.from_status, e.to_status) for e in batch.events.all()] == [
        ("", ImportStatus.LECTURE),
        (ImportStatus.LECTURE, ImportStatus.APERCU),
        (ImportStatus.APERCU, ImportStatus.EN_COURS),
        (ImportStatus.EN_COURS, ImportStatus.TERMINE),
    ]


@pytest.fixture
def gros_fichier_envoye(client, prescripteur, monkeypatch):
    """A large file the prescriber sent, left to the worker, which reports its progress every 500 rows."""
    client.force_login(prescripteur)
    content, rows, _ = large_csv()
    upload(client, content)
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 500)
    return ImportBatch.objects.get(), rows


def test_the_page_shows_how_far_the_worker_has_read(client, gros_fichier_envoye, monkeypatch):
    """The prescriber's page, fetched while the worker reads, counts the rows read then the rows checked."""
    batch, rows = gros_fichier_envoye
    seen, check_row = [], imports.check_row

    def check_row_and_look(row, communes, today=None):
        if row["line"] in (2, 1002):  # the first row checked, and the 1,001st
            seen.append(page(client, batch))
        return check_row(row, communes, today)

    monkeypatch.setattr(imports, "check_row", check_row_and_look)
    run_worker()
    total = len(rows)
    assert f"Vérification des lignes : 0 sur {total} (0 %)." in seen[0]
    assert f"Vérification des lignes : 1000 sur {total} ({round(100 * 1000 / total)} %)." in seen[1]
    assert ImportBatch.objects.get().status == ImportStatus.APERCU


def test_the_page_shows_the_rows_read_before_the_checks(client, gros_fichier_envoye, monkeypatch):
    batch, rows = gros_fichier_envoye
    seen, parse_sheet = [], imports.parse_sheet

    def look_then_parse(sheet):
        seen.append(page(client, batch))
        return parse_sheet(sheet)

    monkeypatch.setattr(imports, "parse_sheet", look_then_parse)
    run_worker()
    # Reading ended at len(rows) + 1 physical rows (the header): the last report is the last multiple of 500.
    read = (len(rows) + 1) // 500 * 500
    assert f"Lecture du fichier en cours : {read} lignes lues." in seen[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7\n" + bytes(range(256)) * 1000, "Ce fichier n'est pas un tableur"),
        (b"Nom;Ville\n" + b"Benali;Lyon\n" * 20_000, "La colonne « Prénom » est introuvable"),
    ],
    ids=["not-a-spreadsheet", "no-header"],
)
def test_a_large_file_the_worker_cannot_read_is_refused_in_french(client, ase, prescripteur, content, message):
    client.force_login(prescripteur)
    assert len(content) > tasks.INLINE_MAX_BYTES
    upload(client, content)
    run_worker()
    batch = ImportBatch.objects.get()
    assert (batch.status, bytes(batch.content), batch.rows) == (ImportStatus.REFUSE, b"", [])
    assert batch.refus.startswith(message)
    html = page(client, batch)
    assert "Ce fichier ne peut pas être importé" in html and message in html.replace("&#x27;", "'")
    assert "data-suivi-import" not in html
    client.post(reverse("prescription:import_start", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportStatus.REFUSE and not Jeune.objects.exists()


def test_a_large_file_over_the_row_limit_is_refused_by_the_worker(client, ase, prescripteur, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 1000)
    client.force_login(prescripteur)
    content, rows, _ = large_csv()
    upload(client, content)
    run_worker()
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.REFUSE
    assert batch.refus == f"Ce fichier compte {len(rows)} lignes ; envoyez-en 1000 au plus par fichier."


def test_a_worker_crash_while_reading_refuses_the_file_and_says_so(client, ase, prescripteur, monkeypatch):
    client.force_login(prescripteur)
    content, _, _ = large_csv()
    upload(client, content)

    def broken(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(imports, "parse_sheet", broken)
    run_worker()
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.refus, bytes(batch.content)) == (ImportStatus.REFUSE, imports.UNREADABLE, b"")
    assert DBTaskResult.objects.get().status == "FAILED", "the worker's log keeps the cause"


def test_another_organisation_cannot_see_a_file_being_read(client, ase, prescripteur, territory):
    client.force_login(prescripteur)
    content, _, _ = large_csv()
    upload(client, content)
    batch = ImportBatch.objects.get()
    client.force_login(member(Role.PRESCRIPTEUR, OrganisationFactory(territory=territory)))
    assert client.get(reverse("prescription:import_detail", args=[batch.pk])).status_code == 404
    assert client.post(reverse("prescription:import_start", args=[batch.pk])).status_code == 404


@needs_browser
@pytest.mark.browser
def test_a_prescriber_watches_a_large_file_being_read_in_a_narrow_browser(
    log_in, live_server, browser, ase, prescripteur, tmp_path
):
    content, rows, bad = large_csv()
    path = tmp_path / "signalements.csv"
    path.write_bytes(content)
    context = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 800})
    page = context.new_page()
    log_in(page, prescripteur)
    page.goto(live_server.url + reverse("prescription:import_upload"))
    page.get_by_label("Fichier à importer").set_input_files(str(path))
    page.get_by_role("button", name="Voir l'aperçu").click()
    page.get_by_text("Lecture du fichier en cours : 0 ligne lue.").wait_for(timeout=5000)
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    run_worker()
    # The page follows the reading and offers the preview; it does not reload itself.
    page.get_by_role("link", name="Voir l'aperçu").click(timeout=10_000)
    page.get_by_role("heading", name=f"{len(bad)} lignes à corriger").wait_for(timeout=5000)
    assert serious_violations(page) == []
    page.get_by_role("button", name="Importer").click()
    page.get_by_text("Import en cours").wait_for(timeout=5000)
    assert serious_violations(page) == []
    run_worker()
    page.get_by_role("link", name="Voir le compte rendu").click(timeout=10_000)
    page.get_by_role("heading", name="Compte rendu").wait_for(timeout=5000)
    context.close()
    assert Jeune.objects.count() == len(rows) - len(bad)
