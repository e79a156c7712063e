"""Verifying bearer tokens: RS256 JWTs checked against a configured JSON Web Key Set.

The key set is either fixed (AUTH_JWKS / AUTH_JWKS_FILE: the local development key pair) or an identity
provider's, fetched from its JWKS URL (AUTH_JWKS_URL, or discovered from an http(s) AUTH_ISSUER) and cached;
a token naming a key the cache lacks refetches the set, at most once per AUTH_JWKS_REFETCH_SECONDS, so the
provider can rotate its keys while the services run.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol

import httpx
import jwt

from courtlink_shared.auth.principal import Principal, Role


class InvalidToken(Exception):
    """The bearer token is missing, malformed, expired, or not signed by a trusted key."""


class KeySet(Protocol):
    """Where the verifier finds the public key a token names."""

    def find(self, kid: str | None) -> jwt.PyJWK | None:
        """The signing key with this id (a token without `kid`: the only key), or None."""
        ...


def _signing_keys(jwks: dict[str, Any]) -> list[jwt.PyJWK]:
    """The RSA signature keys of a set; encryption keys and other algorithms are left out, not trusted."""
    keys = []
    for entry in jwks.get("keys", []):
        if entry.get("use", "sig") != "sig" or entry.get("alg", "RS256") != "RS256" or entry.get("kty") != "RSA":
            continue
        try:
            keys.append(jwt.PyJWK.from_dict(entry, algorithm="RS256"))
        except jwt.PyJWKError:
            continue
    return keys


class StaticKeySet:
    """A key set given once (the local development key pair)."""

    def __init__(self, jwks: dict[str, Any]) -> None:
        self._keys = {key.key_id: key for key in _signing_keys(jwks)}

    def find(self, kid: str | None) -> jwt.PyJWK | None:
        return self._keys.get(kid) if kid else next(iter(self._keys.values()), None)


class RemoteKeySet:
    """An identity provider's key set, fetched from its JWKS URL and cached.

    An unknown `kid` refetches the set once, but never sooner than `refetch_seconds` after the last fetch, so a
    stream of tokens with made-up key ids cannot turn the services into a load on the provider. The cache is also
    renewed after `max_age_seconds`, so a key the provider withdrew stops being trusted. Thread-safe: FastAPI runs
    the (synchronous) verification in worker threads.
    """

    def __init__(
        self,
        jwks_url: str | None = None,
        *,
        issuer: str | None = None,
        refetch_seconds: float = 10.0,
        max_age_seconds: float = 600.0,
        timeout_seconds: float = 5.0,
    ) -> None:
        if not jwks_url and not issuer:
            raise ValueError("a JWKS URL or an issuer to discover it from is needed")
        self._jwks_url = jwks_url
        self._issuer = issuer
        self._refetch_seconds = refetch_seconds
        self._max_age_seconds = max_age_seconds
        self._timeout = timeout_seconds
        self._keys: dict[str | None, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()
        self.fetches = 0

    def find(self, kid: str | None) -> jwt.PyJWK | None:
        with self._lock:
            now = time.monotonic()
            stale = self._fetched_at is None or now - self._fetched_at >= self._max_age_seconds
            unknown = (kid not in self._keys) if kid else len(self._keys) != 1
            may_refetch = self._fetched_at is None or now - self._fetched_at >= self._refetch_seconds
            if stale or (unknown and may_refetch):
                self._fetch()
            if kid:
                return self._keys.get(kid)
            return next(iter(self._keys.values())) if len(self._keys) == 1 else None

    def _fetch(self) -> None:
        self.fetches += 1
        # Counted as a fetch even when it fails, so an unreachable provider is not asked on every request.
        self._fetched_at = time.monotonic()
        try:
            url = self._jwks_url or self._discover()
            response = httpx.get(url, timeout=self._timeout)
            response.raise_for_status()
            self._keys = {key.key_id: key for key in _signing_keys(response.json())}
        except (httpx.HTTPError, ValueError) as exc:
            if not self._keys:
                raise InvalidToken(f"the identity provider's key set could not be fetched: {exc}") from exc

    def _discover(self) -> str:
        """The jwks_uri of the issuer's OpenID Connect discovery document (asked once)."""
        response = httpx.get(f"{self._issuer}/.well-known/openid-configuration", timeout=self._timeout)
        response.raise_for_status()
        self._jwks_url = str(response.json()["jwks_uri"])
        return self._jwks_url


DEFAULT_MAX_LIFETIME_SECONDS = 12 * 3600
REMEMBERED_TOKENS = 4096
REMEMBER_SECONDS = 60.0


class TokenVerifier:
    """Verifies tokens against a key set; only RS256 is accepted (never `none`, never HMAC).

    A bank's system or a signed-in person sends the same token with every request until it expires, and checking
    its signature again each time was a sixth of the CPU of a request. A token verified here is remembered (the
    exact string, at most REMEMBERED_TOKENS of them) for REMEMBER_SECONDS, never past its `exp`: `remembered`
    answers without any cryptography or I/O. The window bounds how long a key the provider has withdrawn is
    still trusted for a token already seen (besides the key set's own renewal). Thread-safe.
    """

    def __init__(
        self,
        jwks: dict[str, Any] | KeySet,
        *,
        issuer: str,
        audience: str,
        max_lifetime_seconds: float = DEFAULT_MAX_LIFETIME_SECONDS,
    ) -> None:
        self._keys: KeySet = StaticKeySet(jwks) if isinstance(jwks, dict) else jwks
        self._issuer = issuer
        self._audience = audience
        self._max_lifetime = max_lifetime_seconds
        self._remembered: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_settings(
        cls,
        *,
        jwks_file: str | None,
        jwks: str | None,
        issuer: str,
        audience: str,
        jwks_url: str | None = None,
        refetch_seconds: float = 10.0,
        max_lifetime_seconds: float = DEFAULT_MAX_LIFETIME_SECONDS,
    ) -> TokenVerifier:
        """Build from AUTH_JWKS / AUTH_JWKS_FILE (a fixed key set), else AUTH_JWKS_URL or an http(s) AUTH_ISSUER
        (the identity provider's keys); without any of them there is nothing to trust: refuse to start."""
        keys: dict[str, Any] | KeySet
        if jwks:
            keys = json.loads(jwks)
        elif jwks_file:
            keys = json.loads(Path(jwks_file).read_text())
        elif jwks_url or issuer.startswith(("https://", "http://")):
            keys = RemoteKeySet(jwks_url, issuer=issuer, refetch_seconds=refetch_seconds)
        else:
            raise RuntimeError(
                "no key set configured: set AUTH_JWKS_FILE (see `courtlink-token keygen`), "
                "or AUTH_ISSUER to the identity provider's issuer URL"
            )
        return cls(keys, issuer=issuer, audience=audience, max_lifetime_seconds=max_lifetime_seconds)

    def remembered(self, token: str) -> Principal | None:
        """The principal of a token verified within the last REMEMBER_SECONDS and not yet expired, else None (then
        call `verify`, which may fetch the provider's keys: off the event loop)."""
        with self._lock:
            entry = self._remembered.get(token)
            if entry is None:
                return None
            principal, until = entry
            if time.time() >= until:
                del self._remembered[token]
                return None
            return principal

    def verify(self, token: str) -> Principal:
        """The principal the token speaks for; raises InvalidToken."""
        principal, expires = self._verify(token)
        with self._lock:
            self._remembered[token] = (principal, min(expires, time.time() + REMEMBER_SECONDS))
            self._remembered.move_to_end(token)
            while len(self._remembered) > REMEMBERED_TOKENS:
                self._remembered.popitem(last=False)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
            key = self._keys.find(header.get("kid"))
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
        principal = Principal(subject=claims["sub"], roles=roles, organisation=organisation, name=claims.get("name"))
        return principal, float(claims["exp"])

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
