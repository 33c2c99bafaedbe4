"""Writing a file so that it is either complete or absent, and never through a planted symlink.

A fresh temp file (random name, O_EXCL, mode 0600) in the target folder, then a rename: a half-written
report or export never appears under the real name, and a symlink at the real name is replaced, not
followed. Callers turn the ``OSError`` into their own one-line error.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temp file in its folder and a rename; raises ``OSError``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
