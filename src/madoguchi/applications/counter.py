"""書かない窓口 (counter mode): what changes when staff fill a form for a visitor.

The form is the procedure's own (one definition for online and counter), read with two
differences at the counter:

- contact details are optional — every ``email`` and ``phone`` field, and any field whose
  definition says ``"counter_optional": true`` (an ID document image: staff see the card in
  person). The visitor gets a printed receipt (受付票) with the receipt number instead of a
  receipt email;
- those fields say so in their help text, so staff can tell the visitor why they ask.
"""

from __future__ import annotations

import copy

from madoguchi.forms.engine import FormEngine

CONTACT_TYPES = {"email", "phone"}
CONTACT_HELP = (
    "窓口では任意です。入力すると、受付の確認や審査の連絡をお送りします（入力しない場合は、お渡しする受付票の受付番号で担当課にお問い合わせいただけます）。"
)
IN_PERSON_HELP = "窓口では任意です（職員が原本で確認します）。"


def counter_schema(schema: dict) -> dict:
    """``schema`` as read at the counter (a copy; the stored definition is not changed)."""
    schema = copy.deepcopy(schema or {})
    for page in schema.get("pages") or []:
        for spec in page.get("fields") or []:
            if not isinstance(spec, dict):
                continue
            if spec.get("type") in CONTACT_TYPES:
                spec["required"] = False
                spec["help"] = CONTACT_HELP
            elif spec.get("counter_optional"):
                spec["required"] = False
                spec["help"] = IN_PERSON_HELP
    return schema


def engine(version) -> FormEngine:
    """The form engine for a counter case of ``version``."""
    # Staff transcribe here: a マイナンバー in free text is masked and flagged, not refused.
    return FormEngine(version, schema=counter_schema(version.schema), transcribed=True)


def next_steps(submission) -> list[str]:
    """What happens after the counter took the application, in plain words for the receipt."""
    procedure = submission.procedure
    section = submission.section or procedure.section
    steps = []
    if procedure.processing_time:
        steps.append(f"{section.name}で内容を確認します（目安: {procedure.processing_time}）。")
    else:
        steps.append(f"{section.name}で内容を確認します。")
    if procedure.fee:
        steps.append(f"手数料は{procedure.fee:,}円です" + (f"（{procedure.fee_note}）" if procedure.fee_note else "") + "。")
    if submission.applicant_email:
        steps.append("進み具合や、書類の不足などのご連絡は、お伺いしたメールアドレスにお送りします。")
    else:
        steps.append("連絡先のメールアドレスは登録していません。進み具合は、この受付票の受付番号を添えて担当課にお問い合わせください。")
    steps.append("お問い合わせの際は、受付番号をお伝えください。この受付票は手続が終わるまで保管してください。")
    return steps
