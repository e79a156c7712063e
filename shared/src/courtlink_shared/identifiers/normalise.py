"""Normalisation applied before any identifier is validated (DOMAIN.md: NFKC, trim, upper-case)."""

from __future__ import annotations

import unicodedata

# Characters that print as nothing: zero-width space, non-joiner and joiner, word joiner, the byte order mark
# (zero-width no-break space), the Mongolian vowel separator and the soft hyphen. Pasted from web pages, Word or
# chat apps they make `REF` and `REF` + ZWSP two references, and a name of nothing but them look filled in.
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u180e\u00ad")
_DROP_ZERO_WIDTH = dict.fromkeys(map(ord, ZERO_WIDTH))


def strip_zero_width(value: str) -> str:
    """The text without the invisible characters of ZERO_WIDTH."""
    return value.translate(_DROP_ZERO_WIDTH)


def normalise_identifier(value: str) -> str:
    """Full-width to half-width (NFKC), surrounding and inner blanks removed, letters upper-cased; invisible
    format characters (zero-width spaces and joiners, bidirectional marks: Unicode category Cf) removed."""
    if value.isascii():  # most identifiers: NFKC changes no ASCII character, and none of them is of category Cf
        return "".join(value.split()).upper()
    text = unicodedata.normalize("NFKC", value)
    return "".join(c for c in "".join(text.split()) if unicodedata.category(c) != "Cf").upper()


class InvalidIdentifier(ValueError):
    """An identifier failed validation; `reason` is a stable machine code, the message explains it in English and
    `message_zh` in Chinese (what a form shows beside the field)."""

    def __init__(self, reason: str, message: str, message_zh: str = "编号无效") -> None:
        super().__init__(message)
        self.reason = reason
        self.message_zh = message_zh
