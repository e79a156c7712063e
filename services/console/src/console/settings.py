"""The console's settings, from environment variables (pydantic-settings); each is in the README's table."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConsoleSettings(BaseSettings):
    """Where the identity provider and the services are, and how the session cookie is set."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    console_public_url: str = Field(
        default="http://127.0.0.1:8000", description="The console's address as the browser sees it (redirect URIs)."
    )
    oidc_issuer: str = Field(
        default="http://127.0.0.1:8180/realms/courtlink", description="The OpenID Connect issuer (Keycloak realm)."
    )
    oidc_client_id: str = Field(default="courtlink-console", description="The console's client id.")
    oidc_client_secret: str = Field(default="", description="The console's client secret (confidential client).")
    oidc_scope: str = Field(default="openid profile", description="Scopes the console asks for.")
    intake_url: str = Field(default="http://127.0.0.1:8001", description="The intake service.")
    finance_mediation_url: str = Field(default="http://127.0.0.1:8002", description="The finance-mediation service.")
    enforcement_inquiry_url: str = Field(
        default="http://127.0.0.1:8003", description="The enforcement-inquiry service."
    )
    judicial_advice_url: str = Field(default="http://127.0.0.1:8004", description="The judicial-advice service.")
    service_timeout_seconds: float = Field(default=10.0, description="Upper bound of one call to a service.")
    session_cookie_secure: bool = Field(default=False, description="Send the session cookie over HTTPS only.")
    session_idle_minutes: int = Field(default=60, description="A session unused this long is forgotten.")
    log_level: str = Field(default="INFO", description="Python log level.")
