"""The bundled evidence base: published aggregate outcomes and effect sizes, one cited row each.

``outcomes.csv`` holds binomial cohort results (remitters, responders, patients with significant
side-effect burden or patients who stopped because of side effects, out of ``n``), each with the
option given, the treatment history the cohort had failed before entering (``history``: steps
separated by ``|``, each step a mixture of option kinds ``kind:weight;kind:weight``), the outcome
definition, the full citation, the table or abstract the figure comes from and a confidence tag
([V] primary text, [S] secondary, [R] unverified). ``use`` says whether a row is fit (``fit``), held
out as a calibration target (``calibration``) or kept as context only (``context``). ``effects.csv``
holds relative effects (odds ratios with 95% CIs) used as priors or pseudo-observations on option
contrasts and patient factors.

Events are ``round(rate * n)``: the papers report percentages of a stated N.
"""
from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

__all__ = [
    "OPTION_KINDS",
    "Effect",
    "Outcome",
    "evidence_hash",
    "load_effects",
    "load_outcomes",
    "parse_mixture",
]

#: Option kinds with at least one cited outcome row in the evidence base: the model's option effects
#: and the candidate next options. rTMS, psychotherapy, serotonin modulators and agomelatine have no
#: cohort row with a denominator in the bundle yet, so they are not offered (docs/model.md).
OPTION_KINDS: tuple[str, ...] = (
    "ssri",
    "snri",
    "ndri",
    "nassa",
    "tca",
    "maoi",
    "lithium_augmentation",
    "thyroid_augmentation",
    "antipsychotic_augmentation",
    "ect",
    "esketamine",
    "ketamine",
)

_DIR = Path(str(resources.files("futility") / "evidence"))
OUTCOMES_CSV = _DIR / "outcomes.csv"
EFFECTS_CSV = _DIR / "effects.csv"


def parse_mixture(text: str) -> dict[str, float]:
    """``"ssri:238;snri:250"`` -> normalised weights ``{"ssri": 0.488, "snri": 0.512}``; ``"ect"`` -> ``{"ect": 1}``."""
    parts = [p.strip() for p in text.split(";") if p.strip()]
    if not parts:
        raise ValueError("empty option mixture")
    raw: dict[str, float] = {}
    for part in parts:
        kind, _, weight = part.partition(":")
        raw[kind.strip()] = raw.get(kind.strip(), 0.0) + (float(weight) if weight else 1.0)
    total = sum(raw.values())
    if total <= 0:
        raise ValueError(f"mixture weights must be positive: {text!r}")
    return {k: w / total for k, w in raw.items()}


@dataclass(frozen=True)
class Outcome:
    """One published cohort outcome: ``events`` of ``n`` patients had ``outcome`` with ``option``."""

    id: str
    use: str  # fit | calibration | context
    outcome: str  # remission | response | burden (FIBSER >= 3) | discontinuation (stopped for side effects)
    option: dict[str, float]
    history: tuple[dict[str, float], ...]  # failed steps before entry, oldest first
    n: int | None
    rate: float
    definition: str
    source: str
    table: str
    tag: str
    note: str

    @property
    def events(self) -> int | None:
        return None if self.n is None else int(round(self.rate * self.n))

    @property
    def prior_failures(self) -> int:
        return len(self.history)


@dataclass(frozen=True)
class Effect:
    """A published relative effect (odds ratio, 95% CI) on an option contrast or a patient factor."""

    id: str
    parameter: str  # alpha | delta | beta
    option: str  # option kind, or factor name for beta
    reference: tuple[str, ...]  # kinds whose mean is the comparator (alpha/delta contrasts)
    outcome: str
    ratio: str
    estimate: float
    ci_low: float | None
    ci_high: float | None
    source: str
    table: str
    tag: str
    note: str

    @property
    def log_estimate(self) -> float:
        import math

        return math.log(self.estimate)

    @property
    def log_se(self) -> float | None:
        """Standard error of the log ratio from the 95% CI, or None without a CI."""
        import math

        if self.ci_low is None or self.ci_high is None:
            return None
        return (math.log(self.ci_high) - math.log(self.ci_low)) / (2 * 1.959964)


def _opt_float(text: str) -> float | None:
    text = text.strip()
    return float(text) if text else None


@lru_cache(maxsize=4)
def load_outcomes(path: str | None = None) -> tuple[Outcome, ...]:
    """All rows of ``outcomes.csv`` (or another file with the same columns)."""
    rows = []
    with open(path or OUTCOMES_CSV, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            history = tuple(parse_mixture(step) for step in row["history"].split("|") if step.strip())
            n = row["n"].strip()
            rows.append(
                Outcome(
                    id=row["id"],
                    use=row["use"],
                    outcome=row["outcome"],
                    option=parse_mixture(row["option"]),
                    history=history,
                    n=int(n) if n else None,
                    rate=float(row["rate"]),
                    definition=row["definition"],
                    source=row["source"],
                    table=row["table"],
                    tag=row["tag"],
                    note=row["note"],
                )
            )
    return tuple(rows)


@lru_cache(maxsize=4)
def load_effects(path: str | None = None) -> tuple[Effect, ...]:
    """All rows of ``effects.csv``."""
    rows = []
    with open(path or EFFECTS_CSV, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            rows.append(
                Effect(
                    id=row["id"],
                    parameter=row["parameter"],
                    option=row["option"],
                    reference=tuple(r for r in row["reference"].split(";") if r),
                    outcome=row["outcome"],
                    ratio=row["ratio"],
                    estimate=float(row["estimate"]),
                    ci_low=_opt_float(row["ci_low"]),
                    ci_high=_opt_float(row["ci_high"]),
                    source=row["source"],
                    table=row["table"],
                    tag=row["tag"],
                    note=row["note"],
                )
            )
    return tuple(rows)


def evidence_hash(*extra: bytes) -> str:
    """sha256 over the bundled evidence files (and any extra bytes, e.g. a registry file)."""
    digest = hashlib.sha256()
    for path in (OUTCOMES_CSV, EFFECTS_CSV):
        digest.update(path.read_bytes())
    for blob in extra:
        digest.update(blob)
    return digest.hexdigest()
