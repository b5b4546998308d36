"""A published form's definition as a public read (``core.publicread``): the same JSON and
caching headers as the API operation ``GET /api/forms/{form_id}`` (which stays the documented,
validating path), answered before sessions and accounts. A resident's browser loads it before
every application, so on a deadline day it is read as often as applications are sent; the
session, account and second-factor lookups around it cost more than the answer (issue #9).
Anything but a published form of the city goes on to the operation, which gives the 404."""

from __future__ import annotations

from madoguchi.core.registry import PublicRead, public_reads

from . import api


@public_reads.register("forms.definition")
class FormDefinition(PublicRead):
    pattern = r"^/api/forms/(?P<form_id>[1-9][0-9]{0,9})$"

    def handle(self, request, form_id: str):
        if int(form_id) > api.MAX_ID:
            return None
        head = api._published_head(int(form_id))
        return None if head is None else api.definition_response(head)
