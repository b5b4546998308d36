"""自治体標準オープンデータセット: the column layouts an upload is checked against before it is
published, and the check itself (frictionless for the header, required cells, types, patterns,
enums and ranges; two checks of our own for the 全国地方公共団体コード check digit and 和暦 dates).

Layouts from ``shared/reference/opendata-standard.md``: 13 公衆トイレ一覧 (current, complete with
◎ marks — confirmed), 03 指定緊急避難場所一覧 (39 columns, order confirmed, ◎/○ marks not seen:
only 名称 is required here), 15 食品等営業許可・届出一覧 (34 columns, confirmed), 01 公共施設一覧
(current layout NOT confirmed: built from the expected order the reference gives; the dataset
page says so), and 05 子育て施設一覧, 07 公衆無線LANアクセスポイント一覧, 08 AED設置箇所一覧, 12 イベント一覧:
each in its legacy 推奨データセット layout (complete and confirmed in the reference, with its R
marks where given) and, where the reference has one, the current layout (provisional: 07 and 05
from one city's file, 08 a column set without a confirmed order; 12 has none). Files in the wild
use both, so a file is checked against the layout its header shares most columns with
(``Standard.for_header``), and the report says which. Errors are listed by row (the file's line,
header = 1) and column, in Japanese."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

# Column kinds: what a cell must look like (a blank cell is fine unless the column is required).
TEXT, CODE, LAT, LON, INT, NUMBER, YESNO, FLAG, TIME, DATE, URL = "text code lat lon int number yesno flag time date url".split()
KIND_LABELS = {
    CODE: "全国地方公共団体コード（半角数字6桁）",
    LAT: "緯度（十進数、20〜46）",
    LON: "経度（十進数、122〜154）",
    INT: "0以上の整数",
    NUMBER: "数値",
    YESNO: "「有」または「無」",
    FLAG: "「1」または空欄",
    TIME: "時刻（hh:mm、例 09:00）",
    DATE: "西暦の日付（YYYY-MM-DD、例 2026-04-01）",
    URL: "URL（http:// または https:// で始まる）",
}
LAT_RANGE, LON_RANGE = (20, 46), (122, 154)  # Japan, roughly (the reference's range check)


@dataclass(frozen=True)
class Standard:
    name: str
    number: str  # the definition book's number (03, 13 …)
    columns: tuple[tuple[str, str, bool], ...]  # (項目名, kind, required)
    confirmed: bool
    note: str = ""
    layout: str = ""  # which layout of the dataset this is, when it has two (現行 / 旧・推奨データセット)
    variants: tuple[Standard, ...] = ()  # the dataset's other layouts

    @property
    def names(self) -> list[str]:
        return [c[0] for c in self.columns]

    def for_header(self, columns: list[str]) -> Standard:
        """The layout (this one or a variant) whose columns the file's header shares most; this
        one on a tie."""
        have = set(columns)
        return max((self, *self.variants), key=lambda s: (len(have & set(s.names)), s is self))


def _cols(spec: str, kinds: dict[str, str], required: set[str]) -> tuple[tuple[str, str, bool], ...]:
    names = [n.strip() for n in spec.split("·")]
    return tuple((n, kinds.get(n, TEXT), n in required) for n in names if n)


_ADDRESS = "所在地_全国地方公共団体コード · 町字ID · 所在地_連結表記 · 所在地_都道府県 · 所在地_市区町村 · 所在地_町字 · 所在地_番地以下 · 建物名等(方書)"
_COMMON_KINDS = {"全国地方公共団体コード": CODE, "所在地_全国地方公共団体コード": CODE, "緯度": LAT, "経度": LON, "URL": URL, "画像": URL, "連絡先FormURL": URL}

TOILET = Standard(
    "公衆トイレ一覧",
    "13",
    _cols(
        "全国地方公共団体コード · ID · 地方公共団体名 · 名称 · 名称_カナ · 名称_英語 · " + _ADDRESS + " · 設置位置 · 緯度 · 経度 · 高度の種別 · 高度の値 · "
        "男性トイレ総数 · 男性トイレ数（小便器） · 男性トイレ数（和式） · 男性トイレ数（洋式） · 女性トイレ総数 · 女性トイレ数（和式） · 女性トイレ数（洋式） · "
        "男女共用トイレ総数 · 男女共用トイレ数（和式） · 男女共用トイレ数（洋式） · バリアフリートイレ数 · 車椅子使用者用トイレ有無 · 乳幼児用設備設置トイレ有無 · "
        "オストメイト設置トイレ有無 · 利用開始時間 · 利用終了時間 · 利用可能時間特記事項 · 画像 · 画像_ライセンス · 備考",
        {
            **_COMMON_KINDS,
            **{
                n: INT
                for n in (
                    "男性トイレ総数",
                    "男性トイレ数（小便器）",
                    "男性トイレ数（和式）",
                    "男性トイレ数（洋式）",
                    "女性トイレ総数",
                    "女性トイレ数（和式）",
                    "女性トイレ数（洋式）",
                    "男女共用トイレ総数",
                    "男女共用トイレ数（和式）",
                    "男女共用トイレ数（洋式）",
                    "バリアフリートイレ数",
                )
            },  # fmt: skip
            **{n: YESNO for n in ("車椅子使用者用トイレ有無", "乳幼児用設備設置トイレ有無", "オストメイト設置トイレ有無")},
            "高度の値": NUMBER,
            "利用開始時間": TIME,
            "利用終了時間": TIME,
        },
        {"名称", "所在地_連結表記", "設置位置"},
    ),
    confirmed=True,
)

DISASTERS = ("洪水", "崖崩れ、土石流及び地滑り", "高潮", "地震", "津波", "大規模な火事", "内水氾濫", "火山現象")
EVACUATION = Standard(
    "指定緊急避難場所一覧",
    "03",
    _cols(
        "全国地方公共団体コード · ID · 名称 · 名称_カナ · 名称_英字 · " + _ADDRESS + " · 緯度 · 経度 · 標高 · 電話番号 · 内線番号 · 連絡先メールアドレス · "
        "連絡先FormURL · 連絡先備考（その他、SNSなど） · 郵便番号 · 市区町村コード · 地方公共団体名 · "
        + " · ".join(f"災害種別_{d}" for d in DISASTERS)
        + " · 指定避難所との重複 · 想定収容人数 · 対象となる町会・自治会 · URL · 画像 · 画像_ライセンス · 備考",
        {
            **_COMMON_KINDS,
            "市区町村コード": CODE,
            "標高": NUMBER,
            "想定収容人数": INT,
            "指定避難所との重複": FLAG,
            **{f"災害種別_{d}": FLAG for d in DISASTERS},
        },
        {"名称"},
    ),
    confirmed=True,
    note="列の順は確認済みです。必須・推奨の区分（◎/○）は公式の定義書で確認できていないため、「名称」だけを必須として検証しています。",
)

FOOD = Standard(
    "食品等営業許可・届出一覧",
    "15",
    _cols(
        "全国地方公共団体コード · ID · 地方公共団体名 · 施設名称 · 施設名称_カナ · 施設名称_英字 · 営業の種類 · 業態 · 所在地_全国地方公共団体コード · 町字ID · "
        "所在地_連結表記 · 施設所在地_都道府県 · 施設所在地_市区町村 · 施設所在地_町字 · 施設所在地_番地以下 · 施設方書 · 緯度 · 経度 · 施設電話番号 · "
        "連絡先メールアドレス · 連絡先FormURL · 連絡先備考（その他、SNSなど） · 郵便番号 · 法人名 · 法人番号 · 許可番号 · 初回許可年月日 · 許可年月日 · "
        "許可開始日 · 許可満了日 · 廃業年月日 · 申請区分 · 許可条件 · 備考",
        {**_COMMON_KINDS, **{n: DATE for n in ("初回許可年月日", "許可年月日", "許可開始日", "許可満了日", "廃業年月日")}},
        {"施設名称"},
    ),
    confirmed=True,
    note="列名は2つの公開データで一致しています。必須の区分は確認できていないため、「施設名称」だけを必須として検証しています。",
)

FACILITY = Standard(
    "公共施設一覧",
    "01",
    _cols(
        "全国地方公共団体コード · ID · 地方公共団体名 · 名称 · 名称_カナ · 名称_英字 · "
        + _ADDRESS
        + " · 緯度 · 経度 · 電話番号 · 内線番号 · 連絡先メールアドレス · "
        "連絡先FormURL · 連絡先備考（その他、SNSなど） · 郵便番号 · 法人番号 · 団体名 · 利用可能曜日 · 開始時間 · 終了時間 · 利用可能日時特記事項 · 説明 · "
        "バリアフリー情報 · URL · 画像 · 画像_ライセンス · 備考",
        {**_COMMON_KINDS, "開始時間": TIME, "終了時間": TIME},
        {"名称"},
    ),
    confirmed=False,
    note="現行の列構成は公式の定義書（データ項目定義書A）で確認できていません。参考資料が示す想定の並び（旧・推奨データセットの列に所在地・連絡先の列を加えたもの）で検証しています。POIコードの位置も未確認です。",
)

_LEGACY_HEAD = "都道府県コード又は市区町村コード · NO · 都道府県名 · 市区町村名"
_LEGACY_KINDS = {**_COMMON_KINDS, "都道府県コード又は市区町村コード": CODE}
_CONTACT = "連絡先メールアドレス · 連絡先FormURL · 連絡先備考（その他、SNSなど） · 郵便番号"
_LEGACY_NOTE = "旧・推奨データセットの列構成（参考資料で確認済み）です。"


def _legacy(name: str, number: str, spec: str, kinds: dict[str, str], required: set[str], note: str = "") -> Standard:
    return Standard(name, number, _cols(f"{_LEGACY_HEAD} · {spec}", {**_LEGACY_KINDS, **kinds}, required), True, _LEGACY_NOTE + note, "旧・推奨データセット")


AED = Standard(
    "AED設置箇所一覧",
    "08",
    _cols(
        "全国地方公共団体コード · 地方公共団体名 · 名称 · 名称_カナ · 名称_英字 · 所在地_連結表記 · 所在地_都道府県 · 所在地_市区町村 · 所在地_町字 · "
        "所在地_番地以下 · 建物名等(方書) · 緯度 · 経度 · 高度の種別 · 高度の値 · 設置位置 · 電話番号 · 内線番号 · " + _CONTACT + " · 法人番号 · 団体名 · "
        "利用可能曜日 · 開始時間 · 終了時間 · 利用可能日時特記事項 · 小児対応設備の有無 · 画像1 · 画像1_ライセンス · 画像2 · 画像2_ライセンス · URL · 備考",
        {**_COMMON_KINDS, "高度の値": NUMBER, "開始時間": TIME, "終了時間": TIME, "小児対応設備の有無": YESNO, "画像1": URL, "画像2": URL},
        {"名称", "設置位置"},
    ),
    confirmed=False,
    note="現行の列は一つの公開実装から分かった集合で、並び順は確認できていません（並びの違いは注意として示すだけです）。"
    "必須の区分は旧・推奨データセットの「設置位置」と「名称」で検証しています。",
    layout="現行",
    variants=(
        _legacy(
            "AED設置箇所一覧",
            "08",
            "名称 · 名称_カナ · 住所 · 方書 · 緯度 · 経度 · 設置位置 · 電話番号 · 内線番号 · 法人番号 · 団体名 · 利用可能曜日 · 開始時間 · 終了時間 · "
            "利用可能日時特記事項 · 小児対応設備の有無 · URL · 備考",
            {"開始時間": TIME, "終了時間": TIME, "小児対応設備の有無": YESNO},
            {"名称", "設置位置"},
        ),
    ),
)

EVENT = _legacy(
    "イベント一覧",
    "12",
    "イベント名 · イベント名_カナ · イベント名_英語 · 開始日 · 終了日 · 開始時間 · 終了時間 · 開始日時特記事項 · 説明 · 料金(基本) · 料金(詳細) · "
    "連絡先名称 · 連絡先電話番号 · 連絡先内線番号 · 主催者 · 場所名称 · 住所 · 方書 · 緯度 · 経度 · アクセス方法 · 駐車場情報 · 定員 · 参加申込終了日 · "
    "参加申込終了時間 · 参加申込方法 · URL · 備考",
    {"開始日": DATE, "終了日": DATE, "参加申込終了日": DATE, "開始時間": TIME, "終了時間": TIME, "参加申込終了時間": TIME, "料金(基本)": INT, "定員": INT},
    {"イベント名", "イベント名_カナ", "開始日", "終了日", "開始時間", "終了時間", "説明", "場所名称", "住所"},
    note="現行の列構成は参考資料にないため、旧・推奨データセットの列で検証しています。",
)

WIFI = Standard(
    "公衆無線LANアクセスポイント一覧",
    "07",
    _cols(
        "全国地方公共団体コード · 法人番号 · ID · 地方公共団体名 · 名称 · 名称_カナ · 名称_英語 · "
        + _ADDRESS
        + " · 緯度 · 経度 · 設置者 · 電話番号 · 内線番号 · "
        + _CONTACT
        + " · SSID · 提供エリア · URL · 備考",
        _COMMON_KINDS,
        {"名称", "名称_カナ"},
    ),
    confirmed=False,
    note="現行の列構成は一つの市の公開ファイルから読んだもので、公式の定義書では確認できていません。"
    "必須の区分は旧・推奨データセットの「名称」「名称_カナ」で検証しています（面で提供する場合、緯度・経度は空欄で構いません）。",
    layout="現行",
    variants=(
        _legacy(
            "公衆無線LANアクセスポイント一覧",
            "07",
            "名称 · 名称_カナ · 名称_英語 · 住所 · 方書 · 緯度 · 経度 · 設置者 · 電話番号 · 内線番号 · SSID · 提供エリア · URL · 備考",
            {},
            {"名称", "名称_カナ", "住所"},
        ),
    ),
)

_CHILDCARE_KINDS = {"収容定員": INT, "開始時間": TIME, "終了時間": TIME, "一時預かりの有無": YESNO, "許可等年月日": DATE}
CHILDCARE = Standard(
    "子育て施設一覧",
    "05",
    _cols(
        "全国地方公共団体コード · ID · 地方公共団体名 · 名称 · 名称_カナ · 名称_英字 · 種別 · " + _ADDRESS + " · 緯度 · 経度 · 高度の種別 · 高度の値 · "
        "アクセス方法 · 駐車場情報 · 電話番号 · 内線番号 · FAX番号 · " + _CONTACT + " · 法人番号 · 団体名 · 許可等年月日 · 収容定員 · 受入年齢 · "
        "利用可能曜日 · 開始時間 · 終了時間 · 利用可能日時特記事項 · 一時預かりの有無 · 子供預かり料金種別 · 子供預かり料金 · 子供預かり料金備考 · "
        "子供預かり開所時間 · 子供預かり閉所時間 · 病児保育の有無 · 授乳室 · おむつ替えコーナー · 飲食可否 · ベビーカー貸出 · ベビーカー利用 · URL · 画像 · "
        "画像_ライセンス · 備考",
        {**_COMMON_KINDS, **_CHILDCARE_KINDS, "高度の値": NUMBER, "子供預かり開所時間": TIME, "子供預かり閉所時間": TIME, "病児保育の有無": YESNO},
        {"名称"},
    ),
    confirmed=False,
    note="現行の列構成は一つの市の公開ファイルの定義から読んだもので、一部の列名（許可等年月日など）の綴りは確認できていません。"
    "必須・推奨の区分は分からないため、「名称」だけを必須として検証しています。",
    layout="現行",
    variants=(
        _legacy(
            "子育て施設一覧",
            "05",
            "名称 · 名称_カナ · 種別 · 住所 · 方書 · 緯度 · 経度 · アクセス方法 · 駐車場情報 · 電話番号 · 内線番号 · FAX番号 · 法人番号 · 団体名 · 許可等年月日 · "
            "収容定員 · 受入年齢 · 利用可能曜日 · 開始時間 · 終了時間 · 利用可能日時特記事項 · 一時預かりの有無 · URL · 備考",
            _CHILDCARE_KINDS,
            {"名称"},
            note="必須の区分は分からないため、「名称」だけを必須として検証しています。",
        ),
    ),
)

STANDARDS = {s.name: s for s in (TOILET, EVACUATION, FOOD, FACILITY, AED, EVENT, WIFI, CHILDCARE)}


def get(name: str) -> Standard | None:
    return STANDARDS.get((name or "").strip())


# --- the checks ---------------------------------------------------------------------------------
def check_digit(five: str) -> str:
    """全国地方公共団体コード's 6th digit: weights 6,5,4,3,2; (11 − Σ mod 11) mod 10."""
    total = sum(int(d) * w for d, w in zip(five, (6, 5, 4, 3, 2), strict=True))
    return str((11 - total % 11) % 10)


def code_problem(value: str) -> str | None:
    """Why a 全国地方公共団体コード is wrong (with the repair when the reference's usual slips —
    a dropped leading zero, no check digit — explain it), or None."""
    v = unicodedata.normalize("NFKC", value).strip()
    if re.fullmatch(r"\d{5}", v):
        fixed = v + check_digit(v)
        if v[0] != "0" and check_digit("0" + v[:4]) == v[4]:
            return f"5桁です。先頭の0が落ちている可能性があります（正しくは 0{v}）。"
        return f"5桁です。検査数字（6桁目）がありません（正しくは {fixed}）。"
    if not re.fullmatch(r"\d{6}", v):
        return "半角数字6桁で入力してください（例: 131016）。"
    if check_digit(v[:5]) != v[5]:
        return f"検査数字（6桁目）が合いません（{v[:5]} の検査数字は {check_digit(v[:5])}）。"
    return None


def date_problem(value: str) -> str | None:
    from madoguchi.core import wareki

    v = unicodedata.normalize("NFKC", value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        try:
            dt.date.fromisoformat(v)
            return None
        except ValueError:
            return f"「{value}」という日付はありません。"
    try:
        day = wareki.parse_date(v)
    except wareki.WarekiError:
        return f"日付として読めません。{KIND_LABELS[DATE]}で入力してください。"
    if re.match(r"^(明治|大正|昭和|平成|令和|[MTSHR])", v, re.I):
        return f"和暦の日付です。西暦で入力してください（{day.isoformat()}）。"
    return f"「YYYY-MM-DD」の形で入力してください（{day.isoformat()}）。"


@dataclass
class Problem:
    row: int  # the file's row (header = 1); 1 for a header problem
    column: str
    message: str
    error: bool = True  # False = a note (shown, does not hold publication)

    def as_list(self) -> list:
        return [self.row, self.column, self.message, self.error]


def _field(name: str, kind: str, required: bool) -> dict:
    field: dict = {"name": name, "type": "string", "constraints": {}}
    if required:
        field["constraints"]["required"] = True
    if kind in (LAT, LON):
        low, high = LAT_RANGE if kind == LAT else LON_RANGE
        field.update(type="number", constraints={**field["constraints"], "minimum": low, "maximum": high})
    elif kind == INT:
        field.update(type="integer", constraints={**field["constraints"], "minimum": 0})
    elif kind == NUMBER:
        field["type"] = "number"
    elif kind == YESNO:
        field["constraints"]["enum"] = ["有", "無"]
    elif kind == FLAG:
        field["constraints"]["enum"] = ["1"]
    elif kind == TIME:
        field["constraints"]["pattern"] = r"([01][0-9]|2[0-3]):[0-5][0-9]"
    elif kind == URL:
        field["constraints"]["pattern"] = r"https?://\S+"
    return field


MAX_PROBLEMS = 1000


def validate(standard: Standard, columns: list[str], rows: list[list[str]]) -> list[Problem]:
    """Every row of a parsed table against ``standard``: header first (missing or unknown
    columns, order), then each cell, through frictionless plus the two checks of our own."""
    from frictionless import Check, Checklist, Resource, Schema, errors

    problems: list[Problem] = []
    if standard.variants:
        standard = standard.for_header(columns)
        problems.append(Problem(1, "", f"見出し行から{standard.layout}の列構成と判断して検証しました。{standard.note}", error=False))
    kinds = {n: (k, r) for n, k, r in standard.columns}
    missing = [n for n in standard.names if n not in columns]
    for name in missing:
        if kinds[name][1]:
            problems.append(Problem(1, name, "必須の列がありません。見出し行に追加してください。"))
    optional = [n for n in missing if not kinds[n][1]]
    if optional:
        problems.append(Problem(1, "", f"標準にある列がありません（空欄でも列は残すことをお勧めします）: {'、'.join(optional)}", error=False))
    for name in columns:
        if name not in kinds:
            problems.append(Problem(1, name, "標準にない列です（列名の誤りがないか確認してください）。", error=False))
    present = [n for n in standard.names if n in columns]
    if [n for n in columns if n in kinds] != present:
        problems.append(
            Problem(1, "", f"列の並びが標準（{standard.number} {standard.name}{'・' + standard.layout if standard.layout else ''}）と違います。", error=False)
        )

    # The file's own column order, typed by the standard where it names the column.
    fields = [_field(n, *kinds[n]) if n in kinds else {"name": n, "type": "string"} for n in columns]
    schema = Schema.from_descriptor({"fields": fields})
    codes = [n for n in columns if kinds.get(n, (TEXT,))[0] == CODE]
    dates = [n for n in columns if kinds.get(n, (TEXT,))[0] == DATE]

    class StandardCells(Check):
        type = "madoguchi-standard-cells"
        Errors = [errors.CellError]

        def validate_row(self, row):
            for name in codes:
                value = row[name]
                if value not in (None, "") and (why := code_problem(str(value))):
                    yield errors.CellError.from_row(row, note=why, field_name=name)
            for name in dates:
                value = row[name]
                if value not in (None, "") and (why := date_problem(str(value))):
                    yield errors.CellError.from_row(row, note=why, field_name=name)

    resource = Resource(data=[columns, *rows], schema=schema)
    report = resource.validate(checklist=Checklist(checks=[StandardCells()]), limit_errors=MAX_PROBLEMS)
    for task in report.tasks:
        for e in task.errors:
            problems.append(_problem(e, kinds))
    problems.sort(key=lambda p: (p.row, columns.index(p.column) if p.column in columns else -1))
    return problems[:MAX_PROBLEMS]


def _problem(e, kinds) -> Problem:
    row = getattr(e, "row_number", None) or 1
    column = getattr(e, "field_name", "") or ""
    cell = getattr(e, "cell", "")
    kind = kinds.get(column, (TEXT, False))[0]
    code = e.type
    if code == "cell-error":
        message = e.note
    elif code == "constraint-error" and "required" in e.note:
        message = "必須の項目が空欄です。"
    elif code in ("type-error", "constraint-error"):
        label = KIND_LABELS.get(kind, "正しい値")
        if kind in (LAT, LON) and code == "constraint-error":
            message = f"「{cell}」は範囲外です（{label}）。世界測地系の十進数か、緯度と経度が入れ替わっていないか確認してください。"
        else:
            message = f"「{cell}」は{label}ではありません。"
    elif code == "extra-cell":
        message = f"見出しより列が多い行です（余分な値「{cell}」）。"
    elif code == "missing-cell":
        message = "列が足りない行です。"
    elif code in ("blank-row",):
        message = "空の行です。"
    elif code in ("duplicate-label", "blank-label"):
        message = "見出しが空欄か重複しています。"
    else:
        message = f"形式の誤り（{code}）。"
    return Problem(int(row), column, message)


def summary(problems: list[Problem]) -> tuple[int, int]:
    """(errors, notes)."""
    errors = sum(1 for p in problems if p.error)
    return errors, len(problems) - errors
