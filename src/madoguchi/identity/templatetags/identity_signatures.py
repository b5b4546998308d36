"""``{% signature_panel submission %}``: the electronic signature beside a case in the back
office (署名検証: 有効 and the signer's name, 失効確認, a link to the stored document)."""

from django import template

register = template.Library()


@register.inclusion_tag("identity/_signature_panel.html")
def signature_panel(submission):
    from madoguchi.identity import signing

    row = signing.latest(submission)
    recheck = signing.recheck(row) if row is not None and row.certificate else ""
    return {"signature": row, "recheck": recheck, "required": getattr(submission.procedure, "requires_signature", False)}
