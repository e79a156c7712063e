"""Development keys and tokens: `courtlink-token keygen` makes an RSA key pair and its public key set,
`courtlink-token mint --role bank_operator --org 91110000600037341L --sub alice` prints a bearer token.

Keys are generated locally on first use; no key or secret ships in the code.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from courtlink_shared.auth.principal import Role

DEFAULT_DIR = Path(os.environ.get("COURTLINK_KEYS_DIR", "var/keys"))
PRIVATE_KEY = "private.pem"
JWKS = "jwks.json"


def generate_key_pair(directory: Path) -> Path:
    """Write private.pem (mode 600) and jwks.json into directory unless they exist; returns the jwks path."""
    directory.mkdir(parents=True, exist_ok=True)
    jwks_path, key_path = directory / JWKS, directory / PRIVATE_KEY
    if jwks_path.exists() and key_path.exists():
        return jwks_path
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    key_path.write_bytes(pem)
    key_path.chmod(0o600)
    kid = uuid.uuid4().hex[:16]
    public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    public_jwk.update({"kid": kid, "use": "sig", "alg": "RS256"})
    jwks_path.write_text(json.dumps({"keys": [public_jwk]}, indent=2))
    return jwks_path


def mint_token(
    directory: Path,
    *,
    subject: str,
    roles: Iterable[Role | str],
    organisation: str,
    name: str | None = None,
    ttl_seconds: int = 8 * 3600,
    issuer: str = "courtlink-dev",
    audience: str = "courtlink",
) -> str:
    """A signed RS256 token for the given subject, roles and organisation."""
    generate_key_pair(directory)
    key, kid = _signing_key(directory / PRIVATE_KEY, directory / JWKS, _changed(directory))
    now = int(time.time())
    claims = {
        "sub": subject,
        "roles": [Role(r).value for r in roles],
        "org": organisation,
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if name:
        claims["name"] = name
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def _changed(directory: Path) -> tuple[int, int]:
    """When the key pair was last written: a pair generated anew is loaded anew."""
    return (directory / PRIVATE_KEY).stat().st_mtime_ns, (directory / JWKS).stat().st_mtime_ns


@lru_cache(maxsize=16)
def _signing_key(key_path: Path, jwks_path: Path, changed: tuple[int, int]) -> tuple[Any, str]:
    """The private key, loaded once per key pair, and its key id. Loading checks the RSA key, which takes tens of
    milliseconds: minting a token per request (as the tests do) would spend most of its time here."""
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    return key, str(json.loads(jwks_path.read_text())["keys"][0]["kid"])


def main(argv: list[str] | None = None) -> int:
    """Entry point of the courtlink-token command."""
    parser = argparse.ArgumentParser(prog="courtlink-token", description=__doc__)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help=f"key folder (default {DEFAULT_DIR})")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("keygen", help="generate the key pair and jwks.json if missing")
    mint = sub.add_parser("mint", help="print a bearer token")
    mint.add_argument("--role", action="append", required=True, choices=[r.value for r in Role])
    mint.add_argument("--org", required=True, help="organisation: credit code of a bank/agency, or a court code")
    mint.add_argument("--sub", required=True, help="subject (user id)")
    mint.add_argument("--name", default=None)
    mint.add_argument("--ttl", type=int, default=8 * 3600, help="lifetime in seconds")
    args = parser.parse_args(argv)
    if args.command == "keygen":
        print(generate_key_pair(args.dir))
    else:
        print(
            mint_token(
                args.dir, subject=args.sub, roles=args.role, organisation=args.org, name=args.name, ttl_seconds=args.ttl
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
