"""``futility assess CASE [--json]`` and ``futility demo``: bind arguments, call :func:`assess`, render."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from futility.commands._common import finite_in, nonblank, persistent_db, user_errors
from futility.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    from futility.assessment import Assessment
    from futility.case import Case
    from futility.contract import AssessmentOutput, Horizon, Summary

__all__ = ["register", "render_text"]


def _assess_file(case_path: Path, posterior: Optional[Path] = None, min_weeks: Optional[float] = None,
                 min_adherence: Optional[float] = None, threshold: Optional[float] = None) -> "Assessment":
    """Load and assess a case file; a policy option left as None keeps the package default."""
    from futility.assessment import assess
    from futility.case import load_case
    from futility.clinical.adequacy import AdequacyCriteria
    from futility.decision import Policy

    try:
        criteria = AdequacyCriteria()
        if min_weeks is not None:
            criteria = dataclasses.replace(criteria, min_weeks=min_weeks)
        if min_adherence is not None:
            criteria = dataclasses.replace(criteria, min_adherence=min_adherence)
        policy = Policy() if threshold is None else Policy(futility_threshold=threshold)
    except ValueError as exc:  # the option callbacks check first; this is the last line of defence
        raise UserError(f"policy: {exc}") from None
    return assess(load_case(case_path), posterior_path=posterior, criteria=criteria, policy=policy)


def assess_command(
    case: Annotated[Path, typer.Argument(help="Case file (YAML or JSON).", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print exactly one JSON object (the contract).")] = False,
    posterior: Annotated[Optional[Path], typer.Option(help="Posterior file (netcdf) to use instead of the shipped one.")] = None,
    min_weeks: Annotated[float, typer.Option(help="Minimum weeks for an adequate trial (policy), 0-104.", callback=finite_in(0, 104))] = 6.0,
    min_adherence: Annotated[float, typer.Option(help="Minimum adherence for an adequate trial (policy), 0-1.", callback=finite_in(0, 1))] = 0.8,
    futility_threshold: Annotated[Optional[float], typer.Option(help=(
        "Remission probability below which the next option counts as futile "
        "(policy), strictly between 0 and 1."
    ), callback=finite_in(0, 1, open_low=True, open_high=True))] = None,
    save: Annotated[bool, typer.Option("--save", help="Store the assessment in the case store.")] = False,
    db: Annotated[Optional[str], typer.Option(help=(
        "Store URL or SQLite file (default: FUTILITY_DB or the user "
        "data file); not in-memory."
    ), callback=persistent_db)] = None,
    author: Annotated[Optional[str], typer.Option(help="Author recorded with --save (default: FUTILITY_AUTHOR or OS user).", callback=nonblank)] = None,
) -> None:
    """Assess a case: adequacy, TRD, staging, screening, prognosis and the decision analysis."""
    with user_errors():
        assessment = _assess_file(case, posterior, min_weeks, min_adherence, futility_threshold)
        result = assessment.to_dict()
        if save:
            result["assessment_id"] = _save(assessment.case, result, db, author)
    if as_json:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        typer.echo(render_text(assessment.to_json_model()))


def demo_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON contract instead of text.")] = False,
) -> None:
    """Assess the bundled demo case (a worked example; no patient data)."""
    from futility.case import demo_case_path

    with user_errors():
        assessment = _assess_file(demo_case_path())
    typer.echo(json.dumps(assessment.to_dict(), indent=2, ensure_ascii=False) if as_json else render_text(assessment.to_json_model()))


def register(app: typer.Typer) -> None:
    """Add ``assess`` and ``demo`` to the CLI."""
    app.command("assess")(assess_command)
    app.command("demo")(demo_command)


def _save(case: "Case", result: dict[str, Any], db: Optional[str], author: Optional[str]) -> Any:
    from sqlalchemy.exc import ArgumentError

    from futility.commands._common import in_memory_sqlite
    from futility.store import CaseStore, resolve_author, resolve_db_url

    try:
        memory = in_memory_sqlite(resolve_db_url(db))
    except (ArgumentError, ValueError):
        memory = False  # not a URL: CaseStore refuses it with its own message
    if memory:  # e.g. FUTILITY_DB=sqlite:// : the id would name nothing
        raise UserError("--save: the case store is an in-memory SQLite database that vanishes when the command ends; "
                        "set --db or FUTILITY_DB to a file")
    return CaseStore(db).save_assessment(case, result, resolve_author(author)).id


def _interval(p: "Summary | None", scale: float = 100.0) -> str:
    if p is None:
        return "not computed"
    return f"{p.mean * scale:4.0f}% ({p.hdi_low * scale:.0f}-{p.hdi_high * scale:.0f})"


def _horizon_lines(h: "Horizon", mass: str) -> list[str]:
    """The plans over time: per plan, the chance of remission at least once and in remission at each month."""
    months = h.months
    head = "".join(f"{f'{m} mo':>16s}" for m in months)
    out = [f"Plans over time (each plan ends in comfort-focused care; mean, {mass} credible interval)",
           "  Ever remitted: strict remission at least once by that month. QALYs: quality-adjusted life-years.",
           f"  {'plan':34s}{head}"]
    for plan in h.plans:
        out.append(f"  {plan.plan:34s}" + "".join(f"{_interval(o.p_ever_remitted):>16s}" for o in plan.outcomes))
        out.append(f"  {'  in remission then':34s}" + "".join(f"{_interval(o.p_in_remission):>16s}" for o in plan.outcomes))
        last = plan.outcomes[-1]
        out.append(f"    {plan.label}")
        out.append(f"    over {months[-1]} months: {last.months_in_remission.mean:.1f} months in remission, "
                   f"{last.months_on_burden.mean:.1f} on a burdensome course; QALYs {last.qalys.mean:.2f} "
                   f"({last.qalys.hdi_low:.2f}-{last.qalys.hdi_high:.2f}); P(best plan) {plan.p_best:.2f}")
    qf, ql = h.quantitative_futility, h.qualitative_futility
    out.append(f"  Futility on the horizon: quantitative {'MET' if qf.met else 'not met'} ({qf.reason}); "
               f"qualitative {'MET' if ql.met else 'not met'} ({ql.reason})")
    c = h.assumptions.comfort_remission_monthly
    out.append(f"  Assumption: remission under comfort-focused care {c.low:.1%}-{c.high:.1%} a month "
               f"({'default' if c.default else 'set'}; {c.basis})")
    if h.sensitivity is not None:
        sens = h.sensitivity
        where = ("never within the range" if sens.threshold_monthly is None
                 else f"at about {sens.threshold_monthly:.1%} a month")
        out.append(f"  Sensitivity: QALY margin of the best plan with courses over comfort-focused care "
                   f"{sens.low_tenth.margin:+.2f} when its remission chance is {sens.low_tenth.monthly:.1%} a month, "
                   f"{sens.high_tenth.margin:+.2f} at {sens.high_tenth.monthly:.1%}; the two are equal {where}")
    out += [f"  Note: {n}" for n in h.notes]
    return out


def render_text(result: "AssessmentOutput") -> str:
    """A readable text view of the validated contract (:class:`futility.contract.AssessmentOutput`); computes nothing."""
    lines: list[str] = [f"Case {result.case_id}", ""]
    lines.append("Treatment trials")
    for t in result.trials:
        pr = t.percent_reduction
        change = f"{pr:.0f}% reduction" if pr is not None else "no scores"
        verdict = "adequate" if t.adequate else "NOT adequate"
        lines.append(f"  [{t.index}] {t.agent} ({t.drug_class}): {verdict}; {change}; {t.outcome.replace('_', ' ')}")
        for reason in t.reasons:
            lines.append(f"        - {reason}")
    trd, staging = result.trd, result.staging
    lines += [
        "",
        f"TRD criteria met: {'yes' if trd.meets_criteria else 'no'} "
        f"({trd.adequate_failed_trials} adequate failed trials, {trd.distinct_classes_failed} distinct classes)",
        f"Staging: Thase-Rush stage {staging.thase_rush}; Maudsley {staging.maudsley.score} ({staging.maudsley.category})",
    ]
    scr = result.screening
    flags = ", ".join(scr.flags) or "none"
    missing = ", ".join(scr.not_done) or "none"
    lines.append(f"Screening complete: {'yes' if scr.complete else 'no'}; flags: {flags}; not done: {missing}")
    for c in result.contraindications:
        lines.append(f"  {c.severity}: {c.option}: {c.reason}")
    if result.inflammation:
        lines.append(f"Inflammation: {result.inflammation}")
    definition = result.prognosis_definition
    dec = result.decision
    mass = f"{dec.policy.hdi_prob:.0%}"
    lines += ["", f"Prognosis for the next option (mean, {mass} credible interval)"]
    lines.append(f"  Remission means {definition.definition}, {definition.time_frame}.")
    lines.append(f"  Burden means {definition.burden}; 'not known' where no study of that option reports it.")
    lines.append(f"  {'option':30s} {'remission':>18s} {'significant burden':>20s}")
    for p in sorted(result.prognosis, key=lambda r: -r.p_remission.mean if r.p_remission else 1):
        if p.contraindicated:
            lines.append(f"  {p.option:30s} not considered: {p.contraindicated}")
            continue
        burden = _interval(p.p_burden) if p.burden_known else "not known"
        lines.append(f"  {p.option:30s} {_interval(p.p_remission):>18s} {burden:>20s}")
        if p.evidence_note:
            lines.append(f"    note: {p.evidence_note}")
    lines += ["", f"Expected utility under the patient's values (mean, {mass} credible interval; P(best))"]
    for o in sorted(dec.options, key=lambda r: -r.expected_utility.mean):
        eu = o.expected_utility
        lines.append(f"  {o.option:30s} {eu.mean:.3f} ({eu.hdi_low:.3f}-{eu.hdi_high:.3f})  P(best) {o.p_best:.2f}")
    qf, ql = dec.quantitative_futility, dec.qualitative_futility
    probability = "not computed" if qf.probability is None else f"{qf.probability:.2f}"
    lines += [
        "",
        f"Quantitative futility: {'MET' if qf.met else 'not met'} (P(remission < {qf.threshold:.3g}) = {probability})"
        + ("" if result.horizon is None else
           f"; within {result.horizon.quantitative_futility.month} months under usual care: "
           f"{'MET' if result.horizon.quantitative_futility.met else 'not met'} "
           f"(P(remission < {qf.threshold:.3g}) = {result.horizon.quantitative_futility.probability:.2f})"),
        f"Qualitative futility: {'MET' if ql.met else 'not met'}: {ql.reason}",
    ]
    for gate in dec.gates:
        if not gate.passed:
            lines.append(f"  held back by: {gate.reason}")
    if result.horizon is not None:
        lines += [""] + _horizon_lines(result.horizon, mass)
    lines += ["", dec.summary, "", f"Model {result.model.version}, posterior {result.model.posterior_file_hash[:12]}"]
    return "\n".join(lines)
