"""Shared domain: municipality (自治体), sections (部・課), staff roles (職員の役割),
audit log (監査ログ) and the task outbox (タスク)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import tenancy
from .codes import is_valid_local_government_code

# The default manager of every city-owned model (see core.tenancy): a query sees the active
# city's rows only.
TenantManager = tenancy.tenant_manager_class()


def city_file_path(instance, filename: str) -> str:
    """Uploaded files are stored per city: ``cities/<団体コード>/<kind>/<name>``."""
    import os

    city = instance if isinstance(instance, Municipality) else getattr(instance, "municipality", None)
    code = getattr(city, "code", "") or "shared"
    kind = type(instance)._meta.model_name
    return f"cities/{code}/{kind}/{os.path.basename(filename)}"


def validate_local_government_code(value: str) -> None:
    if not is_valid_local_government_code(value):
        raise ValidationError(_("全国地方公共団体コードは6桁で、最後の1桁は検査数字です。正しいコードを入力してください。"))


class Municipality(models.Model):
    """自治体."""

    name = models.CharField(_("自治体名"), max_length=100)
    name_kana = models.CharField(_("自治体名（かな）"), max_length=100, blank=True)
    name_en = models.CharField(_("自治体名（英語）"), max_length=100, blank=True)
    code = models.CharField(_("全国地方公共団体コード"), max_length=6, unique=True, validators=[validate_local_government_code])
    prefecture = models.CharField(_("都道府県"), max_length=10, blank=True)
    postal_code = models.CharField(_("郵便番号"), max_length=8, blank=True)
    address = models.CharField(_("所在地"), max_length=200, blank=True)
    phone = models.CharField(_("代表電話"), max_length=20, blank=True)
    website = models.URLField(_("ウェブサイト"), blank=True)
    is_fictional = models.BooleanField(_("架空の自治体（デモ）"), default=False)
    closes_year_end = models.BooleanField(_("年末年始（12/29〜1/3）は休庁"), default=True)
    is_default = models.BooleanField(_("このサイトの自治体"), default=False)

    # Per-city settings, as data (共同運営): empty means "the deployment's setting" (settings.py /
    # environment), so a single-city deployment needs none of them. Read through
    # ``core.tenancy.city_setting``.
    class Theme(models.TextChoices):
        # Digital Agency primitive colours whose 900/1000 shades keep AA contrast on white.
        BLUE = "blue", _("青")
        CYAN = "cyan", _("水色")
        GREEN = "green", _("緑")
        PURPLE = "purple", _("紫")
        MAGENTA = "magenta", _("赤紫")

    theme = models.CharField(_("テーマ色"), max_length=12, choices=Theme.choices, default=Theme.BLUE)
    emblem = models.FileField(_("市章（PNG/JPEG）"), upload_to=city_file_path, blank=True)
    sender_email = models.EmailField(_("メールの差出人"), blank=True, help_text=_("空欄のときはサイト全体の差出人（DEFAULT_FROM_EMAIL）"))
    line_channel_secret = models.CharField(_("LINE チャネルシークレット"), max_length=100, blank=True)
    line_channel_access_token = models.CharField(_("LINE チャネルアクセストークン"), max_length=300, blank=True)
    # {"payments": {"<provider>": {...account...}}, "identity": {"<provider>": {client registration}}}
    provider_settings = models.JSONField(_("外部サービスの設定（決済・本人確認）"), default=dict, blank=True)

    class Meta:
        verbose_name = _("自治体")
        verbose_name_plural = _("自治体")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        from . import tenancy

        tenancy.clear_caches()  # this process at once; others within tenancy._LOCAL_TTL

    def extra_closed_days(self) -> dict[dt.date, str]:
        return {d.date: d.reason for d in self.special_days.filter(is_open=False)}

    def extra_open_days(self) -> set[dt.date]:
        return set(self.special_days.filter(is_open=True).values_list("date", flat=True))

    @classmethod
    def current(cls) -> Municipality | None:
        """The city this request (or task) is for: the one resolved from the host name by
        ``core.tenancy``; outside a request, the deployment's default city."""
        from . import tenancy

        return tenancy.current() or cls.default()

    @classmethod
    def default(cls) -> Municipality | None:
        """「このサイトの自治体」 of a single-city deployment (or the first city)."""
        return cls.objects.filter(is_default=True).first() or cls.objects.first()

    @property
    def primary_domain(self) -> str:
        from . import tenancy

        return tenancy.primary_domain(self.pk) if self.pk else ""

    @property
    def site_url(self) -> str:
        """This city's own site (scheme and port as in ``SITE_URL``), or "" when it has no host
        name of its own (then ``core.links`` uses ``SITE_URL``)."""
        from . import tenancy

        return tenancy.site_url_for_domain(self.primary_domain) if self.primary_domain else ""


def city_key(*, db_index: bool = True):
    """The ``municipality`` foreign key of a city-owned row (``CityOwned``'s own). A table
    written per message, submission or booking whose unique constraints already lead with the
    city passes ``db_index=False``: Django's own index on the column would only cost writes
    (docs/engineering.md, "Cities"; ``core/tests/test_indexes.py``)."""
    return models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+", verbose_name=_("自治体"), db_index=db_index)


class CityOwned(models.Model):
    """A row that belongs to one city (自治体が所有する行): it carries its municipality directly
    (the distribution column of a sharded layout, docs/scaling.md), and its default manager
    limits every query to the active city (core.tenancy). ``tenant_parent`` names the foreign
    key the municipality is copied from when a row is saved without one."""

    municipality = city_key()

    tenant_parent: str = ""

    objects = TenantManager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        fill_municipality(self)
        super().save(*args, **kwargs)


def fill_municipality(row) -> None:
    """Set ``row.municipality_id`` from its parent or the active city, and refuse a row of
    another city while a city is active (a request on city A can never write city B's rows)."""
    from . import tenancy

    if row.municipality_id is None:
        parent_name = getattr(row, "tenant_parent", "")
        parent = getattr(row, parent_name, None) if parent_name else None
        row.municipality_id = parent.municipality_id if parent is not None else tenancy.current_id()
    active = tenancy._scoping_city_id()
    if active is not None and row.municipality_id is not None and row.municipality_id != active:
        raise PermissionError(f"{type(row).__name__}: a row of municipality {row.municipality_id} cannot be written while municipality {active} is active")


class MunicipalityDomain(models.Model):
    """自治体のホスト名: a deployment serving several cities tells them apart by the request's host
    (each city its own domain or a sub-domain, ``midorino.localhost`` in the demo)."""

    # Read to find the city, before any city is active: never filtered by city.
    tenant_exempt = True

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(_("ホスト名"), max_length=253, unique=True, help_text=_("例: midorino.localhost、www.city.example.lg.jp（ポート番号なし）"))
    is_primary = models.BooleanField(_("主なホスト名"), default=True)

    class Meta:
        verbose_name = _("自治体のホスト名")
        verbose_name_plural = _("自治体のホスト名")
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain

    def save(self, *args, **kwargs):
        self.domain = self.domain.strip().lower().rstrip(".")
        super().save(*args, **kwargs)
        from . import tenancy

        tenancy.forget_host(self.domain)
        tenancy.forget_primary_domain(self.municipality_id)

    def delete(self, *args, **kwargs):
        from . import tenancy

        result = super().delete(*args, **kwargs)
        tenancy.forget_host(self.domain)
        tenancy.forget_primary_domain(self.municipality_id)
        return result


class SpecialDay(models.Model):
    """自治体が定める臨時休庁日・臨時開庁日."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="special_days")
    date = models.DateField(_("日付"))
    is_open = models.BooleanField(_("開庁する"), default=False)
    reason = models.CharField(_("理由"), max_length=100, blank=True)

    objects = TenantManager()

    class Meta:
        verbose_name = _("臨時休庁日・開庁日")
        unique_together = [("municipality", "date")]


class Section(models.Model):
    """部・課. A 課 (section) sits under a 部 (department); both are rows here."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("部")
        SECTION = "section", _("課")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="sections")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    kind = models.CharField(_("種別"), max_length=12, choices=Kind.choices, default=Kind.SECTION)
    code = models.CharField(_("所属コード"), max_length=20, blank=True)
    name = models.CharField(_("名称"), max_length=100)
    name_kana = models.CharField(_("名称（かな）"), max_length=100, blank=True)
    email = models.EmailField(_("連絡先メール"), blank=True)
    phone = models.CharField(_("電話番号"), max_length=20, blank=True)
    location = models.CharField(_("窓口の場所"), max_length=100, blank=True)
    is_information_policy = models.BooleanField(_("情報政策課（プラットフォーム管理）"), default=False)

    objects = TenantManager()

    class Meta:
        verbose_name = _("部・課")
        verbose_name_plural = _("部・課")
        ordering = ["municipality", "code", "name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="section_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def full_name(self) -> str:
        return f"{self.parent.name} {self.name}" if self.parent_id else self.name


class StaffRole(CityOwned):
    """職員の役割: a staff account's role in one section. A staff member belongs to the city of
    their sections: on another city's host they hold no role."""

    tenant_parent = "section"

    class Role(models.TextChoices):
        CLERK = "clerk", _("担当者")
        APPROVER = "approver", _("承認者")
        MANAGER = "manager", _("管理者")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="staff_roles")
    role = models.CharField(_("役割"), max_length=10, choices=Role.choices, default=Role.CLERK)

    class Meta:
        verbose_name = _("職員の役割")
        verbose_name_plural = _("職員の役割")
        constraints = [models.UniqueConstraint(fields=["user", "section"], name="staffrole_one_per_section")]

    def __str__(self) -> str:
        return f"{self.section} {self.get_role_display()}"


class AppendOnlyError(Exception):
    pass


class AuditLog(models.Model):
    """監査ログ: who read or changed which record, when and from where. Append-only."""

    class Action(models.TextChoices):
        VIEW = "view", _("閲覧")
        CREATE = "create", _("作成")
        UPDATE = "update", _("変更")
        DELETE = "delete", _("削除")
        EXPORT = "export", _("出力")
        LOGIN = "login", _("ログイン")
        LOGIN_FAILED = "login_failed", _("ログイン失敗")
        LOGOUT = "logout", _("ログアウト")
        PURGE = "purge", _("保存期間満了による削除")
        DOWNLOAD = "download", _("ファイル取得")
        SEND = "send", _("送信")
        APPROVE = "approve", _("承認")

    created_at = models.DateTimeField(_("日時"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(_("操作者"), max_length=200, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices, db_index=True)
    target_type = models.CharField(_("対象の種類"), max_length=100, blank=True, db_index=True)
    target_id = models.CharField(_("対象ID"), max_length=64, blank=True, db_index=True)
    target_label = models.CharField(_("対象"), max_length=200, blank=True)
    section = models.ForeignKey(Section, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    detail = models.JSONField(_("詳細"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("接続元アドレス"), null=True, blank=True)
    user_agent = models.CharField(_("ブラウザ"), max_length=300, blank=True)
    # The city whose data was read or changed (each city audits its own staff); empty for the
    # platform's own events (an operator adding a city).
    municipality = models.ForeignKey(Municipality, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("自治体"))

    objects = TenantManager()

    class Meta:
        verbose_name = _("監査ログ")
        verbose_name_plural = _("監査ログ")
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("監査ログは追記のみで、変更できません。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("監査ログは削除できません。")


class Task(models.Model):
    """タスク: a row of the transactional outbox. Written in the same transaction as the change
    that needs it, run by a worker after commit; retried with backoff; never lost."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待機")
        RUNNING = "running", _("実行中")
        DONE = "done", _("完了")
        FAILED = "failed", _("失敗")

    name = models.CharField(max_length=100)  # indexed in Meta: a btree without the LIKE twin
    payload = models.JSONField(default=dict)
    # The outbox is the platform's: workers claim any city's tasks, so it is not filtered by city.
    tenant_exempt = True
    # The city the task was queued for; the worker runs it with that city active (core.tenancy).
    # No index: the outbox is written on every request that mails and read by id.
    municipality = models.ForeignKey(Municipality, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=8)
    run_after = models.DateTimeField(db_index=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    locked_by = models.CharField(max_length=100, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("タスク")
        verbose_name_plural = _("タスク")
        indexes = [
            models.Index(fields=["status", "run_after"], name="task_due"),
            models.Index(fields=["name"], name="task_name"),
            # Workers look for due work many times a second; done rows pile up by the million,
            # so the look goes through an index of open tasks only.
            models.Index(fields=["run_after", "id"], name="task_open", condition=models.Q(status__in=["pending", "running"])),
        ]

    def __str__(self) -> str:
        return f"{self.name}#{self.pk} {self.status}"
