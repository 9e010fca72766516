"""Logging with personal data masked.

Phone numbers and borrower names must never reach a log file in clear. ``mask_phone``
keeps the last four digits (enough for an operator to tell calls apart); ``mask_name``
keeps the first character. :class:`MaskingFilter` also scrubs any long digit run that
slips into a message.
"""

from __future__ import annotations

import logging
import re

_DIGITS = re.compile(r"(?<!\d)(\+?\d[\d\- ]{6,}\d)(?!\d)")


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    return "*" * max(len(digits) - 4, 0) + digits[-4:]


def mask_name(name: str | None) -> str:
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1)


class MaskingFilter(logging.Filter):
    """Replace anything that looks like a phone number in a log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        masked = _DIGITS.sub(lambda m: mask_phone(m.group(1)), msg)
        if masked != msg:
            record.msg, record.args = masked, None
        return True


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
