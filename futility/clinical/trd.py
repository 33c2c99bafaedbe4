"""Does the episode meet a definition of treatment-resistant depression (TRD)?

TRD here = at least two *adequate* trials that failed, by default of distinct mechanistic classes.

- What "failed" means is a parameter:
  - ``"no_response"`` (default): less than 50% improvement (partial or non-response). This is the
    usual reading of "failure to respond" (response = >= 50% reduction; EMA CPMP 2002 "fails to produce a
    clinically meaningful effect" with two products of different pharmacological classes, quoted in
    Jaffe 2019 BMC Psychiatry [S]).
  - ``"non_response"``: the strict Sforzini 2022 consensus (Mol Psychiatry, PMC9095475 Table 1 [V]):
    "at least two failed treatments with < 25% improvement"; a partial response (25-49%) is then
    not a failure.
- A trial whose outcome is unknown (scores missing) is never counted as failed.
- Augmentations count (our decision; the definitions above speak of "treatments" without settling
  it): a failed adequate augmentation (e.g. lithium) is a failed treatment, and its class for "distinct
  classes" is its augmentation class (``lithium_augmentation``, ``antipsychotic_augmentation`` ...).
  Non-drug options (ECT, rTMS, esketamine, psychotherapy) count likewise, each with its own class.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from futility.clinical.adequacy import TrialAssessment

__all__ = ["FAILURE_DEFINITIONS", "TRDStatus", "assess_trd", "failed_adequate", "is_failure"]

#: failure definition -> outcomes that count as a failed trial.
FAILURE_DEFINITIONS: dict[str, tuple[str, ...]] = {
    "no_response": ("partial_response", "non_response"),  # < 50% improvement
    "non_response": ("non_response",),  # < 25% improvement (Sforzini 2022)
}
_DEFINITION_TEXT = {
    "no_response": "less than 50% improvement (no response)",
    "non_response": "less than 25% improvement (Sforzini 2022 consensus)",
}
MIN_FAILED_TRIALS = 2  # Sforzini 2022; EMA CPMP 2002 ("two products")


@dataclass(frozen=True)
class TRDStatus:
    """Whether the TRD definition is met, with the counts behind it and the definition in words."""

    meets_criteria: bool
    adequate_failed_trials: int
    distinct_classes_failed: int
    definition: str
    failed_classes: tuple[str, ...] = ()


def _outcomes(failure: str) -> tuple[str, ...]:
    try:
        return FAILURE_DEFINITIONS[failure]
    except KeyError:
        raise ValueError(f"unknown failure definition '{failure}' (known: {', '.join(FAILURE_DEFINITIONS)})") from None


def is_failure(ta: TrialAssessment, failure: str = "no_response") -> bool:
    """True when the trial was adequate and its outcome counts as failure under ``failure``."""
    return ta.adequate and ta.outcome in _outcomes(failure)


def failed_adequate(trial_assessments: Iterable[TrialAssessment], failure: str = "no_response") -> list[TrialAssessment]:
    """The adequate trials that failed, oldest first."""
    return [ta for ta in trial_assessments if is_failure(ta, failure)]


def assess_trd(
    trial_assessments: Iterable[TrialAssessment],
    require_distinct_classes: bool = True,
    failure: str = "no_response",
) -> TRDStatus:
    """TRD status: >= 2 adequate failed trials (of >= 2 distinct classes when required).

    Sources: Sforzini 2022 (>= 2 failures, < 25% improvement); EMA CPMP 2002 (two different
    pharmacological classes). See the module docstring for how augmentation counts.
    """
    _outcomes(failure)  # refuse an unknown definition even when there are no trials
    failed = failed_adequate(trial_assessments, failure)
    classes = tuple(sorted({ta.drug_class for ta in failed}))
    enough = len(failed) >= MIN_FAILED_TRIALS
    if require_distinct_classes:
        enough = enough and len(classes) >= MIN_FAILED_TRIALS
    definition = (
        f">= {MIN_FAILED_TRIALS} adequate trials with {_DEFINITION_TEXT[failure]}"
        + (f", of >= {MIN_FAILED_TRIALS} distinct mechanistic classes" if require_distinct_classes else "")
    )
    return TRDStatus(
        meets_criteria=enough,
        adequate_failed_trials=len(failed),
        distinct_classes_failed=len(classes),
        definition=definition,
        failed_classes=classes,
    )
