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
        # ninja wraps any error raised here in HttpError(400, "Cannot parse request body"), with
        # this one as its cause; body_error_message (the API's HttpError handler) says it in
        # Japanese (issue #11 item 5).
        try:
            data = json.loads(request.body)
        except ValueError as exc:  # not JSON, not UTF-8, or a number of over 4,300 digits
            if "digits" in str(exc):
                raise HttpError(400, "数値の桁数が多すぎます。正しい値を入力してください。") from None
            raise HttpError(400, "送られたデータを JSON として読み取れません。形式を確かめて、もう一度送ってください。") from None
        if _unstorable(data):
            raise HttpError(400, "入力に使えない文字（NUL など）が含まれています。取り除いて、もう一度送ってください。")
        return data

    def parse_querydict(self, data, list_fields, request):
        # Query strings are already refused by core.middleware; this covers form-encoded bodies.
        if any("\x00" in s for k, vs in data.lists() for s in (k, *vs) if isinstance(s, str)):
            raise HttpError(400, "入力に使えない文字（NUL）が含まれています。")
        return super().parse_querydict(data, list_fields, request)


def body_error_message(exc: HttpError) -> str:
    """The message of an API error: for a body ninja could not parse, the Japanese reason the
    parser gave (its cause), else a Japanese generic one; otherwise the error's own message."""
    message = str(exc)
    if message.startswith("Cannot parse request body"):
        cause = exc.__cause__
        return str(cause) if isinstance(cause, HttpError) else "送られたデータを読み取れません。形式を確かめて、もう一度送ってください。"
    return message
