"""Turn an assessment (the typed contract, :class:`futility.contract.AssessmentOutput`) and its case into
what the report template shows.

Reads attributes of the typed model only (a dict is validated into it once, in :func:`as_output`) and
never recomputes anything clinical: a report of a stored assessment shows exactly what was stored.
Pseudonymous by default: the patient appears only as the case id, age in five-year bands, dates to
the month, and the committee's free-text comments are left out.
"""
from __future__ import annotations

import datetime as dt
import platform
import sys
from typing import Any

from futility.case import Case
from futility.contract import AssessmentOutput, Decision, Horizon, Measurement, ProbabilitySummary, Sensitivity, Summary
from futility.render import charts
from futility.render.palette import OKABE_ITO
from futility.render.vocabulary import (
    BURDEN_FROM_OTHERS,
    NO_SOURCES,
    PALLIATIVE,
    counts_words,
    crisis_text,
    evidence_row_words,
    evidence_summary,
    gate_label,
    gate_line,
    horizon_curve_words,
    kind_words,
    outcome_words,
    period_words,
    plan_name,
    scores_words,
    screen_words,
    short_label,
    utility_words,
)

ROMAN = {0: "0 (not resistant)", 1: "I", 2: "II", 3: "III", 4: "IV", 5: "V"}

#: What the report says about the tool's own limits. Numbers in it are from the evidence pack.
LIMITATIONS = (
    "The tool supports a decision; it does not make one. The treating team, the patient and the committee decide.",
    "Probabilities come from a population model fitted to published aggregate results (chiefly STAR*D, "
    "Rush et al., Am J Psychiatry 2006;163:1905-1917) and updated with this patient's own treatment history; "
    "they are not trial results for this patient and the populations studied may differ from this patient.",
    "Intervals are 94% highest-density credible intervals of the posterior unless stated otherwise: they "
    "describe the model's uncertainty, not the whole of clinical uncertainty.",
    "Quantitative futility follows Schneiderman, Jecker & Jonsen (Ann Intern Med 1990;112:949-954): a "
    "treatment useless in the last 100 cases (below about 1%). Thresholds for psychiatry are not settled; "
    "the threshold used is a visible, adjustable policy.",
    "No published quantitative criteria exist for when to consider palliative goals in treatment-resistant "
    "depression (Trachsel et al., BMC Psychiatry 2016;16:260 discusses palliative psychiatry); the gates "
    "shown are safeguards of this tool, not published criteria.",
    "Utilities marked 'default' are published population values (e.g. Sapin et al., Health Qual Life "
    "Outcomes 2004;2:20), not the patient's own; the palliative-focus default has no published value.",
    "Adequacy of a trial depends on dose, duration and adherence as recorded; errors in the record carry "
    "through to every result.",
)


def _g(value: Any) -> str:
    return "?" if value is None else f"{float(value):g}"


_LABS = {"crp_mg_l": ("CRP", "mg/L"), "egfr": ("eGFR", "mL/min/1.73 m²"), "qtc_ms": ("QTc", "ms"),
         "tsh_miu_l": ("TSH", "mIU/L"), "lithium_level_mmol_l": ("lithium level", "mmol/L")}


def _labs(labs: dict) -> list[str]:
    out = []
    for key, value in labs.items():
        if value is not None:
            name, unit = _LABS.get(key, (key.replace("_", " "), ""))
            out.append(f"{name} {_g(value)} {unit}".strip())
    return out


def _fmt_pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * float(value):.0f}%"


def _interval(iv: Summary | None, percent: bool = True) -> str:
    if iv is None:
        return "–"
    f = _fmt_pct if percent else (lambda v: f"{float(v):.2f}")
    return f"{f(iv.mean)} ({f(iv.hdi_low)} to {f(iv.hdi_high)})"


def age_text(age: float | None, identifiable: bool) -> str:
    """Exact age when identifiable, else a five-year band (a quasi-identifier kept coarse)."""
    if age is None:
        return "not given"
    if identifiable:
        return f"{age:g}"
    low = int(age) // 5 * 5
    return f"{low}–{low + 4}"


def _date_text(value: str, identifiable: bool) -> str:
    return value if identifiable else value[:7]


def _trials(case: dict[str, Any], assessment: AssessmentOutput) -> list[dict[str, Any]]:
    rows = []
    by_index = {t.index: t for t in assessment.trials}
    entered_trials = case.get("trials") or [{"agent": t.agent} for t in assessment.trials]
    for i, entered in enumerate(entered_trials):
        out = by_index.get(i)
        scores = ""
        if entered.get("scale"):
            scores = f"{entered['scale']} {_g(entered.get('baseline'))} to {_g(entered.get('final'))}"
        dose = ""
        if entered.get("dose_mg_day") is not None:
            dose = f"{entered['dose_mg_day']:g} mg/day"
        if entered.get("sessions") is not None:
            dose = (dose + "; " if dose else "") + f"{entered['sessions']} sessions"
        reduction = None if out is None else out.percent_reduction
        rows.append({
            "index": i + 1,
            "agent": entered.get("agent"),
            "drug_class": "" if out is None else kind_words(out.drug_class),
            "augments": None if entered.get("augments") is None else entered["augments"] + 1,
            "dose": dose or "–",
            "weeks": _g(entered.get("weeks")),
            "adherence": _fmt_pct(entered.get("adherence")) if entered.get("adherence") is not None else "–",
            "scores": scores or "–",
            "reduction": "–" if reduction is None else f"{reduction:.0f}%",
            "outcome": outcome_words("unknown" if out is None else out.outcome),
            "burden": entered.get("burden") or "–",
            "significant_burden": None if out is None else out.significant_burden,
            "adequate": None if out is None else out.adequate,
            "reasons": [] if out is None else out.reasons,
        })
    return rows


#: Icon arrays are drawn for this many options, those with the highest expected utility; the table lists all.
ICON_OPTIONS = 4


def _icon_options(assessment: AssessmentOutput) -> set[str]:
    options = [o for o in assessment.decision.options if o.option != PALLIATIVE and o.active]
    ranked = sorted(options, key=lambda o: (o.rank, -o.expected_utility.mean))
    chosen: set[str] = {o.option for o in ranked[:ICON_OPTIONS]}
    return chosen or {p.option for p in assessment.prognosis[:ICON_OPTIONS]}


def _evidence(assessment: AssessmentOutput) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Per option the evidence behind its figures (a line and every row), and the population burden rows listed once."""
    by_option: dict[str, dict[str, Any]] = {}
    population: list[str] = []
    for p in assessment.prognosis:
        if p.contraindicated:
            continue
        if p.sources is None:
            by_option[p.option] = {"efficacy": NO_SOURCES, "burden": NO_SOURCES, "efficacy_rows": [], "burden_rows": []}
            continue
        own = p.sources.burden_from == "own"
        if not own and not population:
            population = [evidence_row_words(r) for r in p.sources.burden]
        by_option[p.option] = {
            "efficacy": evidence_summary(p.sources.efficacy),
            "efficacy_rows": [evidence_row_words(r) for r in p.sources.efficacy],
            "burden": evidence_summary(p.sources.burden) if own else "population mean of the options with burden rows",
            "burden_rows": [evidence_row_words(r) for r in p.sources.burden] if own else [],
        }
    return by_option, population


def _prognosis(assessment: AssessmentOutput) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows, icons = [], []
    pictured = _icon_options(assessment)
    evidence, _ = _evidence(assessment)
    for p in assessment.prognosis:
        rows.append({
            "option": short_label(p.option),
            "kind": p.option,
            "remission": _interval(p.p_remission),
            "response": _interval(p.p_response),
            "burden": _interval(p.p_burden) if p.burden_known else "not known (no study of this option reports it)",
            "contraindicated": p.contraindicated,
            "note": p.evidence_note,
            "evidence": evidence.get(p.option),
        })
        if p.contraindicated or p.option not in pictured:
            continue
        outcome, burden = charts.icon_groups(p.model_dump())
        if outcome is None:
            continue
        name = short_label(p.option)
        icons.append({
            "option": name,
            "outcome_svg": charts.icon_array_svg(outcome, f"{name}: expected outcomes of 100 people like this patient",
                                                 counts_words(outcome), uid=f"{p.option}-o", size=12, legend=True),
            "burden_svg": None if burden is None else charts.icon_array_svg(
                burden, f"{name}: significant side-effect burden among 100 people like this patient",
                counts_words(burden), uid=f"{p.option}-b", size=12, legend=True),
        })
    return rows, icons


def _decision(decision: Decision) -> dict[str, Any]:
    options = sorted(decision.options, key=lambda o: o.rank)
    rows = [{
        "option": short_label(o.option),
        "eu": _interval(o.expected_utility, percent=False),
        "p_best": _fmt_pct(o.p_best),
        "rank": o.rank,
        "preferred": o.option == decision.preferred,
    } for o in options]
    eu_rows = [(short_label(o.option), o.expected_utility.mean, o.expected_utility.hdi_low, o.expected_utility.hdi_high)
               for o in options]
    from futility.render.consultation import METHOD_WORDS, SETTER_WORDS

    utilities = [{"name": utility_words(name), **utility.model_dump(), "set_by_words": SETTER_WORDS.get(utility.set_by or "", ""),
                  "method_words": METHOD_WORDS.get(utility.method or "", "")} for name, utility in decision.utilities]
    return {
        "rows": rows,
        "eu_svg": charts.interval_plot(eu_rows, "Expected utility of each option (0 worst, 1 best)",
                                       "expected utility", percent=False) if eu_rows else None,
        "utilities": utilities,
        "quantitative": decision.quantitative_futility,
        "qualitative": decision.qualitative_futility,
        "gates": decision.gates,
        "quantitative_held": [gate_label(g) for g in decision.quantitative_futility.held_back_by],
        "qualitative_held": [gate_label(g) for g in decision.qualitative_futility.held_back_by],
        "summary": decision.summary,
        "technical_summary": decision.technical_summary,
        "warnings": decision.warnings,
        "preferred": short_label(decision.preferred),
    }


def _sensitivity(sens: Sensitivity) -> dict[str, Any]:
    rem, pal = sens.threshold.remission, sens.threshold.palliative_utility
    out: dict[str, Any] = {"tornado": sens.tornado, "evpi": sens.evpi, "remission": rem, "palliative": pal,
                           "per_option": sens.threshold.per_option}
    if rem:
        out["remission_svg"] = charts.threshold_plot(
            "remission chance", rem.p_remission_now, rem.p_remission_threshold,
            f"Threshold analysis: remission chance with {short_label(rem.option)}",
            below=f"{short_label(rem.compared_with)} preferred", above=f"{short_label(rem.option)} preferred",
            percent=True)
    if pal:
        out["palliative_svg"] = charts.threshold_plot(
            "value of palliative-focused care", pal.value_now, pal.threshold,
            "Threshold analysis: how the patient values palliative-focused care",
            below=f"{short_label(pal.compared_with)} preferred", above="palliative-focused care preferred")
    if sens.tornado:
        out["tornado_svg"] = charts.tornado_plot(
            [row.model_dump() for row in sens.tornado], "One-way sensitivity of the choice to each utility",
            "margin: best active option minus palliative-focused care (expected utility)")
    return out


#: Said in place of the horizon section for a record stored before the horizon existed.
HORIZON_ABSENT = "Plans over time were not computed for this stored assessment."

#: The plans pictured as icon arrays, and the months (those the horizon reports of these).
HORIZON_ICON_PLANS = ("usual_care", "comfort_focus")
HORIZON_ICON_MONTHS = (12, 24, 60)


def _months_interval(s: Summary, digits: int = 1) -> str:
    return f"{s.mean:.{digits}f} ({s.hdi_low:.{digits}f} to {s.hdi_high:.{digits}f})"


def _pct1(value: float) -> str:
    return f"{100 * value:.1f}%"


def _horizon(horizon: Horizon | None) -> dict[str, Any] | None:
    """The plans over time as the template shows them, read from the typed horizon; None for a record without one."""
    if horizon is None:
        return None
    months = list(horizon.months)
    last = months[-1]
    rows = []
    for plan in horizon.plans:
        by_month = {o.month: o for o in plan.outcomes}
        end = by_month.get(last) or plan.outcomes[-1]
        rows.append({
            "plan": plan.plan,
            "name": plan_name(plan),
            "label": plan.label,
            "contents": plan.label.split(": ", 1)[1] if plan.label.startswith(plan_name(plan) + ": ") else plan.label,
            "origin": plan.origin,
            "ever": [_interval(by_month[m].p_ever_remitted) if m in by_month else "–" for m in months],
            "now": [_interval(by_month[m].p_in_remission) if m in by_month else "–" for m in months],
            "months_in_remission": _months_interval(end.months_in_remission),
            "months_on_burden": _months_interval(end.months_on_burden),
            "qalys": _months_interval(end.qalys, 2),
            "p_best": plan.p_best,
            "expected_loss": plan.expected_loss,
            "steps": [short_label(k) for k in plan.steps],
            "sources": plan.sources,
        })
    icons = []
    plans = {p.plan: p for p in horizon.plans}
    for key in HORIZON_ICON_PLANS:
        pictured = plans.get(key)
        if pictured is None:
            continue
        cells = []
        for month, _outcome, groups, sentence in charts.horizon_pictures(pictured, HORIZON_ICON_MONTHS):
            when = period_words(month)
            name = plan_name(pictured)
            cells.append({
                "month": month, "when": when,
                "svg": charts.icon_array_svg(groups, f"{name}, after {when}: 100 people like this patient",
                                             counts_words(groups), uid=f"h-{key}-{month}", size=10, legend=True),
                "sentence": sentence,
            })
        if cells:
            name = plan_name(pictured)
            icons.append({"plan": key, "name": name, "label": pictured.label, "title": name[:1].upper() + name[1:],
                          "sentence_label": pictured.label[:1].upper() + pictured.label[1:], "cells": cells})
    curves = {}
    for quantity, what in (("p_ever_remitted", "Chance of being well (in remission) at least once, by plan"),
                           ("p_in_remission", "Chance of being well (in remission) at that point, by plan")):
        curves[quantity] = {"svg": charts.horizon_curves_svg(horizon.plans, quantity, what),
                            "words": horizon_curve_words(horizon.plans, quantity)}
    comfort = horizon.assumptions.comfort_remission_monthly
    sens = horizon.sensitivity
    sensitivity = None
    if sens is not None:
        where = ("the margin does not reach zero within the assumed range" if sens.threshold_monthly is None
                 else f"the margin reaches zero at about {_pct1(sens.threshold_monthly)} a month")
        sensitivity = (f"Quality-adjusted life-year margin of the best plan with courses over comfort-focused care: "
                       f"{sens.low_tenth.margin:+.2f} when remission under comfort-focused care is "
                       f"{_pct1(sens.low_tenth.monthly)} a month (lowest tenth of the assumed range), "
                       f"{sens.high_tenth.margin:+.2f} at {_pct1(sens.high_tenth.monthly)} a month (highest tenth); "
                       f"{where}. ({sens.note}.)")
    mortality = horizon.assumptions.monthly_mortality
    return {
        "months": months,
        "when": [period_words(m) for m in months],
        "last": period_words(last),
        "last_month": last,
        "definition": horizon.definition,
        "rows": rows,
        "curves": curves,
        "icons": icons,
        "quantitative": horizon.quantitative_futility,
        "quantitative_when": period_words(horizon.quantitative_futility.month),
        "qualitative": horizon.qualitative_futility,
        "sensitivity": sensitivity,
        "evpi": horizon.evpi,
        "comfort": {
            "range": f"{_pct1(comfort.low)} to {_pct1(comfort.high)} a month",
            "set": "the tool's default range" if comfort.default else "a range set for this assessment",
            "basis": comfort.basis,
        },
        "mortality": ("deaths are not counted (no monthly mortality was given)" if mortality is None
                      else f"{_pct1(mortality)} a month (deaths are counted)"),
        "deaths_counted": mortality is not None,
        "assumptions": horizon.assumptions,
        "utilities": [(name.replace("_", " "), value) for name, value in horizon.utilities.items()],
        "notes": horizon.notes,
    }


def _measurement(case: dict[str, Any], summary: Measurement | None, identifiable: bool) -> dict[str, Any] | None:
    """The ratings on the scale the assessment's measurement summary follows, charted as the dashboard does."""
    scores = case.get("scores") or []
    if not scores or summary is None:
        return None
    from futility.clinical.scales import scale_table

    rows = [{**s, "date": _date_text(str(s["date"]), identifiable)} for s in charts.score_rows(scores, summary.scale)]
    if not rows:
        return None
    points = [(r["date"], float(r["value"])) for r in rows]
    return {"scale": summary.scale, "points": points,
            "svg": charts.score_trajectory_svg(rows, scale_table().get(summary.scale), f"{summary.scale} scores over time",
                                               scores_words(rows, summary.model_dump()), width=540, height=190,
                                               by_date=False, response_line=summary.response_line)}


def as_output(assessment: AssessmentOutput | dict[str, Any]) -> AssessmentOutput:
    """The typed assessment: an :class:`AssessmentOutput` as it is, a dict validated against the contract.

    The one place a report turns the JSON contract into the model; a key the contract does not declare, or a
    value it does not allow, raises :class:`pydantic.ValidationError` naming the field.
    """
    if isinstance(assessment, AssessmentOutput):
        return assessment
    return AssessmentOutput.model_validate(assessment)


def _case_dict(case: Case | dict[str, Any] | None) -> dict[str, Any]:
    """The case as entered, as JSON: a stored record's dict exactly as stored, a :class:`Case` dumped."""
    if case is None:
        return {}
    if isinstance(case, Case):
        return case.model_dump(mode="json")
    return case


def build_context(assessment: AssessmentOutput | dict[str, Any], case: Case | dict[str, Any] | None = None, *,
                  record: Any = None, reviews: Any = (), identifiable: bool = False,
                  generated_at: str | None = None) -> dict[str, Any]:
    """Everything the template needs, read from the typed assessment and the case as entered, nothing recomputed.

    ``assessment`` is an :class:`AssessmentOutput` or its JSON dict (validated here, see :func:`as_output`);
    ``case`` a :class:`~futility.case.Case` or the case dict as entered (a stored record's, shown as stored).
    """
    from futility import __version__
    from futility.render.report._bottom_line import bottom_line

    output = as_output(assessment)
    case_dict = _case_dict(case)
    prognosis_rows, icons = _prognosis(output)
    _, population_burden = _evidence(output)
    shown = [p for p in output.prognosis if not p.contraindicated]
    remission_rows = [(short_label(p.option), *_mean_interval(p.p_remission)) for p in shown]
    burden_rows = [(short_label(p.option), *_mean_interval(p.p_burden)) for p in shown]
    threshold = output.decision.quantitative_futility.threshold
    model = output.model
    return {
        "case_id": output.case_id,
        "identifiable": identifiable,
        "generated_at": generated_at or dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "record": record,
        "reviews": list(reviews),
        "bottom_line": bottom_line(output),
        "gate_lines": [gate_line(g, output) for g in output.decision.gates],
        "population_burden": population_burden,
        "burden_from_others": BURDEN_FROM_OTHERS,
        "screen_words": screen_words,
        "patient": {
            "age": age_text(case_dict.get("age"), identifiable),
            "sex": case_dict.get("sex", "unknown"),
            "diagnosis": case_dict.get("diagnosis", {}),
            "conditions": [c.replace("_", " ") for c in case_dict.get("conditions", [])],
            "labs": _labs(case_dict.get("labs") or {}),
            "screening": case_dict.get("screening", {}),
            "values_given": case_dict.get("values") is not None,
        },
        "trials": _trials(case_dict, output),
        "trd": output.trd,
        "thase_rush": ROMAN[output.staging.thase_rush],
        "maudsley": output.staging.maudsley.model_dump(),  # the template lists its components by name
        "screening": output.screening,
        "contraindications": output.contraindications,
        "inflammation": output.inflammation,
        "measurement": _measurement(case_dict, output.measurement, identifiable),
        "prognosis": prognosis_rows,
        "icons": icons,
        "icon_options": ICON_OPTIONS,
        "remission_svg": charts.interval_plot(
            remission_rows, "Chance of remission with each option (point: mean; bar: credible interval)",
            "chance of remission", reference=(threshold, f"futility threshold {_fmt_pct(threshold)}") if threshold else None,
        ) if remission_rows else None,
        "burden_svg": charts.interval_plot(
            burden_rows, "Chance of significant side-effect burden with each option", "chance of significant burden",
            colour=OKABE_ITO["vermillion"]) if burden_rows else None,
        "decision": _decision(output.decision),
        "sensitivity": _sensitivity(output.decision.sensitivity),
        "horizon": _horizon(output.horizon),
        "horizon_absent": HORIZON_ABSENT,
        "model": model,
        "diagnostics": model.diagnostics,
        "posterior_hash": model.posterior_file_hash,
        "assumptions": output.assumptions.model_dump(),  # the template lists every setting by name
        "crisis": crisis_text(),
        "limitations": LIMITATIONS,
        "renderer": {"futility": __version__, "python": sys.version.split()[0], "platform": platform.platform(terse=True)},
        "assessed_with": output.package_version,
    }


def _mean_interval(iv: ProbabilitySummary | None) -> tuple[float | None, float | None, float | None]:
    """(mean, low, high) of a summary for the interval charts; all None when there is none."""
    return (None, None, None) if iv is None else (iv.mean, iv.hdi_low, iv.hdi_high)
