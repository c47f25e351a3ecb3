"""Where a batch's jobs run: in this process (`local`), or on a Ray cluster (`ray`).

Both hand the same jobs to the same `Worker` and yield `(index, result)` as results come in,
with only a few jobs in flight per worker: the batch reads its inputs as they are needed, so
memory follows the number of workers, not the size of the corpus. Both run a job through
`Worker.run`, so a bug on one document is that document's failure on either.

On Ray each worker is an actor holding one encoder, loaded once (the model is read once
per worker, not once per document), with `cpus` cores for the model's threads. Ray starts a
local instance when no address is given (what the tests do); `--ray-address` joins a running
cluster, whose nodes need the workbench installed (`pip install alignment-workbench[ray]`).
"""

from __future__ import annotations

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
            raise InputError(f"cannot reach the Ray cluster at {address}: {error}") from error
        available = int(ray.cluster_resources().get("CPU", 1))
        self.workers = workers or max(1, available // cpus)
        actor = ray.remote(num_cpus=cpus)(_Actor)
        self._actors = [actor.remote(options, cpus) for _ in range(self.workers)]

    def map(self, job: str, items: Iterable[tuple]) -> Iterator[tuple[int, Any]]:
        ray = self._ray
        queued = {actor: 0 for actor in self._actors}
        pending: dict[Any, Any] = {}
        todo = enumerate(items)
        while True:
            for actor in self._actors:
                while queued[actor] < IN_FLIGHT and (item := next(todo, None)) is not None:
                    pending[actor.run.remote(job, item[0], item[1])] = actor
                    queued[actor] += 1
            if not pending:
                return
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                queued[pending.pop(ref)] -= 1
                try:
                    result = ray.get(ref)
                except ray.exceptions.RayTaskError as error:  # Worker.run lets only an InputError out
                    if isinstance(error.cause, InputError):
                        raise error.cause from None  # its one line, not Ray's traceback around it
                    raise
                yield result

    def encoding_seconds(self) -> float:
        return sum(self._ray.get([actor.encoding_seconds.remote() for actor in self._actors]))

    def close(self) -> None:
        for actor in self._actors:
            self._ray.kill(actor)
        self._actors = []


def engine(name: str, options: Options, *, address: str | None = None, workers: int | None = None) -> Engine:
    """The engine `--engine` names."""
    if name == "local":
        if address or workers:
            raise InputError(f"{'--ray-address' if address else '--workers'} needs --engine ray")
        return LocalEngine(options)
    if name == "ray":
        return RayEngine(options, address, workers)
    raise InputError(f"unknown engine {name!r}; use one of {', '.join(ENGINES)}")
