"""The importer measured on a corpus of plan documents of distinct layouts, each with its
expected tree written out (issue #13 item 8). Each document reports the share of nodes, items
(title under the right parent), sections and schedule entries (year and phase) found; the floors
below hold those shares. `corpus/expected.json` holds the synthetic documents (written by hand;
s4, s5 and s6 were held out: written before the importer ran on them and not tuned on; h1 and h2
were held out, scored, then the importer was fixed by general mechanisms; h3 was written after
those fixes and scored once, then fixed; h4–h7 were written and committed before their first
run, scored, then fixed by general mechanisms — first-run figures beside their floors; h11–h13
likewise, and h14 was the untouched one: first run after the h11–h13 fixes; h15–h18 the fifth round, committed
before their first run, with h14 scored again after the fifth round's fixes),
`corpus/expected_seeds.json` the seeds.

Run with `-s` to see the table."""

import json
from pathlib import Path

import pytest

from madoguchi.plans.importer import PlanImportError, parse
from madoguchi.plans.importer.report import score

CORPUS = Path(__file__).resolve().parent / "corpus"
SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"
EXPECTED = json.loads((CORPUS / "expected.json").read_text()) | json.loads((CORPUS / "expected_seeds.json").read_text())

# nodes, items, sections, schedules
FLOORS = {
    "000_07661bdb5ece7846.txt": (1.0, 1.0, 1.0, 1.0),
    "001_16f80037b6684f51.txt": (1.0, 1.0, 1.0, 1.0),
    "002_245da93df485b4d5.txt": (1.0, 1.0, 1.0, 1.0),
    "003_4da692f09f3acf56.txt": (1.0, 1.0, 1.0, 1.0),
    "s1_outline_prose.txt": (1.0, 1.0, 1.0, 1.0),
    "s2_heading_items.txt": (1.0, 1.0, 1.0, 1.0),
    "s3_schedule_inline.txt": (1.0, 1.0, 1.0, 0.9),
    "s4_evaluation.txt": (1.0, 1.0, 1.0, 1.0),
    "s5_spreadsheet.csv": (1.0, 1.0, 1.0, 0.9),
    "s6_compound_heldout.txt": (1.0, 1.0, 1.0, 1.0),  # held out: scored once as written
    # Held out (issue #13 follow-up): expected trees written by hand before the first run.
    "h1_goal_prose.txt": (1.0, 1.0, 1.0, 1.0),  # first run: nodes 0.90 items 0.62 sections 0 schedules 0.44
    "h2_spreadsheet_export.tsv": (1.0, 1.0, 1.0, 1.0),  # first run: 0 / 0 / 0 / 0
    # Written after the h1/h2 fixes and scored once: refused (its 【担当課】 【スケジュール】
    # bracket labels were not recognised); then labels became data read in any bracket pair.
    "h3_final_untouched.txt": (1.0, 1.0, 1.0, 1.0),  # first run: 0 / 0 / 0 / 0 (refused)
    # Second round, held out: written with their expected trees and committed before the
    # importer first ran on them.
    "h4_chapter_sections.txt": (1.0, 1.0, 1.0, 1.0),  # first run: 1 / 1 / 1 / 1
    "h5_jigyo_ichiran.csv": (1.0, 1.0, 1.0, 1.0),  # first run: 1 / 1 / 0.83 / 1 (「税務課・会計課」)
    "h6_kana_items_eval.txt": (1.0, 1.0, 1.0, 1.0),  # first run: 1 / 1 / 1 / 1, 4 evaluation rows
    "h7_dash_numbers.txt": (1.0, 1.0, 1.0, 1.0),  # first run: 1 / 1 / 1 / 0 (one year per line)
    # Third round, held out the same way (h4–h7 had scored nearly full at once).
    "h8_two_row_header.csv": (1.0, 1.0, 1.0, 1.0),  # first run: 1 / 1 / 1 / 1
    "h9_bracket_goals_eval.txt": (1.0, 1.0, 1.0, 1.0),  # first run: 1 / 1 / 1 / 1, 3 evaluation rows
    "h10_node_tables.txt": (1.0, 1.0, 1.0, 1.0),  # first run: 0 / 0 / 0 / 0 (one flat table: no item under its 施策)
    # Fourth round, held out the same way (committed in b148510 before any run); h14 was first
    # run only after the h11–h13 fixes and is not tuned on: its floor is its first run.
    "h11_kpi_columns.tsv": (1.0, 1.0, 1.0, 1.0),  # first run: 0 / 0 / 0 / 0 (refused: measures in columns)
    "h12_page_breaks_zenkaku.txt": (1.0, 1.0, 1.0, 1.0),  # first run: 1 / 1 / 1 / 1
    "h13_wrapped_titles.txt": (1.0, 1.0, 1.0, 1.0),  # first run: 0 / 0 / 0 / 0 (titles cut, years apart by spaces)
    # Untouched by the h11–h13 fixes: its <th> year row over a <td> value row with no schedule
    # label was not read; read since the fifth round's general fixes (HTML table rows as cells, a
    # row of bare years as a schedule header), which were not tuned on it.
    "h14_html_export.txt": (1.0, 1.0, 1.0, 1.0),  # first run: 1 / 1 / 1 / 0
    # Fifth round, held out: written with their expected trees and committed before the importer
    # first ran on them (e60465a; first runs in cbee0a3), then fixed by general mechanisms
    # (tests/test_importer_heldout5.py, on other text).
    "h15_excel_kpi_merged.csv": (1.0, 1.0, 1.0, 1.0),  # first run: 0 / 0 / 0 / 0
    "h16_pdf_running_headers.txt": (1.0, 1.0, 1.0, 1.0),  # first run: 1 / 1 / 1 / 0
    "h17_mixed_years_ranges.txt": (1.0, 1.0, 1.0, 1.0),  # first run: 0 / 0 / 0 / 0 (refused)
    "h18_kpi_tables.txt": (1.0, 1.0, 1.0, 1.0),  # first run: 1 / 1 / 0.83 / 1
}


def _path(name: str) -> Path:
    return CORPUS / name if (CORPUS / name).exists() else SEEDS / name


def test_the_corpus_has_six_layouts_or_more():
    assert len(EXPECTED) >= 6 and set(EXPECTED) == set(FLOORS)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_share_found_per_document(name):
    expected = EXPECTED[name]
    try:
        pv = parse(_path(name).read_bytes(), name)
    except PlanImportError:  # refused with the "no structure" message: nothing found
        assert FLOORS[name] == (0.0, 0.0, 0.0, 0.0), f"{name} was refused"
        print(f"\n{name:32} nodes 0%  items 0%  sections 0%  schedules 0%  (refused: no structure found)")
        return
    shares = score(pv, expected)
    print(f"\n{name:32} " + "  ".join(f"{k} {v:.0%}" for k, v in shares.items()) + f"  ({pv.family})")
    for (key, got), floor in zip(shares.items(), FLOORS[name], strict=True):
        assert got >= floor, f"{name}: {key} {got:.2f} < {floor}"
    if "evaluation_rows" in expected:
        assert len(pv.evaluation.get("rows", [])) == expected["evaluation_rows"]


def test_import_plan_command_prints_the_report_and_saves(city, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from madoguchi.core import tenancy
    from madoguchi.plans.models import Plan

    call_command("import_plan", str(CORPUS / "000_07661bdb5ece7846.txt"), "--dry-run")
    out = capsys.readouterr().out
    assert "階層: 基本施策 4 → 施策 10 → 取組 22 → 取組事項 42" in out and "前計画の評価: 29行" in out
    assert "確認が必要な行: 18件" in out
    assert not Plan.objects.exists()
    call_command("import_plan", str(CORPUS / "s2_heading_items.txt"), "--municipality", city.code)
    with tenancy.using(city):
        assert Plan.objects.get(title="ひばり市DX推進アクションプラン").items.count() == 5
    with pytest.raises(CommandError, match="取り込めませんでした"):
        call_command("import_plan", str(CORPUS / "expected.json"), "--dry-run")
