"""The audit key: a secret kept *outside* the store that keys the audit chain (HMAC-SHA256).

Where it comes from, first match wins:

1. ``FUTILITY_AUDIT_KEY``: the key itself (at least 32 characters), for shared or server stores
   where everyone who writes must use the same key;
2. ``FUTILITY_AUDIT_KEY_FILE``: a path to a key file;
3. ``audit.key`` in the user config folder (``~/.config/futility/`` on Linux, via ``platformdirs``).

A key file is created on the first write that needs it (64 random hex characters, mode 0600, folder
0700, created atomically so two processes never see a half-written key) and refused when other users
can read or write it. Reads never create a key. See ``docs/store.md`` for what the key protects.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
import tempfile
from pathlib import Path
from typing import Literal, overload

from futility.errors import StoreError

__all__ = ["AuditKey", "key_file_path", "load_key"]

MIN_KEY_CHARS = 32


class AuditKey:
    """A loaded key: ``mac(text)`` and a short public ``key_id`` that names it without revealing it."""

    def __init__(self, secret: bytes, source: str):
        self._secret = secret
        self.source = source
        self.key_id = hashlib.sha256(b"futility audit key id\0" + secret).hexdigest()[:16]

    def mac(self, entry_hash: str) -> str:
        return hmac.new(self._secret, entry_hash.encode("ascii", "replace"), hashlib.sha256).hexdigest()

    def __repr__(self) -> str:  # never show the secret
        return f"AuditKey(key_id={self.key_id!r}, source={self.source!r})"


def key_file_path() -> Path:
    """The key file used when ``FUTILITY_AUDIT_KEY`` is not set."""
    explicit = os.environ.get("FUTILITY_AUDIT_KEY_FILE")
    if explicit:
        return Path(explicit).expanduser()
    try:
        from platformdirs import user_config_dir

        return Path(user_config_dir("futility", appauthor=False)) / "audit.key"
    except ImportError:  # pragma: no cover - platformdirs is a declared dependency
        base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        return Path(base) / "futility" / "audit.key"


def _check_secret(text: str, where: str) -> bytes:
    text = text.strip()
    if len(text) < MIN_KEY_CHARS:
        raise StoreError(f"audit key {where}: shorter than {MIN_KEY_CHARS} characters")
    return text.encode("utf-8")


def _read_file(path: Path) -> AuditKey:
    try:
        info = path.stat()
        if os.name == "posix" and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise StoreError(f"audit key {path}: other users can read or change it "
                             f"(mode {stat.S_IMODE(info.st_mode):o}); run 'chmod 600 {path}'")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise StoreError(f"audit key {path}: not a text file") from None
    except OSError as exc:
        raise StoreError(f"audit key {path}: cannot be read ({exc.strerror or exc})") from None
    return AuditKey(_check_secret(text, str(path)), str(path))


def _create_file(path: Path) -> None:
    """Write a new random key to ``path`` unless one appears there first (atomic: temp file + hard link)."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".audit.key.", dir=path.parent)  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(secrets.token_hex(32) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, path)  # fails if another process created the key meanwhile: use theirs
            except FileExistsError:
                pass
        finally:
            os.unlink(tmp)
    except OSError as exc:
        raise StoreError(f"audit key {path}: cannot be created ({exc.strerror or exc})") from None


@overload
def load_key(*, create: Literal[True]) -> AuditKey: ...
@overload
def load_key(*, create: bool) -> AuditKey | None: ...
def load_key(*, create: bool) -> AuditKey | None:
    """The audit key; with ``create`` a missing key file is made, otherwise ``None`` is returned for it."""
    env = os.environ.get("FUTILITY_AUDIT_KEY")
    if env:
        return AuditKey(_check_secret(env, "FUTILITY_AUDIT_KEY"), "FUTILITY_AUDIT_KEY")
    path = key_file_path()
    if not path.exists():
        if not create:
            return None
        _create_file(path)
    return _read_file(path)
