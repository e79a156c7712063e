"""The fonts court PDFs embed, and the choice of font character by character.

A TrueType Ming typeface sets the Chinese text; characters it lacks (CJK Extension A, and the extensions beyond
the Basic Multilingual Plane where many 生僻字 of residents' names live) are set in the first fallback that has
them. reportlab embeds only TrueType outlines (not the CFF of Noto CJK's OpenType files), and subsets each font
to the characters used, so a notice stays small.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

log = logging.getLogger(__name__)

# (name in the PDF, file, face in a collection): the body font first, then the fallbacks in order.
FONT_FILES: tuple[tuple[str, str, int], ...] = (
    ("CourtMing", "arphic/uming.ttc", 0),  # AR PL UMing CN (Debian fonts-arphic-uming)
    ("CourtMingExtA", "hanazono/HanaMinA.ttf", 0),  # BMP and Extension A (Debian fonts-hanazono)
    ("CourtMingExtB", "hanazono/HanaMinB.ttf", 0),  # Extensions B, C, D, E, F: plane 2 (fonts-hanazono)
)
FONT_DIRS = ("/usr/share/fonts/truetype", "/usr/local/share/fonts", "/usr/share/fonts")


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ToUnicode map with each character as UTF-16 (a surrogate pair beyond the BMP). reportlab
    writes `<%04X>`, which gives U+20000 five hex digits: readers then extract the wrong character or none, and
    a name with a 生僻字 could not be found or copied from the PDF."""
    standard = ttfonts.makeToUnicodeCMap_reportlab(fontname, subset).split("\n")
    start = standard.index(f"{len(subset)} beginbfchar") + 1
    mapped = [
        f"<{i:02X}> <{chr(cp).encode('utf-16-be', 'surrogatepass').hex().upper()}>" for i, cp in enumerate(subset)
    ]
    return "\n".join(standard[:start] + mapped + standard[start + len(subset) :])


if not hasattr(ttfonts, "makeToUnicodeCMap_reportlab"):
    ttfonts.makeToUnicodeCMap_reportlab = ttfonts.makeToUnicodeCMap
    ttfonts.makeToUnicodeCMap = _to_unicode_cmap


@dataclass(frozen=True)
class EmbeddedFont:
    """A registered TrueType font and the characters it has."""

    name: str
    characters: frozenset[int]


def _font_dirs() -> list[Path]:
    configured = [d for d in os.environ.get("COURTLINK_FONT_DIRS", "").split(os.pathsep) if d]
    return [Path(d) for d in (*configured, *FONT_DIRS)]


def _find(relative: str) -> Path | None:
    for base in _font_dirs():
        for candidate in (base / relative, base / Path(relative).name):
            if candidate.is_file():
                return candidate
    return None


@cache
def embedded_fonts() -> tuple[EmbeddedFont, ...]:
    """The fonts found and registered, body font first; empty when the body font is not installed."""
    fonts: list[EmbeddedFont] = []
    for name, relative, face in FONT_FILES:
        path = _find(relative)
        if path is None:
            log.warning("font %s not found (install fonts-arphic-uming and fonts-hanazono)", relative)
            if not fonts:
                return ()
            continue
        font = TTFont(name, str(path), subfontIndex=face)
        pdfmetrics.registerFont(font)
        fonts.append(EmbeddedFont(name, frozenset(font.face.charToGlyph)))
    return tuple(fonts)


def with_fallback_fonts(text: str, escape: Callable[[str], str]) -> str:
    """Paragraph markup of `text` (escaped with `escape`) in which every run of characters the body font lacks
    is set in the first fallback font that has them."""
    fonts = embedded_fonts()
    parts: list[str] = []
    run: list[str] = []
    run_font: str | None = None
    for char in text:
        font = next((f.name for f in fonts if ord(char) in f.characters), fonts[0].name)
        chosen = None if font == fonts[0].name else font
        if chosen != run_font and run:
            parts.append(_span("".join(run), run_font, escape))
            run = []
        run_font = chosen
        run.append(char)
    if run:
        parts.append(_span("".join(run), run_font, escape))
    return "".join(parts)


def _span(text: str, font: str | None, escape: Callable[[str], str]) -> str:
    return escape(text) if font is None else f'<font name="{font}">{escape(text)}</font>'
