"""OpenID Connect, authorization-code flow with PKCE, as a confidential client.

The provider's endpoints come from its discovery document. Every sign-in carries a fresh `state` (matched on
return, so a forged callback is refused), `nonce` (checked inside the verified ID token) and PKCE verifier (S256).
The ID token is verified with the provider's JWKS: RS256 only, issuer, audience (our client id), expiry, nonce.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from console.sessions import PendingSignIn, Tokens


class SignInFailed(Exception):
    """The provider's answer cannot be trusted or used (wrong state, nonce, signature, or a refused code)."""


@dataclass(frozen=True)
class Endpoints:
    authorization: str
    token: str
    end_session: str | None
    jwks_uri: str


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OidcClient:
    """The console's client of the identity provider."""

    def __init__(self, *, issuer: str, client_id: str, client_secret: str, scope: str, redirect_uri: str) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.scope = scope
        self.redirect_uri = redirect_uri
        self.http = httpx.AsyncClient(timeout=10)
        self._endpoints: Endpoints | None = None
        self._keys: dict[str, jwt.PyJWK] = {}

    async def close(self) -> None:
        await self.http.aclose()

    async def endpoints(self) -> Endpoints:
        """The provider's endpoints (discovery, fetched once; raises httpx.HTTPError when it is unreachable)."""
        if self._endpoints is None:
            response = await self.http.get(f"{self.issuer}/.well-known/openid-configuration")
            response.raise_for_status()
            doc = response.json()
            self._endpoints = Endpoints(
                authorization=doc["authorization_endpoint"],
                token=doc["token_endpoint"],
                end_session=doc.get("end_session_endpoint"),
                jwks_uri=doc["jwks_uri"],
            )
        return self._endpoints

    async def authorization_url(self, return_to: str) -> tuple[str, str, PendingSignIn]:
        """Where to send the browser to sign in, the `state` it will come back with, and what to keep for then."""
        verifier, challenge = pkce_pair()
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.scope,
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "ui_locales": "zh-CN",
        }
        url = f"{(await self.endpoints()).authorization}?{urlencode(params)}"
        return url, state, PendingSignIn(code_verifier=verifier, nonce=nonce, return_to=return_to)

    async def exchange(self, code: str, pending: PendingSignIn) -> tuple[Tokens, dict[str, Any]]:
        """Tokens for the authorization code, and the verified ID token's claims."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": pending.code_verifier,
        }
        tokens = await self._token_request(form)
        claims = await self.verify_id_token(tokens.id_token, nonce=pending.nonce)
        return tokens, claims

    async def refresh(self, tokens: Tokens) -> Tokens:
        """New tokens from the refresh token (raises SignInFailed when the provider refuses: sign in again)."""
        if not tokens.refresh_token:
            raise SignInFailed("no refresh token")
        fresh = await self._token_request({"grant_type": "refresh_token", "refresh_token": tokens.refresh_token})
        if not fresh.id_token:
            fresh.id_token = tokens.id_token
        return fresh

    async def _token_request(self, form: dict[str, str]) -> Tokens:
        endpoints = await self.endpoints()
        response = await self.http.post(endpoints.token, data=form, auth=(self.client_id, self.client_secret))
        if response.status_code != 200:
            raise SignInFailed(f"the token endpoint answered {response.status_code}: {response.text[:200]}")
        body = response.json()
        return Tokens(
            access_token=body["access_token"],
            refresh_token=body.get("refresh_token"),
            id_token=body.get("id_token", ""),
            # renew a little early, so that a token never expires on its way to a service
            expires_at=time.monotonic() + float(body.get("expires_in", 60)) - 10,
        )

    async def verify_id_token(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        """The ID token's claims once its signature, issuer, audience, expiry and nonce are checked."""
        try:
            kid = jwt.get_unverified_header(id_token).get("kid", "")
            key = await self._key(kid)
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key=key,
                algorithms=["RS256"],
                audience=self.client_id,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise SignInFailed(f"the ID token is not valid: {exc}") from exc
        if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise SignInFailed("the ID token's nonce is not this sign-in's")
        return claims

    async def _key(self, kid: str) -> jwt.PyJWK:
        if kid not in self._keys:  # an unknown kid: the provider may have rotated its keys, fetch them again
            response = await self.http.get((await self.endpoints()).jwks_uri)
            response.raise_for_status()
            self._keys = {k["kid"]: jwt.PyJWK(k) for k in response.json()["keys"] if k.get("use", "sig") == "sig"}
        if kid not in self._keys:
            raise SignInFailed("the ID token is signed with an unknown key")
        return self._keys[kid]

    async def end_session_url(self, id_token: str, post_logout_redirect_uri: str) -> str | None:
        """Where to send the browser so that the provider's session ends too (None: the provider has no such end)."""
        endpoint = (await self.endpoints()).end_session
        if endpoint is None:
            return None
        params = {"id_token_hint": id_token, "post_logout_redirect_uri": post_logout_redirect_uri}
        return f"{endpoint}?{urlencode(params)}"
