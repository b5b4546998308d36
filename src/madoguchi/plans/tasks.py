"""Background work: bound indicators fill themselves from the platform's figures."""

from madoguchi.core.tasks import periodic


@periodic("plans.refresh_bound_indicators", every=6 * 3600)
def refresh_bound_indicators() -> None:
    import datetime as dt

    from madoguchi.core.wareki import fiscal_year

    from .services import fill_bound_indicators

    this_year = fiscal_year(dt.date.today())
    for year in (this_year - 1, this_year):
        fill_bound_indicators(year)
