"""The running system a browser test talks to, and the demo realm's people."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from courtlink_shared.infra import keycloak_local
from courtlink_shared.infra.keycloak_local import KeycloakInstance
from courtlink_shared.infra.service_processes import ServiceProcess


@dataclass
class System:
    """The running system the browser talks to, and the demo realm's people."""

    keycloak: KeycloakInstance
    console: str
    services: dict[str, ServiceProcess]
    users: dict[str, keycloak_local.DemoUser]
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:6].upper())

    def token(self, username: str) -> dict[str, str]:
        """A demo user's bearer header (password grant of the scripts client), for setting up data."""
        return {"Authorization": f"Bearer {keycloak_local.password_token(self.keycloak, username)}"}

    def call(self, service: str, method: str, path: str, username: str, **kwargs: Any) -> Any:
        response = httpx.request(
            method, self.services[service].url + path, headers=self.token(username), timeout=30, **kwargs
        )
        assert response.status_code < 400, f"{method} {path}: {response.status_code} {response.text[:300]}"
        return response.json() if response.content else None


def console_env(keycloak: KeycloakInstance, port: int, urls: dict[str, str]) -> dict[str, str]:
    """The console's settings for a process on 127.0.0.1:port in front of these services (name → URL)."""
    return {
        "CONSOLE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "OIDC_ISSUER": keycloak.issuer,
        "OIDC_CLIENT_ID": keycloak_local.CONSOLE_CLIENT,
        "OIDC_CLIENT_SECRET": keycloak.console_client_secret,
        **{f"{name.upper().replace('-', '_')}_URL": url for name, url in urls.items()},
        "LOG_LEVEL": "WARNING",
    }
