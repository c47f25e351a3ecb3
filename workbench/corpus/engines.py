"""Where a batch's jobs run: in this process (`local`), or on a Ray cluster (`ray`).

Both hand the same jobs to the same `Worker` and yield `(index, result)` as results come in,
with only a few jobs in flight per worker: the batch reads its inputs as they are needed, so
memory follows the number of workers, not the size of the corpus. Both run a job through
`Worker.run`, so a bug on one document is that document's failure on either.

On Ray each worker is an actor holding one encoder, loaded once (the model is read once
per worker, not once per document), with `cpus` cores for the model's threads. Ray starts a
local instance when no address is given (what the tests do); `--ray-address` joins a running
cluster, whose nodes need the workbench installed (`pip install alignment-workbench[ray]`).

A node can die mid-run (a machine lost, a spot instance taken back): the jobs its workers had
in flight are run again on the workers left, so the batch ends as it would have. Only when
every worker is gone does it stop, in one line; the batch's ledger makes a rerun resume.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from workbench.errors import InputError

if TYPE_CHECKING:  # the worker loads the whole pipeline: imported when an engine starts, not by the CLI's parser
    from workbench.corpus.worker import Worker
    from workbench.options import Options

ENGINES = ("local", "ray")
IN_FLIGHT = 2  # jobs queued per worker: one running, one waiting, so no worker idles between jobs


class Engine(Protocol):
    name: str
    workers: int

    def map(self, job: str, items: Iterable[tuple]) -> Iterator[tuple[int, Any]]: ...

    def encoding_seconds(self) -> float: ...

    def summary(self) -> str: ...

    def close(self) -> None: ...


class LocalEngine:
    """Every job in this process, in order, on one encoder."""

    name = "local"
    workers = 1

    def __init__(self, options: Options, worker: Worker | None = None):
        from workbench.corpus.worker import Worker

        self.worker = worker or Worker(options)

    def map(self, job: str, items: Iterable[tuple]) -> Iterator[tuple[int, Any]]:
        for index, arguments in enumerate(items):
            yield index, self.worker.run(job, arguments)

    def encoding_seconds(self) -> float:
        return self.worker.encoding_seconds()

    def summary(self) -> str:
        return "local (1 worker)"

    def close(self) -> None:
        pass


class _Actor:
    """A Ray actor around one `Worker`: the model's threads limited to the actor's cores."""

    def __init__(self, options: Options, cpus: int):
        from workbench.corpus.worker import Worker

        os.environ["WORKBENCH_THREADS"] = str(cpus)  # read by workbench.embed.runtime.cpu_threads
        self.worker = Worker(options)

    def run(self, job: str, index: int, arguments: tuple) -> tuple[int, Any]:
        return index, self.worker.run(job, arguments)

    def encoding_seconds(self) -> float:
        return self.worker.encoding_seconds()

    def node(self) -> str:
        """The id of the Ray node this actor runs on: the batch says on how many its work was done."""
        import ray

        return ray.get_runtime_context().get_node_id()


class RayEngine:
    """Jobs spread over Ray actors, `workers` of them with `cpus` cores each (default: as
    many one-core workers as the cluster has cores)."""

    name = "ray"

    def __init__(self, options: Options, address: str | None = None, workers: int | None = None, cpus: int = 1):
        try:
            import ray
        except ImportError as error:
            raise InputError("--engine ray needs Ray, which is not installed: "
                             "pip install 'alignment-workbench[ray]' (or pip install 'ray>=2.40')") from error
        self._ray = ray
        try:
            ray.init(address=address, ignore_reinit_error=True, include_dashboard=False, log_to_driver=False,
                     logging_level="ERROR", configure_logging=True)
        except (ConnectionError, RuntimeError, ValueError) as error:
            raise InputError(f"cannot reach the Ray cluster at {address}: {_first_line(error)}"
                             f"{_TOKEN_HINT if _refused_for_token(error) else ''}") from None
        available = int(ray.cluster_resources().get("CPU", 1))
        self.workers = workers or max(1, available // cpus)
        actor = ray.remote(num_cpus=cpus)(_Actor)
        self._actors = [actor.remote(options, cpus) for _ in range(self.workers)]
        self._nodes = {actor: actor.node.remote() for actor in self._actors}  # asked first, so answered first
        self._done = {actor: 0 for actor in self._actors}  # jobs each actor finished
        self._lost: list[Any] = []  # actors whose node died (or that died), in the order found

    def map(self, job: str, items: Iterable[tuple]) -> Iterator[tuple[int, Any]]:
        """Each item's result, with its index, once. A worker found dead (any of its jobs fails
        because its process or node is gone) is dropped, and every job it held goes back to the
        front of the queue for the workers left: a job is a pure function of its arguments, so
        it gives the same result wherever it runs again."""
        ray = self._ray
        pending: dict[Any, tuple[Any, tuple[int, tuple]]] = {}  # ref: the actor running it, (index, arguments)
        retry: list[tuple[int, tuple]] = []  # jobs a lost worker held, given out before new ones
        todo = enumerate(items)
        while True:
            for actor in self._actors:
                while (sum(holder is actor for holder, _ in pending.values()) < IN_FLIGHT
                       and (item := retry.pop(0) if retry else next(todo, None)) is not None):
                    pending[actor.run.remote(job, *item)] = (actor, item)
            if not pending:
                return
            (ref,), _ = ray.wait(list(pending), num_returns=1)
            actor, item = pending.pop(ref)
            try:
                result = ray.get(ref)
            except ray.exceptions.RayTaskError as error:  # Worker.run lets only an InputError out
                if isinstance(error.cause, InputError):
                    raise error.cause from None  # its one line, not Ray's traceback around it
                raise
            except (ray.exceptions.RayActorError, ray.exceptions.ObjectLostError) as error:
                retry = sorted([item, *self._lose(actor, error, pending), *retry])
                continue
            self._done[actor] += 1
            yield result

    def _lose(self, actor: Any, error: Exception, pending: dict[Any, tuple[Any, tuple[int, tuple]]]) -> list:
        """Drop a dead worker and give back the other jobs it held. A worker that could not even
        start (the workbench missing on its node) is the user's to fix, as a model that cannot
        load is; no worker left stops the batch, in one line either way."""
        ray = self._ray
        if isinstance(error, ray.exceptions.RayActorError) and error.actor_init_failed:
            raise InputError(f"a Ray worker could not start: {_last_line(error)} (every node needs the "
                             "workbench installed, the same version: pip install 'alignment-workbench[ray]')")
        self._actors.remove(actor)
        self._lost.append(actor)
        with contextlib.suppress(ray.exceptions.RayError):
            ray.kill(actor)  # one only unreachable for now would otherwise keep its core
        if not self._actors:
            raise InputError(f"the Ray cluster lost all {len(self._lost)} of its workers (their nodes died or were "
                             "stopped); run the same command again to resume: the pairs already finished are kept")
        held = [ref for ref, (holder, _) in pending.items() if holder is actor]
        return [pending.pop(ref)[1] for ref in held]

    def encoding_seconds(self) -> float:
        seconds = 0.0
        for actor in self._actors:
            with contextlib.suppress(self._ray.exceptions.RayError):  # a worker lost since: its time with it
                seconds += self._ray.get(actor.encoding_seconds.remote())
        return seconds

    def summary(self) -> str:
        """How many workers there were, on how many nodes the jobs ran (the nodes of the workers
        that finished one), and how many workers were lost on the way."""
        nodes = len({self._ray.get(self._nodes[actor]) for actor, done in self._done.items() if done})
        lost = len(self._lost)
        lost_line = (f"; {_count(lost, 'worker')} lost, {'its' if lost == 1 else 'their'} jobs run again on the others"
                     if lost else "")
        return f"ray ({_count(self.workers, 'worker')}, jobs run on {_count(nodes, 'node')}{lost_line})"

    def close(self) -> None:
        for actor in self._actors:
            with contextlib.suppress(self._ray.exceptions.RayError):  # one whose node died since
                self._ray.kill(actor)
        self._actors = []


_TOKEN_HINT = ("; a cluster `ray start` started asks for its token: set RAY_AUTH_MODE=token, with the cluster's "
               "token in ~/.ray/auth_token or RAY_AUTH_TOKEN")


def _refused_for_token(error: BaseException | None) -> bool:
    """Whether Ray's connection error comes from the cluster's token authentication (Ray
    gives its reason as text, inside the message of the error it raises)."""
    while error is not None:
        if "InvalidAuthToken" in str(error):
            return True
        error = error.__cause__
    return False


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"


def _first_line(error: Exception) -> str:
    return next((line.strip() for line in str(error).splitlines() if line.strip()), type(error).__name__)


def _last_line(error: Exception) -> str:
    return next((line.strip() for line in reversed(str(error).splitlines()) if line.strip()), type(error).__name__)


def engine(name: str, options: Options, *, address: str | None = None, workers: int | None = None) -> Engine:
    """The engine `--engine` names."""
    if name == "local":
        if address or workers:
            raise InputError(f"{'--ray-address' if address else '--workers'} needs --engine ray")
        return LocalEngine(options)
    if name == "ray":
        return RayEngine(options, address, workers)
    raise InputError(f"unknown engine {name!r}; use one of {', '.join(ENGINES)}")
