"""Court documents (notices, judicial advice) as HTML and A4 PDF with real Chinese text.

The PDF uses the Adobe CID font STSong-Light: nothing to ship or install, and Acrobat or any reader with CJK
fonts shows a Song typeface. Text stays selectable and searchable.
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

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
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
    title = ParagraphStyle("title", fontName=FONT, fontSize=20, leading=30, alignment=1, spaceAfter=6)
    right = ParagraphStyle("right", fontName=FONT, fontSize=12, leading=20, alignment=2)
    body = ParagraphStyle("body", fontName=FONT, fontSize=12, leading=22, firstLineIndent=24, wordWrap="CJK")
    story: list[Flowable] = [
        Paragraph(escape(document.title), title),
        Paragraph(escape(document.number), right),
        Spacer(1, 6 * mm),
    ]
    story += [Paragraph(escape(p), body) for p in document.paragraphs]
    story += [Spacer(1, 15 * mm)] + [Paragraph(escape(line), right) for line in document.signature]
    doc.build(story)
    return buffer.getvalue()
