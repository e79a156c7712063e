"""How court documents (notices, letters, advice) are sent as HTML: a page that cannot run anything.

The documents carry text that banks, judges and agencies typed; it is escaped when rendered, and the headers
make sure that even a mistake there could not run: no script, no plug-in, no frame, no form, nothing loaded from
elsewhere; only the page's own inline style, which the documents need for their layout.
"""

from __future__ import annotations

from fastapi.responses import HTMLResponse, Response

DOCUMENT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
DOCUMENT_HEADERS = {
    "Content-Security-Policy": DOCUMENT_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def html_document(html: str) -> HTMLResponse:
    """An HTML court document with the headers that keep it inert."""
    return HTMLResponse(html, headers=DOCUMENT_HEADERS)


def download(content: bytes | str, *, media_type: str, filename: str) -> Response:
    """A file the browser saves rather than shows (PDF, CSV, workbook), under the name the user will see.

    One place for the ``Content-Disposition`` header so every service names its downloads the same way.
    """
    disposition = f'attachment; filename="{filename}"'
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})
