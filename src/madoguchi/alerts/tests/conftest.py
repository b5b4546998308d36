import pytest


@pytest.fixture
def city(db):
    from madoguchi.alerts import demo as alerts_demo
    from madoguchi.core import demo

    m = demo.load()
    alerts_demo.load(m)
    return m
