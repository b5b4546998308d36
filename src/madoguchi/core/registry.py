"""The one plugin registry (拡張ポイント). Every extension point of the platform is a ``Registry``
declared here; apps contribute to it from a module of their own, found at start-up.

The pattern is Django admin's ``autodiscover_modules`` plus Open Forms' ``BaseRegistry``::

    # madoguchi/applications/metrics.py  (found because the registry's module is "metrics")
    from madoguchi.core.registry import Metric, metrics

    @metrics.register("online_applications")
    class OnlineApplications(Metric):
        label = "オンライン申請件数"
        ...

Rules (docs/engineering.md, "Extension points"):

- A registry knows the module name it discovers (``metrics`` → ``<app>/metrics.py`` in every
  installed app) and is filled once, when Django is ready (``CoreConfig.ready``).
- Keys are unique: registering a second, different plugin under a taken key is an error at
  import time, never a silent override.
- A plugin may define ``check() -> list[django.core.checks.CheckMessage]``; the system check
  ``madoguchi.registry`` runs every plugin's check and reports a broken one by registry and key,
  and reports a contribution module that fails to import (so ``manage.py check`` fails in CI).
- No app reads another app's models to compute something for it: the app that owns the data
  contributes the plugin.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.apps import apps as django_apps
from django.core import checks
from django.utils.module_loading import module_has_submodule

log = logging.getLogger(__name__)

T = TypeVar("T")


class RegistryError(Exception):
    """A plugin clashes with another or is not what its registry takes."""


class Registry(Generic[T]):
    """Plugins of one kind, by key. ``module``: the module name each app may provide."""

    def __init__(self, name: str, *, module: str | None, label: str, kind: type | None = None, instantiate: bool = False):
        self.name = name
        self.module = module
        self.label = label
        self.kind = kind  # plugins must be instances (or subclasses, when instantiate) of this
        self.instantiate = instantiate  # register classes, keep one instance of each
        self._plugins: dict[str, T] = {}
        self._origins: dict[str, str] = {}
        self._discovered = False
        self.import_errors: list[tuple[str, BaseException]] = []
        REGISTRIES[name] = self

    # --- registering ------------------------------------------------------------------------
    def register(self, key: str, plugin: Any = None, *, origin: str | None = None):
        """``registry.register("id", obj)`` or ``@registry.register("id")`` on a class or function.
        ``origin``: where the plugin is defined, when ``obj`` is a wrapper (tasks)."""
        if plugin is None:
            return lambda obj: self._add(key, obj, origin) or obj
        self._add(key, plugin, origin)
        return plugin

    def _add(self, key: str, obj: Any, origin: str | None = None) -> None:
        if not key or not isinstance(key, str):
            raise RegistryError(f"{self.name}: a plugin needs a non-empty string key, got {key!r}")
        if self.kind is not None:
            ok = issubclass(obj, self.kind) if (self.instantiate and isinstance(obj, type)) else isinstance(obj, self.kind)
            if not ok:
                raise RegistryError(f"{self.name}: {key!r} must be a {self.kind.__name__}, got {obj!r}")
        origin = origin or _origin(obj)
        existing = self._origins.get(key)
        if existing is not None and existing != origin:
            raise RegistryError(f"{self.name}: key {key!r} is taken by {existing}; {origin} cannot register it too")
        plugin = obj() if (self.instantiate and isinstance(obj, type)) else obj
        if hasattr(plugin, "key") and not isinstance(plugin, type):
            try:
                plugin.key = key
            except AttributeError:  # frozen dataclass or property: the object already names itself
                pass
        self._plugins[key] = plugin
        self._origins[key] = origin

    def unregister(self, key: str) -> None:
        """For tests that add a plugin of their own."""
        self._plugins.pop(key, None)
        self._origins.pop(key, None)

    # --- discovery --------------------------------------------------------------------------
    def discover(self) -> None:
        """Import ``<app>.<module>`` for every installed app (once). A module that fails to
        import is remembered for the system check and logged, then re-raised: a broken plugin
        module must stop start-up, not disappear."""
        if self._discovered or not self.module:
            self._discovered = True
            return
        self._discovered = True
        for config in django_apps.get_app_configs():
            if not module_has_submodule(config.module, self.module):
                continue
            dotted = f"{config.name}.{self.module}"
            try:
                importlib.import_module(dotted)
            except Exception as exc:
                self.import_errors.append((dotted, exc))
                log.exception("registry %s: %s failed to import", self.name, dotted)
                raise

    # --- reading ----------------------------------------------------------------------------
    def _ready(self) -> dict[str, T]:
        if not self._discovered:
            self.discover()
        return self._plugins

    def get(self, key: str, default: T | None = None) -> T | None:
        return self._ready().get(key, default)

    def __getitem__(self, key: str) -> T:
        try:
            return self._ready()[key]
        except KeyError:
            raise KeyError(f"{self.name}: no plugin {key!r} (known: {', '.join(sorted(self._plugins)) or 'none'})") from None

    def __contains__(self, key: object) -> bool:
        return key in self._ready()

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._ready()))

    def __len__(self) -> int:
        return len(self._ready())

    def keys(self) -> list[str]:
        return list(self._ready())

    def items(self) -> list[tuple[str, T]]:
        return list(self._ready().items())

    def values(self) -> list[T]:
        return list(self._ready().values())

    def origin(self, key: str) -> str:
        return self._origins.get(key, "")

    def __repr__(self) -> str:
        return f"<Registry {self.name}: {len(self._plugins)} plugins>"


def _origin(obj: Any) -> str:
    target = obj if isinstance(obj, type) or callable(obj) and hasattr(obj, "__qualname__") else type(obj)
    return f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', repr(target))}"


REGISTRIES: dict[str, Registry] = {}


def discover_all() -> None:
    for registry in list(REGISTRIES.values()):
        registry.discover()


# --- extension points ---------------------------------------------------------------------
# Each registry is declared here, so that an app never has to import another app to extend it.


class Metric:
    """A platform figure (プラットフォームの数値) a plan indicator can be bound to, computed per
    fiscal year from the contributing app's own rows.

    ``compute`` returns the figure, or ``None`` when the figure does not apply (e.g. a count
    that has no history answers only for the current year). It must not catch its own errors:
    the consumer logs an exception and shows 「集計エラー」, never a silent 0 or blank."""

    key: str = ""
    label: str = ""
    unit: str = ""

    def compute(self, municipality, fiscal_year: int) -> Decimal | int | None:
        raise NotImplementedError

    def check(self) -> list[checks.CheckMessage]:
        problems = []
        if not self.label:
            problems.append(checks.Error(f"metric {self.key!r} has no label", obj=type(self), id="madoguchi.E012"))
        if type(self).compute is Metric.compute:
            problems.append(checks.Error(f"metric {self.key!r} does not implement compute()", obj=type(self), id="madoguchi.E013"))
        return problems


class MetricError(Exception):
    """Raised by ``compute_metric`` when a metric failed; the original is chained and logged."""


def compute_metric(key: str, municipality, fiscal_year: int):
    """The one way to compute a metric: an unknown key or a failing metric raises
    ``MetricError`` after logging the cause (with the metric's key and origin)."""
    metric = metrics.get(key)
    if metric is None:
        raise MetricError(f"unknown metric {key!r}")
    try:
        return metric.compute(municipality, fiscal_year)
    except Exception as exc:
        log.exception("metric %s (%s) failed for %s FY%s", key, metrics.origin(key), municipality, fiscal_year)
        raise MetricError(f"metric {key!r} failed: {exc}") from exc


class ResidentRecords:
    """A resident's own records in one app across every city of a 共同運営 (applications,
    bookings …), for the page that shows them in one place. ``records(user)`` runs with no city
    active and returns ``ResidentRecord``s, newest first; it reads only the user's own rows."""

    key: str = ""
    label: str = ""

    def records(self, user) -> list:
        raise NotImplementedError

    def check(self) -> list[checks.CheckMessage]:
        if not self.label:
            return [checks.Error(f"resident records {self.key!r} have no label", obj=type(self), id="madoguchi.E014")]
        return []


@dataclass(frozen=True)
class ResidentRecord:
    municipality: Any  # core.Municipality
    kind: str  # 申請, 施設予約 …
    title: str
    status: str
    when: Any  # datetime or date
    url: str  # absolute, on the record's city's host


class ProcedureWindows:
    """Where a procedure is done in person (窓口) and whether a visit can be booked, from the
    app that keeps the counters: the procedure page names the window from here, so it and the
    counter's own page say the same (one source of truth). ``windows(procedure)`` runs in the
    procedure's city and returns ``ProcedureWindow``s."""

    key: str = ""
    label: str = ""

    def windows(self, procedure) -> list:
        raise NotImplementedError

    def check(self) -> list[checks.CheckMessage]:
        if not self.label:
            return [checks.Error(f"procedure windows {self.key!r} have no label", obj=type(self), id="madoguchi.E015")]
        return []


@dataclass(frozen=True)
class ProcedureWindow:
    name: str  # 市民課 転入・転出
    location: str  # 本庁舎1階 2番窓口
    url: str = ""  # the page where a visit is booked ("" when none)


# --- search documents (検索対象) — owned by the search app's maintainers ----------------------
@dataclass(frozen=True)
class SearchDocument:
    """One searchable page an app contributes (a procedure, a facility, a notice …)."""

    key: str  # unique within the contributor and city (the row's slug or id)
    title: str
    body: str  # plain text (no HTML): summary, what to bring, eligibility …
    url: str  # the page's path on the city's site ("/procedures/juminhyo/")
    section: Any = None  # core.Section that owns the page (filter and staff scoping), or None
    keywords: str = ""  # indexed with the title but not shown: ふりがな, other names
    language: str = "ja"
    updated: Any = None  # datetime of the last change, when known


class SearchDocuments:
    """Documents one app contributes to the platform's Japanese search (``search`` app): the
    app that owns the rows says what is searchable, the search app indexes it. Contributed from
    ``<app>/search_documents.py``; see ``madoguchi/search/README.md``.

    - ``documents(municipality)`` yields ``SearchDocument``s of that city (runs with the city
      active), published pages only;
    - ``models()`` returns the contributor's own model classes whose saves and deletes change
      its documents: the search app queues a reindex of this contributor for the row's city
      through the outbox when one is saved or deleted."""

    key: str = ""
    label: str = ""  # the kind shown as a filter: 手続, よくある質問, 施設 …
    order: int = 100  # position of the kind in the filter

    def documents(self, municipality) -> Iterator[SearchDocument]:
        raise NotImplementedError

    def models(self) -> list[type]:
        return []

    def check(self) -> list[checks.CheckMessage]:
        problems = []
        if not self.label:
            problems.append(checks.Error(f"search documents {self.key!r} have no label", obj=type(self), id="madoguchi.E016"))
        if type(self).documents is SearchDocuments.documents:
            problems.append(checks.Error(f"search documents {self.key!r} do not implement documents()", obj=type(self), id="madoguchi.E019"))
        return problems


# --- datasets (オープンデータ) — owned by the opendata app's maintainers -----------------------
class GeneratedDataset:
    """A dataset an app generates from its own rows for the open data catalogue (``opendata``
    app), contributed from ``<app>/datasets.py``. See ``madoguchi/opendata/README.md``.

    - ``name``: the dataset's CKAN name and file stem (``public_facility`` → file
      ``<団体コード>_public_facility.csv``); ``label``: its title (公共施設一覧);
    - ``standard``: the 自治体標準オープンデータセット it follows ("" when none), ``theme``: an
      ``opendata.Theme`` value, ``description``: the dataset page's text;
    - ``columns``: the header, in the standard's order; ``missing``: the columns the platform
      does not keep (always empty in the file; the dataset page lists them);
    - ``rows(municipality)`` yields one dict per row (column → value; absent keys are empty),
      runs with the city active, public rows only — never personal data (the opendata tests
      check every column against an allow-list);
    - ``models()``: the contributor's own models whose saves and deletes change the rows: the
      opendata app queues a (throttled) refresh through the outbox on each;
    - ``periodic``: True for statistics over many rows (monthly counts): refreshed by the opendata
      app's periodic task instead, so a busy table (submissions) gets no extra write per save;
    - ``small_counts``: columns that count people; the opendata app publishes a count from 1 up
      to ``OPENDATA_SUPPRESS_BELOW`` − 1 as ``X`` (秘匿: small-cell suppression), and ``derived``
      (a rate computed from them) as ``X`` too in a row where one was. Publish no column from
      which a suppressed cell can be worked out (a total beside its parts); where another
      dataset publishes totals over groups of rows (a fiscal year), name the grouping columns in
      ``suppression_groups``: a lone ``X`` in a group then hides a second cell (secondary suppression)."""

    key: str = ""
    label: str = ""
    name: str = ""
    standard: str = ""
    theme: str = "other"
    description: str = ""
    columns: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    periodic: bool = False
    small_counts: tuple[str, ...] = ()
    derived: tuple[str, ...] = ()
    suppression_groups: tuple[str, ...] = ()

    def rows(self, municipality) -> Iterator[dict]:
        raise NotImplementedError

    def models(self) -> list[type]:
        return []

    def check(self) -> list[checks.CheckMessage]:
        problems = []
        if not self.label:
            problems.append(checks.Error(f"dataset {self.key!r} has no label", obj=type(self), id="madoguchi.E017"))
        if not self.name or not self.columns:
            problems.append(checks.Error(f"dataset {self.key!r} needs a name and columns", obj=type(self), id="madoguchi.E017"))
        if type(self).rows is GeneratedDataset.rows:
            problems.append(checks.Error(f"dataset {self.key!r} does not implement rows()", obj=type(self), id="madoguchi.E017"))
        unknown = set(self.missing) - set(self.columns)
        if unknown:
            problems.append(checks.Error(f"dataset {self.key!r}: missing columns not in columns: {sorted(unknown)}", obj=type(self), id="madoguchi.E017"))
        unknown = (set(self.small_counts) | set(self.derived) | set(self.suppression_groups)) - set(self.columns)
        if unknown:
            problems.append(checks.Error(f"dataset {self.key!r}: suppression columns not in columns: {sorted(unknown)}", obj=type(self), id="madoguchi.E017"))
        return problems


# --- payment providers (決済事業者) — owned by the payments app's maintainers ------------------
@dataclass(frozen=True)
class PaymentNotification:
    """A provider's notification (決済結果の通知), verified and parsed by its provider.

    ``status``: the ``payments.Payment.Status`` value the provider reports (processing, paid,
    failed, expired); ``event_id``: the provider's id of this event (the idempotency key);
    ``payload``: the raw body as received (stored on the event, never logged)."""

    event_id: str
    status: str
    amount: int
    merchant_reference: str = ""
    provider_reference: str = ""
    payload: Any = None


class NotificationRefused(Exception):
    """``verify_notification`` refuses a notification (bad or missing signature, bad body).
    ``reason``: a short machine code kept on the anomaly (bad_signature, bad_body)."""

    def __init__(self, reason: str, message: str = ""):
        super().__init__(message or reason)
        self.reason = reason


class PaymentProvider:
    """One way of paying (``payments/contrib/<provider>/``), registered from the payments app's
    ``payment_providers`` module. See ``madoguchi/payments/README.md``.

    Protocol (the payments app drives it; a provider never changes a payment's status itself):

    - ``start_checkout(payment, return_url) -> str``: the URL the resident is redirected to
      (redirect checkout); may set ``payment.provider_reference`` (the caller saves it);
    - ``verify_notification(request) -> PaymentNotification``: authenticate (signature) and parse
      an asynchronous notification; raises ``NotificationRefused``. ``request`` needs ``body``
      and ``headers`` only;
    - ``query_status(payment) -> str | None``: the status the provider reports now (polling),
      None when it cannot tell;
    - ``refund(payment, amount) -> str``: refund ``amount`` yen through the provider, returning
      its refund reference ("" for providers where the refund is recorded, not sent: counter);
    - ``configured(municipality) -> bool``: whether the city has an account with it;
    - ``check()``: Django check messages (a missing secret in production)."""

    key: str = ""
    label: str = ""
    #: offered to residents on the pay page (the counter provider is recorded by staff only)
    resident_selectable: bool = True

    def configured(self, municipality=None) -> bool:
        return True

    def start_checkout(self, payment, return_url: str) -> str:
        raise NotImplementedError

    def verify_notification(self, request) -> PaymentNotification:
        raise NotificationRefused("unsupported", f"{self.key} does not send notifications")

    def query_status(self, payment) -> str | None:
        return None

    def refund(self, payment, amount: int) -> str:
        raise NotImplementedError

    def check(self) -> list[checks.CheckMessage]:
        if not self.label:
            return [checks.Error(f"payment provider {self.key!r} has no label", obj=type(self), id="madoguchi.E018")]
        return []


# --- identity providers (本人確認) — owned by the identity app's maintainers --------------------
class IdentityProvider:
    """A way to prove who a resident or business is (マイナンバーカード through the デジタル認証アプリ,
    gBizID …), registered from ``<app>/identity_providers.py``. See ``madoguchi/identity/README.md``.

    Protocol (OpenID Connect authorization-code flow, the identity app drives it):
    ``authorization_url(request, *, redirect_uri, state, nonce, code_verifier)`` → the URL the
    resident is sent to; ``exchange_code(request, *, code, redirect_uri, code_verifier, nonce)``
    → the verified claims (ID token checked); ``identity(claims)`` → a ``VerifiedIdentity``
    (``madoguchi.identity.oidc``); ``configured(municipality)`` → whether the city registered a
    client; ``check()`` → Django check messages (a missing client id or key in production)."""

    key: str = ""
    label: str = ""
    #: the assurance it proves (``applications.Procedure.Assurance`` value: my_number_card, gbizid)
    assurance: str = ""

    def configured(self, municipality=None) -> bool:
        return False

    def authorization_url(self, request, *, redirect_uri: str, state: str, nonce: str, code_verifier: str) -> str:
        raise NotImplementedError

    def exchange_code(self, request, *, code: str, redirect_uri: str, code_verifier: str, nonce: str) -> dict:
        raise NotImplementedError

    def identity(self, claims: dict):
        raise NotImplementedError

    def check(self) -> list[checks.CheckMessage]:
        if not self.label:
            return [checks.Error(f"identity provider {self.key!r} has no label", obj=type(self), id="madoguchi.E019")]
        return []


# --- ひな形として共有できるもの (shareable kinds) — the mechanism is core/sharing.py ---------------
class ShareableKind:
    """A kind of item a city can share as ひな形 with the other cities (forms, guides), contributed
    from ``<app>/sharing.py``. The rules — share, withdraw, follow a new publication, the one
    cross-city read, copy with origin, offer/apply/dismiss the origin's updates, map what the
    copying city lacks — are ``core.sharing``'s functions, each taking the kind; the kind says
    only what differs. See docs/engineering.md, "Shared mechanisms".

    - ``model``: the concrete ``core.sharing_models.SharedTemplateBase`` subclass; its
      ``tenant_parent`` is the foreign key to the item, and the item's model inherits
      ``SharedCopy`` and has ``origin_<that key>_id``;
    - ``noun`` (フォーム, ガイド) and ``origin_noun`` (様式, ガイド) word the errors and the audit log;
    - ``published_version(item)``, ``version_definition(version)``, ``version_title(version)``,
      ``fallback_name(item)``: what is copied into the shared row;
    - ``create_copy(shared, definition, *, section, user, request, origin, **options)``: the new
      item in the active city (``origin``: the origin fields to set);
    - ``editable_draft(item, user, request)``, ``save_draft(draft, definition, user, request)``:
      where an applied update or a mapped reference goes;
    - ``missing_key``, ``missing_references(definition)``, ``reference_exists(value)``,
      ``replace_reference(definition, missing, replacement)``: the references the copying city
      has no target for (a guide's procedures), listed, mapped or removed."""

    key: str = ""
    model: type | None = None
    noun: str = ""
    origin_noun: str = ""
    withdrawn_text: str = "ひな形の公開をやめた"
    missing_key: str = ""  # the audit detail's key for the references the copying city lacks
    replacement_error: str = "この自治体のものから選んでください。"

    def published_version(self, item):
        raise NotImplementedError

    def version_definition(self, version) -> dict:
        raise NotImplementedError

    def version_title(self, version) -> str:
        raise NotImplementedError

    def fallback_name(self, item) -> str:
        return ""

    def create_copy(self, shared, definition: dict, *, section, user, request, origin: dict, **options):
        raise NotImplementedError

    def editable_draft(self, item, user, request=None):
        raise NotImplementedError

    def save_draft(self, draft, definition: dict, user, request=None):
        raise NotImplementedError

    def missing_references(self, definition: dict) -> list[str]:
        return []

    def reference_exists(self, value: str) -> bool:
        return False

    def replace_reference(self, definition: dict, missing: str, replacement: str) -> dict:
        return definition

    def check(self) -> list[checks.CheckMessage]:
        from .sharing_models import SharedCopy, SharedTemplateBase

        def error(text):
            return checks.Error(f"shareable kind {self.key!r}: {text}", obj=type(self), id="madoguchi.E021")

        model = self.model
        if not (isinstance(model, type) and issubclass(model, SharedTemplateBase) and not model._meta.abstract):
            return [error("model must be a concrete subclass of core.sharing_models.SharedTemplateBase")]
        problems = []
        if not self.noun or not self.origin_noun:
            problems.append(error("needs a noun and an origin_noun"))
        try:
            item_model = model._meta.get_field(model.source_field()).related_model
        except Exception:
            return [*problems, error(f"tenant_parent {model.tenant_parent!r} is not a foreign key of {model.__name__}")]
        if not issubclass(item_model, SharedCopy):
            problems.append(error(f"{item_model.__name__} must inherit core.sharing_models.SharedCopy"))
        elif not any(f.attname == f"origin_{model.source_field()}_id" for f in item_model._meta.concrete_fields):
            problems.append(error(f"{item_model.__name__} has no origin_{model.source_field()}_id"))
        if not any(model.source_field() in c.fields and "municipality" in c.fields for c in model._meta.constraints):
            problems.append(error("needs a unique constraint on (municipality, item)"))
        for hook in ("published_version", "version_definition", "version_title", "create_copy", "editable_draft", "save_draft"):
            if getattr(type(self), hook) is getattr(ShareableKind, hook):
                problems.append(error(f"does not implement {hook}()"))
        return problems


# --- public reads (公開の読み取り) -------------------------------------------------------------
class PublicRead:
    """An answer that is the same for everyone and holds no personal data (a facility's month
    calendar), served by ``core.publicread.PublicReadMiddleware`` before sessions, accounts,
    CSRF and the rest of the stack — an opening rush refreshes it thousands of times, and the
    framework's per-request floor, not the answer, was the cost (issue #14).

    ``pattern``: a regular expression the whole path must match (named groups become keyword
    arguments). ``handle(request, **groups)`` runs with the request's city active (tenancy and
    the database's row-level security) and returns a response, or None to let the normal stack
    answer (anything unusual: a bad parameter, an unknown id — the full view gives the error
    page). GET only; the response must not depend on who asks."""

    pattern: str = ""

    def handle(self, request, **groups):
        raise NotImplementedError

    def check(self) -> list[checks.CheckMessage]:
        import re

        try:
            compiled = re.compile(self.pattern)
        except re.error as exc:
            return [checks.Error(f"public read {type(self).__name__}: bad pattern: {exc}", obj=type(self), id="madoguchi.E020")]
        if not self.pattern.startswith("^/") or not self.pattern.endswith("$") or not compiled.groupindex and "(" in self.pattern:
            return [
                checks.Error(f"public read {type(self).__name__}: the pattern must be anchored (^/…$) and name its groups", obj=type(self), id="madoguchi.E020")
            ]
        return []


# --- plan item links (計画の取組に関連するもの) ---------------------------------------------------
@dataclass(frozen=True)
class PlanItemLink:
    """One public page another app links to a plan item (a パブリックコメント, an アンケート …)."""

    kind: str  # パブリックコメント, アンケート, 市民提案
    title: str
    url: str  # the public page's path on the city's site
    status: str = ""  # 意見募集中, 結果公表 …


class PlanItemLinks:
    """Rows another app keeps linked to plan items (計画の取組) by id, for the plans pages: the
    plans app shows them without reading that app's models. Contributed from
    ``<app>/plan_links.py``. ``links(plan_item_ids)`` runs in the plan's city and returns
    ``{plan_item_id: [PlanItemLink, …]}`` of public pages only (published, not hidden); ``label``
    heads their section (市民参加)."""

    key: str = ""
    label: str = ""
    order: int = 100

    def links(self, plan_item_ids) -> dict[int, list[PlanItemLink]]:
        raise NotImplementedError

    def check(self) -> list[checks.CheckMessage]:
        problems = []
        if not self.label:
            problems.append(checks.Error(f"plan item links {self.key!r} have no label", obj=type(self), id="madoguchi.E022"))
        if type(self).links is PlanItemLinks.links:
            problems.append(checks.Error(f"plan item links {self.key!r} do not implement links()", obj=type(self), id="madoguchi.E022"))
        return problems


def plan_item_links_for(plan_item_ids) -> list[tuple[str, dict[int, list[PlanItemLink]]]]:
    """Every contributor's links for these plan items: ``[(label, {item_id: [links]}), …]`` in
    the contributors' order, contributors with no link left out."""
    ids = list(plan_item_ids)
    found = []
    for _key, plugin in sorted(plan_item_links.items(), key=lambda kv: (kv[1].order, kv[0])):
        links = {item_id: rows for item_id, rows in plugin.links(ids).items() if rows}
        if links:
            found.append((str(plugin.label), links))
    return found


#: Background tasks (``core.tasks.task``/``periodic``), from ``<app>/tasks.py``.
tasks: Registry[Any] = Registry("tasks", module="tasks", label="バックグラウンド処理")
#: Plan-indicator figures, from ``<app>/metrics.py``; plugins are ``Metric`` subclasses.
metrics: Registry[Metric] = Registry("metrics", module="metrics", label="計画指標に連動する数値", kind=Metric, instantiate=True)
#: Alert delivery channels (配信チャネル), from ``<app>/channels.py`` or ``<app>/channels/``.
channels: Registry[Any] = Registry("channels", module="channels", label="配信チャネル")
#: Form-engine field types (項目の型), from ``<app>/fields.py`` or ``<app>/fields/``.
field_types: Registry[Any] = Registry("field_types", module="fields", label="申請フォームの項目の型")
#: A resident's own records per app across cities, from ``<app>/records.py``.
resident_records: Registry[ResidentRecords] = Registry("resident_records", module="records", label="住民の手続きの記録", kind=ResidentRecords, instantiate=True)
#: The windows (窓口) where a procedure is done in person, from ``<app>/windows.py``.
procedure_windows: Registry[ProcedureWindows] = Registry("procedure_windows", module="windows", label="手続の窓口", kind=ProcedureWindows, instantiate=True)

#: Documents for the Japanese search, from ``<app>/search_documents.py``.
search_documents: Registry[SearchDocuments] = Registry(
    "search_documents", module="search_documents", label="検索の対象", kind=SearchDocuments, instantiate=True
)
#: Open datasets generated from an app's own data, from ``<app>/datasets.py``.
datasets: Registry[GeneratedDataset] = Registry("datasets", module="datasets", label="自動生成するオープンデータ", kind=GeneratedDataset, instantiate=True)
#: Payment providers (決済手段), from ``<app>/payment_providers.py`` (payments imports its contrib providers there).
payment_providers: Registry[PaymentProvider] = Registry(
    "payment_providers", module="payment_providers", label="決済手段", kind=PaymentProvider, instantiate=True
)

#: Identity providers (本人確認の方法), from ``<app>/identity_providers.py``.
identity_providers: Registry[IdentityProvider] = Registry(
    "identity_providers", module="identity_providers", label="本人確認の方法", kind=IdentityProvider, instantiate=True
)


#: Kinds a city can share as ひな形 with the other cities (``core.sharing``), from ``<app>/sharing.py``.
shareable_kinds: Registry[ShareableKind] = Registry(
    "shareable_kinds", module="sharing", label="ひな形として共有できるもの", kind=ShareableKind, instantiate=True
)

#: Public reads served before sessions and accounts (``core/publicread.py``), from ``<app>/public_reads.py``.
public_reads: Registry[PublicRead] = Registry("public_reads", module="public_reads", label="公開の読み取り（高速経路）", kind=PublicRead, instantiate=True)


#: Public pages linked to plan items (計画の取組), from ``<app>/plan_links.py``.
plan_item_links: Registry[PlanItemLinks] = Registry(
    "plan_item_links", module="plan_links", label="計画の取組に関連するページ", kind=PlanItemLinks, instantiate=True
)


_CHANGE_HANDLERS: list = []  # strong references: Django's signals hold receivers weakly


def on_model_changes(registry: Registry, callback: Callable[[str, int], Any]) -> None:
    """Call ``callback(key, municipality_id)`` after every save and delete of the models each
    plugin of ``registry`` names in its ``models()`` (its own app's): how a derived copy — the
    search index, a generated dataset — learns that its source changed, without either app
    knowing the other's models. Fixture loading (``raw``) and rows without a city are skipped.
    Called once per registry, from the consuming app's ``AppConfig.ready``."""
    from django.db.models.signals import post_delete, post_save

    for key, plugin in registry.items():
        for model in plugin.models():

            def handler(sender, instance, raw=False, _key=key, **kwargs):
                municipality_id = getattr(instance, "municipality_id", None)
                if not raw and municipality_id:
                    callback(_key, municipality_id)

            _CHANGE_HANDLERS.append(handler)
            uid = f"{registry.name}:{key}:{model._meta.label}"
            post_save.connect(handler, sender=model, dispatch_uid=f"{uid}:save")
            post_delete.connect(handler, sender=model, dispatch_uid=f"{uid}:delete")


@checks.register("madoguchi")
def check_registries(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """``manage.py check``: every contribution module imports and every plugin passes its check."""
    problems: list[checks.CheckMessage] = []
    for registry in REGISTRIES.values():
        try:
            registry.discover()
        except Exception:
            pass  # recorded in import_errors below
        for dotted, exc in registry.import_errors:
            problems.append(checks.Error(f"{registry.name}: {dotted} failed to import: {exc!r}", id="madoguchi.E010"))
        for key, plugin in list(registry._plugins.items()):
            check: Callable[[], list] | None = getattr(plugin, "check", None)
            if check is None or isinstance(plugin, type):
                continue
            try:
                found = list(check() or [])
            except Exception as exc:
                found = [checks.Error(f"check raised {exc!r}", id="madoguchi.E011")]
            for message in found:
                message.msg = f"{registry.name} {key!r} ({registry.origin(key)}): {message.msg}"
                problems.append(message)
    return problems
