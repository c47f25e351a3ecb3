"""`workbench batch --engine ray` on a real cluster of two nodes, each started by its own `ray
start` as on two machines (here on one, one core each), with the fake encoder in its workers
(tests/fake_cluster_encoder.py): the work lands on both nodes and the outputs are the local
engine's, byte for byte; a worker node SIGKILLed mid-run loses nothing. Then, without a
cluster, what the engine does when workers die, on a stand-in for Ray."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from fake_encoder import FakeEncoder
from seed_000 import SEED, SEED_LEXICON
from test_cli import ROOT

from workbench import cli
from workbench.corpus import worker
from workbench.corpus.engines import RayEngine
from workbench.errors import InputError
from workbench.fidelity import evidence
from workbench.text import document

ray = pytest.importorskip("ray")
RAY = Path(sys.executable).with_name("ray")  # the `ray` command of this Python's Ray
PAIRS = 12  # enough that a node killed after the first pair is killed mid-run
SECONDS = 180  # the most any step may take before the test calls it hung


@dataclass(frozen=True)
class Cluster:
    """A running cluster: its address, the environment its nodes and drivers share, and the
    worker node's `ray start --block` (its process group is the node)."""

    address: str
    env: dict[str, str]
    worker: subprocess.Popen


@dataclass(frozen=True)
class Reference:
    """The batch's manifest, and every file the local engine writes for it."""

    manifest: Path
    outputs: dict[str, bytes]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ray_start(*args: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    """One node, in a session of its own, on ports of its own: two nodes on one machine must
    not share one, nor take those of another Ray running here."""
    ports = [f"--{name}={free_port()}" for name in ("node-manager-port", "object-manager-port", "metrics-export-port",
                                                    "dashboard-agent-listen-port", "dashboard-agent-grpc-port",
                                                    "runtime-env-agent-port")]
    with log.open("wb") as handle:
        return subprocess.Popen([str(RAY), "start", "--block", "--num-cpus=1", "--disable-usage-stats", *args, *ports],
                                env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def kill_marked(marker: str) -> None:
    """SIGKILL every process of the cluster: all carry `marker` in their environment (Ray's
    workers run in process groups of their own), and no other process does."""
    for environ in Path("/proc").glob("[0-9]*/environ"):
        with contextlib.suppress(OSError, ValueError):
            if marker.encode() in environ.read_bytes().split(b"\0"):
                os.kill(int(environ.parent.name), signal.SIGKILL)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    """A head and a worker node, one core each, with token authentication as `ray start` sets
    it up by default (the token given here, not the one in ~/.ray); gone, every process of it,
    after the test."""
    marker = f"WORKBENCH_TEST_CLUSTER={uuid.uuid4().hex}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")]),
           "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": uuid.uuid4().hex, "RAY_DISABLE_DOCKER_CPU_WARNING": "1",
           # a dead node is declared so in about 2 s, not Ray's 30 s
           "RAY_health_check_initial_delay_ms": "0", "RAY_health_check_period_ms": "500",
           "RAY_health_check_timeout_ms": "500", "RAY_health_check_failure_threshold": "4",
           marker.split("=")[0]: marker.split("=")[1]}
    temp = Path(tempfile.mkdtemp(prefix="ray-"))  # short: Ray's socket paths must fit in 107 bytes
    port = free_port()
    address = f"127.0.0.1:{port}"
    nodes: list[subprocess.Popen] = []
    try:
        nodes.append(ray_start("--head", f"--port={port}", "--include-dashboard=false",
                               f"--dashboard-port={free_port()}", f"--temp-dir={temp}", env=env, log=temp / "head.log"))
        nodes.append(ray_start(f"--address={address}", env=env, log=temp / "worker.log"))
        waited = subprocess.run(
            [sys.executable, "-c", "import sys, time, ray; ray.init(address=sys.argv[1], log_to_driver=False)\n"
             "while sum(node['Alive'] for node in ray.nodes()) < 2: time.sleep(0.2)", address],
            env=env, capture_output=True, text=True, timeout=SECONDS)
        assert waited.returncode == 0, waited.stderr + "".join(
            log.read_text(errors="replace") for log in temp.glob("*.log"))
        yield Cluster(address, env, nodes[1])
    finally:
        for node in nodes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(node.pid, signal.SIGKILL)
        kill_marked(marker)
        for node in nodes:
            node.wait()
        shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Reference:
    """Seed 000's halves as PAIRS pairs, each with its own English line dropped (results given
    to the wrong pair would show), and the local engine's outputs for them."""
    folder = tmp_path_factory.mktemp("corpus")
    bitext = document.load(SEED)
    rows = ["original,translation"]
    for k in range(PAIRS):
        (folder / f"{k:02}-en.txt").write_text("\n".join(bitext.src.paragraphs[:k] + bitext.src.paragraphs[k + 1:]),
                                               encoding="utf-8")
        (folder / f"{k:02}-fa.txt").write_text("\n".join(bitext.tgt.paragraphs), encoding="utf-8")
        rows.append(f"{k:02}-en.txt,{k:02}-fa.txt")
    manifest = folder / "pairs.csv"
    manifest.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:  # what fake_cluster_encoder does in Ray's workers
        patch.setattr(worker, "load_encoder", lambda model, device: FakeEncoder(SEED_LEXICON))
        patch.setattr(evidence, "detector_encoder", lambda given: given)
        assert cli.main(["batch", str(manifest), "--out", str(folder / "local")]) == 0
    return Reference(manifest, outputs(folder / "local"))


def outputs(out: Path) -> dict[str, bytes]:
    """Every file a batch wrote, by its path under `out`, but its ledger (in the order pairs
    finished)."""
    return {path.relative_to(out).as_posix(): path.read_bytes() for path in sorted(out.rglob("*"))
            if path.is_file() and ".batch" not in path.parts}


def batch_on(cluster: Cluster, reference: Reference, out: Path, log: Path) -> subprocess.Popen:
    """`workbench batch` on the cluster, as a user runs it, its workers using the fake encoder."""
    env = {**cluster.env, "RAY_RUNTIME_ENV_HOOK": "fake_cluster_encoder.runtime_env"}
    command = [sys.executable, "-m", "workbench", "batch", str(reference.manifest), "--out", str(out),
               "--engine", "ray", "--ray-address", cluster.address]
    with log.open("w", encoding="utf-8") as handle:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)


def test_a_batch_on_two_ray_nodes_writes_what_the_local_engine_writes(tmp_path, cluster, reference):
    log = tmp_path / "batch.log"
    assert batch_on(cluster, reference, tmp_path / "out", log).wait(SECONDS) == 0, log.read_text()
    assert "on ray (2 workers, jobs run on 2 nodes);" in log.read_text()
    assert outputs(tmp_path / "out") == reference.outputs


def test_a_worker_node_killed_mid_run_loses_nothing(tmp_path, cluster, reference):
    out, log = tmp_path / "out", tmp_path / "batch.log"
    ledger = out / ".batch" / "done.jsonl"
    run = batch_on(cluster, reference, out, log)
    deadline = time.monotonic() + SECONDS
    while run.poll() is None and not (ledger.is_file() and ledger.read_text(encoding="utf-8").count("\n")):
        assert time.monotonic() < deadline, "no pair finished"
        time.sleep(0.1)
    assert run.poll() is None, "the batch ended before the node could be killed"
    os.killpg(cluster.worker.pid, signal.SIGKILL)  # the node's raylet and agents; its workers die with them
    assert run.wait(SECONDS) == 0, log.read_text()
    said = log.read_text()
    assert "on ray (2 workers, jobs run on " in said and "; 1 worker lost, its jobs run again on the others);" in said, said
    assert "Traceback" not in said, said
    assert outputs(out) == reference.outputs
    assert ledger.read_text(encoding="utf-8").count("\n") == PAIRS  # each pair done once


class StandInActor:
    """An actor that dies after `left` jobs; its job's "object ref" says who runs what."""

    def __init__(self, k: int, left: int):
        self.left = left
        self.run = SimpleNamespace(remote=lambda job, index, arguments: (k, index, arguments))


class StandIn:
    """What RayEngine.map uses of Ray, in this process: actors that run a job at once, or,
    once dead, fail every job they hold as Ray does (`ray.exceptions.ActorDiedError`)."""

    exceptions = ray.exceptions

    def __init__(self, dies_after: list[int]):
        self.actors = [StandInActor(k, left) for k, left in enumerate(dies_after)]
        self.runs: list[tuple[int, int]] = []  # (actor, index) of every job run to the end

    def wait(self, refs: list, num_returns: int) -> tuple[list, list]:
        return refs[:num_returns], refs[num_returns:]

    def get(self, ref: tuple[int, int, tuple]) -> tuple[int, str]:
        k, index, arguments = ref
        actor = self.actors[k]
        if actor.left == 0:
            raise ray.exceptions.ActorDiedError()
        actor.left -= 1
        self.runs.append((k, index))
        return index, f"result of {arguments[0]}"

    def kill(self, actor) -> None:
        actor.left = 0


def stand_in_engine(stand_in: StandIn) -> RayEngine:
    engine = RayEngine.__new__(RayEngine)  # no cluster: the engine's state as __init__ leaves it
    engine._ray, engine.workers, engine._actors = stand_in, len(stand_in.actors), list(stand_in.actors)
    engine._nodes = dict.fromkeys(stand_in.actors)
    engine._done, engine._lost = dict.fromkeys(stand_in.actors, 0), []
    return engine


def test_the_jobs_of_a_dead_worker_are_run_again_on_the_others_once_each():
    stand_in = StandIn(dies_after=[1, 100, 3])
    engine = stand_in_engine(stand_in)
    results = list(engine.map("align", [(f"pair {k}",) for k in range(20)]))
    assert sorted(results) == [(k, f"result of pair {k}") for k in range(20)]
    assert sorted(index for _, index in stand_in.runs) == list(range(20))
    assert engine._lost == [stand_in.actors[0], stand_in.actors[2]] and engine._actors == [stand_in.actors[1]]


def test_a_cluster_with_no_worker_left_stops_in_one_line():
    engine = stand_in_engine(StandIn(dies_after=[2, 1]))
    with pytest.raises(InputError) as stopped:
        list(engine.map("align", [(f"pair {k}",) for k in range(10)]))
    assert str(stopped.value) == ("the Ray cluster lost all 2 of its workers (their nodes died or were stopped); "
                                  "run the same command again to resume: the pairs already finished are kept")
