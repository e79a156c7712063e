"""Sign-in through a real Keycloak: its tokens (a bank's system by client credentials, a demo person by password
grant through the scripts client) are accepted by a real service with the principal the realm gives them; a token
for another audience, an expired one, an HMAC one and one signed by a key Keycloak never published are refused;
a key added to Keycloak while the service runs signs tokens the service accepts without a restart."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import jwt
import pytest
from courtlink_shared.auth.tokens import RemoteKeySet
from courtlink_shared.infra import keycloak_local
from courtlink_shared.infra.keycloak_local import KeycloakInstance
from courtlink_shared.settings import ServiceSettings
from courtlink_shared.testing.apps import serving
from courtlink_shared.web.app_factory import create_service_app
from courtlink_shared.web.dependencies import PrincipalDep
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter
from intake.app import create_app as create_intake
from intake.settings import Settings as IntakeSettings
from system_fixtures import dispute

BANK_A = "91110000600037341L"  # bank-a-system's organisation in the realm file
MEDIATION_ORG = "52220101500000007C"

whoami = APIRouter()


@whoami.get("/whoami")
async def who(principal: PrincipalDep) -> dict[str, Any]:
    return {
        "subject": principal.subject,
        "roles": sorted(principal.roles),
        "organisation": principal.organisation,
        "name": principal.name,
    }


Client = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def service(
    keycloak: KeycloakInstance, database_url: str, kafka_bootstrap: str, topic_prefix: str
) -> AsyncIterator[Client]:
    """A factory of running apps trusting the session's Keycloak (`intake=True`: the intake service)."""
    async with AsyncExitStack() as stack:

        async def start(*, intake: bool = False, **overrides: Any) -> httpx.AsyncClient:
            common: dict[str, Any] = {
                "database_url": database_url,
                "kafka_bootstrap_servers": kafka_bootstrap,
                "kafka_topic_prefix": topic_prefix,
                "auth_issuer": keycloak.issuer,
                **overrides,
            }
            if intake:
                app = create_intake(IntakeSettings(**common))
            else:
                settings = ServiceSettings(service_name="whoami", **common)
                app = create_service_app(settings, title="t", description="t", routers=[whoami], configure_logs=False)
            return await stack.enter_async_context(serving(app, "service"))

        yield start


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def claims_of(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


async def test_a_bank_systems_client_credentials_token_is_accepted_with_the_banks_organisation(
    keycloak: KeycloakInstance, service: Client
) -> None:
    app = await service()
    token = keycloak_local.client_credentials_token(keycloak, "bank-a-system")
    answer = await app.get("/whoami", headers=bearer(token))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "subject": "bank-a-system",
        "roles": ["bank_operator"],
        "organisation": BANK_A,
        "name": None,
    }
    assert claims_of(token)["iss"] == keycloak.issuer


async def test_a_mediators_token_carries_her_id_roles_organisation_and_name(
    keycloak: KeycloakInstance, service: Client
) -> None:
    app = await service()
    keycloak_local.ensure_scripts_client(keycloak)
    answer = await app.get("/whoami", headers=bearer(keycloak_local.password_token(keycloak, "m-wang")))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "subject": "m-wang",
        "roles": ["mediator"],
        "organisation": MEDIATION_ORG,
        "name": "王调解",
    }


def test_every_demo_user_signs_in_with_the_role_and_organisation_the_realm_gives(keycloak: KeycloakInstance) -> None:
    keycloak_local.ensure_scripts_client(keycloak)
    users = keycloak_local.demo_users()
    assert {u.role for u in users} == {
        "bank_operator",
        "intake_clerk",
        "mediator",
        "mediation_org_admin",
        "trial_judge",
        "enforcement_officer",
        "advice_manager",
        "judicial_committee",
        "president",
        "agency_officer",
        "analyst",
    }
    for user in users:
        claims = claims_of(keycloak_local.password_token(keycloak, user.username))
        assert (claims["sub"], claims["roles"], claims["org"], claims["name"]) == (
            user.username,
            [user.role],
            user.organisation,
            user.name,
        )
        assert "courtlink" in ([claims["aud"]] if isinstance(claims["aud"], str) else claims["aud"])


def test_a_wrong_password_gets_no_token(keycloak: KeycloakInstance) -> None:
    keycloak_local.ensure_scripts_client(keycloak)
    with pytest.raises(httpx.HTTPStatusError) as refused:
        keycloak_local.password_token(keycloak, "bank-a", "not-the-password")
    assert refused.value.response.status_code == 400
    assert refused.value.response.json()["error"] == "invalid_grant"


def test_the_console_client_takes_only_the_authorization_code_flow_with_pkce(keycloak: KeycloakInstance) -> None:
    with keycloak_local.admin_api(keycloak) as api:
        console = api.get("/clients", params={"clientId": "courtlink-console"}).json()[0]
    assert console["publicClient"] is False
    assert console["standardFlowEnabled"] is True
    assert console["directAccessGrantsEnabled"] is False
    assert console["implicitFlowEnabled"] is False
    assert console["attributes"]["pkce.code.challenge.method"] == "S256"
    # Without a code challenge Keycloak refuses to start the flow.
    answer = httpx.get(
        f"{keycloak.issuer}/protocol/openid-connect/auth",
        params={
            "client_id": "courtlink-console",
            "response_type": "code",
            "redirect_uri": "http://127.0.0.1:8000/auth/callback",
            "scope": "openid",
            "state": "s",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 302
    assert "error=invalid_request" in answer.headers["location"]
    assert "code_challenge" in answer.headers["location"]


async def test_the_intake_service_scopes_a_keycloak_bank_to_its_own_disputes(
    keycloak: KeycloakInstance, service: Client
) -> None:
    intake = await service(intake=True, relay_poll_seconds=0.2)
    keycloak_local.ensure_scripts_client(keycloak)
    bank_system = bearer(keycloak_local.client_credentials_token(keycloak, "bank-a-system"))
    created = await intake.post("/disputes", json=dispute(1), headers=bank_system)
    assert created.status_code == 201, created.text
    path = f"/disputes/{created.json()['id']}"
    assert (
        await intake.get(path, headers=bearer(keycloak_local.password_token(keycloak, "bank-a")))
    ).status_code == 200
    assert (await intake.get(path, headers=bearer(keycloak_local.password_token(keycloak, "clerk")))).status_code == 200
    other_bank = bearer(keycloak_local.password_token(keycloak, "bank-b"))
    assert (await intake.get(path, headers=other_bank)).status_code == 404
    mediator = bearer(keycloak_local.password_token(keycloak, "m-wang"))
    assert (await intake.post("/disputes", json=dispute(2), headers=mediator)).status_code == 403


async def test_a_token_for_another_audience_is_refused(keycloak: KeycloakInstance, service: Client) -> None:
    app = await service(auth_audience="another-system")
    token = keycloak_local.client_credentials_token(keycloak, "bank-a-system")
    answer = await app.get("/whoami", headers=bearer(token))
    assert answer.status_code == 401
    assert "audience" in answer.json()["detail"].lower()


async def test_a_token_from_another_issuer_is_refused(keycloak: KeycloakInstance, service: Client) -> None:
    app = await service(auth_jwks_url=keycloak.jwks_url, auth_issuer="http://127.0.0.1:1/realms/elsewhere")
    answer = await app.get(
        "/whoami", headers=bearer(keycloak_local.client_credentials_token(keycloak, "bank-a-system"))
    )
    assert answer.status_code == 401
    assert "issuer" in answer.json()["detail"].lower()


async def test_an_expired_keycloak_token_is_refused(keycloak: KeycloakInstance, service: Client) -> None:
    app = await service()
    client_id = short_lived_client(keycloak, lifespan_seconds=1)
    async with httpx.AsyncClient() as http:
        response = await http.post(
            keycloak.token_url,
            data={
                "grant_type": "password",
                "client_id": client_id,
                "username": "bank-a",
                "password": keycloak_local.DEMO_PASSWORD,
            },
        )
    response.raise_for_status()
    token = response.json()["access_token"]
    claims = claims_of(token)
    assert claims["exp"] - claims["iat"] == 1
    await asyncio.sleep(max(0.0, claims["exp"] - time.time()) + 1.1)
    answer = await app.get("/whoami", headers=bearer(token))
    assert answer.status_code == 401
    assert "expired" in answer.json()["detail"].lower()


async def test_an_hmac_token_keyed_with_keycloaks_public_key_is_refused(
    keycloak: KeycloakInstance, service: Client
) -> None:
    app = await service()
    real = keycloak_local.client_credentials_token(keycloak, "bank-a-system")
    kid = jwt.get_unverified_header(real)["kid"]
    async with httpx.AsyncClient() as http:
        jwks = (await http.get(keycloak.jwks_url)).json()
    public = jwt.PyJWK.from_dict(next(k for k in jwks["keys"] if k["kid"] == kid)).key
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    forged = hmac_token({"alg": "HS256", "typ": "JWT", "kid": kid}, claims_of(real), pem)
    answer = await app.get("/whoami", headers=bearer(forged))
    assert answer.status_code == 401
    assert (await app.get("/whoami", headers=bearer(real))).status_code == 200


async def test_a_token_signed_by_a_key_keycloak_never_published_is_refused(
    keycloak: KeycloakInstance, service: Client
) -> None:
    app = await service()
    real = keycloak_local.client_credentials_token(keycloak, "bank-a-system")
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for kid in ("not-a-keycloak-key", jwt.get_unverified_header(real)["kid"]):
        forged = jwt.encode(claims_of(real), stranger, algorithm="RS256", headers={"kid": kid})
        answer = await app.get("/whoami", headers=bearer(forged))
        assert answer.status_code == 401, kid


def test_unknown_key_ids_refetch_the_key_set_at_most_once_per_interval(keycloak: KeycloakInstance) -> None:
    kid = jwt.get_unverified_header(keycloak_local.client_credentials_token(keycloak, "bank-a-system"))["kid"]
    keys = RemoteKeySet(issuer=keycloak.issuer, refetch_seconds=60)
    assert keys.find(kid) is not None
    assert keys.fetches == 1
    for made_up in ("a", "b", "c"):
        assert keys.find(made_up) is None
    assert keys.fetches == 1, "made-up key ids within the interval do not reach Keycloak"
    eager = RemoteKeySet(keycloak.jwks_url, refetch_seconds=0)
    assert eager.find(kid) is not None
    assert eager.find("a") is None
    assert eager.fetches == 2, "an unknown key id refetches once the interval has passed"


async def test_a_key_added_to_keycloak_signs_tokens_the_running_service_accepts(
    keycloak: KeycloakInstance, service: Client
) -> None:
    app = await service(auth_jwks_refetch_seconds=0.5)
    before = keycloak_local.client_credentials_token(keycloak, "bank-b-system")
    assert (await app.get("/whoami", headers=bearer(before))).status_code == 200
    old_kid = jwt.get_unverified_header(before)["kid"]
    with keycloak_local.admin_api(keycloak) as api:
        realm_id = api.get("").json()["id"]
        added = api.post(
            "/components",
            json={
                "name": f"rotated-{time.time_ns()}",
                "providerId": "rsa-generated",
                "providerType": "org.keycloak.keys.KeyProvider",
                "parentId": realm_id,
                "config": {
                    "priority": [str(1000 + time.time_ns() % 1000)],
                    "keySize": ["2048"],
                    "algorithm": ["RS256"],
                },
            },
        )
        assert added.status_code == 201, added.text
    await asyncio.sleep(0.6)  # past the service's refetch interval, which counts from its last fetch
    after = keycloak_local.client_credentials_token(keycloak, "bank-b-system")
    new_kid = jwt.get_unverified_header(after)["kid"]
    assert new_kid != old_kid, "Keycloak signs with the new, higher-priority key"
    answer = await app.get("/whoami", headers=bearer(after))
    assert answer.status_code == 200, answer.text
    assert answer.json()["organisation"] == "91220101W20000000Y"
    assert (await app.get("/whoami", headers=bearer(before))).status_code == 200, "the old key is still published"


def short_lived_client(keycloak: KeycloakInstance, *, lifespan_seconds: int) -> str:
    """A password-grant client whose access tokens live `lifespan_seconds`, with the realm's claim mappers."""
    client_id = f"short-lived-{lifespan_seconds}"
    with keycloak_local.admin_api(keycloak) as api:
        if not api.get("/clients", params={"clientId": client_id}).json():
            console = api.get("/clients", params={"clientId": "courtlink-console"}).json()[0]
            mappers = [{k: v for k, v in m.items() if k != "id"} for m in console["protocolMappers"]]
            created = api.post(
                "/clients",
                json={
                    "clientId": client_id,
                    "publicClient": True,
                    "standardFlowEnabled": False,
                    "directAccessGrantsEnabled": True,
                    "attributes": {"access.token.lifespan": str(lifespan_seconds)},
                    "protocolMappers": mappers,
                },
            )
            assert created.status_code == 201, created.text
    return client_id


def hmac_token(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    """An HS256 token keyed with the public key: the classic algorithm-confusion attack."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"
