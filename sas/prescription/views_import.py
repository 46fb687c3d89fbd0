from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from dsfr.forms import DsfrBaseForm

from sas.actions import action_postee, refus_en_message
from sas.audit.models import Action, record
from sas.csv_export import csv_response
from sas.permissions import prescriber_organisations

from .imports import (
    MAX_FILE_SIZE,
    MAX_ROWS,
    ImportFileError,
    choose_sheet,
    preview,
    rejected_table,
    template_csv,
    template_xlsx,
)
from .models import ImportBatch, ImportStatus
from .tasks import receive_file, start_import


def _get_batch(request, pk, defer=("rows", "other_sheets", "content")):
    """Only the batches of the user's own prescriber organisations exist for them."""
    # The rows and the file (up to a few MB) are only read for the preview or by the worker, not at each refresh of
    # the progress page.
    return get_object_or_404(
        ImportBatch.objects.select_related("organisation").defer(*defer),
        pk=pk,
        organisation__in=prescriber_organisations(request.user),
    )


class ImportForm(DsfrBaseForm):
    organisation = forms.TypedChoiceField(label="Structure qui signale", coerce=int)
    fichier = forms.FileField(
        label="Fichier à importer",
        help_text="CSV ou texte Unicode (séparateur point-virgule, virgule ou tabulation) ou Excel .xlsx, "
        f"{MAX_ROWS:_} lignes au plus.".replace("_", " "),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx,text/csv"}),
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = {o.pk: o for o in organisations}
        if len(organisations) > 1:
            self.fields["organisation"].choices = [("", "Choisissez")] + [(o.pk, o.nom) for o in organisations]
        else:
            del self.fields["organisation"]

    def clean_fichier(self):
        fichier = self.cleaned_data["fichier"]
        if fichier.size > MAX_FILE_SIZE:
            raise forms.ValidationError(f"Ce fichier dépasse {MAX_FILE_SIZE // (1024 * 1024)} Mo.")
        return fichier

    def clean(self):
        cleaned = super().clean()
        if "organisation" in self.fields:
            cleaned["organisation"] = self.organisations.get(cleaned.get("organisation"))
        else:
            cleaned["organisation"] = next(iter(self.organisations.values()))
        fichier = cleaned.get("fichier")
        if fichier and cleaned["organisation"]:
            try:
                cleaned["content"] = fichier.read()
            except OSError as error:
                raise forms.ValidationError("Le fichier n'a pas pu être lu : envoyez-le à nouveau.") from error
        return cleaned


@login_required
def upload(request):
    organisations = prescriber_organisations(request.user)
    form = ImportForm(request.POST or None, request.FILES or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            batch = receive_file(
                organisation=form.cleaned_data["organisation"],
                user=request.user,
                filename=form.cleaned_data["fichier"].name,
                content=form.cleaned_data["content"],
            )
        except ImportFileError as error:
            form.add_error("fichier", str(error))
        else:
            return redirect("prescription:import_detail", pk=batch.pk)
    recent = (
        ImportBatch.objects.filter(organisation__in=organisations)
        .select_related("organisation")
        .defer("rows", "errors", "warnings", "other_sheets", "content")[:20]
    )
    return render(
        request,
        "prescription/import_upload.html",
        {"form": form, "imports": recent, "title": "Signaler par fichier"},
    )


@login_required
def detail(request, pk):
    batch = _get_batch(request, pk)
    in_preview = batch.status == ImportStatus.APERCU
    context = {
        "batch": batch,
        "read_percent": round(100 * batch.read_rows / batch.total_rows) if batch.total_rows else 0,
        "error_lines": len({error["line"] for error in batch.errors}),
        "percent": round(100 * batch.processed_rows / batch.total_rows) if batch.total_rows else 100,
        "preview": preview(batch) if in_preview else None,
        "other_sheets": sorted(batch.other_sheets) if in_preview else [],
        "title": f"Import du fichier {batch.filename}",
    }
    return render(request, "prescription/import_detail.html", context)


def _vers_detail(request, batch):
    return redirect("prescription:import_detail", pk=batch.pk)


@action_postee(_get_batch, _vers_detail)
def start(request, batch):
    if batch.status in (ImportStatus.LECTURE, ImportStatus.REFUSE):
        messages.error(request, "Ce fichier n'a pas (encore) d'aperçu : il ne peut pas être importé.")
    elif not start_import(batch):
        messages.info(request, "Cet import est déjà lancé.")


@action_postee(_get_batch, _vers_detail)
def sheet(request, batch):
    with refus_en_message(request, ValueError):
        choose_sheet(batch, request.POST.get("feuille", ""))


@login_required
def template(request, extension):
    prescriber_organisations(request.user)
    if extension == "csv":
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    elif extension == "xlsx":
        response = HttpResponse(
            template_xlsx(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="modele-signalements.{extension}"'
    return response


@login_required
def rejets(request, pk):
    """The rejected lines of a file, with their reasons and cells as read, to correct and send again."""
    batch = _get_batch(request, pk, defer=("other_sheets",))
    header, rows = rejected_table(batch)
    # Cells of people SAS did not record: nobody's record is read, the download is logged all the same.
    record(request.user, Action.EXPORT, batch, [], page="import_rejets", lignes=len(rows))
    return csv_response(f"lignes-non-importees-{batch.pk}.csv", header, rows)
