"""オープンデータカタログ: datasets (データセット) published by a section, their resources
(リソース: a file or a link) and every uploaded version of a resource (版), with the parsed rows of
tabular versions kept in the database (datastore) so the CKAN ``datastore_search`` and the table
preview are queries, not file parses."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import CityOwned, Section, city_file_path
from madoguchi.core.validation import ResidentCharField, ResidentTextField, TranscribedCharField


class Licence(models.TextChoices):
    """利用規約. Ids as CKAN portals (BODIK, data.go.jp) spell them, so harvesters map them."""

    CC_BY_4 = "cc-by-4.0", _("クリエイティブ・コモンズ 表示 4.0 国際（CC BY 4.0）")
    GOV_STANDARD = "gov-standard-terms-2.0", _("政府標準利用規約（第2.0版）")


LICENCE_URLS = {
    Licence.CC_BY_4: "https://creativecommons.org/licenses/by/4.0/",
    Licence.GOV_STANDARD: "https://www.digital.go.jp/resources/open_data/",
}


class Theme(models.TextChoices):
    """分類 (CKAN groups, dcat:theme)."""

    ADMINISTRATION = "administration", _("行政・財政")
    DISASTER = "disaster", _("防災・安全")
    WELFARE = "welfare", _("健康・福祉")
    CHILDCARE = "childcare", _("子育て・教育")
    TOURISM = "tourism", _("観光・文化")
    FACILITIES = "facilities", _("公共施設")
    ENVIRONMENT = "environment", _("環境")
    TOWN = "town", _("まちづくり・交通")
    STATISTICS = "statistics", _("人口・統計")
    OTHER = "other", _("その他")


class Frequency(models.TextChoices):
    """更新頻度 (dct:accrualPeriodicity)."""

    CONTINUOUS = "continuous", _("随時（自動更新）")
    DAILY = "daily", _("毎日")
    WEEKLY = "weekly", _("毎週")
    MONTHLY = "monthly", _("毎月")
    QUARTERLY = "quarterly", _("四半期ごと")
    ANNUAL = "annual", _("毎年")
    IRREGULAR = "irregular", _("不定期")


class Dataset(CityOwned):
    """データセット. ``name`` is the CKAN name (slug, unique in the city); ``modified_at`` is
    CKAN's ``metadata_modified`` (harvesters page by it)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.SlugField(_("識別名（URL）"), max_length=100, help_text=_("半角英小文字・数字・ハイフン（例: public-facility）"))
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="+", verbose_name=_("公開する課"))
    title = ResidentCharField(_("タイトル"), max_length=200)
    notes = ResidentTextField(_("説明"), blank=True)
    theme = models.CharField(_("分類"), max_length=20, choices=Theme.choices, default=Theme.OTHER)
    licence = models.CharField(_("利用規約"), max_length=40, choices=Licence.choices, default=Licence.CC_BY_4)
    frequency = models.CharField(_("更新頻度"), max_length=20, choices=Frequency.choices, default=Frequency.IRREGULAR)
    temporal_start = models.DateField(_("対象期間（開始）"), null=True, blank=True)
    temporal_end = models.DateField(_("対象期間（終了）"), null=True, blank=True)
    spatial = ResidentCharField(_("対象地域"), max_length=200, blank=True, help_text=_("空欄のときは自治体名"))
    standard = models.CharField(_("準拠する標準"), max_length=60, blank=True, help_text=_("自治体標準オープンデータセットの名称（例: 公共施設一覧）"))
    generator = models.CharField(_("自動生成元"), max_length=60, blank=True, help_text=_("datasets レジストリのキー（自動生成のデータセットだけ）"))
    is_published = models.BooleanField(_("公開"), default=True)
    created_at = models.DateTimeField(_("作成日時"), default=timezone.now, db_index=True)
    modified_at = models.DateTimeField(_("更新日時"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("データセット")
        verbose_name_plural = _("データセット")
        ordering = ["-modified_at"]
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="opendata_dataset_unique_name")]
        indexes = [models.Index(fields=["municipality", "is_published", "modified_at"], name="opendata_ds_city_mod")]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_section(self):
        return self.section

    @property
    def tag_names(self) -> list[str]:
        return [t.name for t in self.tags.all()]


class DatasetTag(CityOwned):
    """タグ (dcat:keyword)."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="tags")
    name = ResidentCharField(_("タグ"), max_length=100)

    tenant_parent = "dataset"

    class Meta:
        verbose_name = _("タグ")
        verbose_name_plural = _("タグ")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "dataset", "name"], name="opendata_tag_unique")]
        indexes = [models.Index(fields=["municipality", "name"], name="opendata_tag_city_name")]


class Resource(CityOwned):
    """リソース: one file (or link) of a dataset. Its "latest" URL stays the same across versions."""

    class Format(models.TextChoices):
        CSV = "CSV", "CSV"
        XLSX = "XLSX", "XLSX"
        JSON = "JSON", "JSON"
        GEOJSON = "GeoJSON", "GeoJSON"
        PDF = "PDF", "PDF"
        LINK = "LINK", _("リンク")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="resources")
    name = ResidentCharField(_("名称"), max_length=200)
    description = ResidentTextField(_("説明"), blank=True)
    format = models.CharField(_("形式"), max_length=10, choices=Format.choices, default=Format.CSV)
    link_url = models.URLField(_("リンク先URL"), blank=True, help_text=_("形式が「リンク」のときだけ"))
    position = models.PositiveIntegerField(_("表示順"), default=0)
    download_count = models.PositiveIntegerField(_("ダウンロード数"), default=0)
    created_at = models.DateTimeField(_("作成日時"), default=timezone.now)
    modified_at = models.DateTimeField(_("更新日時"), default=timezone.now)

    tenant_parent = "dataset"

    class Meta:
        verbose_name = _("リソース")
        verbose_name_plural = _("リソース")
        ordering = ["position", "created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_section(self):
        return self.dataset.section

    @property
    def is_tabular(self) -> bool:
        return self.format in (self.Format.CSV, self.Format.XLSX)


def version_file_path(instance, filename: str) -> str:
    return city_file_path(instance, f"{instance.resource_id}/{instance.number}/{filename}")


class ResourceVersion(CityOwned):
    """版: one uploaded file of a resource. Older versions stay downloadable; for tabular data
    the diff against the previous version is counted (rows added / removed / changed, by the
    first column as the key when it is unique, else by whole rows)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版"))
    file = models.FileField(_("ファイル"), upload_to=version_file_path, max_length=300, blank=True)
    filename = models.CharField(_("ファイル名"), max_length=200, blank=True)
    media_type = models.CharField(_("メディアタイプ"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("サイズ（バイト）"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    encoding = models.CharField(_("文字コード（元のファイル）"), max_length=20, blank=True)
    converted = models.BooleanField(_("UTF-8 に変換した"), default=False)
    delimiter = models.CharField(_("区切り文字"), max_length=4, blank=True)
    columns = models.JSONField(_("列"), default=list, blank=True)
    row_count = models.PositiveIntegerField(_("行数"), null=True, blank=True)
    rows_added = models.PositiveIntegerField(_("追加された行"), null=True, blank=True)
    rows_removed = models.PositiveIntegerField(_("削除された行"), null=True, blank=True)
    rows_changed = models.PositiveIntegerField(_("変更された行"), null=True, blank=True)
    note = ResidentCharField(_("変更内容"), max_length=300, blank=True)
    uploaded_at = models.DateTimeField(_("登録日時"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("登録した職員")
    )
    standard = models.CharField(_("検証した標準"), max_length=60, blank=True)
    error_count = models.PositiveIntegerField(_("検証の誤り"), null=True, blank=True)
    override_reason = ResidentTextField(_("誤りがあるまま公開した理由"), blank=True)

    tenant_parent = "resource"

    class Meta:
        verbose_name = _("リソースの版")
        verbose_name_plural = _("リソースの版")
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["municipality", "resource", "number"], name="opendata_version_unique_number")]

    def __str__(self) -> str:
        return f"{self.resource} 第{self.number}版"


def held_file_path(instance, filename: str) -> str:
    return city_file_path(instance, f"{instance.resource_id}/{uuid.uuid4().hex}/{filename}")


class HeldUpload(CityOwned):
    """公開保留中の登録: an upload whose check against the dataset's 自治体標準 found errors. It
    is kept (nothing is lost) but not published until staff fix the file — a new upload — or
    publish it anyway with a stated reason (audited)."""

    class State(models.TextChoices):
        HELD = "held", _("保留中")
        PUBLISHED = "published", _("理由を付けて公開")
        WITHDRAWN = "withdrawn", _("取り下げ")

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="held_uploads")
    file = models.FileField(_("ファイル"), upload_to=held_file_path, max_length=300)
    filename = models.CharField(_("ファイル名"), max_length=200)
    convert = models.BooleanField(_("UTF-8 に変換する"), default=False)
    note = ResidentCharField(_("変更内容"), max_length=300, blank=True)
    standard = models.CharField(_("検証した標準"), max_length=60)
    problems = models.JSONField(_("検証の結果"), default=list)  # [[row, column, message, is_error], …] — written by the platform
    error_count = models.PositiveIntegerField(_("誤りの数"), default=0)
    state = models.CharField(_("状態"), max_length=10, choices=State.choices, default=State.HELD)
    uploaded_at = models.DateTimeField(_("登録日時"), default=timezone.now)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = ResidentTextField(_("誤りがあるまま公開する理由"), blank=True)
    decided_at = models.DateTimeField(_("判断した日時"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    version = models.ForeignKey(ResourceVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    tenant_parent = "resource"

    class Meta:
        verbose_name = _("公開保留中の登録")
        verbose_name_plural = _("公開保留中の登録")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.resource}（{self.filename}）"

    @property
    def audit_section(self):
        return self.resource.dataset.section


class DatastoreRow(CityOwned):
    """データストアの行: one parsed row of a tabular version, as a JSON object of column → text
    (``data``); ``text`` joins the values for ``q``. ``number`` is CKAN's ``_id`` (1-based)."""

    version = models.ForeignKey(ResourceVersion, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField()
    data = models.JSONField(default=dict)
    text = models.TextField(blank=True)

    tenant_parent = "version"

    class Meta:
        verbose_name = _("データストアの行")
        verbose_name_plural = _("データストアの行")
        constraints = [models.UniqueConstraint(fields=["municipality", "version", "number"], name="opendata_row_unique_number")]


class ActivityEvent(CityOwned):
    """更新履歴: what happened to a dataset, by whom, when (CKAN's activity stream)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("作成")
        UPDATED = "updated", _("情報を更新")
        RESOURCE_ADDED = "resource_added", _("リソースを追加")
        VERSION_ADDED = "version_added", _("新しい版を登録")
        GENERATED = "generated", _("自動生成で更新")

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="activity")
    kind = models.CharField(_("種類"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("日時"), default=timezone.now)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    detail = models.CharField(_("内容"), max_length=300, blank=True)  # written by the platform, never free text

    tenant_parent = "dataset"

    class Meta:
        verbose_name = _("更新履歴")
        verbose_name_plural = _("更新履歴")
        ordering = ["-at"]


def shelter_import_path(instance, filename: str) -> str:
    return city_file_path(instance, f"{uuid.uuid4().hex}/{filename}")


class ShelterImport(CityOwned):
    """避難所一覧の取込: a staff upload of the city's shelter list in the 自治体標準 03
    (指定緊急避難場所一覧) layout, applied to the shelters alerts and the generated datasets use.
    The file is kept whatever its state (nothing is lost): with errors it waits for a fixed file;
    without, for a staff member to apply it, all rows in one transaction (``shelter_import``)."""

    class State(models.TextChoices):
        HELD = "held", _("要修正")
        READY = "ready", _("反映待ち")
        APPLIED = "applied", _("反映済み")
        REPLACED = "replaced", _("修正版に差し替え")
        WITHDRAWN = "withdrawn", _("取り下げ")

    file = models.FileField(_("ファイル"), upload_to=shelter_import_path, max_length=300)
    filename = TranscribedCharField(_("ファイル名"), max_length=200)  # as the uploader's computer named it
    row_count = models.PositiveIntegerField(_("行数"), default=0)
    problems = models.JSONField(_("検証の結果"), default=list)  # [[row, column, message, is_error], …] — written by the platform
    error_count = models.PositiveIntegerField(_("誤りの数"), default=0)
    state = models.CharField(_("状態"), max_length=10, choices=State.choices, default=State.HELD)
    uploaded_at = models.DateTimeField(_("登録日時"), default=timezone.now)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("修正前の取込"))
    applied_at = models.DateTimeField(_("反映した日時"), null=True, blank=True)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_count = models.PositiveIntegerField(_("追加した避難所"), default=0)
    updated_count = models.PositiveIntegerField(_("更新した避難所"), default=0)

    class Meta:
        verbose_name = _("避難所一覧の取込")
        verbose_name_plural = _("避難所一覧の取込")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.filename
