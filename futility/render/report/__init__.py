"""The ethics-committee report: one self-contained HTML file (inline CSS and SVG, no network) or a PDF.

``render_html(assessment, case)`` renders from the JSON contract only, read as its typed model
(:class:`futility.contract.AssessmentOutput`; a dict is validated into it first), so a stored
assessment renders exactly as stored. The PDF is made from the same template by ``xhtml2pdf``
(pure Python; no browser needed), with each SVG chart embedded as an image. See ``docs/report.md``.
"""
from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, Undefined, select_autoescape
from markupsafe import Markup

from futility.atomic_write import write_atomic
from futility.case import Case
from futility.contract import AssessmentOutput
from futility.errors import UserError
from futility.extras import require_extra
from futility.render.charts import svg_img
from futility.render.report._bottom_line import BottomLine, bottom_line
from futility.render.report._context import build_context
from futility.render.vocabulary import short_label

__all__ = ["DECISION_STATEMENT", "BottomLine", "bottom_line", "build_context", "check_out_path", "html_to_pdf", "render_html", "render_record", "write_report"]

DECISION_STATEMENT = (
    "This report supports a decision; it does not make one. The treating team, the patient and the "
    "committee decide, and every figure here is to be weighed with clinical judgement."
)


def _missing(value: Any) -> bool:
    return value is None or isinstance(value, Undefined) or value == ""


def _pct(value: Any) -> str:
    """A probability as a percentage; small ones keep a decimal so 0.2% is not shown as 0%."""
    if _missing(value):
        return "–"
    v = 100 * float(value)
    if 0 < v < 0.1:
        return "<0.1%"
    return f"{v:.1f}%" if 0 < v < 1 else f"{v:.0f}%"


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("futility", "data/templates"), autoescape=select_autoescape(["html", "j2"]))
    env.filters["pct"] = _pct
    env.filters["option"] = lambda v: "–" if _missing(v) else short_label(v)
    env.filters["num"] = lambda v, d=2: "–" if _missing(v) else f"{float(v):.{d}f}"
    env.filters["g"] = lambda v: "–" if _missing(v) else (f"{float(v):g}" if isinstance(v, (int, float)) else str(v))
    env.filters["words"] = lambda v: "–" if _missing(v) else str(v).replace("_", " ")
    env.filters["yesno"] = lambda v: "–" if _missing(v) else ("yes" if v else "no")
    return env


def render_html(assessment: AssessmentOutput | dict[str, Any], case: Case | dict[str, Any] | None = None, *,
                record: Any = None, reviews: Any = (), identifiable: bool = False, for_pdf: bool = False,
                generated_at: str | None = None) -> str:
    """The report as one HTML document; ``for_pdf`` embeds charts as images for the PDF renderer.

    ``assessment`` is the typed :class:`~futility.contract.AssessmentOutput` (``Assessment.output``) or its
    JSON dict, validated against the contract (:class:`pydantic.ValidationError` naming the field if it
    breaks it). ``case`` is the case as entered, a :class:`~futility.case.Case` or its JSON dict; without
    it the report shows only what the assessment holds (no doses, scores or age).
    """
    context = build_context(assessment, case, record=record, reviews=reviews, identifiable=identifiable,
                            generated_at=generated_at)
    chart = (lambda svg: Markup(svg_img(svg)) if svg else "") if for_pdf else (lambda svg: Markup(svg) if svg else "")
    template = _environment().get_template("report.html.j2")
    return template.render(**context, chart=chart, for_pdf=for_pdf, statement=DECISION_STATEMENT)


def html_to_pdf(html: str) -> bytes:
    """A PDF of report HTML made with ``for_pdf=True`` (needs the ``pdf`` extra)."""
    require_extra("pdf", "a PDF report")
    from xhtml2pdf import pisa

    out = io.BytesIO()
    logger = logging.getLogger("xhtml2pdf")
    level = logger.level
    logger.setLevel(logging.ERROR)  # its notes on CSS it ignores are not the user's concern
    try:
        result = pisa.CreatePDF(html, dest=out, encoding="utf-8")
    finally:
        logger.setLevel(level)
    if result.err:
        raise UserError(f"report: the PDF could not be rendered ({result.err} error(s)); try --out FILE.html")
    return out.getvalue()


def check_out_path(path: str | Path) -> Path:
    """The output path, refused unless it ends in .html, .htm or .pdf."""
    path = Path(path)
    if path.suffix.lower() not in {".html", ".htm", ".pdf"}:
        raise UserError(f"--out: '{path.name}' must end in .html or .pdf")
    return path


def write_report(path: str | Path, assessment: AssessmentOutput | dict[str, Any],
                 case: Case | dict[str, Any] | None = None, **options: Any) -> Path:
    """Write the report to ``path``: ``.html``/``.htm`` or ``.pdf``, chosen by the suffix."""
    path = check_out_path(path)
    if path.suffix.lower() == ".pdf":
        data = html_to_pdf(render_html(assessment, case, for_pdf=True, **options))
    else:
        data = render_html(assessment, case, **options).encode("utf-8")
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise UserError(f"--out: cannot write {path}: {exc.strerror or exc}") from None
    return path


def render_record(record: Any, reviews: Any = (), *, path: str | Path | None = None, **options: Any) -> str | Path:
    """Render a stored :class:`~futility.store.AssessmentRecord` (to ``path`` if given, else HTML text).

    Reads the record's typed assessment (``record.output``) and its case exactly as entered (``record.case``).
    """
    if path is not None:
        return write_report(path, record.output, record.case, record=record, reviews=reviews, **options)
    return render_html(record.output, record.case, record=record, reviews=reviews, **options)
