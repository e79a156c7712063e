"""Real Apache Kafka in KRaft mode, from the Maven Central jars, run with the local JDK: a single-node broker
(`start`), or a cluster of brokers that are also the controller quorum (`start_cluster`; three by default, topics
replicated three times with min.insync.replicas 2, as in production), whose nodes can be killed and started again.

The jars are fetched once with `mvn dependency:copy-dependencies` from deploy/local/pom.xml into the cache.
Starting an instance that already runs returns it unchanged; stopping leaves no process behind.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient

from courtlink_shared.events.topics import MIN_INSYNC_REPLICAS, REPLICATION_FACTOR
from courtlink_shared.infra.paths import cache_dir, instance_dir, repository_root
from courtlink_shared.infra.processes import (
    InfraError,
    listen_ports,
    pid_alive,
    port_open,
    read_pid,
    stop_process_group,
    wait_until,
)

_LOG4J = """\
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File={log}
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.BrokerServer=INFO
log4j.logger.kafka.server.ControllerServer=INFO
"""

_SERVER = """\
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:{controller_port}
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:{port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs={data}
num.partitions=3
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
delete.topic.enable=true
"""


@dataclass(frozen=True)
class KafkaInstance:
    """A running local broker."""

    name: str
    port: int
    pid: int

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"


def kafka_version() -> str:
    """The broker version pinned in deploy/local/pom.xml."""
    pom = (repository_root() / "deploy" / "local" / "pom.xml").read_text()
    match = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom)
    if not match:
        raise InfraError("deploy/local/pom.xml does not pin <kafka.version>")
    return match.group(1)


def _require(tool: str, install_hint: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise InfraError(f"`{tool}` was not found on PATH: install {install_hint} to run the local Kafka broker.")
    return path


def ensure_jars() -> Path:
    """The folder of broker jars for the pinned version, fetched with Maven on first use."""
    _require("java", "a JDK 17 or newer (for example the `openjdk-17-jdk-headless` package)")
    libs = cache_dir() / f"kafka-{kafka_version()}" / "libs"
    marker = libs / ".complete"
    if marker.is_file():
        return libs
    mvn = _require("mvn", "Apache Maven (for example the `maven` package)")
    libs.mkdir(parents=True, exist_ok=True)
    pom = repository_root() / "deploy" / "local" / "pom.xml"
    result = subprocess.run(
        [mvn, "-q", "-B", "-f", str(pom), "dependency:copy-dependencies", f"-DoutputDirectory={libs}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise InfraError("Maven could not fetch the Kafka jars:\n" + (result.stdout + result.stderr)[-2000:])
    marker.write_text(kafka_version())
    return libs


def _state(name: str) -> Path:
    return instance_dir("kafka", name)


def running(name: str) -> KafkaInstance | None:
    """The instance called name if it runs and answers, else None."""
    state = _state(name)
    pid = read_pid(state / "pid")
    if pid is None:
        return None
    port = int((state / "port").read_text())
    return KafkaInstance(name, port, pid) if port_open(port) else None


def start(name: str = "dev", *, port: int | None = None, fresh: bool = False, timeout: float = 90.0) -> KafkaInstance:
    """Start (or return the already running) broker `name`; `fresh` wipes its data first."""
    existing = running(name)
    if existing is not None:
        return existing
    libs = ensure_jars()
    java = _require("java", "a JDK 17 or newer (for example the `openjdk-17-jdk-headless` package)")
    state = _state(name)
    data = state / "data"
    if fresh and data.exists():
        shutil.rmtree(data)
    stored = int((state / "port").read_text()) if (state / "port").is_file() else None
    # Below the ephemeral range (listen_ports), so that a restart finds its port still free.
    listener, controller_port = listen_ports(2)
    port = port or stored or listener
    while controller_port == port:
        controller_port = listen_ports(1)[0]
    (state / "server.properties").write_text(_SERVER.format(port=port, controller_port=controller_port, data=data))
    (state / "log4j.properties").write_text(_LOG4J.format(log=state / "server.log"))
    classpath = f"{libs}/*"
    if not (data / "meta.properties").is_file():
        _format(java, classpath, state / "server.properties", _new_cluster_id())
    proc = _launch(java, classpath, state, heap="768m")
    (state / "pid").write_text(str(proc.pid))
    (state / "port").write_text(str(port))

    def ready() -> bool:
        if proc.poll() is not None:
            raise InfraError(f"Kafka exited with {proc.returncode}; see {state / 'server.log'}")
        return port_open(port)

    wait_until(ready, timeout=timeout, what=f"Kafka on port {port}")
    return KafkaInstance(name, port, proc.pid)


def _new_cluster_id() -> str:
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


def _format(java: str, classpath: str, properties: Path, cluster_id: str) -> None:
    fmt = subprocess.run(
        [
            java,
            "-cp",
            classpath,
            "kafka.tools.StorageTool",
            "format",
            f"--cluster-id={cluster_id}",  # one glued argument: an id may start with "-"
            "-c",
            str(properties),
            "--ignore-formatted",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if fmt.returncode != 0:
        raise InfraError("Kafka storage format failed:\n" + fmt.stdout + fmt.stderr)


def _launch(java: str, classpath: str, state: Path, *, heap: str) -> subprocess.Popen[bytes]:
    """Start the broker configured in state/server.properties in its own process group."""
    with open(state / "stdout.log", "ab") as out:
        return subprocess.Popen(
            [
                java,
                "-Xms256m",
                f"-Xmx{heap}",
                "-XX:+UseG1GC",
                f"-Dlog4j.configuration=file:{state / 'log4j.properties'}",
                "-cp",
                classpath,
                "kafka.Kafka",
                str(state / "server.properties"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def stop(name: str = "dev", *, remove_data: bool = False) -> None:
    """Stop broker `name` (no-op when it does not run); `remove_data` also deletes its log directory."""
    state = _state(name)
    pid = read_pid(state / "pid")
    if pid is not None:
        stop_process_group(pid)
    (state / "pid").unlink(missing_ok=True)
    if remove_data:
        shutil.rmtree(state, ignore_errors=True)


# ---- a cluster of combined broker-controllers ---------------------------------------------------------------------

_CLUSTER_NODE = """\
process.roles=broker,controller
node.id={node}
controller.quorum.voters={voters}
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:{port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs={data}
num.partitions=6
default.replication.factor={replicas}
min.insync.replicas={min_insync}
offsets.topic.replication.factor={replicas}
offsets.topic.num.partitions=10
transaction.state.log.replication.factor={replicas}
transaction.state.log.min.isr={min_insync}
unclean.leader.election.enable=false
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
delete.topic.enable=true
# A killed node is fenced (and dropped from every ISR, so acks=all writes go on with the other two) after 6 s.
broker.session.timeout.ms=6000
"""


@dataclass(frozen=True)
class KafkaCluster:
    """A running local cluster: node i (1-based) listens on ports[i - 1]."""

    name: str
    ports: tuple[int, ...]

    @property
    def bootstrap_servers(self) -> str:
        return ",".join(f"127.0.0.1:{port}" for port in self.ports)

    def node_of(self, port: int) -> int:
        """The node id that listens on this port."""
        return self.ports.index(port) + 1


def _node_state(name: str, node: int) -> Path:
    return _state(name) / f"node-{node}"


def _layout(name: str) -> dict[str, Any] | None:
    path = _state(name) / "cluster.json"
    return dict(json.loads(path.read_text())) if path.is_file() else None


def start_cluster(name: str, *, brokers: int = 3, fresh: bool = False, timeout: float = 120.0) -> KafkaCluster:
    """Start (or complete) cluster `name` of `brokers` nodes, each broker and controller, topics replicated
    min(brokers, 3) times with min.insync.replicas 2; returns once every node is registered with the quorum."""
    if fresh:
        stop_cluster(name, remove_data=True)
    layout = _layout(name)
    if layout is None:
        ports = listen_ports(2 * brokers)
        layout = {
            "cluster_id": _new_cluster_id(),
            "nodes": [{"id": i + 1, "port": ports[2 * i], "controller_port": ports[2 * i + 1]} for i in range(brokers)],
        }
        _state(name).mkdir(parents=True, exist_ok=True)
        (_state(name) / "cluster.json").write_text(json.dumps(layout))
    cluster = KafkaCluster(name, tuple(node["port"] for node in layout["nodes"]))
    for node in layout["nodes"]:
        if read_pid(_node_state(name, node["id"]) / "pid") is None:
            _start_node(name, layout, node["id"])
    _wait_registered(cluster, len(cluster.ports), timeout)
    return cluster


def _start_node(name: str, layout: dict[str, Any], node_id: int) -> None:
    libs = ensure_jars()
    java = _require("java", "a JDK 17 or newer (for example the `openjdk-17-jdk-headless` package)")
    nodes = layout["nodes"]
    node = nodes[node_id - 1]
    state = _node_state(name, node_id)
    data = state / "data"
    state.mkdir(parents=True, exist_ok=True)
    replicas = min(len(nodes), REPLICATION_FACTOR)
    (state / "server.properties").write_text(
        _CLUSTER_NODE.format(
            node=node_id,
            voters=",".join(f"{n['id']}@127.0.0.1:{n['controller_port']}" for n in nodes),
            port=node["port"],
            controller_port=node["controller_port"],
            data=data,
            replicas=replicas,
            min_insync=min(replicas, MIN_INSYNC_REPLICAS),
        )
    )
    (state / "log4j.properties").write_text(_LOG4J.format(log=state / "server.log"))
    classpath = f"{libs}/*"
    if not (data / "meta.properties").is_file():
        _format(java, classpath, state / "server.properties", layout["cluster_id"])
    proc = _launch(java, classpath, state, heap="512m")
    (state / "pid").write_text(str(proc.pid))


def kill_node(name: str, node_id: int) -> None:
    """SIGKILL one node of cluster `name`: no shutdown, no leadership handed over, what a crash does."""
    state = _node_state(name, node_id)
    pid = read_pid(state / "pid")
    if pid is None:
        raise InfraError(f"node {node_id} of Kafka cluster {name} does not run")
    os.killpg(pid, signal.SIGKILL)
    wait_until(lambda: not pid_alive(pid), timeout=10, what=f"node {node_id} to die")
    (state / "pid").unlink(missing_ok=True)


def start_node(name: str, node_id: int, *, timeout: float = 120.0) -> None:
    """Start a stopped node of cluster `name` again, with its data, and wait until it has rejoined."""
    layout = _layout(name)
    if layout is None:
        raise InfraError(f"no Kafka cluster called {name}")
    _start_node(name, layout, node_id)
    _wait_registered(KafkaCluster(name, tuple(n["port"] for n in layout["nodes"])), len(layout["nodes"]), timeout)


def stop_cluster(name: str, *, remove_data: bool = False) -> None:
    """Stop every node of cluster `name` (no-op when none runs); `remove_data` deletes its log directories."""
    layout = _layout(name)
    for node in layout["nodes"] if layout else []:
        state = _node_state(name, node["id"])
        pid = read_pid(state / "pid")
        if pid is not None:
            stop_process_group(pid)
        (state / "pid").unlink(missing_ok=True)
    if remove_data:
        shutil.rmtree(_state(name), ignore_errors=True)


def running_cluster(name: str) -> KafkaCluster | None:
    """Cluster `name` if it has a layout and at least one node answers, else None."""
    layout = _layout(name)
    if layout is None:
        return None
    cluster = KafkaCluster(name, tuple(n["port"] for n in layout["nodes"]))
    return cluster if any(port_open(port) for port in cluster.ports) else None


def registered_brokers(bootstrap_servers: str) -> int:
    """How many brokers the cluster's metadata lists now (0 when it does not answer)."""

    async def ask() -> int:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=5000)
        try:
            await asyncio.wait_for(admin.start(), 10)
            return len((await asyncio.wait_for(admin.describe_cluster(), 10))["brokers"])
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(admin.close(), 10)

    # Its own thread and event loop: the callers (tests, the CLI) may or may not be inside one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(asyncio.run, ask()).result(timeout=60)
        except Exception:
            return 0


def _wait_registered(cluster: KafkaCluster, brokers: int, timeout: float) -> None:
    for node, port in enumerate(cluster.ports, start=1):
        state = _node_state(cluster.name, node)
        if read_pid(state / "pid") is not None:
            wait_until(partial(port_open, port), timeout=timeout, what=f"Kafka node {node} on port {port}")
    # Topics created before every broker registered would get fewer replicas than declared.
    wait_until(
        lambda: registered_brokers(cluster.bootstrap_servers) >= brokers,
        timeout=timeout,
        interval=1.0,
        what=f"{brokers} brokers in cluster {cluster.name}",
    )
