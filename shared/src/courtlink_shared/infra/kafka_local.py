"""A real single-node Apache Kafka broker in KRaft mode, from the Maven Central jars, run with the local JDK.

The jars are fetched once with `mvn dependency:copy-dependencies` from deploy/local/pom.xml into the cache.
Starting an instance that already runs returns it unchanged; stopping leaves no process behind.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from courtlink_shared.infra.paths import cache_dir, instance_dir, repository_root
from courtlink_shared.infra.processes import (
    InfraError,
    listen_ports,
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
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        fmt = subprocess.run(
            [
                java,
                "-cp",
                classpath,
                "kafka.tools.StorageTool",
                "format",
                f"--cluster-id={cluster_id}",  # one glued argument: an id may start with "-"
                "-c",
                str(state / "server.properties"),
                "--ignore-formatted",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if fmt.returncode != 0:
            raise InfraError("Kafka storage format failed:\n" + fmt.stdout + fmt.stderr)
    with open(state / "stdout.log", "ab") as out:
        proc = subprocess.Popen(
            [
                java,
                "-Xms256m",
                "-Xmx768m",
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
    (state / "pid").write_text(str(proc.pid))
    (state / "port").write_text(str(port))

    def ready() -> bool:
        if proc.poll() is not None:
            raise InfraError(f"Kafka exited with {proc.returncode}; see {state / 'server.log'}")
        return port_open(port)

    wait_until(ready, timeout=timeout, what=f"Kafka on port {port}")
    return KafkaInstance(name, port, proc.pid)


def stop(name: str = "dev", *, remove_data: bool = False) -> None:
    """Stop broker `name` (no-op when it does not run); `remove_data` also deletes its log directory."""
    state = _state(name)
    pid = read_pid(state / "pid")
    if pid is not None:
        stop_process_group(pid)
    (state / "pid").unlink(missing_ok=True)
    if remove_data:
        shutil.rmtree(state, ignore_errors=True)
