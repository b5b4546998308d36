"""The search index (検索索引), the synonym dictionary (同義語辞書) and the list of queries that
found nothing (ヒットなしの検索語), each per city."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import CityOwned
from madoguchi.core.validation import ResidentCharField, TranscribedCharField, TranscribedTextField


class Language(models.TextChoices):
    JA = "ja", _("日本語")
    EASY = "easy", _("やさしい日本語")
    EN = "en", _("英語")


class SearchEntry(CityOwned):
    """検索索引の1件: one contributed document, with its index terms. Written only by
    ``services.index``; the database keeps the full-text index of it (an FTS5 table kept by
    triggers on SQLite, a generated tsvector column with a GIN index on PostgreSQL)."""

    kind = models.SlugField(_("種類"), max_length=50)  # the contributor's registry key
    key = models.SlugField(_("識別子"), max_length=200, allow_unicode=True)
    title = TranscribedCharField(_("題名"), max_length=300)
    body = TranscribedTextField(_("本文"), blank=True)
    url = models.URLField(_("URL"), max_length=500)
    section = models.ForeignKey("core.Section", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("担当課"))
    language = models.CharField(_("言語"), max_length=5, choices=Language.choices, default=Language.JA)
    updated = models.DateTimeField(_("更新日時"), null=True, blank=True)
    # Index terms (tokenizer.index_terms), one space between: title (and keywords) and all text.
    title_terms = TranscribedTextField(_("題名の索引語"), blank=True)
    terms = TranscribedTextField(_("索引語"), blank=True)
    # Folded title, keywords and reading: the text typos are matched against (pg_trgm / n-grams).
    title_key = TranscribedTextField(_("題名の読み"), blank=True)
    grams = TranscribedTextField(_("題名の2文字組"), blank=True)  # SQLite's typo index only

    class Meta:
        verbose_name = _("検索索引")
        verbose_name_plural = _("検索索引")
        constraints = [models.UniqueConstraint(fields=["municipality", "kind", "key", "language"], name="search_entry_unique_key")]
        indexes = [models.Index(fields=["municipality", "kind"], name="search_entry_kind")]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_section(self):
        return self.section


class Synonym(CityOwned):
    """同義語: a word residents use and what the city's pages call it (引っ越し → 転入届、転出届、
    転居届). Applied to queries (query expansion), so a change needs no reindex."""

    term = ResidentCharField(_("住民が使う言葉"), max_length=50)
    expansions = ResidentCharField(_("言い換え"), max_length=300, help_text=_("ページで使われている言葉を「、」で区切って入力します。"))
    section = models.ForeignKey("core.Section", on_delete=models.PROTECT, related_name="+", verbose_name=_("担当課"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("同義語")
        verbose_name_plural = _("同義語")
        ordering = ["term"]
        constraints = [models.UniqueConstraint(fields=["municipality", "term"], name="search_synonym_unique_term")]

    def __str__(self) -> str:
        return self.term

    @property
    def audit_section(self):
        return self.section

    def expansion_list(self) -> list[str]:
        import re

        return [e.strip() for e in re.split(r"[、,，\n]", self.expansions) if e.strip()]


class ZeroResultQuery(CityOwned):
    """ヒットなしの検索語: a normalised query that found nothing, how often and when last. Never
    a マイナンバー (services drop such queries before they get here)."""

    query = TranscribedCharField(_("検索語"), max_length=100)
    count = models.PositiveIntegerField(_("回数"), default=0)
    first_seen = models.DateTimeField(_("初回"), auto_now_add=True)
    last_seen = models.DateTimeField(_("最終"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("ヒットなしの検索語")
        verbose_name_plural = _("ヒットなしの検索語")
        ordering = ["-count", "-last_seen"]
        constraints = [models.UniqueConstraint(fields=["municipality", "query"], name="search_zero_unique_query")]

    def __str__(self) -> str:
        return self.query
