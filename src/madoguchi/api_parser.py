"""JSON parser for the API that refuses text no database can store (NUL, lone surrogates).

PostgreSQL cannot store NUL in text, so such input would otherwise surface as a 500 deep inside
a query; Django's forms refuse it the same way (ProhibitNullCharactersValidator)."""

import json

from ninja.errors import HttpError
from ninja.parser import Parser


def _unstorable(value) -> bool:
    """NUL, or a lone surrogate (valid in JSON's \\uXXXX escapes, not encodable as UTF-8)."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_unstorable(v) for v in value)
    return False


class NulSafeParser(Parser):
    def parse_body(self, request):
        data = json.loads(request.body)
        if _unstorable(data):
            # ninja turns a parser error into 400 "Cannot parse request body".
            raise ValueError("request body contains NUL or unpaired surrogate characters")
        return data

    def parse_querydict(self, data, list_fields, request):
        # Query strings are already refused by core.middleware; this covers form-encoded bodies.
        if any("\x00" in s for k, vs in data.lists() for s in (k, *vs) if isinstance(s, str)):
            raise HttpError(400, "入力に使えない文字（NUL）が含まれています。")
        return super().parse_querydict(data, list_fields, request)
