"""Verifying bearer tokens: RS256 JWTs checked against a configured JSON Web Key Set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jwt

from courtlink_shared.auth.principal import Principal, Role


class InvalidToken(Exception):
    """The bearer token is missing, malformed, expired, or not signed by a trusted key."""


DEFAULT_MAX_LIFETIME_SECONDS = 12 * 3600


class TokenVerifier:
    """Verifies tokens against a key set; only RS256 is accepted (never `none`, never HMAC)."""

    def __init__(
        self,
        jwks: dict[str, Any],
        *,
        issuer: str,
        audience: str,
        max_lifetime_seconds: float = DEFAULT_MAX_LIFETIME_SECONDS,
    ) -> None:
        self._keys = {key.key_id: key for key in jwt.PyJWKSet.from_dict(jwks).keys}
        self._issuer = issuer
        self._audience = audience
        self._max_lifetime = max_lifetime_seconds

    @classmethod
    def from_settings(
        cls,
        *,
        jwks_file: str | None,
        jwks: str | None,
        issuer: str,
        audience: str,
        max_lifetime_seconds: float = DEFAULT_MAX_LIFETIME_SECONDS,
    ) -> TokenVerifier:
        """Build from AUTH_JWKS / AUTH_JWKS_FILE; without either there is nothing to trust: refuse to start."""
        if jwks:
            data = json.loads(jwks)
        elif jwks_file:
            data = json.loads(Path(jwks_file).read_text())
        else:
            raise RuntimeError("no key set configured: set AUTH_JWKS_FILE (see `courtlink-token keygen`)")
        return cls(data, issuer=issuer, audience=audience, max_lifetime_seconds=max_lifetime_seconds)

    def verify(self, token: str) -> Principal:
        """The principal the token speaks for; raises InvalidToken."""
        try:
            header = jwt.get_unverified_header(token)
            key = self._keys.get(header.get("kid")) if header.get("kid") else next(iter(self._keys.values()), None)
            if key is None:
                raise InvalidToken("token signed by an unknown key")
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                issuer=self._issuer,
                audience=self._audience,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        self._check_lifetime(claims)
        try:
            roles = frozenset(Role(r) for r in claims.get("roles", []))
        except ValueError as exc:
            raise InvalidToken(f"unknown role in token: {exc}") from exc
        organisation = claims.get("org")
        if not isinstance(organisation, str) or not organisation:
            raise InvalidToken("token has no organisation (org claim)")
        return Principal(subject=claims["sub"], roles=roles, organisation=organisation, name=claims.get("name"))

    def _check_lifetime(self, claims: dict[str, Any]) -> None:
        """A stolen token is good until it expires: one minted to live longer than the court allows is refused
        even though a trusted key signed it (a leaked signing key or a misconfigured client)."""
        issued, expires = claims["iat"], claims["exp"]
        if not isinstance(issued, int | float) or not isinstance(expires, int | float):
            raise InvalidToken("iat and exp must be numbers")
        if expires - issued > self._max_lifetime:
            raise InvalidToken(
                f"token lifetime {expires - issued:.0f}s exceeds the maximum of {self._max_lifetime:.0f}s"
            )
