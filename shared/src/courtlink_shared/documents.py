"""Court documents (notices, judicial advice) as HTML and A4 PDF with real Chinese text.

The PDF embeds its fonts, so that every reader shows every character: a Ming (Song) typeface for Chinese text
(AR PL UMing CN) and, for what it lacks, fallbacks that cover the CJK extension blocks (HanaMinA: Extension A;
HanaMinB: Extensions B and later, beyond the Basic Multilingual Plane), because residents' names carry rare
characters (生僻字 such as U+20000 𠀀) and a name must never lose one. The fonts come from Debian's
`fonts-arphic-uming` and `fonts-hanazono` (or the folders in COURTLINK_FONT_DIRS). Without them the PDF falls back
to the Adobe CID font STSong-Light, which is not embedded and cannot show characters beyond the BMP.
Text stays selectable and searchable.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from jinja2 import Environment, FileSystemLoader, select_autoescape
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
from reportlab.platypus.flowables import Flowable

from courtlink_shared.document_fonts import embedded_fonts, with_fallback_fonts

CID_FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
_ENV = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape())


@dataclass(frozen=True)
class CourtDocument:
    """A titled, numbered document: paragraphs, then the signature block (court name, date)."""

    title: str
    number: str
    paragraphs: Sequence[str]
    signature: Sequence[str] = field(default_factory=list)


def render_html(document: CourtDocument) -> str:
    """The document as an HTML page (every text escaped)."""
    return _ENV.get_template("court_document.html").render(d=document)


def _markup(text: str) -> str:
    """Paragraph markup of a text: escaped, every character in a font that has it."""
    return with_fallback_fonts(text, escape) if embedded_fonts() else escape(text)


def body_font() -> str:
    """The font documents are set in: the embedded Ming typeface, or the CID font when it is not installed."""
    fonts = embedded_fonts()
    return fonts[0].name if fonts else CID_FONT


def render_pdf(document: CourtDocument) -> bytes:
    """The document as an A4 PDF."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=25 * mm,
        bottomMargin=25 * mm,
        title=f"{document.title} {document.number}",
    )
    font = body_font()
    title = ParagraphStyle("title", fontName=font, fontSize=20, leading=30, alignment=1, spaceAfter=6)
    right = ParagraphStyle("right", fontName=font, fontSize=12, leading=20, alignment=2)
    body = ParagraphStyle("body", fontName=font, fontSize=12, leading=22, firstLineIndent=24, wordWrap="CJK")
    story: list[Flowable] = [
        Paragraph(_markup(document.title), title),
        Paragraph(_markup(document.number), right),
        Spacer(1, 6 * mm),
    ]
    story += [Paragraph(_markup(p), body) for p in document.paragraphs]
    story += [Spacer(1, 15 * mm)] + [Paragraph(_markup(line), right) for line in document.signature]
    doc.build(story)
    return buffer.getvalue()
