"""Pseudo-resistance screening, contraindications to the next options, and an inflammation note.

Pseudo-resistance: a depression that looks resistant because of a wrong diagnosis (bipolar), an
untreated medical or psychiatric condition, or trials that were never adequate (CANMAT 2023, Lam RW et
al. Can J Psychiatry 2024, PMC11351064; Dold M, Kasper S. Int J Psychiatry Clin Pract 2017; evidence
pack s10 [V]).

Contraindications are advisory: ``severity="contraindicated"`` removes an option from the candidates
downstream, ``"caution"`` only annotates it. Each rule carries its source; rules without a checked
source are tagged [R].
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from futility.clinical.adequacy import TrialAssessment
from futility.clinical.agents import lookup_agent

__all__ = [
    "CRP_IMMUNE_TARGET_MG_L",
    "CRP_LOW_GRADE_MG_L",
    "Contraindication",
    "QTC_LIMIT_MS",
    "SCREENS",
    "ScreeningStatus",
    "TSH_REFERENCE_MIU_L",
    "adequacy_advisories",
    "contraindications",
    "inflammation_note",
    "screen",
]

#: The pseudo-resistance screens of the case file (CANMAT 2023 / Dold & Kasper 2017 [V]).
SCREENS = ("bipolar", "thyroid", "substance_use", "eating_disorder", "adhd")

#: Adult TSH reference interval 0.45-4.5 mIU/L (NHANES III, Hollowell JG et al. J Clin Endocrinol
#: Metab 2002;87:489-499, as adopted by AACE; secondary texts [S]). Labs' own ranges differ.
TSH_REFERENCE_MIU_L = (0.45, 4.5)

#: QTc above which a TCA is avoided: > 450 ms in men, > 460 ms in women (evidence pack s10 [S]);
#: 450 when sex is not recorded (the stricter limit).
QTC_LIMIT_MS = {"male": 450.0, "female": 460.0}
_QTC_DEFAULT_MS = 450.0

#: CRP > 3 mg/L: low-grade inflammation (Osimo EF et al. Psychol Med 2019;49:1958, 27% of depressed
#: patients [V]); > 5 mg/L: the subgroup that improved on infliximab (Raison CL et al. JAMA Psychiatry
#: 2013;70:31-41 [V]).
CRP_LOW_GRADE_MG_L = 3.0
CRP_IMMUNE_TARGET_MG_L = 5.0

#: eGFR (mL/min/1.73 m2) thresholds for lithium: < 30 commonly stop; 30-59 reduced function, reduce or
#: monitor closely (evidence pack s10 [S]: Psychiatric Times Bipolar Update; J Bipolar Disord 2023).
EGFR_LITHIUM_STOP = 30.0
EGFR_LITHIUM_CAUTION = 60.0


@dataclass(frozen=True)
class ScreeningStatus:
    """Screening: complete when every screen was done; ``flags`` are positive findings (or lab evidence)."""

    complete: bool
    flags: tuple[str, ...]
    not_done: tuple[str, ...]
    reasons: tuple[str, ...] = ()  # one plain sentence per flag


@dataclass(frozen=True)
class Contraindication:
    """One reason to avoid (``contraindicated``) or to take care with (``caution``) an option kind."""

    option: str  # an option kind (drug_class), e.g. "lithium_augmentation", "tca", "esketamine"
    reason: str
    source: str
    severity: str = "contraindicated"  # contraindicated | caution


def screen(case) -> ScreeningStatus:
    """Pseudo-resistance screening status (CANMAT 2023; Dold & Kasper 2017).

    - a ``positive`` screen is a flag, a ``not_done`` screen makes screening incomplete;
    - ``diagnosis.polarity`` bipolar or unknown also flags "bipolar" (bipolar depression is outside the
      TRD definition: Sforzini 2022);
    - a recorded TSH counts as the thyroid screen: outside 0.45-4.5 mIU/L it flags "thyroid".
    """
    flags: list[str] = []
    reasons: list[str] = []
    not_done: list[str] = []
    for name in SCREENS:
        result = getattr(case.screening, name).value
        if name == "thyroid" and case.labs.tsh_miu_l is not None:
            low, high = TSH_REFERENCE_MIU_L
            tsh = case.labs.tsh_miu_l
            if not low <= tsh <= high:
                flags.append("thyroid")
                reasons.append(f"TSH {tsh:g} mIU/L is outside the reference range {low:g}-{high:g} mIU/L")
                continue
            if result != "positive":
                continue  # TSH in range counts as a negative thyroid screen
        if result == "positive":
            flags.append(name)
            reasons.append(f"{name.replace('_', ' ')} screen positive")
        elif result == "not_done":
            not_done.append(name)
    polarity = case.diagnosis.polarity
    if polarity in ("bipolar", "unknown") and "bipolar" not in flags:
        flags.append("bipolar")
        reasons.append(
            "diagnosis polarity is bipolar" if polarity == "bipolar" else "polarity unknown: bipolar disorder not excluded"
        )
    return ScreeningStatus(
        complete=not not_done, flags=tuple(flags), not_done=tuple(not_done), reasons=tuple(reasons)
    )


def adequacy_advisories(trial_assessments: Iterable[TrialAssessment]) -> tuple[str, ...]:
    """Pseudo-resistance from the trials themselves (CANMAT 2023: inadequate dose or duration, poor
    adherence): "inadequate_trials", "low_dose", "short_duration", "poor_adherence", "not_recorded".
    """
    found: list[str] = []
    tas = list(trial_assessments)
    if any(not ta.adequate for ta in tas):
        found.append("inadequate_trials")
    checks = (
        ("low_dose", lambda r: r.startswith("dose ") and "below" in r or "neither the level nor the dose" in r),
        ("short_duration", lambda r: "shorter than" in r or "before the end of week" in r),
        ("poor_adherence", lambda r: r.startswith("adherence ") and "below" in r),
        ("not_recorded", lambda r: "not recorded" in r),
    )
    for label, test in checks:
        if any(test(reason) for ta in tas for reason in ta.reasons):
            found.append(label)
    return tuple(found)


def _current_agents(case) -> list[str]:
    """Agents taken now: the latest trial and any trial it augments (trials are oldest first)."""
    if not case.trials:
        return []
    last = len(case.trials) - 1
    indices = {last}
    augments = case.trials[last].augments
    while augments is not None and augments not in indices:
        indices.add(augments)
        augments = case.trials[augments].augments
    return [case.trials[i].agent for i in sorted(indices)]


_SEROTONERGIC_CLASSES = {"ssri", "snri", "tca", "serotonin_modulator"}
_CKD = {"chronic_kidney_disease", "ckd", "renal_failure", "renal_impairment"}
_TCA_CARDIAC = {
    "arrhythmia": "arrhythmia",
    "long_qtc": "long QTc",
    "recent_myocardial_infarction": "recent myocardial infarction",
    "heart_block": "heart block",
    "bundle_branch_block": "bundle-branch block",
}
_TCA_SOURCE = "TCA cardiac precautions (baseline ECG; avoid with QTc/PR prolongation, bundle-branch disease, recent MI), evidence pack s10 [S]"
_ESK_LABEL = (
    "Spravato (esketamine): increased blood pressure is an identified risk (UK healthcare-professional "
    "risk-minimisation guide, medicines.org.uk [S]); contraindication where a blood-pressure rise is a serious "
    "risk (aneurysmal vascular disease, arteriovenous malformation, intracerebral haemorrhage) as quoted from "
    "the label [R]"
)


def contraindications(case) -> list[Contraindication]:
    """Contraindications and cautions for the next option kinds, each with its source.

    Kidneys and lithium (eGFR < 30 contraindicated, 30-59 caution); cardiac disease or QTc above the
    sex-specific limit and TCAs; uncontrolled hypertension and SNRIs (dose-related diastolic rise,
    Thase 1998) and esketamine (label); MAOI washout from current serotonergic agents (APA guideline:
    2 weeks, 5 after fluoxetine); relative ECT cautions; pregnancy and lithium. See each entry's source.
    """
    found: list[Contraindication] = []
    conditions = set(case.conditions)
    labs = case.labs

    # Lithium and the kidneys.
    egfr = labs.egfr
    if egfr is not None and egfr < EGFR_LITHIUM_STOP:
        found.append(Contraindication(
            "lithium_augmentation", f"eGFR {egfr:g} is below {EGFR_LITHIUM_STOP:g} (severe renal impairment)",
            "lithium renal guidance, evidence pack s10 [S]", "contraindicated"))
    elif egfr is not None and egfr < EGFR_LITHIUM_CAUTION:
        found.append(Contraindication(
            "lithium_augmentation", f"eGFR {egfr:g} is {EGFR_LITHIUM_STOP:g}-{EGFR_LITHIUM_CAUTION - 1:g}: reduce dose, monitor level and renal function",
            "lithium renal guidance, evidence pack s10 [S]", "caution"))
    elif egfr is None and conditions & _CKD:
        found.append(Contraindication(
            "lithium_augmentation", "chronic kidney disease with eGFR not recorded: measure eGFR before lithium",
            "lithium renal guidance, evidence pack s10 [S]", "caution"))
    if "pregnancy" in conditions:
        found.append(Contraindication(
            "lithium_augmentation", "pregnancy: lithium needs specialist planning (cardiac malformation risk, level changes) [R]",
            "commonly quoted guidance, not checked [R]", "caution"))

    # TCAs and the heart.
    for condition, words in _TCA_CARDIAC.items():
        if condition in conditions:
            found.append(Contraindication("tca", f"{words}: tricyclics slow cardiac conduction", _TCA_SOURCE, "contraindicated"))
    if labs.qtc_ms is not None:
        limit = QTC_LIMIT_MS.get(case.sex, _QTC_DEFAULT_MS)
        if labs.qtc_ms > limit and "long_qtc" not in conditions:
            found.append(Contraindication(
                "tca", f"QTc {labs.qtc_ms:g} ms is above {limit:g} ms", _TCA_SOURCE, "contraindicated"))

    # Blood pressure.
    if "uncontrolled_hypertension" in conditions:
        found.append(Contraindication(
            "snri", "uncontrolled hypertension: venlafaxine raises diastolic pressure, dose-related (mainly > 300 mg/day)",
            "Thase ME. J Clin Psychiatry 1998;59:502-508 [V]", "caution"))
        found.append(Contraindication(
            "esketamine", "uncontrolled hypertension: blood pressure rises after each dose", _ESK_LABEL, "caution"))
        found.append(Contraindication(
            "ketamine", "uncontrolled hypertension: ketamine raises blood pressure [R]", "commonly quoted, not checked [R]", "caution"))
    for condition in ("aneurysm", "aneurysmal_vascular_disease", "arteriovenous_malformation", "intracerebral_haemorrhage",
                      "intracerebral_hemorrhage"):
        if condition in conditions:
            words = condition.replace("_", " ")
            found.append(Contraindication("esketamine", f"{words}: a blood-pressure rise is a serious risk", _ESK_LABEL, "contraindicated"))
            found.append(
                Contraindication(
                    "ketamine", f"{words}: a blood-pressure rise is a serious risk [R]", "by analogy with the esketamine label [R]", "contraindicated"
                )
            )

    # MAOI washout from current serotonergic agents.
    for name in _current_agents(case):
        agent = lookup_agent(name)
        if agent is not None and agent.drug_class in _SEROTONERGIC_CLASSES:
            weeks = 5 if agent.name == "fluoxetine" else 2
            found.append(Contraindication(
                "maoi", f"currently on {agent.name} (serotonergic): washout of {weeks} weeks before an MAOI "
                "(5 after fluoxetine)", "APA practice guideline, MAOI switching, evidence pack s10 [S]", "caution"))

    # ECT: relative contraindications (no absolute ones).
    for condition, words in (("raised_intracranial_pressure", "raised intracranial pressure"), ("epilepsy", "epilepsy"),
                             ("recent_myocardial_infarction", "recent myocardial infarction"),
                             ("intracerebral_haemorrhage", "intracerebral haemorrhage")):
        if condition in conditions:
            found.append(Contraindication(
                "ect", f"{words}: relative contraindication, needs anaesthetic and specialist review",
                "APA Task Force on ECT 2001 (no absolute contraindications; relative ones listed) [R]", "caution"))
    return found


def by_severity(contraindications: Iterable, severity: str) -> dict[str, list[str]]:
    """Option kind -> its reasons, in order, for the contraindications of one severity.

    ``by_severity(found, "contraindicated")`` is what removes options from the candidates;
    ``by_severity(found, "caution")`` keeps them, named beside the option. Items without a severity
    count as ``contraindicated``.
    """
    found: dict[str, list[str]] = {}
    for c in contraindications:
        if getattr(c, "severity", "contraindicated") == severity:
            found.setdefault(c.option, []).append(c.reason)
    return found


def inflammation_note(case) -> str | None:
    """A note on CRP: > 3 mg/L low-grade inflammation (Osimo 2019), > 5 mg/L possible immune-target
    candidate (Raison 2013, infliximab benefit only above 5). None when CRP is missing or <= 3.
    """
    crp = case.labs.crp_mg_l
    if crp is None or crp <= CRP_LOW_GRADE_MG_L:
        return None
    repeat = " Repeat the test if an infection or injury may have raised it."
    if crp > CRP_IMMUNE_TARGET_MG_L:
        return (f"CRP {crp:g} mg/L is above {CRP_IMMUNE_TARGET_MG_L:g}: low-grade inflammation, and the range in which "
                "infliximab helped in a trial (Raison 2013); a possible candidate for immune-targeted research "
                "treatment." + repeat)
    return (f"CRP {crp:g} mg/L is above {CRP_LOW_GRADE_MG_L:g}: low-grade inflammation, found in about a quarter of "
            "people with depression (Osimo 2019)." + repeat)
