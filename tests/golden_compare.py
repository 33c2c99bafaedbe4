"""Field-by-field comparison of ``futility assess --json`` output with the checked-in golden file.

Used by ``tests/test_contract.py`` and ``scripts/update_golden.py``. Structure, strings, booleans,
integers and ``null`` must match exactly (a float where an int was, or a new key, is a difference);
numbers drawn from the posterior may move by :data:`POSTERIOR_TOLERANCE`; every other number (the
rules, the policy, the utilities) must match to rounding. Fields that change with the posterior file
but say nothing about the output's behaviour are skipped (:data:`VOLATILE`).
"""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "demo-assessment.json"
DEMO_CASE = ROOT / "futility" / "data" / "demo-case.yaml"

#: Absolute tolerance for a probability, utility or other number computed from the posterior draws.
POSTERIOR_TOLERANCE = 0.02
#: Paths whose numbers come from the posterior draws (prefixes).
POSTERIOR_PATHS = ("prognosis[", "decision.options[", "decision.quantitative_futility.", "decision.qualitative_futility.",
                   "decision.sensitivity.")
#: Paths left out: the package version and what changes whenever the posterior file is rebuilt.
VOLATILE = ("package_version", "model.posterior_file_hash", "model.data_hash", "model.diagnostics", "assessment_id")


def demo_json() -> dict[str, Any]:
    """The demo case's ``futility assess --json`` output, from the command line exactly as a user runs it."""
    result = subprocess.run(
        [sys.executable, "-m", "futility", "assess", str(DEMO_CASE), "--json"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"futility assess failed ({result.returncode}): {result.stderr.strip()}")
    return json.loads(result.stdout)


def load_golden() -> dict[str, Any]:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _tolerance(path: str) -> float:
    return POSTERIOR_TOLERANCE if path.startswith(POSTERIOR_PATHS) else 1e-9


def _volatile(path: str) -> bool:
    return any(path == v or path.startswith(v + ".") or path.startswith(v + "[") for v in VOLATILE)


def differences(live: Any, golden: Any, path: str = "") -> list[str]:
    """Every difference between ``live`` and ``golden``, as ``path: what`` lines, in document order."""
    if _volatile(path):
        return []
    if type(live) is not type(golden):
        return [f"{path or '<root>'}: {type(live).__name__} {_short(live)} where the golden file has "
                f"{type(golden).__name__} {_short(golden)}"]
    if isinstance(live, dict):
        out = []
        for key in golden:
            if key not in live and not _volatile(_join(path, key)):
                out.append(f"{_join(path, key)}: missing (golden: {_short(golden[key])})")
        for key in live:
            if key not in golden and not _volatile(_join(path, key)):
                out.append(f"{_join(path, key)}: not in the golden file ({_short(live[key])})")
        for key in golden:
            if key in live:
                out.extend(differences(live[key], golden[key], _join(path, key)))
        return out
    if isinstance(live, list):
        out = []
        if len(live) != len(golden):
            out.append(f"{path}: {len(live)} items where the golden file has {len(golden)}")
        for i, (a, b) in enumerate(zip(live, golden)):
            out.extend(differences(a, b, _join(path, i)))
        return out
    if isinstance(live, float):
        tol = _tolerance(path)
        if not (math.isfinite(live) and math.isfinite(golden) and abs(live - golden) <= tol + 1e-12):
            return [f"{path}: {live!r} where the golden file has {golden!r} (tolerance {tol:g})"]
        return []
    if live != golden:
        return [f"{path}: {_short(live)} where the golden file has {_short(golden)}"]
    return []


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."
