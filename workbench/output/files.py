"""Every file the workbench writes goes through `atomic_write`: temp file in the target folder,
then `os.replace`, so a write that fails half-way never leaves a truncated file, nor destroys
the file already at that path."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from workbench.errors import InputError


def atomic_write(path: str | os.PathLike, data: bytes) -> None:
    """Replace `path` with `data` in one step, creating its folder when missing.

    Nothing already saved is lost: the bytes go to a temp file beside `path`, which then
    replaces it, so a failed write leaves no half-written file and the old one untouched.
    An OSError (no space, no permission, a folder in the way) becomes a one-line InputError;
    the temp file is removed whatever went wrong.
    """
    path = Path(path)
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with temp.open("xb") as handle:  # "x" honours the umask, where mkstemp would make it 0600
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())  # on disk before it replaces the old file
        os.replace(temp, path)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise InputError(f"Cannot write {path}: {error.strerror or error}.") from error
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
