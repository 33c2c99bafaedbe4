"""Depression rating scales as data: range, severity bands, remission cut-off, with sources.

The table lives in ``futility/data/scales.csv``; one generic scorer serves every scale (no function per
scale). Outcome words follow the evidence pack (clinical-evidence.md s5):

- remission: final score at or below the scale's remission cut-off (``remission_max``, inclusive; the
  PHQ-9 cut-off "<5" is stored as 4);
- response: >= 50% reduction from baseline (the convention of all trials cited, e.g. STAR*D, Rush 2006);
- partial response: 25-49% reduction; non-response: < 25% (Sforzini L et al., Mol Psychiatry 2022,
  "A Delphi-method-based consensus guideline for definition of treatment-resistant depression",
  PMC9095475 Table 1).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

__all__ = [
    "OUTCOMES",
    "OUTCOME_RANK",
    "PARTIAL_RESPONSE_MIN_PCT",
    "RESPONSE_MIN_PCT",
    "Scale",
    "classify_outcome",
    "msm_severity",
    "percent_reduction",
    "response_line",
    "scale_table",
    "severity_band",
]

#: Response: >= 50% reduction from baseline (evidence pack s5 [V]; STAR*D, Rush 2006).
RESPONSE_MIN_PCT = 50.0
#: Partial response 25-49%, non-response < 25% (Sforzini 2022, Mol Psychiatry, PMC9095475 Table 1 [V]).
PARTIAL_RESPONSE_MIN_PCT = 25.0

#: Outcome words, best first.
OUTCOMES = ("remission", "response", "partial_response", "non_response", "unknown")
#: Ordering used for "better than" comparisons; unknown is not ranked (None).
OUTCOME_RANK = {"remission": 3, "response": 2, "partial_response": 1, "non_response": 0, "unknown": None}


@dataclass(frozen=True)
class Scale:
    """A rating scale: total score range, remission cut-off (inclusive), severity bands."""

    name: str
    minimum: int
    maximum: int
    remission_max: int
    bands: tuple[tuple[str, int, int], ...]
    source: str
    #: band label -> Maudsley Staging Method severity word (subsyndromal | mild | moderate | severe)
    msm_severity: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


def _pairs(text: str) -> list[tuple[str, str]]:
    return [tuple(part.split(":", 1)) for part in text.split(";") if part.strip()]  # type: ignore[misc]


@lru_cache(maxsize=1)
def scale_table() -> dict[str, Scale]:
    """All scales keyed by their name as written in a case file (e.g. 'QIDS-SR16')."""
    path = resources.files("futility") / "data" / "scales.csv"
    table: dict[str, Scale] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            bands = []
            for label, span in _pairs(row["bands"]):
                low, high = span.split("-")
                bands.append((label, int(low), int(high)))
            table[row["scale"]] = Scale(
                name=row["scale"],
                minimum=int(row["minimum"]),
                maximum=int(row["maximum"]),
                remission_max=int(row["remission_max"]),
                bands=tuple(bands),
                source=row["source"],
                msm_severity=dict(_pairs(row.get("msm_severity") or "")),
            )
    return table


def _scale(scale: str | Scale) -> Scale:
    if isinstance(scale, Scale):
        return scale
    try:
        return scale_table()[scale]
    except KeyError:
        raise ValueError(f"unknown scale '{scale}' (known: {', '.join(scale_table())})") from None


def response_line(baseline: float | None) -> float | None:
    """The score at or below which a rating is a response: baseline reduced by RESPONSE_MIN_PCT (half of it).

    The line the journey and trajectory charts draw (>= 50% reduction; STAR*D, Rush 2006). None without a
    baseline or with a baseline of 0 (no room to improve).
    """
    if baseline is None or baseline <= 0:
        return None
    return baseline * (1.0 - RESPONSE_MIN_PCT / 100.0)


def percent_reduction(baseline: float | None, final: float | None) -> float | None:
    """Percent fall from baseline to final: 100 * (baseline - final) / baseline.

    None when either score is missing or the baseline is 0 (no room to improve). Negative when the
    score rose; never above 100 because scores are >= 0.
    """
    if baseline is None or final is None or baseline <= 0:
        return None
    # 100 - 100 * (final / baseline) keeps the float result within [0, 100] whenever 0 <= final <= baseline
    # (the direct form 100 * (baseline - final) / baseline can round to 100.00000000000001).
    return 100.0 - 100.0 * (final / baseline)


def classify_outcome(scale: str | Scale | None, baseline: float | None, final: float | None) -> str:
    """Outcome of a trial on one scale: remission, response, partial_response, non_response or unknown.

    Remission when the final score is at or below the scale's remission cut-off (a remission needs only
    the final score); otherwise by percent reduction: >= 50% response (Rush 2006), 25-49% partial
    response, < 25% non-response (Sforzini 2022). ``unknown`` when the scale or a needed score is missing
    or the baseline is 0. Worked example: QIDS-SR16 16 -> 12 is a 25% reduction, a partial response.
    """
    if scale is None or final is None:
        return "unknown"
    table = _scale(scale)
    if final <= table.remission_max:
        return "remission"
    pct = percent_reduction(baseline, final)
    if pct is None:
        return "unknown"
    if pct >= RESPONSE_MIN_PCT:
        return "response"
    if pct >= PARTIAL_RESPONSE_MIN_PCT:
        return "partial_response"
    return "non_response"


def severity_band(scale: str | Scale, score: float) -> str:
    """The severity band label of a score (e.g. PHQ-9 17 -> 'moderately_severe'), from the scale table.

    Bands are inclusive integer ranges; a fractional score falls in the highest band whose lower bound it
    reaches. Raises ValueError for a score outside the scale's range.
    """
    table = _scale(scale)
    if not table.minimum <= score <= table.maximum:
        raise ValueError(f"{score:g} is outside the {table.name} range {table.minimum}-{table.maximum}")
    label = table.bands[0][0]
    for name, low, _high in table.bands:
        if score >= low:
            label = name
    return label


def msm_severity(scale: str | Scale, score: float) -> str:
    """Maudsley Staging Method severity word for a score, via its band (mapping kept in scales.csv).

    The mapping is ours (Fekadu 2009 rates severity clinically by ICD-10 syndromal criteria): the lowest
    band maps to 'subsyndromal', top bands to 'severe'; PHQ-9 'moderately severe' (15-19) maps to
    'moderate' so that a self-report score never raises the stage above what the scale calls severe.
    """
    table = _scale(scale)
    band = severity_band(table, score)
    return table.msm_severity.get(band, band)
