"""本人確認の水準 (assurance levels) of applications: which procedures need a マイナンバーカード
or gBizID sign-in, recording who signed in on the submission, and the once-only prefill of the
基本4情報 as verified answers the resident cannot change (a correction goes to the counter).

The identity app owns the sign-in; this module only reads the verified identity it leaves in
the session (``madoguchi.identity.session``) through plain attributes."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.safestring import mark_safe

from madoguchi.core.registry import identity_providers

from .models import Procedure, Submission

A = Procedure.Assurance

# Which verified value fills a field, by the field's ``prefill`` source (forms.schema PREFILL_KEYS)
# or, for gender which has no profile source, by the field's key.
_BY_PREFILL = {"full_name": "name", "address": "address", "birth_date": "birthdate"}
_BY_KEY = {"gender": "gender", "sex": "gender"}


def needs_sign_in(procedure: Procedure) -> bool:
    return procedure.identity_assurance in Procedure.STRICT


def sign_in_url(procedure: Procedure, next_url: str) -> str | None:
    """The identity app's consent page for the procedure's provider, coming back to ``next_url``."""
    for plugin in identity_providers.values():
        if plugin.assurance == procedure.identity_assurance and plugin.configured(procedure.municipality):
            return reverse("identity:verify", args=[plugin.key]) + "?" + urlencode({"next": next_url})
    return None


def verified_identity(request, procedure: Procedure):
    """The fresh sign-in of this session at the procedure's level (None when missing)."""
    from madoguchi.identity import session

    return session.current(request, procedure.identity_assurance)


def record(submission: Submission, identity, engine, *, request=None) -> None:
    """Attach the verified identity to the draft and prefill the verified answers; the session
    then forgets the 基本4情報 (kept only with the submission, for its retention)."""
    submission.identity_assurance = identity.assurance
    submission.identity_provider = identity.provider
    submission.identity_subject = identity.subject
    submission.corporate_number = identity.corporate_number
    submission.corporate_name = identity.corporate_name
    verified = _verified_answers(engine, identity)
    submission.verified_answers = verified
    submission.answers = {**(submission.answers or {}), **verified}
    submission.save()
    if request is not None:
        from madoguchi.identity import session

        session.forget(request)


def _verified_answers(engine, identity) -> dict:
    values = {"name": identity.name, "address": identity.address, "birthdate": identity.birthdate, "gender": identity.gender}
    profile = {"full_name": identity.name, "address": identity.address, "postal_code": "", "address_building": "", "birth_date": identity.birthdate}
    out = {}
    for f in engine.fields.values():
        source = _BY_PREFILL.get(f.spec.get("prefill") or "") or _BY_KEY.get(f.key)
        if not source or not values.get(source):
            continue
        if f.spec.get("prefill"):
            value = f.kind.prefill(f, profile)
        elif f.spec.get("options") or f.spec.get("choices"):
            continue  # a choice list names genders its own way: left to the resident
        else:
            value = values[source]
        if value not in (None, "", {}):
            out[f.key] = value
    return out


def reimpose(submission: Submission) -> None:
    """Put the verified answers back over whatever was posted (the inputs are read-only in the
    page; this holds even for a crafted POST)."""
    if submission.verified_answers:
        answers = {**(submission.answers or {}), **submission.verified_answers}
        if answers != submission.answers:
            submission.answers = answers
            submission.save(update_fields=["answers", "updated_at"])


def lacks_assurance(submission: Submission) -> bool:
    """A draft of a strict procedure that was started without the sign-in (e.g. before the
    procedure's requirement was raised)."""
    return (
        submission.status == Submission.Status.DRAFT
        and needs_sign_in(submission.procedure)
        and submission.identity_assurance != submission.procedure.identity_assurance
    )


def read_only(html, submission: Submission):
    """Mark the inputs of verified answers read-only (確認済み; the page says a correction goes
    to the counter). Text inputs only: the address's postal code and building stay editable."""
    if not submission.verified_answers:
        return html
    for key in submission.verified_answers:
        pattern = re.compile(r'(<(?:input|textarea)\b[^>]*\bname="' + re.escape(key) + r'(?:__address)?")')
        html = pattern.sub(r'\1 readonly aria-readonly="true"', html)
    return mark_safe(html)  # noqa: S308 - the engine's own escaped HTML, only attributes added
