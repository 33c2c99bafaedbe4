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
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = [
    "BLINDING",
    "COMPARATOR_KINDS",
    "COVARIATE_COLUMNS",
    "DECLINE_GROUPS",
    "DEFINITION_CLASSES",
    "KIND_GROUP",
    "OPTION_KINDS",
    "Effect",
    "Outcome",
    "evidence_hash",
    "load_effects",
    "burden_evidence_kinds",
    "load_outcomes",
    "offered_kinds",
    "option_sources",
    "parse_failures",
    "parse_mixture",
    "short_citation",
    "with_sources",
]

#: Option kinds the model has an effect for (its ``alpha``/``delta`` columns). A kind is offered as a
#: next option only when it has a fitted remission row of its own (:func:`offered_kinds`) and is not a
#: comparator. Serotonin modulators and agomelatine have no cohort row with a denominator in the bundle,
#: so they are not model kinds: in a patient's history they take the population mean (docs/model.md).
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
    "bupropion_augmentation",
    "buspirone_augmentation",
    "mirtazapine_combination",
    "rtms",
    "psychotherapy",
    "psychotherapy_augmentation",
    "placebo_augmentation",
    "sham",
)

#: Comparator arms of controlled trials: they carry the trials' contrasts but are never offered.
#: ``placebo_augmentation`` is placebo added to the continued failed antidepressant; ``sham`` is sham
#: stimulation (rTMS trials).
COMPARATOR_KINDS: frozenset[str] = frozenset({"placebo_augmentation", "sham"})

#: Kinds whose decline per earlier failure is estimated together (partially pooled across groups):
#: oral switches, add-on (augmentation and combination) treatments, neurostimulation, rapid-acting
#: glutamatergic agents, and psychological treatment (docs/model.md, "Decline per failure").
DECLINE_GROUPS: tuple[str, ...] = ("oral", "add_on", "neurostimulation", "rapid_acting", "psychological")
KIND_GROUP: dict[str, str] = {
    "ssri": "oral", "snri": "oral", "ndri": "oral", "nassa": "oral", "tca": "oral", "maoi": "oral",
    "placebo_augmentation": "oral",
    "lithium_augmentation": "add_on", "thyroid_augmentation": "add_on", "antipsychotic_augmentation": "add_on",
    "bupropion_augmentation": "add_on", "buspirone_augmentation": "add_on", "mirtazapine_combination": "add_on",
    "ect": "neurostimulation", "rtms": "neurostimulation", "sham": "neurostimulation",
    "esketamine": "rapid_acting", "ketamine": "rapid_acting",
    "psychotherapy": "psychological", "psychotherapy_augmentation": "psychological",
}

#: Outcome definitions with their own fixed offset against strict remission (docs/model.md).
DEFINITION_CLASSES: tuple[str, ...] = ("strict", "madrs12", "other", "response")
BLINDING: tuple[str, ...] = ("open", "single_blind", "double_blind")
#: Cohort covariates (the cohort's mix of patient factors); empty cells are taken at the reference mix.
COVARIATE_COLUMNS: tuple[str, ...] = ("age_mean", "episode_months", "severe_share", "psychotic_share", "anxiety_share")

_DIR = Path(str(resources.files("futility") / "data" / "evidence"))
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
    trial: str = ""  # trial (study) id shared by its arms: one between-trial random effect
    definition_class: str = "strict"  # strict | madrs12 | other | response (see DEFINITION_CLASSES)
    weeks: float | None = None  # time point of the outcome
    blinding: str = "open"
    failures: tuple[tuple[int, float], ...] = ()  # (failed treatments at entry, share) when no explicit history
    failed_kinds: dict[str, float] | None = None  # mixture of kinds that failed before entry (each step)
    covariates: dict[str, float] = None  # type: ignore[assignment]  # cohort mix, COVARIATE_COLUMNS present
    count: int | None = None  # events as printed, when the paper gives a count
    studies: int = 1  # studies pooled in this figure (a meta-analysis's pooled rate): its trial effect is their mean
    per_study_definitions: bool = False  # each pooled study or trial used its own outcome definition

    @property
    def events(self) -> int | None:
        if self.count is not None:
            return self.count
        return None if self.n is None else int(round(self.rate * self.n))

    @property
    def prior_failures(self) -> int:
        """Failed steps before entry (the mean of the distribution when one is given)."""
        if self.history or not self.failures:
            return len(self.history)
        return int(round(sum(f * w for f, w in self.failures)))

    def entry_histories(self) -> tuple[tuple[float, tuple[dict[str, float], ...]], ...]:
        """(share, failed steps oldest first) for each failure count at entry; one entry when the history is explicit."""
        if self.history or not self.failures:
            return ((1.0, self.history),)
        step = self.failed_kinds or {"ssri": 1.0}
        return tuple((w, tuple(step for _ in range(f))) for f, w in self.failures)


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


def _opt_float(text: str | None) -> float | None:
    text = (text or "").strip()
    return float(text) if text else None


def parse_failures(text: str) -> tuple[tuple[int, float], ...]:
    """``"2:0.45;3:0.30;4:0.25"`` -> ((2, 0.45), (3, 0.30), (4, 0.25)) normalised; ``"1"`` -> ((1, 1.0),)."""
    text = (text or "").strip()
    if not text:
        return ()
    parts = []
    for part in text.split(";"):
        count, _, share = part.partition(":")
        parts.append((int(count), float(share) if share else 1.0))
    total = sum(w for _, w in parts)
    if total <= 0:
        raise ValueError(f"failure shares must be positive: {text!r}")
    return tuple((f, w / total) for f, w in parts)


def _definitions(text: str | None) -> bool:
    value = (text or "").strip() or "standard"
    if value not in ("standard", "per_study"):
        raise ValueError(f"definitions must be 'standard' or 'per_study', not {value!r}")
    return value == "per_study"


@lru_cache(maxsize=4)
def load_outcomes(path: str | None = None) -> tuple[Outcome, ...]:
    """All rows of ``outcomes.csv`` (or another file with the same columns)."""
    rows = []
    with open(path or OUTCOMES_CSV, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            history = tuple(parse_mixture(step) for step in row["history"].split("|") if step.strip())
            n = row["n"].strip()
            covariates = {c: float(row[c]) for c in COVARIATE_COLUMNS if (row.get(c) or "").strip()}
            failed = (row.get("failed_kinds") or "").strip()
            count = (row.get("events") or "").strip()
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
                    trial=(row.get("trial") or "").strip() or row["id"],
                    definition_class=(row.get("definition_class") or "").strip() or "strict",
                    weeks=_opt_float(row.get("weeks")),
                    blinding=(row.get("blinding") or "").strip() or "open",
                    failures=parse_failures(row.get("failures") or ""),
                    failed_kinds=parse_mixture(failed) if failed else None,
                    covariates=covariates,
                    count=int(count) if count else None,
                    studies=int((row.get("studies") or "").strip() or 1),
                    per_study_definitions=_definitions(row.get("definitions")),
                )
            )
    return tuple(rows)


def offered_kinds(outcomes: tuple[Outcome, ...] | None = None) -> tuple[str, ...]:
    """Kinds offered as next options: a fitted remission row of their own (weight 1), not a comparator."""
    outcomes = load_outcomes() if outcomes is None else outcomes
    own = {k for o in outcomes if o.use == "fit" and o.outcome == "remission" for k, w in o.option.items() if w == 1.0}
    return tuple(k for k in OPTION_KINDS if k in own and k not in COMPARATOR_KINDS)


def burden_evidence_kinds(outcomes=None, effects=None) -> tuple[str, ...]:
    """Kinds with burden evidence of their own: a fitted burden/stopping row (weight 1) or a burden effect."""
    outcomes = load_outcomes() if outcomes is None else outcomes
    effects = load_effects() if effects is None else effects
    own = {
        k
        for o in outcomes
        if o.use == "fit" and o.outcome in ("burden", "discontinuation")
        for k, w in o.option.items()
        if w == 1.0
    }
    own |= {e.option for e in effects if e.parameter == "delta"}
    return tuple(k for k in OPTION_KINDS if k in own)


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


# ----- where each option's figures come from (the committee's evidence rows) ---------------------------
_YEAR = re.compile(r"\b(1[89]|20)\d{2}\b")
_AUTHOR = re.compile(r"(?:[a-z]+ )*[A-Z][A-Za-z'\-]+ [A-Z]{1,3}\b")


def short_citation(source: str) -> str:
    """A citation cut to its first author and year: 'Trivedi MH et al. Evaluation ... 2006;163:28-40' ->
    'Trivedi MH et al 2006'; 'Heijnen WT, Birkenhager TK, ... 2010' -> 'Heijnen WT et al 2010'.
    """
    text = source.strip()
    secondary = text.lower().startswith("secondary:")
    if secondary:  # 'Secondary: Clinical Advisor evidence summary of George MS et al. ...': the study's authors
        text = text.split(":", 1)[1].strip()
        text = text.split(" of ", 1)[1] if " of " in text.split(". ")[0] else text
    authors = text.split(". ")[0].split(" (")[0].strip()
    first, _, rest = authors.partition(", ")
    more = bool(rest) and (rest.startswith("et al") or _AUTHOR.match(rest) is not None)
    name = first + (" et al" if more and " et al" not in first else "")
    name = " ".join(name.replace(" et al et al", " et al").split()[:6])
    if secondary:
        name += ", secondary source"
    year = _YEAR.search(source)
    return f"{name} {year.group(0)}" if year and year.group(0) not in name else name


def _outcome_ref(o: Outcome, kind: str) -> dict[str, Any]:
    return {"id": o.id, "table": "outcomes", "outcome": o.outcome, "n": o.n, "share": round(o.option.get(kind, 0.0), 4),
            "citation": short_citation(o.source), "tag": o.tag}


def _effect_ref(e: Effect) -> dict[str, Any]:
    outcome = "burden" if e.parameter == "delta" else "remission"
    return {"id": e.id, "table": "effects", "outcome": outcome, "n": None, "share": 1.0,
            "citation": short_citation(e.source), "tag": e.tag}


@lru_cache(maxsize=64)
def _sources(kind: str) -> tuple[tuple[dict[str, Any], ...], tuple[dict[str, Any], ...], bool]:
    outcomes = [o for o in load_outcomes() if o.use == "fit"]
    effects = load_effects()
    efficacy = [_outcome_ref(o, kind) for o in outcomes if o.outcome in ("remission", "response") and kind in o.option]
    efficacy += [_effect_ref(e) for e in effects if e.parameter == "alpha" and e.option == kind]
    own = kind in burden_evidence_kinds()
    if own:
        burden = [_outcome_ref(o, kind) for o in outcomes if o.outcome in ("burden", "discontinuation") and kind in o.option]
        burden += [_effect_ref(e) for e in effects if e.parameter == "delta" and e.option == kind]
    else:  # the population mean of the kinds with burden evidence: every burden row informs it
        burden = [{**_outcome_ref(o, next(iter(o.option))), "share": 0.0} for o in outcomes
                  if o.outcome in ("burden", "discontinuation")]
        burden += [{**_effect_ref(e), "share": 0.0} for e in effects if e.parameter == "delta"]
    return tuple(efficacy), tuple(burden), own


def option_sources(kind: str) -> dict[str, Any]:
    """The fitted evidence rows behind one option kind's prognosis, as the JSON contract's ``prognosis[].sources``.

    ``efficacy``: the cohorts (``outcomes.csv``, ``use = fit``) with this kind among their options, for remission
    and response (the ordinal model gives both from the same kind effect), and the relative effects on it
    (``effects.csv``, ``alpha``); ``share`` is the kind's share of the cohort's option mixture (1: everyone had it).
    ``burden``: its own burden and stopping-for-side-effects rows and ``delta`` effects; for a kind without burden
    evidence of its own (``burden_from = "other_options"``) every burden row, which together set the population
    mean it takes (share 0). Every figure also rests on the parameters all rows share (decline per failure,
    patient factors, the spread between trials) and on the patient's own trials: docs/model.md.
    """
    efficacy, burden, own = _sources(kind)
    return {"efficacy": [dict(r) for r in efficacy], "burden": [dict(r) for r in burden],
            "burden_from": "own" if own else "other_options"}


def with_sources(records: list[dict[str, Any]], data_hash: str) -> list[dict[str, Any]]:
    """The contract's prognosis records with ``sources`` added to every option that has figures.

    Only when the posterior was fit to the bundled evidence (``data_hash`` equal to :func:`evidence_hash`): a
    posterior fit to another registry has other rows behind it, and ``sources`` is then None (the renderers say so).
    """
    bundled = data_hash == _bundled_hash()
    out = []
    for rec in records:
        figures = rec.get("contraindicated") is False
        out.append({**rec, "sources": option_sources(rec["option"]) if figures and bundled else None})
    return out


@lru_cache(maxsize=1)
def _bundled_hash() -> str:
    return evidence_hash()
