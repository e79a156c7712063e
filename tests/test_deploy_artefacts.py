"""The deployment artefacts, checked offline (no Docker engine, no cluster): the kustomize output of the base and of
the production overlay against the Kubernetes schemas (kubernetes-validate) and the operators' CRD schemas kept in
deploy/kubernetes/crds; the Compose file against the Compose specification; the container image's Dockerfile; and
one Kafka version and one topic declaration everywhere. Every service runs as two Deployments: its HTTP pods
(BACKGROUND_WORK=worker) and its worker pods (relay, consumers, sweeps), probed and scraped on their health port."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from courtlink_shared.events.topics import PLATFORM_CALENDAR, TOPICS
from courtlink_shared.infra import kafka_local, kafka_topics
from courtlink_shared.infra.service_processes import SERVICES
from courtlink_shared.settings import ServiceSettings
from kustomize_render import render

ROOT = Path(__file__).resolve().parents[1]
KUBERNETES = ROOT / "deploy" / "kubernetes"
COMPOSE = ROOT / "deploy" / "compose"
CONTAINER = ROOT / "deploy" / "container"
KUBERNETES_VERSION = "1.33"
# Strimzi's kafka-versions.yaml at the revision of deploy/kubernetes/crds (see SOURCES.md): supported: true.
STRIMZI_KAFKA_VERSIONS = {"4.2.0", "4.2.1", "4.3.0", "4.3.1"}
DEPLOYMENTS = {*SERVICES, "console"}
WORKERS = {f"{name}-worker" for name in SERVICES}
# A consumer beyond the partition count idles: the workers' autoscalers stop at the partitions of the aggregate
# streams. The calendar's single partition is not a limit: one replica per service stores a year's arrangement in
# the service's database, and every replica reads it from there.
PARTITIONS = min(t.partitions for t in TOPICS if t is not PLATFORM_CALENDAR)
Resource = dict[str, Any]


def _crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) → the openAPIV3Schema of every served version of the CRDs kept in the repository."""
    schemas = {}
    for path in sorted((KUBERNETES / "crds").glob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        for version in crd["spec"]["versions"]:
            if version["served"]:
                key = (f"{crd['spec']['group']}/{version['name']}", crd["spec"]["names"]["kind"])
                schemas[key] = version["schema"]["openAPIV3Schema"]
    return schemas


CRDS = _crd_schemas()


def _rendered(overlay: str) -> list[Resource]:
    return render(KUBERNETES / overlay)


def _by_kind(resources: list[Resource], kind: str) -> dict[str, Resource]:
    return {r["metadata"]["name"]: r for r in resources if r["kind"] == kind}


@pytest.mark.parametrize("overlay", ["base", "overlays/production"])
def test_every_rendered_resource_is_valid_against_the_kubernetes_or_its_operators_schema(overlay: str) -> None:
    problems = []
    for resource in _rendered(overlay):
        what = f"{resource['kind']}/{resource['metadata']['name']}"
        crd = CRDS.get((resource["apiVersion"], resource["kind"]))
        try:
            if crd is not None:
                jsonschema.Draft7Validator(crd).validate(resource)
            else:
                kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
        except (jsonschema.ValidationError, kubernetes_validate.ValidationError) as exc:
            problems.append(f"{what}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError:
            problems.append(f"{what}: no schema for {resource['apiVersion']} {resource['kind']}")
    assert problems == []


def test_the_schema_checks_refuse_a_broken_resource() -> None:
    resources = _by_kind(_rendered("base"), "Deployment")
    broken = resources["intake"]
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["port"] = ["http"]
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)
    topic = _by_kind(_rendered("base"), "KafkaTopic")["intake-disputes"]
    topic["spec"]["partitions"] = "six"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(CRDS[("kafka.strimzi.io/v1", "KafkaTopic")]).validate(topic)


def _assert_replicated_bounded_spread_and_unprivileged(resources: list[Resource], name: str, least: int) -> None:
    deployment = _by_kind(resources, "Deployment")[name]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    budgets = {
        b["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
        for b in _by_kind(resources, "PodDisruptionBudget").values()
    }
    scalers = {h["spec"]["scaleTargetRef"]["name"]: h for h in _by_kind(resources, "HorizontalPodAutoscaler").values()}
    assert deployment["spec"]["replicas"] >= least, name
    assert container["image"] == "registry.example.org/courtlink/courtlink:0.1.0"
    assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
    assert "memory" in container["resources"]["limits"], name
    assert pod["securityContext"]["runAsNonRoot"]
    assert pod["securityContext"]["runAsUser"] != 0
    assert container["securityContext"]["readOnlyRootFilesystem"]
    assert {c["topologyKey"] for c in pod["topologySpreadConstraints"]} == {
        "kubernetes.io/hostname",
        "topology.kubernetes.io/zone",
    }
    assert name in budgets
    assert least <= scalers[name]["spec"]["minReplicas"] <= scalers[name]["spec"]["maxReplicas"], name
    assert scalers[name]["spec"]["maxReplicas"] <= PARTITIONS, name


@pytest.mark.parametrize(("overlay", "least"), [("base", 2), ("overlays/production", 3)])
def test_every_service_and_the_console_run_replicated_probed_bounded_spread_and_unprivileged(
    overlay: str, least: int
) -> None:
    resources = _rendered(overlay)
    deployments = _by_kind(resources, "Deployment")
    assert set(deployments) - {"keycloak"} == DEPLOYMENTS | WORKERS
    services = _by_kind(resources, "Service")
    for name in DEPLOYMENTS:
        (container,) = deployments[name]["spec"]["template"]["spec"]["containers"]
        assert container["args"] == [name], "the image runs the service its argument names"
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert name in services
        _assert_replicated_bounded_spread_and_unprivileged(resources, name, least)


def _env(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


@pytest.mark.parametrize(("overlay", "least"), [("base", 2), ("overlays/production", 3)])
def test_every_service_runs_its_background_work_in_a_worker_deployment_probed_on_the_worker_port(
    overlay: str, least: int
) -> None:
    resources = _rendered(overlay)
    deployments = _by_kind(resources, "Deployment")
    services = _by_kind(resources, "Service")
    config = _by_kind(resources, "ConfigMap")["courtlink-config"]["data"]
    port = int(config.get("WORKER_HEALTH_PORT", ServiceSettings.model_fields["worker_health_port"].default))
    for name in SERVICES:
        (http,) = deployments[name]["spec"]["template"]["spec"]["containers"]
        assert _env(http)["BACKGROUND_WORK"] == "worker", f"{name}: its relay and consumers run in the worker"
        worker = deployments[f"{name}-worker"]
        labels = worker["spec"]["template"]["metadata"]["labels"]
        assert labels["app.kubernetes.io/component"] == "worker"
        selector = services[name]["spec"]["selector"]
        assert not selector.items() <= labels.items(), f"{name}: its Service must not route requests to a worker"
        (container,) = worker["spec"]["template"]["spec"]["containers"]
        assert container["args"] == [name, "worker"], "the image runs the service's background work"
        assert [(p["name"], p["containerPort"]) for p in container["ports"]] == [("health", port)]
        assert container["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "health"}
        assert _env(container)["DATABASE_URL"] == _env(http)["DATABASE_URL"], "the service's own database"
        assert container["envFrom"] == http["envFrom"], "the service's settings"
        assert worker["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > 3 * float(
            config["KAFKA_TIMEOUT_SECONDS"]
        ), "time for the relay to flush and the consumers to commit (runtime.stop)"
        scraped = services[f"{name}-worker"]["spec"]
        assert scraped["selector"].items() <= labels.items()
        assert [(p["name"], p["targetPort"]) for p in scraped["ports"]] == [("health", "health")]
        _assert_replicated_bounded_spread_and_unprivileged(resources, f"{name}-worker", least)
    monitor = _by_kind(resources, "ServiceMonitor")["courtlink-workers"]["spec"]
    assert monitor["selector"]["matchLabels"] == {"app.kubernetes.io/component": "worker"}
    assert monitor["endpoints"] == [{"port": "health", "path": "/metrics", "interval": "30s"}]


def test_only_the_console_and_the_ingress_reach_the_services_only_the_ingress_the_console_only_prometheus_workers() -> (
    None
):
    policies = _by_kind(_rendered("overlays/production"), "NetworkPolicy")
    services = policies["services-from-console-and-ingress"]["spec"]
    console = policies["console-from-ingress"]["spec"]
    assert services["podSelector"]["matchLabels"] == {"app.kubernetes.io/component": "service"}
    peers = [peer for rule in services["ingress"] for peer in rule["from"]]
    pods = [p["podSelector"]["matchLabels"] for p in peers if "podSelector" in p]
    namespaces = {
        p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] for p in peers if "namespaceSelector" in p
    }
    assert pods == [{"app.kubernetes.io/component": "console"}]
    assert namespaces == {"ingress-nginx", "monitoring"}  # monitoring: Prometheus scraping /metrics
    console_peers = [peer for rule in console["ingress"] for peer in rule["from"]]
    assert all("podSelector" not in p for p in console_peers)
    monitor = _by_kind(_rendered("base"), "ServiceMonitor")["courtlink"]["spec"]
    assert monitor["endpoints"][0]["path"] == "/metrics"
    workers = policies["workers-from-monitoring"]["spec"]
    assert workers["podSelector"]["matchLabels"] == {"app.kubernetes.io/component": "worker"}
    assert [peer for rule in workers["ingress"] for peer in rule["from"]] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
    ]
    assert [port for rule in workers["ingress"] for port in rule["ports"]] == [{"port": "health", "protocol": "TCP"}]


def test_the_topic_manifests_are_the_shared_declaration_replicated_three_times_with_two_in_sync() -> None:
    assert (KUBERNETES / "base" / "kafka" / "topics.yaml").read_text() == kafka_topics.render(), (
        "regenerate: python -m courtlink_shared.infra.kafka_topics > deploy/kubernetes/base/kafka/topics.yaml"
    )
    resources = _rendered("overlays/production")
    topics = {t["spec"]["topicName"]: t["spec"] for t in _by_kind(resources, "KafkaTopic").values()}
    assert set(topics) == {n for t in TOPICS for n in (t.physical(), t.dead_letter())}
    for topic in TOPICS:
        spec = topics[topic.name]
        assert (spec["partitions"], spec["replicas"], spec["config"]["min.insync.replicas"]) == (
            topic.partitions,
            3,
            2,
        )
    kafka = _by_kind(resources, "Kafka")["courtlink"]["spec"]["kafka"]
    assert kafka["config"]["min.insync.replicas"] == 2
    assert kafka["config"]["default.replication.factor"] == 3
    brokers = [p for p in _by_kind(resources, "KafkaNodePool").values() if "broker" in p["spec"]["roles"]]
    assert sum(p["spec"]["replicas"] for p in brokers) >= 3


def test_one_kafka_version_everywhere_and_one_that_strimzi_supports() -> None:
    local = kafka_local.kafka_version()
    strimzi = _by_kind(_rendered("base"), "Kafka")["courtlink"]["spec"]["kafka"]["version"]
    compose = yaml.safe_load((COMPOSE / "compose.yaml").read_text())["services"]["kafka"]["image"]
    assert (local, strimzi, compose) == (local, local, f"apache/kafka:{local}")
    assert strimzi in STRIMZI_KAFKA_VERSIONS


def _compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((COMPOSE / "compose.yaml").read_text())
    return compose


def test_the_compose_file_follows_the_compose_specification() -> None:
    schema = yaml.safe_load((COMPOSE / "compose-spec.schema.json").read_text())
    jsonschema.Draft7Validator(schema).validate(_compose())
    broken = _compose()
    broken["services"]["intake"]["depends_on"]["kafka"]["condition"] = "when_it_feels_like_it"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(broken)


def test_compose_starts_every_service_after_healthy_infrastructure_and_names_every_setting_in_the_example() -> None:
    compose = _compose()
    services = compose["services"]
    assert {"kafka", "postgres", "keycloak", *DEPLOYMENTS} == set(services)
    for name in ("kafka", "postgres", "keycloak", *DEPLOYMENTS):
        assert "healthcheck" in services[name], name
    for name in DEPLOYMENTS:
        conditions = {dep: spec["condition"] for dep, spec in services[name]["depends_on"].items()}
        assert set(conditions.values()) == {"service_healthy"}, name
        assert services[name]["environment"]["SERVICE"] == name
        assert services[name]["build"]["dockerfile"] == "deploy/container/Dockerfile"
    assert [p for n in DEPLOYMENTS for p in services[n].get("ports", [])] == ["8080:8000"], "only the console"
    assert {"kafka-data", "postgres-data"} <= set(compose["volumes"])
    text = (COMPOSE / "compose.yaml").read_text()
    required = set(re.findall(r"\$\{([A-Z_]+)\}", text))
    example = {
        line.split("=", 1)[0]
        for line in (COMPOSE / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert required <= example, f"missing in .env.example: {required - example}"
    databases = (COMPOSE / "initdb" / "01-databases.sql").read_text()
    for name in SERVICES:
        assert f"CREATE DATABASE {name.replace('-', '_')};" in databases


def _stages(dockerfile: str) -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined), split into build stages."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    instructions = [line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    stages: list[list[str]] = []
    for instruction in instructions:
        if instruction.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(instruction)
    return stages


def test_the_image_is_multi_stage_locked_unprivileged_with_the_cjk_font_and_no_build_tools_in_the_final_stage() -> None:
    dockerfile = (CONTAINER / "Dockerfile").read_text()
    build, final = _stages(dockerfile)
    assert any("uv sync --frozen --no-dev" in i for i in build), "the lock decides every version"
    assert any(i.startswith("COPY uv.lock") or " uv.lock " in i for i in build)
    final_text = "\n".join(final)
    assert "fonts-noto-cjk" in final_text
    assert "COPY --from=build" in final_text
    assert "/app/.venv" in final_text
    for tool in ("uv", "gcc", "build-essential", "pip install", "git"):
        assert not re.search(rf"\b{re.escape(tool)}\b", final_text.replace("/app/.venv", "")), tool
    (user,) = [i.split()[1] for i in final if i.startswith("USER ")]
    assert user.split(":")[0] not in ("0", "root")
    for instruction in build + final:
        if instruction.startswith("COPY ") and "--from=" not in instruction:
            sources = [a for a in instruction.split()[1:-1] if not a.startswith("--")]
            for source in sources:
                assert (ROOT / source).exists(), f"{source} is copied but does not exist"


@pytest.mark.parametrize("service", sorted(DEPLOYMENTS))
def test_the_image_entrypoint_runs_the_service_its_argument_names(service: str, tmp_path: Path) -> None:
    # A stand-in uvicorn on PATH records what the entrypoint would run.
    (tmp_path / "uvicorn").write_text('#!/bin/sh\necho "$SERVICE_NAME $*"\n')
    (tmp_path / "uvicorn").chmod(0o755)
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin", "PORT": "8000"}
    entrypoint = str(CONTAINER / "entrypoint.sh")
    ran = subprocess.run(["sh", entrypoint, service], env=env, capture_output=True, text=True, check=True)
    package = service.replace("-", "_")
    assert ran.stdout.split()[:4] == [service, "--factory", f"{package}.app:create_app", "--host"]
    by_env = subprocess.run(
        ["sh", entrypoint], env={**env, "SERVICE": service}, capture_output=True, text=True, check=True
    )
    assert by_env.stdout == ran.stdout
    refused = subprocess.run(["sh", entrypoint, "nonsense"], env=env, capture_output=True, text=True, check=False)
    assert refused.returncode == 64
    assert "unknown service 'nonsense'" in refused.stderr


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_the_image_entrypoint_runs_a_services_background_work_when_told_worker(service: str, tmp_path: Path) -> None:
    # A stand-in python on PATH records what the entrypoint would run.
    (tmp_path / "python").write_text('#!/bin/sh\necho "$SERVICE_NAME $*"\n')
    (tmp_path / "python").chmod(0o755)
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin"}
    entrypoint = str(CONTAINER / "entrypoint.sh")
    ran = subprocess.run(["sh", entrypoint, service, "worker"], env=env, capture_output=True, text=True, check=True)
    assert ran.stdout.split() == [service, "-m", "courtlink_shared.worker", service]
    for refused_args, message in ((["console", "worker"], "no background work"), ([service, "cron"], "unknown role")):
        refused = subprocess.run(
            ["sh", entrypoint, *refused_args], env=env, capture_output=True, text=True, check=False
        )
        assert refused.returncode == 64
        assert message in refused.stderr
