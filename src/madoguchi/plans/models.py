"""DX推進計画 (DX plan tracker): plans, their hierarchy of nodes, items (取組) with schedules and
indicators, the yearly progress reports (進捗報告) and imports of plan documents."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import CityOwned, Municipality, Section, TenantManager
from madoguchi.core.validation import ResidentCharField, ResidentTextField, TranscribedCharField, TranscribedTextField


def _city():
    """The municipality of a row that belongs to its plan's city (copied from ``tenant_parent``
    on save; set explicitly by bulk writes). Declared here rather than inherited so that these
    tables' migrations do not follow changes to ``CityOwned``'s own field."""
    return models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+", verbose_name=_("自治体"))


DEFAULT_RATING_SCALE = [
    {"code": "achieved", "label": "達成"},
    {"code": "mostly", "label": "概ね達成"},
    {"code": "partly", "label": "一部のみ達成"},
    {"code": "not_achieved", "label": "未達成"},
]
DEFAULT_DIRECTION_SCALE = [
    {"code": "continue", "label": "継続"},
    {"code": "revise", "label": "見直し"},
    {"code": "expand", "label": "拡充"},
    {"code": "complete", "label": "完了"},
    {"code": "stop", "label": "中止"},
]


def default_rating_scale():
    return [dict(x) for x in DEFAULT_RATING_SCALE]


def default_direction_scale():
    return [dict(x) for x in DEFAULT_DIRECTION_SCALE]


class Plan(models.Model):
    """計画: a municipality's DX or informatisation plan (基本計画, 推進計画, 方針)."""

    class Kind(models.TextChoices):
        BASIC = "basic", _("基本計画")
        PROMOTION = "promotion", _("推進計画")
        POLICY = "policy", _("方針")
        OTHER = "other", _("その他")

    class Status(models.TextChoices):
        DRAFT = "draft", _("素案")
        PUBLIC_COMMENT = "public_comment", _("パブリックコメント中")
        ADOPTED = "adopted", _("策定済")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="plans", verbose_name=_("自治体"))
    title = TranscribedCharField(_("計画名"), max_length=200)
    kind = models.CharField(_("種別"), max_length=12, choices=Kind.choices, default=Kind.PROMOTION)
    status = models.CharField(_("状態"), max_length=16, choices=Status.choices, default=Status.ADOPTED)
    start_year = models.PositiveIntegerField(_("計画期間（開始年度）"), null=True, blank=True)
    end_year = models.PositiveIntegerField(_("計画期間（終了年度）"), null=True, blank=True)
    predecessor = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="successors", verbose_name=_("前計画"))
    level_names = models.JSONField(_("階層の名称"), default=list, blank=True, help_text=_("例: 基本方針, 施策, 取組"))
    rating_scale = models.JSONField(_("達成状況の区分"), default=default_rating_scale, blank=True)
    direction_scale = models.JSONField(_("方向性の区分"), default=default_direction_scale, blank=True)
    classifications = models.JSONField(
        _("計画の分類（基本方針など）"),
        default=list,
        blank=True,
        help_text=_("体系の外に置かれた基本方針など: [{word, number, title, text, nodes: [階層キー]}]"),
    )
    report_due_month = models.PositiveSmallIntegerField(_("進捗報告の期限（翌年度の月）"), default=5)
    report_due_day = models.PositiveSmallIntegerField(_("進捗報告の期限（日）"), default=31)
    is_public = models.BooleanField(_("市民に公開する"), default=True)
    is_example = models.BooleanField(_("他自治体の計画（参考例）"), default=False)
    source_name = TranscribedCharField(_("取込元ファイル名"), max_length=200, blank=True)
    source_note = TranscribedTextField(_("取込時の注記"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    class Meta:
        verbose_name = _("計画")
        verbose_name_plural = _("計画")
        ordering = ["municipality", "-start_year", "title"]
        constraints = [models.UniqueConstraint(fields=["municipality", "title"], name="plan_unique_title")]

    def __str__(self) -> str:
        return self.title

    @property
    def years(self) -> list[int]:
        if self.start_year and self.end_year and self.end_year >= self.start_year:
            return list(range(self.start_year, self.end_year + 1))
        years = sorted(set(ScheduleEntry.objects.filter(item__plan=self).values_list("fiscal_year", flat=True)))
        return list(range(years[0], years[-1] + 1)) if years else []

    def rating_label(self, code: str) -> str:
        return next((r["label"] for r in self.rating_scale if r.get("code") == code), code or "")

    def direction_label(self, code: str) -> str:
        return next((r["label"] for r in self.direction_scale if r.get("code") == code), code or "")

    def report_deadline(self, fiscal_year: int) -> dt.date:
        day = min(self.report_due_day, 28 if self.report_due_month == 2 else 30 if self.report_due_month in (4, 6, 9, 11) else 31)
        return dt.date(fiscal_year + 1, self.report_due_month, day)

    def level_name(self, depth: int) -> str:
        return self.level_names[depth] if 0 <= depth < len(self.level_names) else ""


class Node(CityOwned):
    """計画の階層 (基本方針, 施策, 取組の方向性 …): any depth; the level name comes from the plan."""

    municipality = _city()
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    key = models.CharField(_("識別キー"), max_length=300, help_text=_("再取込で同じ階層を見つけるためのキー"))
    depth = models.PositiveSmallIntegerField(_("階層"), default=0)
    number = TranscribedCharField(_("番号（記載どおり）"), max_length=40, blank=True)
    title = TranscribedCharField(_("名称"), max_length=300)
    description = TranscribedTextField(_("説明"), blank=True)
    goal = TranscribedTextField(_("目指す姿・効果"), blank=True)
    current_state = TranscribedTextField(_("現状と課題"), blank=True)
    order = models.PositiveIntegerField(_("並び順"), default=0)

    tenant_parent = "plan"
    objects = TenantManager()

    class Meta:
        verbose_name = _("計画の階層")
        verbose_name_plural = _("計画の階層")
        ordering = ["plan", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["municipality", "plan", "key"], name="plan_node_unique_key")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()

    @property
    def level_name(self) -> str:
        return self.plan.level_name(self.depth)


class Item(CityOwned):
    """取組: a measure with responsible sections, a schedule and indicators."""

    municipality = _city()
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(_("識別キー"), max_length=300)
    number = TranscribedCharField(_("番号（記載どおり）"), max_length=40, blank=True)
    title = TranscribedCharField(_("取組名"), max_length=300)
    description = TranscribedTextField(_("取組内容"), blank=True)
    goal = TranscribedTextField(_("目指す姿・効果"), blank=True)
    current_state = TranscribedTextField(_("現状"), blank=True)
    issues = TranscribedTextField(_("課題"), blank=True)
    process = TranscribedTextField(_("取組プロセス"), blank=True)
    sections = models.ManyToManyField(Section, through="ItemSection", related_name="plan_items", blank=True, verbose_name=_("担当課"))
    sections_text = TranscribedCharField(_("担当課（記載どおり）"), max_length=500, blank=True)
    all_sections = models.BooleanField(_("全課（各課）が担当"), default=False)
    predecessor = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="successors", verbose_name=_("前計画の取組"))
    order = models.PositiveIntegerField(_("並び順"), default=0)

    tenant_parent = "plan"
    objects = TenantManager()

    class Meta:
        verbose_name = _("取組")
        verbose_name_plural = _("取組")
        ordering = ["plan", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["municipality", "plan", "key"], name="plan_item_unique_key")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()

    def ordered_sections(self) -> list[Section]:
        return [link.section for link in self.section_links.select_related("section").order_by("order", "id")]

    @property
    def lead_section(self) -> Section | None:
        link = self.section_links.select_related("section").order_by("-is_lead", "order", "id").first()
        return link.section if link else None

    @property
    def audit_section(self) -> Section | None:
        return self.lead_section

    def expanded_schedule(self, years: list[int] | None = None) -> dict[str, dict[int, dict]]:
        """Per track, per fiscal year: {"text", "phase", "start", "carried"} — an entry that
        continues fills the following years until the next entry or the end of the plan."""
        years = years or self.plan.years
        tracks: dict[str, dict[int, dict]] = {}
        entries = sorted(self.schedule.all(), key=lambda e: (e.track_order, e.fiscal_year))
        for entry in entries:
            tracks.setdefault(entry.track, {})
        for track in tracks:
            row = tracks[track]
            track_entries = [e for e in entries if e.track == track]
            for i, entry in enumerate(track_entries):
                row[entry.fiscal_year] = {
                    "text": entry.phase_text,
                    "phase": entry.phase,
                    "label": entry.get_phase_display() if entry.phase else "",
                    "start": True,
                    "carried": False,
                }
                if entry.continues:
                    stop = track_entries[i + 1].fiscal_year if i + 1 < len(track_entries) else (max(years) + 1 if years else entry.fiscal_year + 1)
                    for y in range(entry.fiscal_year + 1, stop):
                        row[y] = {"text": "", "phase": entry.phase, "label": entry.get_phase_display() if entry.phase else "", "start": False, "carried": True}
        return tracks

    def phase_in(self, fiscal_year: int) -> str:
        """The most advanced normalised phase of the item in a fiscal year ("" if none)."""
        order = [c for c, _ in Phase.choices]
        found = [cell["phase"] for row in self.expanded_schedule().values() for y, cell in row.items() if y == fiscal_year and cell["phase"]]
        return max(found, key=order.index) if found else ""


class ItemSection(CityOwned):
    """取組の担当課: the first listed is the lead section (主管課), the others related (関係課)."""

    municipality = _city()
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="section_links")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="plan_item_links")
    is_lead = models.BooleanField(_("主管課"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    tenant_parent = "item"
    objects = TenantManager()

    class Meta:
        verbose_name = _("取組の担当課")
        verbose_name_plural = _("取組の担当課")
        constraints = [models.UniqueConstraint(fields=["municipality", "item", "section"], name="plan_itemsection_unique")]


class Placement(CityOwned):
    """取組の掲載箇所: an item listed under a node; a 再掲 is a second placement of the same item."""

    municipality = _city()
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="placements")
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="placements")
    number = TranscribedCharField(_("番号（記載どおり）"), max_length=40, blank=True)
    is_relisting = models.BooleanField(_("再掲"), default=False)
    printed = models.JSONField(_("記載どおりの内容（再掲時）"), default=dict, blank=True)
    order = models.PositiveIntegerField(default=0)

    tenant_parent = "item"
    objects = TenantManager()

    class Meta:
        verbose_name = _("取組の掲載箇所")
        verbose_name_plural = _("取組の掲載箇所")
        ordering = ["node", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["municipality", "item", "node"], name="plan_placement_unique")]


class Phase(models.TextChoices):
    """正規化した段階."""

    RESEARCH = "research", _("調査研究")
    STUDY = "study", _("検討")
    PREPARE = "prepare", _("準備・調達")
    BUILD = "build", _("構築")
    TRIAL = "trial", _("試行")
    OPERATE = "operate", _("運用")
    EXPAND = "expand", _("拡充")
    EVALUATE = "evaluate", _("評価")
    COMPLETE = "complete", _("完了")


class ScheduleEntry(CityOwned):
    """スケジュール: what an item (or one line, ``track``, of its schedule) does in a fiscal year."""

    municipality = _city()
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="schedule")
    track = TranscribedCharField(_("工程"), max_length=200, blank=True, help_text=_("スケジュールが複数行のときの行の名前"))
    track_order = models.PositiveSmallIntegerField(default=0)
    fiscal_year = models.PositiveIntegerField(_("年度"))
    phase_text = TranscribedCharField(_("段階（記載どおり）"), max_length=300, blank=True)
    phase = models.CharField(_("段階"), max_length=12, choices=Phase.choices, blank=True)
    continues = models.BooleanField(_("翌年度も継続"), default=False)

    tenant_parent = "item"
    objects = TenantManager()

    class Meta:
        verbose_name = _("スケジュール")
        verbose_name_plural = _("スケジュール")
        ordering = ["item", "track_order", "fiscal_year"]
        constraints = [models.UniqueConstraint(fields=["municipality", "item", "track", "fiscal_year"], name="plan_schedule_unique")]


class Indicator(CityOwned):
    """指標: an activity (活動指標) or outcome (成果指標) indicator of an item."""

    class Kind(models.TextChoices):
        ACTIVITY = "activity", _("活動指標")
        OUTCOME = "outcome", _("成果指標")

    municipality = _city()
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="indicators")
    kind = models.CharField(_("種別"), max_length=10, choices=Kind.choices, default=Kind.ACTIVITY)
    name = TranscribedCharField(_("指標名"), max_length=300)
    unit = TranscribedCharField(_("単位"), max_length=20, blank=True)
    baseline = models.DecimalField(_("基準値"), max_digits=14, decimal_places=2, null=True, blank=True)
    baseline_year = models.PositiveIntegerField(_("基準年度"), null=True, blank=True)
    target = models.DecimalField(_("目標値"), max_digits=14, decimal_places=2, null=True, blank=True)
    target_year = models.PositiveIntegerField(_("目標年度"), null=True, blank=True)
    metric = models.CharField(_("連動するプラットフォームの数値"), max_length=60, blank=True)
    # Fiscal years (as strings) whose last computation of the bound metric failed → when; shown
    # as 「集計エラー」 until it computes again (the error itself is in the log).
    metric_errors = models.JSONField(_("連動した数値の集計エラー"), default=dict, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    tenant_parent = "item"
    objects = TenantManager()

    class Meta:
        verbose_name = _("指標")
        verbose_name_plural = _("指標")
        ordering = ["item", "kind", "order", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_section(self):
        return self.item.audit_section

    @property
    def metric_available(self) -> bool:
        from . import metrics

        return bool(self.metric) and metrics.available(self.metric)

    @property
    def metric_error_years(self) -> list[int]:
        """Fiscal years whose bound metric failed when last computed (「集計エラー」)."""
        return sorted(int(y) for y in self.metric_errors) if self.metric_available else []

    def metric_failed(self, fiscal_year: int) -> bool:
        return fiscal_year in self.metric_error_years

    def actual(self, fiscal_year: int):
        value = self.values.filter(fiscal_year=fiscal_year).first()
        return value.value if value else None

    def latest(self):
        return self.values.order_by("-fiscal_year").first()


class IndicatorValue(CityOwned):
    """指標の実績値 for one fiscal year."""

    class Source(models.TextChoices):
        REPORT = "report", _("進捗報告")
        METRIC = "metric", _("プラットフォームの数値")
        MANUAL = "manual", _("手入力")

    municipality = _city()
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    fiscal_year = models.PositiveIntegerField(_("年度"))
    value = models.DecimalField(_("実績値"), max_digits=14, decimal_places=2)
    source = models.CharField(_("出典"), max_length=10, choices=Source.choices, default=Source.REPORT)
    note = ResidentCharField(_("備考"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_parent = "indicator"
    objects = TenantManager()

    class Meta:
        verbose_name = _("指標の実績値")
        verbose_name_plural = _("指標の実績値")
        ordering = ["indicator", "fiscal_year"]
        constraints = [models.UniqueConstraint(fields=["municipality", "indicator", "fiscal_year"], name="plan_indicatorvalue_unique")]


class ProgressReport(CityOwned):
    """進捗報告: a section's yearly report on one item, reviewed by 情報政策課."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("作成中")
        SUBMITTED = "submitted", _("提出済（確認待ち）")
        RETURNED = "returned", _("差戻し")
        ACCEPTED = "accepted", _("確認済")

    municipality = _city()
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="reports")
    fiscal_year = models.PositiveIntegerField(_("年度"))
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    rating = ResidentCharField(_("達成状況"), max_length=30, blank=True)
    direction = ResidentCharField(_("今後の方向性"), max_length=30, blank=True)
    done = ResidentTextField(_("実施内容"), blank=True)
    problems = ResidentTextField(_("課題"), blank=True)
    next_plan = ResidentTextField(_("次年度の予定"), blank=True)
    handover = ResidentTextField(_("次期計画への引継ぎ"), blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = ResidentTextField(_("確認者のコメント"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_parent = "item"
    objects = TenantManager()

    class Meta:
        verbose_name = _("進捗報告")
        verbose_name_plural = _("進捗報告")
        ordering = ["item__plan", "item__order", "-fiscal_year"]
        constraints = [models.UniqueConstraint(fields=["municipality", "item", "fiscal_year"], name="plan_report_unique")]

    def __str__(self) -> str:
        return f"{self.item} {self.fiscal_year}"

    @property
    def audit_section(self):
        return self.item.audit_section

    @property
    def rating_label(self) -> str:
        return self.item.plan.rating_label(self.rating)

    @property
    def direction_label(self) -> str:
        return self.item.plan.direction_label(self.direction)


class PlanImport(models.Model):
    """計画の取込: an uploaded document, kept until staff accept its preview."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("確認中")
        SAVED = "saved", _("保存済")
        DISCARDED = "discarded", _("破棄")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(_("ファイル名"), max_length=200)
    content = models.BinaryField(_("内容"))
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.PREVIEW)
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="imports")
    decisions = models.JSONField(_("読み取れなかった項目への対応"), default=dict, blank=True, help_text=_("問題ID → accept / item:<階層キー>"))
    # The document's lines, extracted once at upload: the preview and the structure editor work
    # from these instead of re-reading the file on every request.
    lines = models.JSONField(_("抽出した行"), null=True, blank=True, help_text=_("[[行番号, シート名, [セル…]], …]"))
    line_count = models.PositiveIntegerField(_("行数"), default=0)

    class Extraction(models.TextChoices):
        DONE = "done", _("抽出済")
        PENDING = "pending", _("抽出中")
        FAILED = "failed", _("抽出できず")

    # A large file's lines are extracted in the worker (plans.extract_import) after upload.
    extraction = models.CharField(_("行の抽出"), max_length=10, choices=Extraction.choices, default=Extraction.DONE)
    extraction_error = TranscribedTextField(_("抽出できなかった理由"), blank=True)  # may quote the document
    extraction_progress = models.PositiveSmallIntegerField(_("抽出の進み具合（%）"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        verbose_name = _("計画の取込")
        verbose_name_plural = _("計画の取込")
        ordering = ["-created_at"]
