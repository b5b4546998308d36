import pytest

from madoguchi.core.factories import MunicipalityFactory, ResidentFactory


@pytest.fixture
def city(db):
    return MunicipalityFactory(name="みどり野市")


@pytest.fixture
def resident(city):
    """A signed-up resident whose profile fills every form's prefill (as the demo resident's)."""
    return ResidentFactory(email="resident@example.jp")


@pytest.fixture
def demo_catalogue(db):
    """The demo city's 部・課 and its whole procedure catalogue, for tests about the catalogue
    itself (the other apps' demo data is not loaded)."""
    from madoguchi.applications import demo
    from madoguchi.core import demo as core_demo

    municipality = core_demo.load()
    demo.load(municipality)
    return municipality
