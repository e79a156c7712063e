"""`courtlink-infra {kafka,postgres,keycloak} {start,stop,status} [--name NAME] [--brokers N]`: manage the local
infrastructure (`--brokers 3`: a Kafka cluster of three KRaft brokers, topics replicated three times)."""

from __future__ import annotations

import argparse
import sys

from courtlink_shared.infra import kafka_local, keycloak_local, postgres_local
from courtlink_shared.infra.processes import InfraError


def main(argv: list[str] | None = None) -> int:
    """Entry point of the courtlink-infra command."""
    parser = argparse.ArgumentParser(prog="courtlink-infra", description=__doc__)
    parser.add_argument("component", choices=["kafka", "postgres", "keycloak"])
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("--name", default="dev", help="instance name (default: dev)")
    parser.add_argument("--port", type=int, default=None, help="Kafka, Keycloak: listener port on first start")
    parser.add_argument("--brokers", type=int, default=1, help="Kafka: brokers in the cluster (default: 1)")
    args = parser.parse_args(argv)
    try:
        if args.component == "kafka" and (args.brokers > 1 or kafka_local.running_cluster(args.name)):
            _cluster(args.action, args.name, args.brokers)
        elif args.component == "kafka":
            if args.action == "start":
                print(kafka_local.start(args.name, port=args.port).bootstrap_servers)
            elif args.action == "stop":
                kafka_local.stop(args.name)
            else:
                kafka = kafka_local.running(args.name)
                print(kafka.bootstrap_servers if kafka else "not running")
        elif args.component == "keycloak":
            _keycloak(args.action, args.name, args.port)
        else:
            if args.action == "start":
                print(postgres_local.start(args.name).url())
            elif args.action == "stop":
                postgres_local.stop(args.name)
            else:
                pg = postgres_local.running(args.name)
                print(pg.url() if pg else "not running")
    except InfraError as exc:
        print(f"courtlink-infra: {exc}", file=sys.stderr)
        return 1
    return 0


def _keycloak(action: str, name: str, port: int | None) -> None:
    if action == "start":
        instance: keycloak_local.KeycloakInstance | None = keycloak_local.start(name, port=port)
    elif action == "stop":
        keycloak_local.stop(name)
        return
    else:
        instance = keycloak_local.running(name)
    if instance is None:
        print("not running")
        return
    print(f"issuer: {instance.issuer}")
    admin = keycloak_local.ADMIN_USERNAME
    print(f"administration: {instance.url}/admin (user {admin}, password {instance.admin_password})")
    for client, secret in instance.client_secrets.items():
        print(f"client {client}: secret {secret}")


def _cluster(action: str, name: str, brokers: int) -> None:
    if action == "start":
        print(kafka_local.start_cluster(name, brokers=brokers).bootstrap_servers)
    elif action == "stop":
        kafka_local.stop_cluster(name)
    else:
        cluster = kafka_local.running_cluster(name)
        print(cluster.bootstrap_servers if cluster else "not running")


if __name__ == "__main__":
    sys.exit(main())
