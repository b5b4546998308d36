"""Log filter that masks マイナンバー-shaped numbers and password fields before anything is written."""

from __future__ import annotations

import logging
import re

from .codes import redact_my_numbers

_PASSWORD = re.compile(r"(?i)(password|passwd|パスワード)(['\"]?\s*[:=]\s*['\"]?)([^'\"&\s,}]+)")


def redact(text: str) -> str:
    return _PASSWORD.sub(r"\1\2[秘匿]", redact_my_numbers(text))


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True
