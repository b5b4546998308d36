"""Background work: bound indicators fill themselves from the platform's figures."""

from madoguchi.core.tasks import periodic, task


@periodic("plans.refresh_bound_indicators", every=6 * 3600)
def refresh_bound_indicators() -> None:
    """This and last fiscal year. A metric without a date field (a snapshot such as the
    procedure catalogue) answers only for the current year, so a closed year is never rewritten."""
    from .metrics import current_fiscal_year
    from .services import fill_bound_indicators

    this_year = current_fiscal_year()
    for year in (this_year - 1, this_year):
        fill_bound_indicators(year)


@task("plans.extract_import")
def extract_import(import_id: int) -> None:
    """Read a large uploaded plan document once and store its lines (the preview and the
    structure editor then work from them). Idempotent: an import already extracted is left."""
    from .examples import reading_import
    from .importer import PlanImportError, parse_structured, read_rows, store_lines
    from .models import PlanImport

    # The import may be a reference municipality's (an example plan), as in the preview view.
    with reading_import(import_id) as imp:
        if imp is None or imp.extraction != PlanImport.Extraction.PENDING:
            return

        def report(percent: int) -> None:
            # Stored on the row for the page that polls it; written only when it moved by 5
            # points or more, so a large workbook costs a few dozen small updates.
            if percent >= imp.extraction_progress + 5 or (percent == 100 and imp.extraction_progress != 100):
                imp.extraction_progress = percent
                imp.save(update_fields=["extraction_progress"])

        try:
            # Reading the rows is most of the work (0–80 %), then checking a structure is there.
            rows = read_rows(bytes(imp.content), imp.filename, progress=lambda done, total: report(80 * done // max(total, 1)))
            parse_structured(rows)
            report(95)
        except PlanImportError as exc:
            imp.extraction, imp.extraction_error = PlanImport.Extraction.FAILED, str(exc)
            imp.save(update_fields=["extraction", "extraction_error"])
            return
        imp.lines, imp.line_count, imp.extraction = store_lines(rows), len(rows), PlanImport.Extraction.DONE
        imp.extraction_progress = 100
        imp.save(update_fields=["lines", "line_count", "extraction", "extraction_progress"])
