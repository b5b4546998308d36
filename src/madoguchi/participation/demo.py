"""Demo data of participation for the fictional demo city: one open public comment on the DX
plan draft with a few opinions (web and paper), and a few proposals. Idempotent. All names,
addresses and numbers are invented."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from madoguchi.core.models import Section

from . import proposals, services
from .models import Consultation, Opinion, Proposal

TITLE = "DX推進計画（案）への意見募集（デモ）"

DRAFT = """# 第1章 計画の位置付け
デジタル技術を活用し、市民の利便性向上と行政の効率化を図るための計画です。（デモの文章）
# 第2章 基本方針
「行かない窓口」「書かない窓口」を目指し、手続のオンライン化を進めます。
# 第3章 具体的な施策
オンライン申請の拡大、キャッシュレス決済、公共施設予約のオンライン化、オープンデータの公開に取り組みます。
# 第4章 推進体制
情報政策課を中心に、各課と連携して進捗を管理します。"""

OPINIONS = [
    # (section index or None, channel, text, name, address)
    (2, "web", "児童手当などの子育ての手続も、スマートフォンから申請できるようにしてください。", "緑野 さくら", "みどり野市中央二丁目"),
    (2, "web", "児童手当などの子育ての手続も、スマートフォンから申請できるようにしてください。", "青木 一郎", "みどり野市東町"),
    (1, "post", "高齢者がデジタルに取り残されないよう、窓口での支援も続けてください。連絡は 042-000-0000 の佐藤さんまで。", "佐藤 花子", "みどり野市西町"),
    (None, "fax", "計画全体の目標値を、市民にわかりやすく示してほしい。", "", ""),
]

PROPOSALS = [
    ("図書館の予約をLINEで知らせてほしい", "予約した本が届いたとき、LINEで通知が来ると便利です。", 4, ""),
    ("公共施設のWi-Fiを増やしてほしい", "コミュニティセンターで無料Wi-Fiを使えるようにしてください。", 2, "adopted"),
    ("粗大ごみの申込みをオンラインで", "電話がつながりにくいので、ウェブで申し込めるようにしてほしい。", 1, ""),
]


def load(municipality) -> None:
    _load_public_comment_and_proposals(municipality)
    _load_survey(municipality)


def _load_survey(municipality) -> None:
    """An open survey with every question type and 40 invented responses (results shown, small
    breakdown cells suppressed)."""
    import random

    from . import survey_demo, surveys
    from .survey_models import Survey, SurveyResponse

    section = Section.objects.filter(municipality=municipality, is_information_policy=True).first()
    if section is None or Survey.objects.filter(municipality=municipality, title=survey_demo.TITLE).exists():
        return
    staff = get_user_model().objects.filter(staff_roles__section=section).first()
    survey = surveys.save_survey(survey_demo.make_survey(municipality, section), plan_item_ids=[], staff=staff)
    rng = random.Random(19)
    for i in range(40):
        SurveyResponse.objects.create(survey=survey, municipality=municipality, browser_key=f"demo-{i}", answers=survey_demo.answers(rng))
        surveys.submit(survey, surveys.Respondent(browser_key=f"demo-{i}"))


def _load_public_comment_and_proposals(municipality) -> None:
    section = Section.objects.filter(municipality=municipality, is_information_policy=True).first()
    if section is None or Consultation.objects.filter(municipality=municipality, title=TITLE).exists():
        return
    staff = get_user_model().objects.filter(staff_roles__section=section).first()
    today = timezone.localdate()
    consultation = Consultation(
        municipality=municipality,
        section=section,
        title=TITLE,
        summary="市のDX推進計画の案について、皆さまのご意見を募集します。（架空の自治体のデモです）",
        starts_on=today - dt.timedelta(days=7),
        ends_on=today + dt.timedelta(days=21),
        required_fields=["name", "address"],
        is_published=True,
    )
    services.save_consultation(consultation, draft=DRAFT, plan_item_ids=[], staff=staff)
    sections = list(consultation.draft_sections.all())
    for index, channel, text, name, address in OPINIONS:
        data = services.OpinionInput(text=text, draft_section_id=sections[index].pk if index is not None else None, name=name, address=address)
        if channel == "web":
            services.submit_opinion(consultation, data)
        else:
            services.enter_opinion(consultation, data, channel=channel, received_at=None, staff=staff)
    first = Opinion.objects.filter(consultation=consultation).order_by("id").first()
    services.make_group(consultation, [first.pk], summary="子育ての手続のオンライン化", staff=staff)

    User = get_user_model()
    residents = [User.objects.get_or_create(email=f"demo-resident{i}@example.jp")[0] for i in range(4)]
    for title, body, supporters, outcome in PROPOSALS:
        if Proposal.objects.filter(municipality=municipality, title=title).exists():
            continue
        p = proposals.post_proposal(title=title, body=body, author=residents[0], municipality=municipality)
        for user in residents[1 : 1 + supporters]:
            proposals.support(p, user)
        if outcome:
            proposals.answer(p, outcome=outcome, text="令和8年度から、主なコミュニティセンターで順に設置します。（デモの回答）", staff=staff)
