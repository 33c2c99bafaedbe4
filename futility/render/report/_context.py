"""Turn a stored assessment (the JSON contract) and its case into what the report template shows.

Reads only the dicts, never recomputes anything clinical: a report of a stored assessment shows
exactly what was stored. Pseudonymous by default: the patient appears only as the case id, age in
five-year bands, dates to the month, and the committee's free-text comments are left out.
"""
from __future__ import annotations

import datetime as dt
import platform
import sys
from typing import Any

from futility.render import charts
from futility.render.palette import OKABE_ITO
from futility.render.vocabulary import PALLIATIVE, counts_words, scores_words, short_label

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


def _fmt_pct(value: Any) -> str:
    return "–" if value is None else f"{100 * float(value):.0f}%"


def _interval(iv: dict | None, percent: bool = True) -> str:
    if not iv or iv.get("mean") is None:
        return "–"
    f = _fmt_pct if percent else (lambda v: "–" if v is None else f"{float(v):.2f}")
    if iv.get("hdi_low") is None or iv.get("hdi_high") is None:
        return f(iv["mean"])
    return f"{f(iv['mean'])} ({f(iv['hdi_low'])} to {f(iv['hdi_high'])})"


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


def _trials(case: dict, assessment: dict) -> list[dict[str, Any]]:
    rows = []
    by_index = {t.get("index"): t for t in assessment.get("trials", [])}
    entered_trials = case.get("trials") or [{"agent": t.get("agent")} for t in assessment.get("trials", [])]
    for i, entered in enumerate(entered_trials):
        out = by_index.get(i, {})
        scores = ""
        if entered.get("scale"):
            scores = f"{entered['scale']} {_g(entered.get('baseline'))} to {_g(entered.get('final'))}"
        dose = ""
        if entered.get("dose_mg_day") is not None:
            dose = f"{entered['dose_mg_day']:g} mg/day"
        if entered.get("sessions") is not None:
            dose = (dose + "; " if dose else "") + f"{entered['sessions']} sessions"
        rows.append({
            "index": i + 1,
            "agent": entered.get("agent"),
            "drug_class": (out.get("drug_class") or "").replace("_", " "),
            "augments": None if entered.get("augments") is None else entered["augments"] + 1,
            "dose": dose or "–",
            "weeks": _g(entered.get("weeks")),
            "adherence": _fmt_pct(entered.get("adherence")) if entered.get("adherence") is not None else "–",
            "scores": scores or "–",
            "reduction": "–" if out.get("percent_reduction") is None else f"{out['percent_reduction']:.0f}%",
            "outcome": (out.get("outcome") or "unknown").replace("_", " "),
            "burden": entered.get("burden") or "–",
            "significant_burden": out.get("significant_burden"),
            "adequate": out.get("adequate"),
            "reasons": out.get("reasons") or [],
        })
    return rows


#: Icon arrays are drawn for this many options, those with the highest expected utility; the table lists all.
ICON_OPTIONS = 4


def _icon_options(assessment: dict) -> set[str]:
    options = [o for o in (assessment.get("decision") or {}).get("options", [])
               if o.get("option") != PALLIATIVE and o.get("active", True)]
    ranked = sorted(options, key=lambda o: (o.get("rank") or 99, -(o.get("expected_utility") or {}).get("mean", 0) or 0))
    chosen = {o["option"] for o in ranked[:ICON_OPTIONS]}
    return chosen or {p["option"] for p in assessment.get("prognosis", [])[:ICON_OPTIONS]}


def _prognosis(assessment: dict) -> tuple[list[dict], list[dict]]:
    rows, icons = [], []
    pictured = _icon_options(assessment)
    for p in assessment.get("prognosis", []):
        contraindicated = p.get("contraindicated")
        rows.append({
            "option": short_label(p["option"]),
            "remission": _interval(p.get("p_remission")),
            "response": _interval(p.get("p_response")),
            "burden": _interval(p.get("p_burden")) if p.get("burden_known", True) else "not known (no study of this option reports it)",
            "contraindicated": contraindicated,
            "note": p.get("evidence_note"),
        })
        if contraindicated or p["option"] not in pictured:
            continue
        outcome, burden = charts.icon_groups(p)
        if outcome is None:
            continue
        name = short_label(p["option"])
        icons.append({
            "option": name,
            "outcome_svg": charts.icon_array_svg(outcome, f"{name}: expected outcomes of 100 people like this patient",
                                                 counts_words(outcome), uid=f"{p['option']}-o", size=12, legend=True),
            "burden_svg": None if burden is None else charts.icon_array_svg(
                burden, f"{name}: significant side-effect burden among 100 people like this patient",
                counts_words(burden), uid=f"{p['option']}-b", size=12, legend=True),
        })
    return rows, icons


def _decision(decision: dict) -> dict[str, Any]:
    options = sorted(decision.get("options", []), key=lambda o: o.get("rank") or 99)
    rows = [{
        "option": short_label(o["option"]),
        "eu": _interval(o.get("expected_utility"), percent=False),
        "p_best": _fmt_pct(o.get("p_best")),
        "rank": o.get("rank"),
        "preferred": o["option"] == decision.get("preferred"),
    } for o in options]
    eu_rows = [(r["option"], o["expected_utility"].get("mean"), o["expected_utility"].get("hdi_low"),
                o["expected_utility"].get("hdi_high")) for r, o in zip(rows, options)]
    utilities = [{"name": k.replace("_", " "), **v} for k, v in (decision.get("utilities") or {}).items()]
    return {
        "rows": rows,
        "eu_svg": charts.interval_plot(eu_rows, "Expected utility of each option (0 worst, 1 best)",
                                       "expected utility", percent=False) if eu_rows else None,
        "utilities": utilities,
        "quantitative": decision.get("quantitative_futility") or {},
        "qualitative": decision.get("qualitative_futility") or {},
        "gates": decision.get("gates") or [],
        "summary": decision.get("summary"),
        "technical_summary": decision.get("technical_summary"),
        "warnings": decision.get("warnings") or [],
        "preferred": short_label(decision.get("preferred")) if decision.get("preferred") else None,
    }


def _sensitivity(sens: dict) -> dict[str, Any]:
    out: dict[str, Any] = {"tornado": sens.get("tornado") or [], "evpi": sens.get("evpi") or {}}
    threshold = sens.get("threshold") or {}
    rem, pal = threshold.get("remission"), threshold.get("palliative_utility")
    out["remission"] = rem
    out["palliative"] = pal
    out["per_option"] = threshold.get("per_option") or []
    if rem:
        out["remission_svg"] = charts.threshold_plot(
            "remission chance", rem["p_remission_now"], rem.get("p_remission_threshold"),
            f"Threshold analysis: remission chance with {short_label(rem['option'])}",
            below=f"{short_label(rem.get('compared_with'))} preferred", above=f"{short_label(rem['option'])} preferred",
            percent=True)
    if pal:
        out["palliative_svg"] = charts.threshold_plot(
            "value of palliative-focused care", pal["value_now"], pal.get("threshold"),
            "Threshold analysis: how the patient values palliative-focused care",
            below=f"{short_label(pal.get('compared_with'))} preferred", above="palliative-focused care preferred")
    if out["tornado"]:
        out["tornado_svg"] = charts.tornado_plot(
            out["tornado"], "One-way sensitivity of the choice to each utility",
            "margin: best active option minus palliative-focused care (expected utility)")
    return out


def _measurement(case: dict, assessment: dict, identifiable: bool) -> dict[str, Any] | None:
    """The ratings on the scale the assessment's measurement summary follows, charted as the dashboard does."""
    scores = case.get("scores") or []
    if not scores:
        return None
    from futility.clinical.scales import scale_table

    summary = assessment.get("measurement")
    # a record stored before the summary existed: its last rated scale, as reports of that time showed
    scale = summary["scale"] if summary else (None if "measurement" in assessment else scores[-1]["scale"])
    rows = [{**s, "date": _date_text(str(s["date"]), identifiable)} for s in charts.score_rows(scores, scale)]
    if not rows:
        return None
    points = [(r["date"], float(r["value"])) for r in rows]
    return {"scale": scale, "points": points,
            "svg": charts.score_trajectory_svg(rows, scale_table().get(scale) if scale is not None else None, f"{scale} scores over time",
                                               scores_words(rows, summary), width=540, height=190, by_date=False)}


def build_context(assessment: dict, case: dict | None = None, *, record: Any = None, reviews: Any = (),
                  identifiable: bool = False, generated_at: str | None = None) -> dict[str, Any]:
    """Everything the template needs, computed from the stored dicts only."""
    from futility import __version__

    case = case or {}
    staging = assessment.get("staging", {})
    model = assessment.get("model", {})
    prognosis_rows, icons = _prognosis(assessment)
    remission_rows = [(short_label(p["option"]), (p.get("p_remission") or {}).get("mean"),
                       (p.get("p_remission") or {}).get("hdi_low"), (p.get("p_remission") or {}).get("hdi_high"))
                      for p in assessment.get("prognosis", []) if not p.get("contraindicated")]
    burden_rows = [(short_label(p["option"]), (p.get("p_burden") or {}).get("mean"),
                    (p.get("p_burden") or {}).get("hdi_low"), (p.get("p_burden") or {}).get("hdi_high"))
                   for p in assessment.get("prognosis", []) if not p.get("contraindicated")]
    quant = (assessment.get("decision") or {}).get("quantitative_futility") or {}
    threshold = quant.get("threshold")
    diag = model.get("diagnostics") or {}
    return {
        "case_id": assessment.get("case_id") or case.get("id"),
        "identifiable": identifiable,
        "generated_at": generated_at or dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "record": record,
        "reviews": list(reviews),
        "patient": {
            "age": age_text(case.get("age"), identifiable),
            "sex": case.get("sex", "unknown"),
            "diagnosis": case.get("diagnosis", {}),
            "conditions": [c.replace("_", " ") for c in case.get("conditions", [])],
            "labs": _labs(case.get("labs") or {}),
            "screening": case.get("screening", {}),
            "values_given": case.get("values") is not None,
        },
        "trials": _trials(case, assessment),
        "trd": assessment.get("trd", {}),
        "thase_rush": ROMAN.get(staging.get("thase_rush"), staging.get("thase_rush")),
        "maudsley": staging.get("maudsley") or {},
        "screening": assessment.get("screening", {}),
        "contraindications": assessment.get("contraindications") or [],
        "inflammation": assessment.get("inflammation"),
        "measurement": _measurement(case, assessment, identifiable),
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
        "decision": _decision(assessment.get("decision") or {}),
        "sensitivity": _sensitivity((assessment.get("decision") or {}).get("sensitivity") or {}),
        "model": model,
        "diagnostics": diag,
        "posterior_hash": model.get("posterior_file_hash") or model.get("posterior_hash") or model.get("file_hash"),
        "assumptions": assessment.get("assumptions") or {},
        "limitations": LIMITATIONS,
        "renderer": {"futility": __version__, "python": sys.version.split()[0], "platform": platform.platform(terse=True)},
        "assessed_with": assessment.get("package_version"),
    }
