"""The JSON output of ``futility assess --json`` as pydantic models: the one schema of the contract.

:class:`AssessmentOutput` is what :meth:`futility.assessment.Assessment.to_dict` returns, field by field
(``shared/DESIGN.md`` plus the additions in ``docs/contract.md``). Every model refuses a key it does not
declare (a misspelt or new key fails instead of being dropped), closed vocabularies are ``Literal``
types, probabilities are fractions 0-1, and numbers are strict (``true`` is not 1, ``"0.5"`` is not a
number). The store validates what it saves against these models; ``tests/test_contract.py`` compares the
demo's output with a checked-in golden file.

>>> from futility.contract import AssessmentOutput
>>> AssessmentOutput.model_validate(assessment.to_dict())  # doctest: +SKIP
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "OPTION_KINDS",
    "AssessmentOutput",
    "ContractModel",
    "Decision",
    "EvidenceSource",
    "Outcome",
    "PrognosisSources",
    "PrognosisRow",
    "Summary",
    "TrialRow",
]

# --------------------------------------------------------------------------------------------------
# closed vocabularies (tests/test_contract.py checks them against the rules' own tables)

#: Outcome of a trial or of the rating trajectory (futility.clinical.scales.classify_outcome).
Outcome = Literal["remission", "response", "partial_response", "non_response", "unknown"]
#: An option kind: the agent table's drug classes and the model's candidate next options.
OptionKind = Literal[
    "ssri", "snri", "ndri", "nassa", "serotonin_modulator", "melatonergic", "tca", "maoi",
    "lithium_augmentation", "thyroid_augmentation", "antipsychotic_augmentation", "ect", "esketamine",
    "ketamine", "bupropion_augmentation", "buspirone_augmentation", "mirtazapine_combination", "rtms",
    "psychotherapy", "psychotherapy_augmentation",
]
OPTION_KINDS: tuple[str, ...] = OptionKind.__args__  # type: ignore[attr-defined]
#: A row of the decision table: an option kind, or palliative-focused care.
DecisionOption = Literal[OptionKind, "palliative_focus"]
Role = Literal["antidepressant", "augmenter", "neurostimulation", "rapid_acting", "psychological"]
Laterality = Literal["bilateral", "right_unilateral", "bifrontal"]
Screen = Literal["bipolar", "thyroid", "substance_use", "eating_disorder", "adhd"]
Scale = Literal["PHQ-9", "QIDS-SR16", "MADRS", "HAMD-17", "BDI-II"]
SeverityBand = Literal["none", "minimal", "mild", "moderate", "moderately_severe", "severe", "very_severe"]
GateName = Literal[
    "screening_incomplete", "screening_positive", "not_trd", "guideline_options_untried", "patient_values_missing",
]
UtilityName = Literal["remission", "response", "no_response", "significant_burden", "palliative_focus"]
Source = Literal["patient", "default"]

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Count = Annotated[int, Field(ge=0)]
IsoDate = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class ContractModel(BaseModel):
    """Base of every contract model: unknown keys refused, strict types, frozen."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Summary(ContractModel):
    """A posterior summary of one quantity: its mean and the highest-density interval."""

    mean: float = Field(description="posterior mean")
    hdi_low: float = Field(description="lower end of the highest-density interval")
    hdi_high: float = Field(description="upper end of the highest-density interval")

    @model_validator(mode="after")
    def _ordered(self) -> "Summary":
        if self.hdi_low > self.hdi_high + 1e-9:
            raise ValueError("hdi_low is above hdi_high")
        return self


class ProbabilitySummary(Summary):
    """A summary of a probability (every part a fraction 0-1)."""

    mean: Probability
    hdi_low: Probability
    hdi_high: Probability

    def contains_mean(self) -> bool:
        return self.hdi_low - 1e-9 <= self.mean <= self.hdi_high + 1e-9


# --------------------------------------------------------------------------------------------------
# the rules


class TrialRow(ContractModel):
    """One treatment trial as the rules judged it."""

    index: Count = Field(description="position in the case file's trials, oldest first, from 0")
    agent: str = Field(description="agent name as in the agent table (aliases resolved)")
    drug_class: OptionKind = Field(description="mechanistic class, also the option kind")
    role: Role
    adequate: bool = Field(description="every adequacy criterion (dose, duration, adherence or sessions) held")
    reasons: list[str] = Field(description="each failed adequacy criterion, in words")
    percent_reduction: float | None = Field(description="rating reduction from baseline to final, in %")
    outcome: Outcome
    burden_score: Annotated[int, Field(ge=0, le=6)] | None = Field(description="FIBSER burden item 0-6")
    significant_burden: bool | None = Field(description="burden item 3 or more; None when not recorded")
    augments: Count | None = Field(description="index of the trial this one augments")
    laterality: Laterality | None = Field(description="ECT electrode placement")
    stopped_for_side_effects: bool
    notes: list[str] = Field(description="remarks that do not change adequacy")
    response_line: float | None = Field(
        default=None, description="final score at or below which the trial is a response (half its baseline); None unscored")


class TRD(ContractModel):
    """Whether the episode meets the definition of treatment-resistant depression."""

    meets_criteria: bool
    adequate_failed_trials: Count
    distinct_classes_failed: Count
    definition: str = Field(description="the TRD definition applied, in words")
    failed_classes: list[OptionKind]


class MaudsleyComponents(ContractModel):
    """Maudsley Staging Method item points."""

    duration: Annotated[int, Field(ge=1, le=3)]
    severity: Annotated[int, Field(ge=1, le=5)]
    failures: Annotated[int, Field(ge=1, le=5)]
    augmentation: Annotated[int, Field(ge=0, le=1)]
    ect: Annotated[int, Field(ge=0, le=1)]


class Maudsley(ContractModel):
    """Maudsley Staging Method (Fekadu 2009): total 3-15 and its band."""

    score: Annotated[int, Field(ge=3, le=15)]
    category: Literal["mild", "moderate", "severe"]
    components: MaudsleyComponents
    failed_treatments: Count = Field(description="raw count of failed treatments behind the failures item")
    severity_basis: str = Field(description="where the severity item came from")


class Staging(ContractModel):
    """Both staging systems side by side."""

    thase_rush: Annotated[int, Field(ge=0, le=5)] = Field(description="Thase-Rush stage 0-V")
    maudsley: Maudsley


class Screening(ContractModel):
    """Pseudo-resistance screening."""

    complete: bool = Field(description="every screen was done")
    flags: list[Screen] = Field(description="positive findings (or lab evidence)")
    not_done: list[Screen]
    reasons: list[str] = Field(description="one sentence per flag")


class ContraindicationRow(ContractModel):
    """A reason to avoid (contraindicated) or to take care with (caution) an option kind."""

    option: OptionKind
    reason: str
    source: str = Field(description="citation with its evidence tag")
    severity: Literal["contraindicated", "caution"]


class Measurement(ContractModel):
    """Measurement-based care: first-to-latest change on the most-rated scale."""

    scale: Scale
    n_points: Annotated[int, Field(ge=1)]
    first_date: IsoDate
    latest_date: IsoDate
    first: float
    latest: float
    change_points: float = Field(description="latest minus first (negative is better)")
    percent_reduction: float | None
    weeks_elapsed: float
    status: Outcome
    severity_band: SeverityBand = Field(description="band of the latest rating")
    response_line: float | None = Field(default=None, description="half the first rating: at or below it a rating is a response")


# --------------------------------------------------------------------------------------------------
# prognosis


class EvidenceSource(ContractModel):
    """One published evidence row behind an option's figures (``futility/data/evidence/``, by its id)."""

    id: str = Field(description="the row's id in outcomes.csv or effects.csv")
    table: Literal["outcomes", "effects"] = Field(description="outcomes: a cohort result; effects: a relative effect")
    outcome: Literal["remission", "response", "burden", "discontinuation"]
    n: Count | None = Field(description="patients in the cohort (None for a relative effect)")
    share: Probability = Field(
        description="the option's share of the cohort's treatment (1: everyone had it; 0: a row behind the population mean)")
    citation: str = Field(description="first author and year; the full citation is in the row")
    tag: str = Field(description="confidence tag of the row: V primary text, S secondary, R unverified")


class PrognosisSources(ContractModel):
    """Where an option's remission, response and burden figures come from (futility.model.evidence.option_sources)."""

    efficacy: list[EvidenceSource] = Field(description="rows behind the remission and response chances")
    burden: list[EvidenceSource] = Field(description="rows behind the significant-burden chance")
    burden_from: Literal["own", "other_options"] = Field(
        description="own: the option's own burden rows; other_options: the population mean of the options with burden rows")


class PrognosisRow(ContractModel):
    """Chances with one candidate next option; all None for an option excluded by a contraindication."""

    option: OptionKind
    p_remission: ProbabilitySummary | None
    p_response: ProbabilitySummary | None = Field(description="response or better (>= 50% reduction)")
    p_burden: ProbabilitySummary | None = Field(description="significant side-effect burden")
    burden_known: bool = Field(description="the option has burden evidence of its own")
    contraindicated: Literal[False] | str = Field(description="False, or the reason the option is excluded")
    evidence_note: str | None = Field(
        default=None, description="what this option's figure cannot rest on (e.g. a repeat ECT course), said beside it"
    )
    sources: PrognosisSources | None = Field(
        default=None, description="the evidence rows behind the figures; None for a contraindicated option, a posterior "
                                  "fit to other evidence, or a record stored before sources existed")

    @model_validator(mode="after")
    def _consistent(self) -> "PrognosisRow":
        probabilities = (self.p_remission, self.p_response, self.p_burden)
        if self.contraindicated is False and any(p is None for p in probabilities):
            raise ValueError("an option that is not contraindicated needs all three probabilities")
        if self.contraindicated is not False and any(p is not None for p in probabilities):
            raise ValueError("a contraindicated option carries no probabilities")
        return self


class PrognosisDefinition(ContractModel):
    """What every probability in the prognosis means."""

    outcome: Literal["remission"]
    definition: str
    time_frame: str
    setting: str
    response: str
    burden: str


# --------------------------------------------------------------------------------------------------
# decision


class DecisionRow(ContractModel):
    """One row of the decision table (palliative-focused care included, as an inactive row)."""

    option: DecisionOption
    label: str = Field(description="the option in plain words")
    active: bool = Field(description="an active treatment (False for palliative-focused care)")
    expected_utility: Summary
    p_best: Probability = Field(description="probability that this option has the highest utility")
    expected_loss: float
    rank: Annotated[int, Field(ge=1)]
    p_remission: ProbabilitySummary | None
    p_burden: ProbabilitySummary | None
    p_below_threshold: Probability | None = Field(description="probability that remission is below the futility threshold")
    caution: str | None = Field(description="a safety check needed first, from the rules")


class QuantitativeFutility(ContractModel):
    """Is the next standard option's remission chance below the threshold (Schneiderman 1990)?"""

    threshold: Probability
    certainty: Probability
    probability: Probability | None
    met: bool = Field(description="reached the certainty and no safety gate holds it back")
    met_before_gates: bool
    option: Literal[OptionKind, "all_active"] | None = Field(description="the option judged; all_active: every one at once")
    held_back_by: list[GateName]
    reason: str
    per_option: dict[OptionKind, Probability]


class QualitativeFutility(ContractModel):
    """Is no active option worth more to the patient than palliative-focused care?"""

    certainty: Probability
    probability: Probability | None
    met: bool
    met_before_gates: bool
    held_back_by: list[GateName]
    reason: str


class Gate(ContractModel):
    """A safety gate; ``passed`` False holds a futility statement back."""

    gate: GateName
    passed: bool
    reason: str
    applies_to: Literal["all", "qualitative"]
    items: list[str] = Field(description="what holds it back: positive screens, untried option kinds")


class RemissionThreshold(ContractModel):
    """The remission chance at which an option ties with the best other option."""

    option: OptionKind
    compared_with: DecisionOption
    p_remission_now: Probability
    p_remission_threshold: Probability | None = Field(description="None when no chance in range changes the choice")
    preferred_now: bool
    note: str


class PalliativeThreshold(ContractModel):
    """The palliative-focus utility above which palliative-focused care is preferred."""

    value_now: float
    threshold: float
    compared_with: OptionKind
    preferred_now: bool
    note: str


class Thresholds(ContractModel):
    """Threshold analyses."""

    per_option: list[RemissionThreshold]
    remission: RemissionThreshold | None
    palliative_utility: PalliativeThreshold | None


class TornadoRow(ContractModel):
    """One-way sensitivity of one utility."""

    utility: UtilityName
    source: Source
    value: float
    low: float
    high: float
    margin_low: float = Field(description="best active option's utility minus palliative care's, at low")
    margin_high: float
    preferred_low: DecisionOption
    preferred_high: DecisionOption
    swing: Annotated[float, Field(ge=0.0)]


class ValueOfInformation(ContractModel):
    """Expected value of perfect information, in utility units."""

    total: Annotated[float, Field(ge=0.0)]
    remission: Annotated[float, Field(ge=0.0)]
    units: str


class Sensitivity(ContractModel):
    threshold: Thresholds
    tornado: list[TornadoRow]
    evpi: ValueOfInformation


class Utility(ContractModel):
    """A utility in use, whose it is, and its citation."""

    value: float
    source: Source
    citation: str
    short_citation: str
    confirmed: bool = Field(default=False, description="the patient confirmed the whole set of values; never for a default")
    set_by: Literal["patient", "patient_with_clinician", "proxy"] | None = Field(default=None, description="who set the value")
    method: Literal["rating_scale", "standard_gamble"] | None = Field(default=None, description="how the value was given")
    set_on: IsoDate | None = Field(default=None, description="when the value was set")


class Utilities(ContractModel):
    remission: Utility
    response: Utility
    no_response: Utility
    significant_burden: Utility
    palliative_focus: Utility


class PolicyReferences(ContractModel):
    schneiderman_1990: float
    seed_example: float


class Policy(ContractModel):
    """The decision policy in force (thresholds a clinic chooses)."""

    futility_threshold: Probability
    futility_certainty: Probability
    qualitative_certainty: Probability
    hdi_prob: Probability
    next_option: str = Field(description="most_promising, all_active or an option kind")
    tornado_span: Probability
    guideline_options: list[str]
    require_patient_values: bool
    references: PolicyReferences


class Decision(ContractModel):
    """The decision analysis."""

    options: list[DecisionRow]
    preferred: DecisionOption = Field(description="highest posterior mean expected utility (a description, not a recommendation)")
    quantitative_futility: QuantitativeFutility
    qualitative_futility: QualitativeFutility
    gates: list[Gate]
    sensitivity: Sensitivity
    utilities: Utilities
    policy: Policy
    excluded: dict[OptionKind, str] = Field(description="options excluded by a contraindication, with the reason")
    cautions: dict[OptionKind, str]
    warnings: list[str]
    n_draws: Annotated[int, Field(ge=1)]
    summary: str = Field(description="the plain-language summary")
    technical_summary: str = Field(description="the committee's summary")

    @model_validator(mode="after")
    def _preferred_is_best(self) -> "Decision":
        means = {row.option: row.expected_utility.mean for row in self.options}
        if self.preferred not in means:
            raise ValueError(f"preferred option '{self.preferred}' is not in the options")
        if means[self.preferred] < max(means.values()) - 1e-12:
            raise ValueError(f"preferred option '{self.preferred}' does not have the highest expected utility")
        return self


# --------------------------------------------------------------------------------------------------
# provenance and the whole


class Diagnostics(ContractModel):
    """Convergence diagnostics of the posterior fit."""

    max_rhat: float
    min_ess_bulk: float
    divergences: Count


class ModelInfo(ContractModel):
    """Which posterior produced the prognosis."""

    version: str
    posterior_file_hash: Sha256
    data_hash: str = Field(description="hash of the evidence the posterior was fit to")
    n_draws: Annotated[int, Field(ge=1)]
    diagnostics: Diagnostics


class Adequacy(ContractModel):
    """Adequacy criteria in force."""

    min_weeks: float
    min_adherence: Probability
    missing_adherence_is_adequate: bool
    early_stop_min_weeks: float
    use_agent_min_weeks: bool


class Assumptions(ContractModel):
    adequacy: Adequacy



# --------------------------------------------------------------------------------------------------
# horizon: plans over time (futility.horizon, docs/horizon.md)


class HorizonOutcome(ContractModel):
    """One plan at one month: each quantity's posterior mean and highest-density interval."""

    month: Annotated[int, Field(ge=1)]
    p_ever_remitted: ProbabilitySummary = Field(description="strict remission at least once by this month")
    p_in_remission: ProbabilitySummary = Field(description="in strict remission at this month")
    p_well_6m: ProbabilitySummary = Field(description="in remission for 6 months or more at least once by this month")
    months_in_remission: Summary
    months_in_response: Summary = Field(description="response without remission")
    months_depressed: Summary = Field(description="on a course before its outcome, or under comfort-focused care")
    months_on_burden: Summary = Field(description="on a course with significant side-effect burden (expected)")
    qalys: Summary = Field(description="quality-adjusted life-years under the utilities in use")


class HorizonCourse(ContractModel):
    """One course of a plan: its length and the relapse figures behind it, with sources."""

    kind: OptionKind
    weeks: float
    cycles: Annotated[int, Field(ge=1)]
    course_source: str
    relapse_monthly_early: Probability = Field(description="monthly relapse in the first 6 months of a remission")
    relapse_monthly_late: Probability
    relapse_basis: str
    relapse_sources: list[str]
    p_remission: Probability = Field(description="mean chance of remission with this course, given the earlier ones did not remit")


class HorizonPlan(ContractModel):
    """One plan: its courses (then comfort-focused care) and its outcomes at every report month."""

    plan: str
    label: str
    origin: Literal["default", "case"]
    steps: list[OptionKind]
    courses: list[HorizonCourse]
    outcomes: list[HorizonOutcome]
    p_best: Probability = Field(description="probability that this plan gives the most QALYs over the horizon")
    expected_loss: Annotated[float, Field(ge=0.0)] = Field(description="QALYs lost on average against the best plan per draw")
    sources: list[str] | None = Field(
        default=None, description="every horizon evidence row behind this plan's figures (course lengths, relapse, "
                                  "comfort-care figures), 'citation (tag; row id)'; each course's remission chance is "
                                  "the prognosis' (its sources); None in records stored before it existed")


class HorizonQuantitative(ContractModel):
    month: int
    threshold: Probability
    certainty: Probability
    probability: Probability
    met_before_gates: bool
    met: bool
    reason: str


class HorizonQualitative(ContractModel):
    probability: Probability | None
    certainty: Probability
    met_before_gates: bool
    met: bool
    reason: str


class SensitivityPoint(ContractModel):
    monthly: Probability
    margin: float


class HorizonSensitivity(ContractModel):
    """How the comparison with comfort-focused care moves with its assumed remission chance."""

    parameter: Literal["comfort_remission_monthly"]
    low_tenth: SensitivityPoint
    high_tenth: SensitivityPoint
    slope: float
    threshold_monthly: Probability | None = Field(description="where the fitted margin reaches zero, if inside the range")
    note: str


class ComfortRemission(ContractModel):
    low: Probability
    high: Probability
    default: bool
    basis: str


class HorizonAssumptions(ContractModel):
    comfort_remission_monthly: ComfortRemission
    monthly_mortality: Probability | None
    discount_rate: Annotated[float, Field(ge=0.0)]
    draws: Annotated[int, Field(ge=1)]
    leading_options: Count
    cycle_weeks: Annotated[int, Field(ge=1)]
    report_cycles: list[int]
    sustained_cycles: Annotated[int, Field(ge=1)]


class Horizon(ContractModel):
    """Plans over time: ``usual_care`` and ``comfort_focus`` always, then "try X" and the case file's plans."""

    months: list[int]
    definition: str
    plans: list[HorizonPlan]
    evpi: Annotated[float, Field(ge=0.0)] = Field(description="expected value of perfect information over plans, QALYs")
    quantitative_futility: HorizonQuantitative
    qualitative_futility: HorizonQualitative
    sensitivity: HorizonSensitivity | None
    assumptions: HorizonAssumptions
    utilities: dict[UtilityName, float]
    notes: list[str]

    @model_validator(mode="after")
    def _required_plans(self) -> "Horizon":
        names = {p.plan for p in self.plans}
        for required in ("usual_care", "comfort_focus"):
            if required not in names:
                raise ValueError(f"horizon.plans: {required} is missing")
        return self


class AssessmentOutput(ContractModel):
    """Everything ``futility assess --json`` prints for one case."""

    case_id: str
    trials: list[TrialRow]
    trd: TRD
    staging: Staging
    screening: Screening
    contraindications: list[ContraindicationRow]
    inflammation: str | None = Field(description="CRP note")
    measurement: Measurement | None
    prognosis: list[PrognosisRow]
    prognosis_definition: PrognosisDefinition
    decision: Decision
    model: ModelInfo
    assumptions: Assumptions
    package_version: str
    horizon: Horizon | None = Field(None, description="plans over time (absent in records stored before it existed)")
    assessment_id: Annotated[int, Field(ge=1)] | None = Field(None, description="only with --save: the id in the case store")

    @model_validator(mode="after")
    def _means_inside_intervals(self) -> "AssessmentOutput":
        # A sanity check against swapped or corrupted numbers. Only for a wide interval: the mean of a
        # skewed posterior (a small remission chance) can lie outside a narrow one, e.g. a 50% HDI.
        if self.decision.policy.hdi_prob < 0.9:
            return self
        for i, row in enumerate(self.prognosis):
            for name in ("p_remission", "p_burden"):
                summary = getattr(row, name)
                if summary is not None and not summary.contains_mean():
                    raise ValueError(f"prognosis[{i}].{name}: mean lies outside its interval")
        return self
