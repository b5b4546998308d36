"""The one plugin registry (core.registry): discovery, unique keys, system checks by name."""

from __future__ import annotations

import pytest
from django.core import checks
from django.core.management import call_command

from madoguchi.core import registry
from madoguchi.core.registry import Metric, MetricError, Registry, RegistryError, compute_metric


def test_registries_are_discovered_from_each_apps_module():
    # tasks.py of every app, the alerts channels package: found at start-up, nobody lists them.
    assert "core.send_email" in registry.tasks
    assert registry.tasks.origin("core.send_email").startswith("madoguchi.core.notify.")
    assert {"email", "line", "webpush"} <= set(registry.channels)


def test_a_second_plugin_under_a_taken_key_is_refused():
    reg = Registry("test_unique", module=None, label="test")
    try:

        @reg.register("one")
        def first():
            pass

        def second():
            pass

        with pytest.raises(RegistryError, match="taken"):
            reg.register("one", second)
        reg.register("one", first)  # the same plugin again (a module imported twice) is fine
        assert reg["one"] is first
        with pytest.raises(KeyError, match="no plugin 'two'"):
            reg["two"]
    finally:
        registry.REGISTRIES.pop("test_unique", None)


def test_kind_is_enforced_and_classes_are_instantiated():
    class Broken:
        pass

    with pytest.raises(RegistryError):
        registry.metrics.register("test_broken", Broken)


def test_system_check_names_a_misconfigured_plugin():
    @registry.metrics.register("test_unlabelled")
    class Unlabelled(Metric):
        pass

    try:
        found = registry.check_registries()
        messages = [m.msg for m in found if isinstance(m, checks.Error)]
        assert any("metrics 'test_unlabelled'" in m and "no label" in m for m in messages)
        assert any("metrics 'test_unlabelled'" in m and "compute()" in m for m in messages)
        with pytest.raises(Exception, match="test_unlabelled"):
            call_command("check")
    finally:
        registry.metrics.unregister("test_unlabelled")
    assert not [m for m in registry.check_registries() if m.is_serious()]


def test_a_failing_metric_raises_and_is_logged(caplog):
    @registry.metrics.register("test_failing")
    class Failing(Metric):
        label = "壊れた指標"
        unit = "件"

        def compute(self, municipality, fiscal_year):
            raise ZeroDivisionError("boom")

    try:
        with pytest.raises(MetricError):
            compute_metric("test_failing", None, 2026)
        assert "test_failing" in caplog.text and "boom" in caplog.text
    finally:
        registry.metrics.unregister("test_failing")


def test_a_module_that_fails_to_import_is_reported(monkeypatch):
    reg = Registry("test_import", module="no_such_module_anywhere", label="test")
    try:
        reg.discover()  # no app has it: nothing happens
        assert len(reg) == 0
        reg.import_errors.append(("madoguchi.x.broken", ImportError("nope")))
        assert any(m.id == "madoguchi.E010" and "madoguchi.x.broken" in m.msg for m in registry.check_registries())
    finally:
        registry.REGISTRIES.pop("test_import", None)


def test_a_public_read_needs_an_anchored_pattern():
    from madoguchi.core.registry import PublicRead

    class Loose(PublicRead):
        pattern = r"/api/x/(\d+)"

    class Broken(PublicRead):
        pattern = r"^/api/x/(?P<id>[0-9+$"

    class Good(PublicRead):
        pattern = r"^/api/x/(?P<id>[0-9]+)$"

    assert [m.id for m in Loose().check()] == ["madoguchi.E020"]
    assert [m.id for m in Broken().check()] == ["madoguchi.E020"]
    assert Good().check() == []
