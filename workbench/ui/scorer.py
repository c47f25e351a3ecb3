"""The model in a process of its own: it loads once per server and scores the links edits make.

The review server (Streamlit) runs every page in threads of one Python process. A model that
loads in a thread of that process holds the interpreter for most of its ten-odd seconds
(imports, building the network), and every page rerun, which hands hundreds of messages
from the script's thread to the server's, waits for it: measured on 2 shared cores, opening a
document took 2.6-3.6 s while the model loaded in a thread, against 0.7-0.9 s while it loaded
in another process. So the model lives in a child process, started with the server's first
page: it loads the encoder and the divergence detector there, says when it is ready, and then
scores what it is sent (`fidelity.rescore`: only the links without a score). The page asks
`ready()` without waiting; only an edit whose links need measuring waits for the model.

The child runs the model on one thread: it scores a link or two at a time, where a second
thread gains nothing, and on a machine whose other core is busy two threads wait for each
other at every layer (a forward pass over two sentences: 0.05 s on one thread, up to 1.1 s on
two, measured on 2 shared cores). It ends when the server does (its end of the pipe closes).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Sequence

from workbench import embed, fidelity
from workbench.embed import TextEncoder
from workbench.errors import InputError
from workbench.fidelity.divergence import detector_encoder
from workbench.model import Alignment, LinkFidelity, ScoredAlignment


def load_model(model: str | None, device: str) -> TextEncoder:
    """The encoder on `device`, with the divergence detector (and the encoder it reads) loaded too."""
    encoder = embed.load_encoder(model, device)
    detector_encoder(encoder)
    return encoder


class ModelProcess:
    """A child process that loads `model` on `device` with `load` (a module-level function: it
    runs in the child) and scores alignments; one request at a time, from any thread."""

    def __init__(self, model: str | None, device: str = "auto",
                 load: Callable[[str | None, str], TextEncoder] = load_model):
        self.model, self.device, self._load = model, device, load
        self._lock = threading.Lock()
        self._start()

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a threaded server
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, self.model, self.device, self._load),
                                        name="workbench-model", daemon=True)
        self._process.start()
        child.close()
        self._loaded = False
        self._failure: str | None = None

    def ready(self) -> bool:
        """Whether the model has loaded (or failed to: `rescore` then says why); never waits."""
        with self._lock:
            if not self._loaded and (self._conn.poll() or not self._process.is_alive()):
                try:
                    self._take_ready()
                except EOFError:  # it died while loading: load again
                    self._process.join(timeout=5)
                    self._start()
            return self._loaded

    def rescore(self, alignment: Alignment, known: Sequence[LinkFidelity | None]) -> ScoredAlignment:
        """`fidelity.rescore(alignment, encoder, known)` in the child, once the model is there."""
        with self._lock:
            for attempt in (1, 2):  # a child that has died is started again, once
                try:
                    if not self._loaded:
                        self._take_ready()
                    if self._failure is not None:
                        raise InputError(self._failure)
                    self._conn.send((alignment, list(known)))
                    kind, answer = self._conn.recv()
                except (EOFError, BrokenPipeError, ConnectionResetError):
                    if attempt == 2:
                        raise InputError("The scoring process stopped; restart the workbench.") from None
                    self._process.join(timeout=5)
                    self._start()
                    continue
                if kind == "failed":
                    raise InputError(answer)
                return answer
        raise AssertionError("unreachable")

    def _take_ready(self) -> None:
        """Wait for the child's first message: loaded, or why not."""
        kind, failure = self._conn.recv()  # EOFError if the child died
        self._loaded, self._failure = True, failure if kind == "failed" else None

    def close(self) -> None:
        self._conn.close()
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.terminate()


def _serve(conn, model: str | None, device: str, load: Callable[[str | None, str], TextEncoder]) -> None:
    """The child: load, say so, then score what is sent until the server closes the pipe."""
    os.environ["WORKBENCH_THREADS"] = "1"  # ONNX Runtime's threads (workbench.embed.runtime.cpu_threads)
    try:
        try:
            encoder = load(model, device)
        except Exception as error:  # the edit that needs the model reports it
            conn.send(("failed", _reason(error)))
            return
        if "torch" in sys.modules:  # a model that runs on torch (a GPU, or --model): its threads too
            sys.modules["torch"].set_num_threads(1)
        conn.send(("ready", None))
        while True:
            alignment, known = conn.recv()
            try:
                answer = ("scored", fidelity.rescore(alignment, encoder, known))
            except Exception as error:
                answer = ("failed", _reason(error))
            conn.send(answer)
    except (EOFError, OSError):  # the server is gone (or let this process go)
        return


def _reason(error: Exception) -> str:
    return str(error) if isinstance(error, InputError) else f"Scoring failed: {type(error).__name__}: {error}"
