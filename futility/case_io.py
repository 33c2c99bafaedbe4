"""Reading a case file safely: a bounded read of a regular file, then strict YAML or JSON parsing.

Why a module of its own: a case file comes from outside, so before pydantic sees it the reader must
not hang (a named pipe), exhaust memory (``/dev/zero``, a 5 MB list, a document nested 1,000 deep)
or guess (a repeated key whose later value would silently win, a YAML tag with a value it cannot
hold). Every refusal is a ``(field, problem)`` pair for :class:`futility.case.CaseError`; the limits
are documented in docs/contract.md.
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError, SafeConstructor

__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "MAX_NODES", "InputProblem", "parse_json", "parse_yaml", "read_case_bytes"]

#: Largest case file read, in bytes (a real case is a few kilobytes).
MAX_FILE_BYTES = 1_000_000
#: Deepest nesting of mappings and lists (a case needs 3: case -> trials -> trial).
MAX_DEPTH = 10
#: Most YAML nodes (keys, values, items) read; a full case of 50 trials and 200 ratings has ~3,000.
MAX_NODES = 20_000


class InputProblem(ValueError):
    """A file or document that cannot be read as a case; ``field`` is a path or ``""``."""

    def __init__(self, problem: str, field: str = ""):
        super().__init__(problem)
        self.field = field
        self.problem = problem


def read_case_bytes(path: str | os.PathLike) -> bytes:
    """The bytes of a regular file of at most :data:`MAX_FILE_BYTES`; pipes, devices and directories refused.

    The file is opened non-blocking (a FIFO cannot hang the open) and checked with ``fstat`` on the
    open descriptor, so a file swapped in after a check is still refused; the read itself is bounded.
    """
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputProblem(f"case file not found: {path}") from None
    except OSError as exc:
        raise InputProblem(f"cannot read case file {path}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a directory" if stat.S_ISDIR(info.st_mode) else "a pipe, socket or device"
            raise InputProblem(f"case file {path} is {kind}, not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise InputProblem(f"case file {path} is larger than the limit of {MAX_FILE_BYTES:,} bytes")
        chunks, size = [], 0
        while size <= MAX_FILE_BYTES:  # the file may have grown since fstat: never read past the limit + 1
            chunk = os.read(fd, MAX_FILE_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        data = b"".join(chunks)
    except OSError as exc:
        raise InputProblem(f"cannot read case file {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise InputProblem(f"case file {path} is larger than the limit of {MAX_FILE_BYTES:,} bytes")
    return data


def decode(data: bytes, what: str) -> str:
    """UTF-8 text (a byte-order mark is dropped), or a problem naming the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputProblem(f"{what} is not UTF-8 text (bad byte at offset {exc.start})") from None


# --- YAML -------------------------------------------------------------------------------------------


class _CaseLoader(yaml.SafeLoader):
    """SafeLoader without aliases, with a depth limit, refusing duplicate keys and bad tagged values."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise ComposerError(None, None, "aliases (*name) are not allowed in a case file", self.peek_event().start_mark)
        self._depth += 1
        self._nodes += 1
        try:
            if self._nodes > MAX_NODES:
                raise ComposerError(None, None, f"more than {MAX_NODES:,} values", self.peek_event().start_mark)
            if self._depth > MAX_DEPTH + 1:  # containers plus the scalar leaf
                raise ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            raise
        except Exception:  # noqa: BLE001 - PyYAML's constructors fail in many ways on a value that does not fit its tag
            value = node.value if isinstance(node.value, str) else "..."
            raise ConstructorError(None, None, f"{_short(value)!r} is not a valid {node.tag.rsplit(':', 1)[-1]}",
                                   node.start_mark) from None


def _construct_mapping(loader: _CaseLoader, node: yaml.MappingNode) -> dict:
    """A mapping whose keys are all distinct: a repeated key would otherwise let the later value win."""
    loader.flatten_mapping(node)
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        try:
            duplicate = key in seen
        except TypeError:
            raise ConstructorError("while reading a mapping", node.start_mark, "a key must be a plain value",
                                   key_node.start_mark) from None
        if duplicate:
            raise ConstructorError(None, None, f"duplicate key {_short(key)!r}", key_node.start_mark)
        seen.add(key)
    return SafeConstructor.construct_mapping(loader, node)


def _construct_timestamp(loader: _CaseLoader, node: yaml.ScalarNode):
    """A YAML date; an impossible one (2026-02-30) stays text, so the field check names the field."""
    try:
        return SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError, AttributeError):  # AttributeError: an explicit !!timestamp that is no date
        return loader.construct_scalar(node)


_CaseLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_CaseLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def parse_yaml(text: str) -> Any:
    """Parse one YAML document with :class:`_CaseLoader`; raise :class:`InputProblem` with the position."""
    try:
        data = yaml.load(text, Loader=_CaseLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise InputProblem(f"not valid YAML{where}: {problem}") from None
    except RecursionError:
        raise InputProblem(f"not valid YAML: nested deeper than {MAX_DEPTH} levels") from None
    _check_depth(data)
    return data


# --- JSON -------------------------------------------------------------------------------------------


def _distinct_pairs(pairs: list[tuple[str, Any]]) -> dict:
    found: dict = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f"duplicate key {_short(key)!r}")
        found[key] = value
    return found


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def parse_json(text: str) -> Any:
    """Parse JSON refusing duplicate keys, NaN/Infinity and deep nesting; raise :class:`InputProblem`."""
    try:
        data = json.loads(text, object_pairs_hook=_distinct_pairs, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InputProblem(f"not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from None
    except RecursionError:
        raise InputProblem(f"not valid JSON: nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # duplicate key, NaN, an integer too long to convert
        raise InputProblem(f"not valid JSON: {_short(str(exc), 120)}") from None
    _check_depth(data)
    return data


# --- shared -----------------------------------------------------------------------------------------


def _check_depth(data: Any) -> None:
    """Refuse a document nested deeper than :data:`MAX_DEPTH`, naming the first too-deep field."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict):
            children = [(v, f"{path}.{_short(k)}" if path else _short(k)) for k, v in value.items()]
        elif isinstance(value, (list, tuple, set, frozenset)):
            children = [(v, f"{path}[{i}]") for i, v in enumerate(value)]
        else:
            continue
        if depth + 1 > MAX_DEPTH:
            raise InputProblem(f"nested deeper than {MAX_DEPTH} levels", path)
        stack.extend((v, p, depth + 1) for v, p in children)


def _short(value: Any, limit: int = 40) -> str:
    """A value as at most ``limit`` characters on one line, for echoing in a message."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
