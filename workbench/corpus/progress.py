"""The batch's progress bars, on stderr: on a terminal, tqdm's bar redrawn in place; elsewhere
(a log file, a pipe, a CI job) a plain line every LOG_SECONDS, and the last one, where tqdm
would write its redraws as one endless line of carriage returns, ten a second."""

from __future__ import annotations

import sys

from tqdm import tqdm

LOG_SECONDS = 30.0  # a log's lines: often enough to follow a long run, few enough to read
LOG_FORMAT = "{desc}: {percentage:3.0f}% {n_fmt}/{total_fmt} {unit} [{elapsed}<{remaining}, {rate_fmt}{postfix}]"


def progress_bar(total: int, desc: str, unit: str, shown: bool, initial: int = 0, postfix: str = "") -> tqdm:
    """A bar over `total` items of which `initial` were done before it started (a previous
    run's: tqdm leaves them out of the rate, so the time left is this run's), `postfix` after
    its figures; nothing shown unless `shown`."""
    common = dict(total=total, initial=initial, unit=unit, desc=desc, postfix=postfix or None)
    if not shown or sys.stderr.isatty():
        return tqdm(**common, disable=not shown, dynamic_ncols=True)
    return tqdm(**common, file=_Lines(), mininterval=LOG_SECONDS, bar_format=LOG_FORMAT)


class _Lines:
    """stderr for tqdm, each of its redraws a line of its own (its carriage returns and the
    blanks that erase a longer line dropped)."""

    def write(self, text: str) -> None:
        if line := text.strip("\r\n "):
            sys.stderr.write(line + "\n")

    def flush(self) -> None:
        sys.stderr.flush()
