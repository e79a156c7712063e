"""A service app built with the platform's factory, on real PostgreSQL and Kafka: authentication, role checks,
organisation scoping (404 for another organisation's object), problem+json errors, health and metrics."""

from __future__ import annotations

import asyncio
import base64
import gc
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

import asyncpg
import httpx
import jwt
import pytest
from asgi_lifespan import LifespanManager
from courtlink_shared.auth import tokens
from courtlink_shared.auth.dev_tokens import JWKS, generate_key_pair, mint_token
from courtlink_shared.auth.dev_tokens import main as token_main
from courtlink_shared.auth.principal import Principal, Role
from courtlink_shared.auth.tokens import InvalidToken, TokenVerifier
from courtlink_shared.garbage_collection import MIDDLE_EVERY, OLD_EVERY, YOUNG_EVERY
from courtlink_shared.identifiers.money import Money
from courtlink_shared.infra.processes import listen_ports
from courtlink_shared.inputs import StrictInput
from courtlink_shared.settings import ServiceSettings
from courtlink_shared.testing.waiting import eventually
from courtlink_shared.web.app_factory import create_service_app
from courtlink_shared.web.dependencies import SessionDep, ensure_visible, require_roles, scoped_to
from courtlink_shared.web.problems import NotFound, database_unavailable
from fastapi import APIRouter, Depends, FastAPI
from pydantic import Field
from sqlalchemy import Column, Integer, MetaData, String, Table, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import create_async_engine

BANK_A, BANK_B = "91110000600037341L", "91310000132149237G"
notes = Table(
    "notes",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("bank", String(18)),
    Column("text", String(200)),
)

BankOperator = Annotated[Principal, Depends(require_roles(Role.BANK_OPERATOR))]


class NoteIn(StrictInput):
    text: str = Field(min_length=1, max_length=200)
    amount: Money
    tags: list[str] = Field(default_factory=list)


router = APIRouter()


@router.get("/notes")
async def list_notes(session: SessionDep, principal: BankOperator, text: str | None = None) -> list[str]:
    query = select(notes.c.text).where(scoped_to(notes.c.bank, principal)).order_by(notes.c.id)
    if text is not None:
        query = query.where(notes.c.text == text)
    rows = await session.execute(query)
    return list(rows.scalars())


@router.get("/notes/{note_id}")
async def get_note(note_id: int, session: SessionDep, principal: BankOperator) -> dict[str, str]:
    row = (await session.execute(select(notes).where(notes.c.id == note_id))).first()
    if row is None:
        raise NotFound("note not found")
    ensure_visible(row.bank, principal, "note")
    return {"text": row.text}


@router.post("/notes", status_code=201)
async def add_note(body: NoteIn, session: SessionDep, principal: BankOperator) -> dict[str, str]:
    await session.execute(notes.insert().values(bank=principal.organisation, text=body.text))
    await session.commit()
    return {"text": body.text, "amount": str(body.amount)}


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("secret internals")


@router.get("/unreachable-database")
async def unreachable_database() -> None:
    """A query to a PostgreSQL that is down: a real connection refused, as during a restart."""
    engine = create_async_engine(f"postgresql+asyncpg://nobody@127.0.0.1:{listen_ports(1)[0]}/none")
    try:
        async with engine.connect() as conn:
            await conn.execute(select(1))
    finally:
        await engine.dispose()


def _notes_app(database_url: str, kafka_bootstrap: str, topic_prefix: str, keys_dir: Path) -> FastAPI:
    """A service app serving the notes router on the test's database and broker."""
    settings = ServiceSettings(
        service_name="test-service",
        database_url=database_url,
        kafka_bootstrap_servers=kafka_bootstrap,
        kafka_topic_prefix=topic_prefix,
        auth_jwks_file=str(keys_dir / "jwks.json"),
    )
    return create_service_app(settings, title="t", description="t", routers=[router], configure_logs=False)


@pytest.fixture
async def client(
    database_url: str, kafka_bootstrap: str, topic_prefix: str, keys_dir: Path
) -> AsyncIterator[httpx.AsyncClient]:
    app = _notes_app(database_url, kafka_bootstrap, topic_prefix, keys_dir)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60) as manager:
        runtime = app.state.runtime
        async with runtime.engine.begin() as conn:
            await conn.run_sync(notes.metadata.create_all)
            await conn.execute(
                notes.insert(), [{"id": 1, "bank": BANK_A, "text": "a"}, {"id": 2, "bank": BANK_B, "text": "b"}]
            )
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


def bearer(
    keys_dir: Path, role: Role = Role.BANK_OPERATOR, org: str = BANK_A, ttl_seconds: int = 3600
) -> dict[str, str]:
    token = mint_token(keys_dir, subject="alice", roles=[role], organisation=org, ttl_seconds=ttl_seconds)
    return {"Authorization": f"Bearer {token}"}


def hmac_token(claims: dict[str, object], secret: str) -> str:
    """An HS256 token keyed with the public key: the classic algorithm-confusion attack."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = b64(b'{"alg":"HS256","typ":"JWT"}') + "." + b64(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64(signature)


class TestAuthentication:
    async def test_no_token_is_401_problem_with_a_bearer_challenge(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/notes")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["title"] == "Authentication required"

    async def test_expired_token_is_401(self, client: httpx.AsyncClient, keys_dir: Path) -> None:
        response = await client.get("/notes", headers=bearer(keys_dir, ttl_seconds=-10))
        assert response.status_code == 401
        assert "expired" in response.json()["detail"]

    async def test_a_token_accepted_before_is_refused_once_it_expires(
        self, client: httpx.AsyncClient, keys_dir: Path
    ) -> None:
        headers = bearer(keys_dir, ttl_seconds=2)
        assert (await client.get("/notes", headers=headers)).status_code == 200  # verified, and remembered
        await asyncio.sleep(2.1)
        response = await client.get("/notes", headers=headers)
        assert response.status_code == 401
        assert "expired" in response.json()["detail"]

    async def test_token_from_an_untrusted_key_is_401(self, client: httpx.AsyncClient, tmp_path: Path) -> None:
        generate_key_pair(tmp_path)
        response = await client.get("/notes", headers=bearer(tmp_path))
        assert response.status_code == 401

    async def test_unsigned_and_hmac_tokens_are_401(self, client: httpx.AsyncClient, keys_dir: Path) -> None:
        claims = {
            "sub": "x",
            "roles": ["bank_operator"],
            "org": BANK_A,
            "iss": "courtlink-dev",
            "aud": "courtlink",
            "iat": int(time.time()),
            "exp": int(time.time()) + 60,
        }
        public = json.loads((keys_dir / "jwks.json").read_text())["keys"][0]
        for token in (jwt.encode(claims, key="", algorithm="none"), hmac_token(claims, json.dumps(public))):
            response = await client.get("/notes", headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 401


class TestAuthorisation:
    async def test_wrong_role_is_403(self, client: httpx.AsyncClient, keys_dir: Path) -> None:
        response = await client.get("/notes", headers=bearer(keys_dir, role=Role.ANALYST))
        assert response.status_code == 403
        assert "bank_operator" in response.json()["detail"]

    async def test_own_object_is_visible(self, client: httpx.AsyncClient, keys_dir: Path) -> None:
        response = await client.get("/notes/1", headers=bearer(keys_dir, org=BANK_A))
        assert response.json() == {"text": "a"}

    async def test_another_organisations_object_is_404_like_a_missing_one(
        self, client: httpx.AsyncClient, keys_dir: Path
    ) -> None:
        other = await client.get("/notes/2", headers=bearer(keys_dir, org=BANK_A))
        missing = await client.get("/notes/99", headers=bearer(keys_dir, org=BANK_A))
        assert other.status_code == missing.status_code == 404
        assert other.json()["detail"] == missing.json()["detail"]

    async def test_lists_are_scoped_to_the_callers_organisation(
        self, client: httpx.AsyncClient, keys_dir: Path
    ) -> None:
        assert (await client.get("/notes", headers=bearer(keys_dir, org=BANK_B))).json() == ["b"]


class TestProblems:
    async def test_bad_input_gets_field_by_field_errors_in_english_and_chinese(
        self, client: httpx.AsyncClient, keys_dir: Path
    ) -> None:
        response = await client.post("/notes", json={"text": "", "amount": "1.234"}, headers=bearer(keys_dir))
        assert response.status_code == 422
        body = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        fields = {e["field"]: e for e in body["errors"]}
        assert set(fields) == {"body.text", "body.amount"}
        assert fields["body.text"]["message_zh"] == "内容过短"
        assert fields["body.text"]["message_zh_complete"] is False, "the English says which bound"
        assert body["correlation_id"] == response.headers["x-correlation-id"]
        assert (await client.get("/notes", headers=bearer(keys_dir))).json() == ["a"], "nothing was written"

    async def test_malformed_json_is_422_not_500(self, client: httpx.AsyncClient, keys_dir: Path) -> None:
        response = await client.post(
            "/notes", content=b"{not json", headers={**bearer(keys_dir), "content-type": "application/json"}
        )
        assert response.status_code == 422

    async def test_an_unexpected_failure_is_a_problem_without_internals(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/boom", headers={"X-Correlation-ID": "req-42"})
        assert response.status_code == 500
        assert response.json()["correlation_id"] == "req-42"
        assert "secret" not in response.text

    async def test_an_unreachable_database_is_503_with_retry_after(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/unreachable-database")
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert int(response.headers["Retry-After"]) > 0
        assert response.json()["type"].endswith("/unavailable")


class TestDatabaseUnavailable:
    """Which failures mean "the database is away, retry" (503) rather than a fault (500)."""

    def test_refused_and_restarting_connections_wrapped_by_sqlalchemy(self) -> None:
        refused = sa_exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("refused"))
        assert database_unavailable(refused)
        shutting_down = sa_exc.DBAPIError("SELECT 1", {}, Exception("the database system is shutting down"))
        shutting_down.__cause__ = asyncpg.AdminShutdownError("terminating connection due to administrator command")
        assert database_unavailable(shutting_down)
        invalidated = sa_exc.DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True)
        assert database_unavailable(invalidated)

    def test_faults_of_the_request_or_the_code_are_not(self) -> None:
        assert not database_unavailable(RuntimeError("bug"))
        assert not database_unavailable(sa_exc.IntegrityError("INSERT", {}, Exception("duplicate key")))


async def test_a_serving_service_freezes_what_it_started_with_and_collects_less_often(
    database_url: str, kafka_bootstrap: str, topic_prefix: str, keys_dir: Path
) -> None:
    app = _notes_app(database_url, kafka_bootstrap, topic_prefix, keys_dir)
    before = gc.get_threshold()
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60):
        assert gc.get_freeze_count() > 10_000  # modules, mappers, routes: everything built while starting
        assert gc.get_threshold() == (YOUNG_EVERY, MIDDLE_EVERY, OLD_EVERY)
    assert (gc.get_freeze_count(), gc.get_threshold()) == (0, before)


class TestOperations:
    async def test_health_and_readiness_on_real_database_and_kafka(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/healthz")).json() == {"status": "ok"}

        async def ready_once_the_calendar_consumer_joined() -> bool:
            return (await client.get("/readyz")).status_code == 200

        await eventually(ready_once_the_calendar_consumer_joined, what="readiness")
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        checks = ready.json()["checks"]
        assert (checks["database"], checks["kafka"]) == (True, True)
        assert all(checks.values())  # the consumer of the official calendar included

    async def test_metrics_count_requests(self, client: httpx.AsyncClient) -> None:
        await client.get("/healthz")
        text = (await client.get("/metrics")).text
        assert (
            'courtlink_http_requests_total{method="GET",route="/healthz",service="test-service",status="200"}' in text
        )
        assert "courtlink_outbox_backlog" in text


class TestRememberedTokens:
    """A token verified once is answered from memory (no signature check), never past its expiry or the window."""

    def verifier(self, keys_dir: Path) -> TokenVerifier:
        generate_key_pair(keys_dir)
        return TokenVerifier(json.loads((keys_dir / JWKS).read_text()), issuer="courtlink-dev", audience="courtlink")

    def test_a_verified_token_is_remembered_with_its_principal(self, keys_dir: Path) -> None:
        verifier = self.verifier(keys_dir)
        token = mint_token(keys_dir, subject="alice", roles=[Role.BANK_OPERATOR], organisation=BANK_A)
        assert verifier.remembered(token) is None
        principal = verifier.verify(token)
        assert verifier.remembered(token) == principal
        assert (principal.subject, principal.organisation) == ("alice", BANK_A)

    def test_a_refused_token_is_not_remembered(self, keys_dir: Path, tmp_path: Path) -> None:
        verifier = self.verifier(keys_dir)
        generate_key_pair(tmp_path / "other")
        foreign = mint_token(tmp_path / "other", subject="eve", roles=[Role.BANK_OPERATOR], organisation=BANK_A)
        with pytest.raises(InvalidToken):
            verifier.verify(foreign)
        assert verifier.remembered(foreign) is None

    def test_memory_is_bounded_and_forgets_the_least_recent(
        self, keys_dir: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(tokens, "REMEMBERED_TOKENS", 2)
        verifier = self.verifier(keys_dir)
        first, second, third = (
            mint_token(keys_dir, subject=name, roles=[Role.BANK_OPERATOR], organisation=BANK_A)
            for name in ("a", "b", "c")
        )
        for token in (first, second, third):
            verifier.verify(token)
        assert verifier.remembered(first) is None
        assert verifier.remembered(second) is not None
        assert verifier.remembered(third) is not None

    def test_a_token_is_remembered_only_for_the_window(self, keys_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(tokens, "REMEMBER_SECONDS", 0.2)
        verifier = self.verifier(keys_dir)
        token = mint_token(keys_dir, subject="alice", roles=[Role.BANK_OPERATOR], organisation=BANK_A)
        verifier.verify(token)
        time.sleep(0.3)
        assert verifier.remembered(token) is None, "checked again after the window (a withdrawn key stops counting)"


def test_the_token_command_mints_a_verifiable_token(keys_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token_main(["--dir", str(keys_dir), "mint", "--role", "trial_judge", "--org", "吉7101", "--sub", "judge-1"])
    claims = jwt.decode(capsys.readouterr().out.strip(), options={"verify_signature": False})
    assert (claims["roles"], claims["org"], claims["sub"]) == (["trial_judge"], "吉7101", "judge-1")


def test_a_key_pair_generated_anew_signs_the_next_token(tmp_path: Path) -> None:
    """The private key is loaded once per key pair: a pair replaced in the same folder signs with the new key."""
    directory = tmp_path / "keys"
    first = mint_token(directory, subject="judge-1", roles=[Role.TRIAL_JUDGE], organisation="吉7101")
    (directory / "private.pem").unlink()
    (directory / JWKS).unlink()
    generate_key_pair(directory)
    second = mint_token(directory, subject="judge-1", roles=[Role.TRIAL_JUDGE], organisation="吉7101")
    jwks = json.loads((directory / JWKS).read_text())
    verifier = TokenVerifier(jwks, issuer="courtlink-dev", audience="courtlink")
    assert verifier.verify(second).subject == "judge-1"
    with pytest.raises(InvalidToken):
        verifier.verify(first)


class TestUnstorableText:
    """Text PostgreSQL cannot store (found by fuzzing: it answered 500) is refused as bad input, nothing stored."""

    @pytest.mark.parametrize(
        "body",
        [
            '{"text": "a\\u0000b", "amount": "1.00"}',
            '{"text": "ok", "amount": "1.00", "tags": ["x\\ud800"]}',
        ],
    )
    async def test_in_a_body(self, client: httpx.AsyncClient, keys_dir: Path, body: str) -> None:
        headers = {**bearer(keys_dir), "Content-Type": "application/json"}
        response = await client.post("/notes", content=body.encode(), headers=headers)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] in {"body.text", "body.tags"}
        assert (await client.get("/notes", headers=bearer(keys_dir))).json() == ["a"]

    @pytest.mark.parametrize("address", ["/notes?text=a%00", "/notes/%00", "/notes?t%00=1"])
    async def test_in_the_address(self, client: httpx.AsyncClient, keys_dir: Path, address: str) -> None:
        response = await client.get(address, headers=bearer(keys_dir))
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
