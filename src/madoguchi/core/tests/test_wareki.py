import datetime as dt

import pytest

from madoguchi.core import wareki
from madoguchi.core.calendar import closed_reason, is_open
from madoguchi.core.codes import (
    find_my_numbers,
    is_valid_local_government_code,
    is_valid_my_number,
    my_number_check_digit,
    redact_my_numbers,
    repair_local_government_code,
)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2026-04-01", dt.date(2026, 4, 1)),
        ("2026/4/1", dt.date(2026, 4, 1)),
        ("令和8年4月1日", dt.date(2026, 4, 1)),
        ("R8.4.1", dt.date(2026, 4, 1)),
        ("R08/04/01", dt.date(2026, 4, 1)),
        ("r8.4.1", dt.date(2026, 4, 1)),
        ("H31.4.30", dt.date(2019, 4, 30)),
        ("令和元年5月1日", dt.date(2019, 5, 1)),
        ("昭和64年1月7日", dt.date(1989, 1, 7)),
        # 大正→昭和 and 明治→大正 changed during the day: that day has both names (issue #11 item 10)
        ("大正15年12月25日", dt.date(1926, 12, 25)),
        ("昭和元年12月25日", dt.date(1926, 12, 25)),
        ("明治45年7月30日", dt.date(1912, 7, 30)),
        ("大正元年7月30日", dt.date(1912, 7, 30)),
        ("２０２６年４月１日", dt.date(2026, 4, 1)),
        ("20260401", dt.date(2026, 4, 1)),
    ],
)
def test_parse_date(text, expected):
    assert wareki.parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["", "令和8年2月30日", "H31.5.1", "平成0年1月1日", "あした", "大正15年12月26日", "昭和元年12月24日", "昭和64年1月8日", "平成元年1月7日"]
)
def test_parse_date_errors_are_japanese(text):
    with pytest.raises(wareki.WarekiError) as err:
        wareki.parse_date(text)
    assert any("\u3040" <= ch <= "\u9fff" for ch in str(err.value))


def test_format_and_fiscal_year():
    assert wareki.format_wareki(dt.date(2026, 4, 1)) == "令和8年4月1日"
    assert wareki.format_wareki(dt.date(2019, 5, 1)) == "令和元年5月1日"
    assert wareki.format_wareki(dt.date(2026, 4, 1), with_weekday=True) == "令和8年4月1日(水)"
    assert wareki.fiscal_year(dt.date(2027, 3, 31)) == 2026
    assert wareki.fiscal_year(dt.date(2026, 4, 1)) == 2026
    assert wareki.format_fiscal_year(2026) == "令和8年度"
    assert wareki.format_fiscal_year(2019) == "令和元年度"
    assert wareki.parse_fiscal_year("平成31年度") == 2019
    assert wareki.parse_fiscal_year("令和８年度") == 2026


def test_office_calendar():
    assert closed_reason(dt.date(2026, 12, 29)) == "年末年始"
    assert closed_reason(dt.date(2027, 1, 1)) == "年末年始"
    assert closed_reason(dt.date(2026, 5, 6)) is not None  # 振替休日
    assert closed_reason(dt.date(2026, 11, 21)) == "土曜日"
    assert is_open(dt.date(2026, 11, 24))


def test_check_digits():
    for code in ["131016", "132039", "132144", "132233", "132284"]:
        assert is_valid_local_government_code(code)
    assert not is_valid_local_government_code("132145")
    assert repair_local_government_code("92011") == "092011"
    number = "12345678901" + str(my_number_check_digit("12345678901"))
    assert is_valid_my_number(number)
    assert not is_valid_my_number(number[:-1] + str((int(number[-1]) + 1) % 10))
    assert find_my_numbers(f"番号は{number}です")
    spaced = f"{number[:4]} {number[4:8]} {number[8:]}"
    assert redact_my_numbers(f"x {spaced} y") == "x [個人番号] y"
    full = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert "[個人番号]" in redact_my_numbers(full)


def test_a_month_reads_as_residents_read_it():
    import datetime as dt

    from madoguchi.core.wareki import format_wareki_month

    assert format_wareki_month(dt.date(2027, 2, 1)) == "令和9年（2027年）2月"
    assert format_wareki_month(dt.date(2019, 5, 1)) == "令和元年（2019年）5月"
    assert format_wareki_month(dt.date(2019, 4, 1), with_western=False) == "平成31年4月"
