"""Normalisation applied before any identifier is validated (DOMAIN.md: NFKC, trim, upper-case)."""

from __future__ import annotations

import unicodedata


def normalise_identifier(value: str) -> str:
    """Full-width to half-width (NFKC), surrounding and inner blanks removed, letters upper-cased."""
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


class InvalidIdentifier(ValueError):
    """An identifier failed validation; `reason` is a stable machine code, the message explains it in English."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
