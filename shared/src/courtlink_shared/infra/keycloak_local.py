"""A real Keycloak (OpenID Connect provider) from its Maven Central distribution, run with a Java 21+ JDK.

The zip is fetched once with Maven from deploy/local/keycloak/pom.xml into the cache, unpacked and built there
(`kc.sh build`: the dev-file database and health checks are fixed at build time, so every start can be
`--optimized`). Each instance runs from a hard-linked copy of that build with its own `data/` (H2 file database),
listens on 127.0.0.1 only, and imports deploy/local/keycloak/courtlink-realm.json at start (an existing realm is
kept). A new instance's database starts as a copy of a seed made once per realm file (schema and import are most
of a fresh start). Client secrets and the bootstrap admin's password are generated with the seed and kept in each
instance's state folder.
Starting an instance that already runs returns it unchanged; stopping leaves no process behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import time
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from courtlink_shared.infra.paths import cache_dir, instance_dir, repository_root
from courtlink_shared.infra.processes import (
    InfraError,
    listen_ports,
    port_open,
    read_pid,
    stop_process_group,
    wait_until,
)

REALM = "courtlink"
CONSOLE_CLIENT = "courtlink-console"
BANK_CLIENTS = ("bank-a-system", "bank-b-system")
SCRIPTS_CLIENT = "courtlink-scripts"
ADMIN_USERNAME = "admin"
DEMO_PASSWORD = "courtlink-demo"  # noqa: S105 - the demo realm's users, printed by ./run
MINIMUM_JAVA = 21

# Fixed when the distribution is built; changing them means a new build (the marker records them).
_BUILD_OPTIONS = ["--db=dev-file", "--health-enabled=true"]
# Startup over peak speed for a local, lightly loaded server: the C1 compiler only (measured on two busy cores:
# ready in about 46 s instead of 67-108 s from a seeded database). kc.sh's own options choose collector and heap.
_JAVA_OPTS = "-XX:TieredStopAtLevel=1"


@dataclass(frozen=True)
class KeycloakInstance:
    """A running local Keycloak and what a client needs to talk to it."""

    name: str
    port: int
    pid: int
    secrets: dict[str, str] = field(repr=False)
    start_seconds: float | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        """The `iss` of the courtlink realm's tokens."""
        return issuer_at(self.port)

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/certs"

    @property
    def token_url(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/token"

    @property
    def console_client_secret(self) -> str:
        return self.secrets[CONSOLE_CLIENT]

    @property
    def client_secrets(self) -> dict[str, str]:
        """Secrets of the confidential clients (the console and the banks' systems)."""
        return {k: v for k, v in self.secrets.items() if k != ADMIN_USERNAME}

    @property
    def admin_password(self) -> str:
        """The bootstrap administrator of the master realm (user `admin`)."""
        return self.secrets[ADMIN_USERNAME]


def issuer_at(port: int) -> str:
    """The courtlink realm's issuer on a local Keycloak listening on port."""
    return f"http://127.0.0.1:{port}/realms/{REALM}"


def planned_port(name: str) -> int:
    """The port instance `name` listens on: its own if it ran before, else a free one to give its first start."""
    stored = _state(name) / "port"
    return int(stored.read_text()) if stored.is_file() else listen_ports(1)[0]


def keycloak_version() -> str:
    """The Keycloak version pinned in deploy/local/keycloak/pom.xml."""
    match = re.search(r"<keycloak.version>([^<]+)</keycloak.version>", _pom().read_text())
    if not match:
        raise InfraError("deploy/local/keycloak/pom.xml does not pin <keycloak.version>")
    return match.group(1)


def realm_file() -> Path:
    """The realm definition imported at start."""
    return repository_root() / "deploy" / "local" / "keycloak" / "courtlink-realm.json"


def _pom() -> Path:
    return repository_root() / "deploy" / "local" / "keycloak" / "pom.xml"


def _java_major(home: Path) -> int | None:
    """The feature version of the JDK at home (from its `release` file), or None if it is no JDK."""
    try:
        release = (home / "release").read_text()
    except OSError:
        return None
    match = re.search(r'^JAVA_VERSION="(\d+)', release, re.MULTILINE)
    if not match or not (home / "bin" / "java").is_file():
        return None
    return int(match.group(1))


def find_java_home(jvm: Path = Path("/usr/lib/jvm")) -> Path:
    """A JDK of version 21 or newer for Keycloak alone: $KEYCLOAK_JAVA_HOME, $JAVA_HOME, else the newest under
    /usr/lib/jvm (the machine's default java may stay older for the Kafka broker)."""
    candidates = [Path(os.environ[v]) for v in ("KEYCLOAK_JAVA_HOME", "JAVA_HOME") if os.environ.get(v)]
    installed = sorted(jvm.iterdir()) if jvm.is_dir() else []
    found = [(v, home) for home in installed if (v := _java_major(home)) is not None]
    candidates += [home for _, home in sorted(found, key=lambda vh: vh[0], reverse=True)]
    for home in candidates:
        version = _java_major(home)
        if version is not None and version >= MINIMUM_JAVA:
            return home
    raise InfraError(
        f"Keycloak needs Java {MINIMUM_JAVA} or newer and no such JDK is in $KEYCLOAK_JAVA_HOME, $JAVA_HOME or "
        f"{jvm}: install one (for example Temurin 21 or 25) or point KEYCLOAK_JAVA_HOME at it."
    )


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock between processes (parallel test sessions share the cache)."""
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_distribution() -> Path:
    """The built Keycloak distribution for the pinned version, fetched and built on first use."""
    version = keycloak_version()
    dist = cache_dir() / f"keycloak-{version}"
    marker = dist / ".courtlink-built"
    wanted = " ".join(_BUILD_OPTIONS)
    if marker.is_file() and marker.read_text() == wanted:
        return dist
    java_home = find_java_home()
    with _locked(cache_dir() / f"keycloak-{version}.lock"):
        if marker.is_file() and marker.read_text() == wanted:
            return dist
        archive = _download(version)
        if dist.exists():
            shutil.rmtree(dist)
        unpacking = cache_dir() / f"keycloak-{version}.unpacking"
        shutil.rmtree(unpacking, ignore_errors=True)
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(unpacking)
        (unpacking / f"keycloak-{version}").rename(dist)
        shutil.rmtree(unpacking, ignore_errors=True)
        for script in (dist / "bin").glob("*.sh"):
            script.chmod(0o755)  # zipfile does not restore permissions
        build = subprocess.run(
            [str(dist / "bin" / "kc.sh"), "build", *_BUILD_OPTIONS],
            env={**os.environ, "JAVA_HOME": str(java_home)},
            capture_output=True,
            text=True,
            check=False,
        )
        if build.returncode != 0:
            raise InfraError("kc.sh build failed:\n" + (build.stdout + build.stderr)[-2000:])
        marker.write_text(wanted)
    return dist


def _download(version: str) -> Path:
    archive = cache_dir() / "downloads" / f"keycloak-quarkus-dist-{version}.zip"
    if archive.is_file():
        return archive
    mvn = shutil.which("mvn")
    if mvn is None:
        raise InfraError("`mvn` was not found on PATH: install Apache Maven (the `maven` package) to fetch Keycloak.")
    result = subprocess.run(
        [mvn, "-q", "-B", "-f", str(_pom()), "dependency:copy-dependencies", f"-DoutputDirectory={archive.parent}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or not archive.is_file():
        raise InfraError("Maven could not fetch Keycloak:\n" + (result.stdout + result.stderr)[-2000:])
    return archive


def _state(name: str) -> Path:
    return instance_dir("keycloak", name)


def _instance_home(state: Path, dist: Path) -> Path:
    """The instance's own copy of the build: hard links (no space, no time), with a private data/ folder."""
    home = state / "home"
    origin = state / "home-from"
    if home.is_dir() and origin.is_file() and origin.read_text() == str(dist):
        return home
    shutil.rmtree(home, ignore_errors=True)

    def link(source: str, target: str) -> None:
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)

    def own_data(directory: str, names: list[str]) -> list[str]:
        return ["data"] if Path(directory) == dist else []

    shutil.copytree(dist, home, copy_function=link, ignore=own_data)
    origin.write_text(str(dist))
    return home


def _load_secrets(state: Path) -> dict[str, str]:
    path = state / "secrets.json"
    if path.is_file():
        stored: dict[str, str] = json.loads(path.read_text())
        return stored
    generated = {name: secrets.token_urlsafe(24) for name in (CONSOLE_CLIENT, *BANK_CLIENTS, ADMIN_USERNAME)}
    path.write_text(json.dumps(generated))
    path.chmod(0o600)
    return generated


def _secret_env(values: dict[str, str]) -> dict[str, str]:
    """The environment the realm file's placeholders read (`${COURTLINK_CONSOLE_CLIENT_SECRET}`, …)."""
    env = {"COURTLINK_DEMO_PASSWORD": DEMO_PASSWORD}
    for client, value in values.items():
        if client in BANK_CLIENTS:
            env[f"COURTLINK_{client.upper().replace('-', '_')}_SECRET"] = value
    env["COURTLINK_CONSOLE_CLIENT_SECRET"] = values[CONSOLE_CLIENT]
    return env


def _realm_answers(issuer: str) -> bool:
    """Whether the realm serves its discovery document (so the import at start has finished)."""
    try:
        return httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def running(name: str) -> KeycloakInstance | None:
    """The instance called name if it runs and serves the realm, else None."""
    state = _state(name)
    pid = read_pid(state / "pid")
    if pid is None or not (state / "port").is_file():
        return None
    port = int((state / "port").read_text())
    instance = KeycloakInstance(name, port, pid, _load_secrets(state))
    return instance if port_open(port) and _realm_answers(instance.issuer) else None


def _seed_dir() -> Path:
    """Where the database made once for this Keycloak version, build and realm file is kept."""
    digest = hashlib.sha256(realm_file().read_bytes() + " ".join(_BUILD_OPTIONS).encode()).hexdigest()[:12]
    return cache_dir() / f"keycloak-{keycloak_version()}-seed-{digest}"


def _plant_seed(state: Path, data: Path, timeout: float) -> None:
    """Give a new instance a copy of the seed database: its schema made and the realm imported once per realm
    file, not at every fresh start (that is most of a fresh start). The seed's secrets come with it."""
    seed = _seed_dir()
    if not (seed / ".complete").is_file():
        with _locked(seed.with_name(seed.name + ".lock")):
            if not (seed / ".complete").is_file():
                maker = f"seed-{uuid.uuid4().hex[:8]}"
                try:
                    start(maker, fresh=True, timeout=timeout, seeded=False)
                finally:
                    stop(maker)  # a clean shutdown closes the database file
                made = _state(maker)
                shutil.rmtree(seed, ignore_errors=True)
                shutil.copytree(made / "home" / "data" / "h2", seed / "h2")
                shutil.copyfile(made / "secrets.json", seed / "secrets.json")
                (seed / ".complete").write_text(keycloak_version())
                stop(maker, remove_data=True)
    shutil.copytree(seed / "h2", data / "h2")
    shutil.copyfile(seed / "secrets.json", state / "secrets.json")


def start(
    name: str = "dev",
    *,
    port: int | None = None,
    fresh: bool = False,
    timeout: float = 600.0,  # a first start on two busy cores has taken over 200 s
    seeded: bool = True,
) -> KeycloakInstance:
    """Start (or return the already running) Keycloak `name`; `fresh` wipes its database first. A new database
    is a copy of the seed (see _plant_seed) unless `seeded` is false."""
    existing = running(name)
    if existing is not None:
        return existing
    java_home = find_java_home()
    dist = ensure_distribution()
    state = _state(name)
    home = _instance_home(state, dist)
    data = home / "data"
    if fresh and data.exists():
        shutil.rmtree(data)
        (state / "secrets.json").unlink(missing_ok=True)
    if seeded and not (data / "h2").exists():
        data.mkdir(parents=True, exist_ok=True)
        _plant_seed(state, data, timeout)
    (data / "import").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(realm_file(), data / "import" / realm_file().name)
    values = _load_secrets(state)
    stored = int((state / "port").read_text()) if (state / "port").is_file() else None
    # Below the ephemeral range (listen_ports), so that a restart finds its port still free.
    http_port, management_port = listen_ports(2)
    port = port or stored or http_port
    while management_port == port:
        management_port = listen_ports(1)[0]
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        **_secret_env(values),
        "JAVA_HOME": str(java_home),
        "JAVA_OPTS_APPEND": _JAVA_OPTS,
        # Only read when the master realm is created, i.e. on the first start of this instance.
        "KC_BOOTSTRAP_ADMIN_USERNAME": ADMIN_USERNAME,
        "KC_BOOTSTRAP_ADMIN_PASSWORD": values[ADMIN_USERNAME],
    }
    command = [
        str(home / "bin" / "kc.sh"),
        "start",
        "--optimized",
        "--http-enabled=true",
        "--http-host=127.0.0.1",
        f"--http-port={port}",
        f"--http-management-port={management_port}",
        f"--hostname={url}",
        "--cache=local",
        "--import-realm",
    ]
    began = time.monotonic()
    with open(state / "stdout.log", "ab") as out:
        proc = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    (state / "pid").write_text(str(proc.pid))
    (state / "port").write_text(str(port))
    issuer = issuer_at(port)

    def ready() -> bool:
        if proc.poll() is not None:
            raise InfraError(f"Keycloak exited with {proc.returncode}; see {state / 'stdout.log'}")
        return _realm_answers(issuer)

    wait_until(ready, timeout=timeout, what=f"Keycloak's realm {REALM} on port {port}", interval=0.3)
    return KeycloakInstance(name, port, proc.pid, values, start_seconds=time.monotonic() - began)


def stop(name: str = "dev", *, remove_data: bool = False) -> None:
    """Stop Keycloak `name` (no-op when it does not run); `remove_data` also deletes its state and database."""
    state = _state(name)
    pid = read_pid(state / "pid")
    if pid is not None:
        stop_process_group(pid)
    (state / "pid").unlink(missing_ok=True)
    if remove_data:
        shutil.rmtree(state, ignore_errors=True)


# --- Talking to a running instance (tests, the demo loader, key rotation) -------------------------------------


def client_credentials_token(instance: KeycloakInstance, client_id: str, secret: str | None = None) -> str:
    """An access token for a confidential client's service account (a bank's system)."""
    response = httpx.post(
        instance.token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret or instance.client_secrets[client_id],
        },
        timeout=30,
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def admin_token(instance: KeycloakInstance) -> str:
    """An access token of the bootstrap administrator (master realm) for the admin REST API."""
    response = httpx.post(
        f"{instance.url}/realms/master/protocol/openid-connect/token",
        data={
            "grant_type": "password",
            "client_id": "admin-cli",
            "username": ADMIN_USERNAME,
            "password": instance.admin_password,
        },
        timeout=30,
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def admin_api(instance: KeycloakInstance) -> httpx.Client:
    """An HTTP client on the courtlink realm's admin REST API, signed in as the administrator."""
    return httpx.Client(
        base_url=f"{instance.url}/admin/realms/{REALM}",
        headers={"Authorization": f"Bearer {admin_token(instance)}"},
        timeout=30,
    )


def ensure_scripts_client(instance: KeycloakInstance) -> str:
    """Create (once) a public client that may use the password grant, for tests and the demo loader only.

    The realm file has no such client: people sign in through the console's login page. It carries the same
    claim mappers as the console, so its tokens look like the console's.
    """
    with admin_api(instance) as api:
        if api.get("/clients", params={"clientId": SCRIPTS_CLIENT}).json():
            return SCRIPTS_CLIENT
        console: list[dict[str, Any]] = api.get("/clients", params={"clientId": CONSOLE_CLIENT}).json()
        mappers = [{k: v for k, v in m.items() if k != "id"} for m in console[0].get("protocolMappers", [])]
        created = api.post(
            "/clients",
            json={
                "clientId": SCRIPTS_CLIENT,
                "name": "Tests and the demo loader (password grant)",
                "enabled": True,
                "publicClient": True,
                "standardFlowEnabled": False,
                "directAccessGrantsEnabled": True,
                "protocolMappers": mappers,
            },
        )
        if created.status_code not in (201, 409):
            raise InfraError(f"Keycloak refused the scripts client: {created.status_code} {created.text}")
    return SCRIPTS_CLIENT


def password_token(instance: KeycloakInstance, username: str, password: str = DEMO_PASSWORD) -> str:
    """A demo user's access token through the scripts client (see ensure_scripts_client)."""
    response = httpx.post(
        instance.token_url,
        data={"grant_type": "password", "client_id": SCRIPTS_CLIENT, "username": username, "password": password},
        timeout=30,
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


@dataclass(frozen=True)
class DemoUser:
    """A person of the demo realm who signs in with DEMO_PASSWORD."""

    username: str
    name: str
    role: str
    organisation: str


def demo_users() -> list[DemoUser]:
    """The realm file's people (not the banks' service accounts), in the file's order."""
    realm = json.loads(realm_file().read_text())
    return [
        DemoUser(u["username"], u.get("firstName", ""), u["clientRoles"]["courtlink"][0], u["attributes"]["org"][0])
        for u in realm["users"]
        if "serviceAccountClientId" not in u
    ]
