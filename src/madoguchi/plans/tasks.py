"""Background work: bound indicators fill themselves from the platform's figures."""

from madoguchi.core.tasks import periodic


@periodic("plans.refresh_bound_indicators", every=6 * 3600)
def refresh_bound_indicators() -> None:
    """This and last fiscal year. A metric without a date field (a snapshot such as the
    procedure catalogue) answers only for the current year, so a closed year is never rewritten."""
    from .metrics import current_fiscal_year
    from .services import fill_bound_indicators

    this_year = current_fiscal_year()
    for year in (this_year - 1, this_year):
        fill_bound_indicators(year)
