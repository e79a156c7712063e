"""The console's only state: sessions held in this process's memory, found by an opaque random cookie value.

Tokens never leave the server; the browser holds the session id only. A session unused for the idle time is
forgotten (the user signs in again and comes back to the page).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

COOKIE = "courtlink_session"


@dataclass
class PendingSignIn:
    """What an authorization request must find again when the provider sends the browser back."""

    code_verifier: str
    nonce: str
    return_to: str
    created: float = field(default_factory=time.monotonic)


@dataclass
class Tokens:
    access_token: str
    refresh_token: str | None
    id_token: str
    expires_at: float  # monotonic seconds


@dataclass
class Session:
    """One browser's session: its CSRF token, sign-ins in flight, and once signed in the user and tokens."""

    id: str
    csrf: str
    last_used: float
    pending: dict[str, PendingSignIn] = field(default_factory=dict)  # by `state`
    tokens: Tokens | None = None
    user: dict[str, Any] = field(default_factory=dict)

    @property
    def signed_in(self) -> bool:
        return self.tokens is not None


class SessionStore:
    """Sessions by id, in memory; one console process (a second replica needs a shared store)."""

    def __init__(self, idle_seconds: float) -> None:
        self.idle_seconds = idle_seconds
        self._sessions: dict[str, Session] = {}

    def get(self, session_id: str | None) -> Session | None:
        """The live session with this id, or None (unknown or idle too long)."""
        now = time.monotonic()
        self._forget_idle(now)
        session = self._sessions.get(session_id or "")
        if session is not None:
            session.last_used = now
        return session

    def blank(self) -> Session:
        """A session for a browser that has none; kept only once a sign-in starts (see `keep`), so that requests
        from browsers that never sign in leave nothing behind."""
        return Session(id=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32), last_used=time.monotonic())

    def keep(self, session: Session) -> None:
        self._sessions[session.id] = session

    def new(self) -> Session:
        """A blank session, kept."""
        session = self.blank()
        self.keep(session)
        return session

    def renew(self, session: Session) -> Session:
        """The same session under a new id and CSRF token (after sign-in, against session fixation)."""
        self._sessions.pop(session.id, None)
        session.id, session.csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self._sessions[session.id] = session
        return session

    def holds(self, session: Session) -> bool:
        """Whether this very session is kept (not dropped, not blank)."""
        return self._sessions.get(session.id) is session

    def drop(self, session: Session) -> None:
        self._sessions.pop(session.id, None)

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, s in self._sessions.items() if now - s.last_used > self.idle_seconds]:
            del self._sessions[key]
