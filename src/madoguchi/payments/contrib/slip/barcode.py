"""コンビニ収納 GS1-128 barcode data (「GS1-128 による標準料金代理収納ガイドライン」の44桁):

====  ======================================================  ====
 桁    項目                                                    内容
====  ======================================================  ====
 2    AI                                                       91
 6    請求書発行企業コード (JAN企業コードの先頭「9/4」を除く6桁)  configuration
 21   企業任意 (自由使用欄)                                    支払番号 19 digits, "0"-padded
 1    再発行区分                                               0–9 (times reissued)
 6    支払期限日 YYMMDD                                        pay_by (local date)
 1    印紙フラグ                                               0 (公金: 印紙税非課税) unless configured
 6    支払金額                                                 yen, up to 999,999
 1    チェックデジット                                          modulus 10, weights 3·1 from the right
====  ======================================================  ====
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

AI = "91"
LENGTH = 44
FREE_FIELD = 21
MAX_AMOUNT = 999_999


def check_digit(digits: str) -> str:
    """Modulus 10, weight 3·1: from the rightmost digit, odd positions ×3, even ×1."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def free_field(merchant_reference: str) -> str:
    digits = merchant_reference.replace("-", "")
    if not digits.isdigit() or len(digits) > FREE_FIELD:
        raise ValueError("支払番号を企業任意欄に入れられません。")
    return digits.ljust(FREE_FIELD, "0")


def merchant_reference_from(free: str) -> str:
    """The 支払番号 carried in the free field: 団体コード(6)-YYYYMMDD(8)-連番(5)."""
    d = free[:19]
    return f"{d[:6]}-{d[6:14]}-{d[14:19]}"


def build(*, company_code: str, merchant_reference: str, reissue: int, pay_by: dt.date, amount: int, stamp_flag: str = "0") -> str:
    if not re.fullmatch(r"\d{6}", company_code or ""):
        raise ValueError("請求書発行企業コードは6桁の数字です。")
    if not 0 < amount <= MAX_AMOUNT:
        raise ValueError("コンビニ収納できる金額は999,999円までです。")
    body = f"{AI}{company_code}{free_field(merchant_reference)}{reissue % 10}{pay_by:%y%m%d}{stamp_flag[:1] or '0'}{amount:06d}"
    return body + check_digit(body)


@dataclass(frozen=True)
class Parsed:
    company_code: str
    free: str
    reissue: int
    pay_by: dt.date
    stamp_flag: str
    amount: int

    @property
    def merchant_reference(self) -> str:
        return merchant_reference_from(self.free)


def parse(data: str) -> Parsed:
    """The fields of a 44-digit barcode (brackets and spaces of the printed form ignored);
    ValueError when the length, AI or check digit is wrong."""
    digits = re.sub(r"[()\s-]", "", data or "")
    if len(digits) != LENGTH or not digits.isdigit() or not digits.startswith(AI):
        raise ValueError("44桁のバーコード情報ではありません。")
    if check_digit(digits[:-1]) != digits[-1]:
        raise ValueError("チェックデジットが一致しません。")
    return Parsed(
        company_code=digits[2:8],
        free=digits[8:29],
        reissue=int(digits[29]),
        pay_by=dt.datetime.strptime(digits[30:36], "%y%m%d").date(),
        stamp_flag=digits[36],
        amount=int(digits[37:43]),
    )


def human_readable(data: str) -> str:
    """The line printed under the bars: (91) and groups of the fields."""
    return f"({data[:2]}) {data[2:8]}-{data[8:29]}-{data[29]}-{data[30:36]}-{data[36]}-{data[37:43]}-{data[43]}"


def svg(data: str) -> str:
    """The GS1-128 symbol (FNC1 + AI 91 + data) as SVG, text left to the template."""
    import io

    from barcode import Gs1_128
    from barcode.writer import SVGWriter

    out = io.BytesIO()
    Gs1_128(data, writer=SVGWriter()).write(out, options={"module_width": 0.25, "module_height": 12, "write_text": False, "quiet_zone": 6})
    text = out.getvalue().decode()
    return text[text.index("<svg") :]
