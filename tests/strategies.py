"""Hypothesis strategies shared by the test suite (append new ones; do not clobber).

Clinical-rules strategies: valid case dicts (``case_dicts``), valid trial dicts (``trial_dicts``) and
trial dicts that are adequate failures by construction (``failed_adequate_trial_dicts``). Every dict
passes :func:`futility.case.case_from_dict`.
"""
from __future__ import annotations

import datetime as dt
import math

from hypothesis import strategies as st

from futility.clinical.agents import agent_table
from futility.clinical.scales import scale_table

SCALE_NAMES = sorted(scale_table())
AGENT_NAMES = sorted(agent_table())
BURDENS = ["none", "minimal", "mild", "moderate", "marked", "severe", "intolerable"]
SCREEN_RESULTS = ["done_negative", "positive", "not_done"]
SCREEN_NAMES = ["bipolar", "thyroid", "substance_use", "eating_disorder", "adhd"]
CONDITIONS = [
    "chronic_kidney_disease",
    "arrhythmia",
    "long_qtc",
    "uncontrolled_hypertension",
    "recent_myocardial_infarction",
    "heart_block",
    "epilepsy",
    "raised_intracranial_pressure",
    "pregnancy",
    "aneurysm",
]
TODAY = dt.date(2026, 6, 1)


@st.composite
def scale_scores(draw, scale: str | None = None):
    """(scale, baseline, final) with both scores inside the scale's range (whole numbers)."""
    name = scale or draw(st.sampled_from(SCALE_NAMES))
    table = scale_table()[name]
    baseline = draw(st.integers(table.minimum, table.maximum))
    final = draw(st.integers(table.minimum, table.maximum))
    return name, baseline, final


@st.composite
def trial_dicts(draw, agent: str | None = None):
    """Any valid trial dict (no ``augments``; ``case_dicts`` links trials)."""
    name = agent or draw(st.sampled_from(AGENT_NAMES))
    trial: dict = {"agent": name, "weeks": draw(st.floats(0, 30, allow_nan=False).map(lambda w: round(w, 1)))}
    if draw(st.booleans()):
        trial["dose_mg_day"] = draw(st.floats(0, 1000, allow_nan=False).map(lambda d: round(d, 1)))
    if draw(st.booleans()):
        trial["adherence"] = draw(st.floats(0, 1, allow_nan=False).map(lambda a: round(a, 2)))
    if draw(st.booleans()):
        scale, baseline, final = draw(scale_scores())
        trial.update(scale=scale, baseline=baseline, final=final)
    if draw(st.booleans()):
        trial["burden"] = draw(st.sampled_from(BURDENS))
    if draw(st.booleans()):
        trial["sessions"] = draw(st.integers(0, 40))
    if draw(st.booleans()):
        trial["level_mmol_l"] = draw(st.floats(0, 1.5, allow_nan=False).map(lambda x: round(x, 2)))
    if draw(st.booleans()):
        trial["laterality"] = draw(st.sampled_from(["bilateral", "right_unilateral", "bifrontal"]))
    trial["stopped_for_side_effects"] = draw(st.booleans())
    return trial


@st.composite
def failed_adequate_trial_dicts(draw, agent: str | None = None):
    """A trial that meets every adequacy criterion of its agent and improved by < 25% (not remission)."""
    name = agent or draw(st.sampled_from(AGENT_NAMES))
    spec = agent_table()[name]
    trial: dict = {
        "agent": name,
        "weeks": draw(st.floats(max(8.0, spec.min_weeks or 0.0), 30.0, allow_nan=False)),
        "adherence": draw(st.floats(0.8, 1.0, allow_nan=False)),
    }
    if spec.min_dose_mg_day is not None:
        trial["dose_mg_day"] = spec.min_dose_mg_day * draw(st.floats(1.0, 3.0, allow_nan=False))
    if spec.min_sessions is not None:
        trial["sessions"] = draw(st.integers(spec.min_sessions, spec.min_sessions + 20))
    if spec.min_level_mmol_l is not None and draw(st.booleans()):
        trial["level_mmol_l"] = draw(st.floats(spec.min_level_mmol_l, 1.2, allow_nan=False))
    scale = draw(st.sampled_from(SCALE_NAMES))
    table = scale_table()[scale]
    baseline = draw(st.integers(table.remission_max + 2, table.maximum))
    low = max(table.remission_max + 1, math.ceil(0.76 * baseline))
    final = draw(st.integers(low, table.maximum))
    trial.update(scale=scale, baseline=baseline, final=final)
    if draw(st.booleans()):
        trial["burden"] = draw(st.sampled_from(BURDENS[:6]))  # not "intolerable"
    if spec.drug_class == "ect":
        trial["laterality"] = draw(st.sampled_from(["bilateral", "right_unilateral", "bifrontal"]))
    return trial


@st.composite
def case_dicts(draw, min_trials: int = 0, max_trials: int = 6, trials=None):
    """A valid case dict; trials may augment earlier ones; scores dated before ``TODAY``."""
    trial_strategy = trials or trial_dicts()
    trial_list = draw(st.lists(trial_strategy, min_size=min_trials, max_size=max_trials))
    for i, trial in enumerate(trial_list):
        if i > 0 and draw(st.booleans()):
            trial["augments"] = draw(st.integers(0, i - 1))
    diagnosis: dict = {
        "polarity": draw(st.sampled_from(["unipolar", "unipolar", "bipolar", "unknown"])),
        "episode_months": draw(st.floats(0, 240, allow_nan=False).map(lambda m: round(m, 1))),
        "psychotic_features": draw(st.booleans()),
    }
    if draw(st.booleans()):
        diagnosis["severity"] = draw(st.sampled_from(["subsyndromal", "mild", "moderate", "severe"]))
    labs: dict = {}
    for key, lo, hi in (("crp_mg_l", 0, 30), ("egfr", 5, 130), ("qtc_ms", 350, 560), ("tsh_miu_l", 0, 12),
                        ("lithium_level_mmol_l", 0, 1.5)):
        if draw(st.booleans()):
            labs[key] = round(draw(st.floats(lo, hi, allow_nan=False)), 2)
    scores = []
    for _ in range(draw(st.integers(0, 5))):
        scale = draw(st.sampled_from(SCALE_NAMES))
        table = scale_table()[scale]
        scores.append({
            "date": (TODAY - dt.timedelta(days=draw(st.integers(1, 700)))).isoformat(),
            "scale": scale,
            "value": draw(st.integers(table.minimum, table.maximum)),
        })
    return {
        "id": draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,10}", fullmatch=True)),
        "age": draw(st.integers(18, 90)),
        "sex": draw(st.sampled_from(["female", "male", "other", "unknown"])),
        "diagnosis": diagnosis,
        "screening": {name: draw(st.sampled_from(SCREEN_RESULTS)) for name in SCREEN_NAMES},
        "conditions": draw(st.lists(st.sampled_from(CONDITIONS), max_size=3, unique=True)),
        "labs": labs,
        "trials": trial_list,
        "scores": scores,
    }


def case_with(trials=(), **fields) -> dict:
    """A minimal valid case dict (unipolar, 30-month episode, all screens negative) for vignettes."""
    case = {
        "id": "vignette-1",
        "age": 50,
        "diagnosis": {"polarity": "unipolar", "episode_months": 30},
        "screening": {name: "done_negative" for name in SCREEN_NAMES},
        "trials": [dict(t) for t in trials],
    }
    for key, value in fields.items():
        if isinstance(value, dict) and isinstance(case.get(key), dict):
            case[key] = {**case[key], **value}
        else:
            case[key] = value
    return case


def adequate_trial(agent: str, *, baseline: float = 20, final: float = 18, scale: str = "QIDS-SR16", **extra) -> dict:
    """A trial of ``agent`` meeting its table's criteria (dose at the minimum, 8 weeks, 90% adherence)."""
    spec = agent_table()[agent]
    trial = {"agent": agent, "weeks": max(8, spec.min_weeks or 0), "adherence": 0.9,
             "scale": scale, "baseline": baseline, "final": final}
    if spec.min_dose_mg_day is not None:
        trial["dose_mg_day"] = spec.min_dose_mg_day
    if spec.min_sessions is not None:
        trial["sessions"] = spec.min_sessions
    trial.update(extra)
    return trial


# --- decision analysis (futility.decision) -------------------------------------------------------------

DECISION_OPTION_KINDS = ["ssri", "snri", "ndri", "nassa", "tca", "maoi", "lithium_augmentation",
                         "antipsychotic_augmentation", "ect", "esketamine", "rtms", "psychotherapy"]


@st.composite
def option_draw_sets(draw, min_options: int = 1, max_options: int = 5, max_draws: int = 40):
    """A dict option -> OptionDraws with aligned draws (Beta-distributed, p_remission <= p_response)."""
    import numpy as np

    from futility.prognosis.draws import OptionDraws

    names = draw(st.lists(st.sampled_from(DECISION_OPTION_KINDS), min_size=min_options, max_size=max_options, unique=True))
    n = draw(st.integers(1, max_draws))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    out = {}
    for name in names:
        a, b = draw(st.floats(0.2, 20)), draw(st.floats(0.2, 20))
        rem = rng.beta(a, b, n)
        extra = rng.uniform(0, 1, n) * (1 - rem) * draw(st.floats(0, 1))
        burden = rng.beta(draw(st.floats(0.2, 20)), draw(st.floats(0.2, 20)), n)
        out[name] = OptionDraws(name, rem, np.minimum(rem + extra, 1.0), burden)
    return out


@st.composite
def patient_values(draw, complete: bool | None = None):
    """A ``futility.case.Values``; each field may be left out unless ``complete`` is True."""
    from futility.case import Values

    def maybe(strategy):
        if complete:
            return draw(strategy)
        return draw(st.none() | strategy) if complete is None else None

    level = st.floats(0, 1, allow_nan=False)
    return Values(
        remission=maybe(level),
        response=maybe(level),
        no_response=maybe(level),
        significant_burden=maybe(st.floats(-1, 0, allow_nan=False)),
        palliative_focus=maybe(level),
    )


@st.composite
def gate_contexts(draw):
    """Any ``GateContext`` (screening, TRD status, tried and contraindicated option kinds)."""
    from futility.decision import GateContext

    return GateContext(
        screening_complete=draw(st.booleans()),
        screening_flags=tuple(draw(st.lists(st.sampled_from(SCREEN_NAMES), max_size=2, unique=True))),
        meets_trd=draw(st.booleans()),
        tried_options=frozenset(draw(st.lists(st.sampled_from(DECISION_OPTION_KINDS), max_size=12, unique=True))),
        contraindicated=frozenset(draw(st.lists(st.sampled_from(DECISION_OPTION_KINDS), max_size=4, unique=True))),
    )


# --- case store and report (issue 6) -------------------------------------------------------------

#: JSON-like values: what an assessment dict may contain (finite numbers only).
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=25,
)


@st.composite
def outcome_probabilities(draw, max_groups: int = 4):
    """Probabilities of disjoint outcomes that sum to at most 1 (for icon arrays)."""
    raw = draw(st.lists(st.floats(0, 1), min_size=1, max_size=max_groups))
    scale = draw(st.floats(0, 1))
    total = sum(raw)
    return [scale * p / total if total > 0 else 0.0 for p in raw]


# --- hostile case files (issue 10: the case loader never crashes) ---------------------------------

#: Every field name a case can hold, so random documents often reach the validators, not just "unknown field".
CASE_FIELD_NAMES = [
    "id", "age", "sex", "diagnosis", "screening", "conditions", "labs", "trials", "scores", "values",
    "polarity", "episode_months", "psychotic_features", "severity", "comorbid_anxiety", "age_at_onset",
    *SCREEN_NAMES, "crp_mg_l", "egfr", "qtc_ms", "tsh_miu_l", "lithium_level_mmol_l",
    "agent", "dose_mg_day", "weeks", "adherence", "scale", "baseline", "final", "burden", "augments", "sessions",
    "level_mmol_l", "laterality", "stopped_for_side_effects", "date", "value",
    "remission", "response", "no_response", "significant_burden", "palliative_focus",
]

#: Scalars a YAML or JSON parser can produce, including the awkward ones.
hostile_scalars = (
    st.none() | st.booleans() | st.integers() | st.integers(-(10**60), 10**60) | st.floats()
    | st.text(max_size=30) | st.sampled_from(["2026-02-30", "2026-13-45", "0001-01-01", "2026-01-05", "1e400", "yes", ""])
    | st.sampled_from(AGENT_NAMES + SCALE_NAMES + CONDITIONS + SCREEN_RESULTS + BURDENS)
    | st.dates(min_value=dt.date(1, 1, 1)) | st.datetimes()
)

#: Nested JSON-like values with case field names as likely keys (depth bounded by ``max_leaves``).
hostile_values = st.recursive(
    hostile_scalars,
    lambda children: st.lists(children, max_size=6)
    | st.dictionaries(st.sampled_from(CASE_FIELD_NAMES) | st.text(max_size=8), children, max_size=6),
    max_leaves=30,
)

#: Fragments that exercise the YAML scanner, parser and constructors.
YAML_TOKENS = [
    "{", "}", "[", "]", ": ", ":", "- ", ",", "\n", "\n  ", " ", "'", '"', "? ", "# c", "|", ">", "~", "&a ", "*a",
    "<<: ", "!!int ", "!!float ", "!!bool ", "!!str ", "!!timestamp ", "!!binary ", "!!set ", "!!omap ", "!!python/none ",
    "!x ", "%YAML 1.1\n", "---\n", "...\n", ".nan", ".inf", "-.inf", "true", "null", "0x1f", "0o17", "1_000", "1e400",
    "2026-02-30", "2026-13-45", "2026-01-05", "2026-01-05T10:00:00Z", "0001-01-01", "\t", "\x00", "\ufeff", "\u2028",
    *CASE_FIELD_NAMES,
]

yaml_token_texts = st.lists(st.sampled_from(YAML_TOKENS) | st.text(max_size=4), max_size=60).map("".join)


@st.composite
def text_mutations(draw, text: str):
    """``text`` with a few characters or YAML tokens inserted, deleted or replaced at random places."""
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(st.sampled_from(YAML_TOKENS) | st.text(max_size=3))
        if kind == "insert":
            text = text[:at] + piece + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 8)):]
        else:
            text = text[:at] + piece + text[at + len(piece):]
    return text


def _paths(value, prefix=()):
    """Every path (tuple of keys and indices) into a nested dict/list, the root included."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _paths(child, (*prefix, i))


@st.composite
def case_mutations(draw, base: dict):
    """A deep copy of the valid case ``base`` with 1-3 mutations: a value replaced by a hostile one, a key
    dropped or misspelt, a list item repeated many times, or a value wrapped in a list or mapping."""
    import copy

    data = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        last = path[-1]
        kind = draw(st.sampled_from(["replace", "replace", "drop", "misspell", "repeat", "wrap"]))
        if kind == "replace":
            parent[last] = draw(hostile_values)
        elif kind == "drop":
            del parent[last]
        elif kind == "misspell" and isinstance(last, str) and last:
            value = parent.pop(last)
            parent[last[:-1] + draw(st.sampled_from("aexq_"))] = value
        elif kind == "repeat" and isinstance(parent[last], list) and parent[last]:
            parent[last] = parent[last] * draw(st.integers(2, 80))
        elif kind == "wrap":
            parent[last] = draw(st.sampled_from([lambda v: [v], lambda v: {"value": v}]))(parent[last])
    return data


@st.composite
def near_miss_mutations(draw, base: dict):
    """``(data, field)``: the valid case ``base`` with one near miss that must be refused, naming ``field``.

    Near misses are what used to pass silently: a boolean for a number, a number for a date, an
    impossible or pre-1900 date, a misspelt condition, or a list one item over its limit.
    """
    import copy

    data = copy.deepcopy(base)
    numeric = [p for p in _paths(data) if p and isinstance(_get(data, p), (int, float)) and not isinstance(_get(data, p), bool)]
    dates = [p for p in _paths(data) if p and p[-1] == "date"]
    conditions = [("conditions", i) for i in range(len(data.get("conditions", [])))]
    kinds = [k for k, ok in (("bool", numeric), ("date_number", dates), ("date_bad", dates), ("condition", conditions),
                             ("too_many", True)) if ok]
    kind = draw(st.sampled_from(kinds))
    if kind == "bool":
        path = draw(st.sampled_from(numeric))
        _set(data, path, draw(st.booleans()))
    elif kind == "date_number":
        path = draw(st.sampled_from(dates))
        _set(data, path, draw(st.integers(-10**6, 10**9)))
    elif kind == "date_bad":
        path = draw(st.sampled_from(dates))
        _set(data, path, draw(st.sampled_from(["2026-02-30", "2026-13-45", "2025-04-31", "0001-01-01", "1899-12-31"])))
    elif kind == "condition":
        path = draw(st.sampled_from(conditions))
        word = data["conditions"][path[1]]
        at = draw(st.integers(0, len(word) - 1))
        _set(data, path, word[:at] + word[at + 1:] if draw(st.booleans()) else word[:at] + "x" + word[at:])
    else:
        field, limit, item = draw(st.sampled_from([
            ("trials", 50, {"agent": "sertraline", "weeks": 8}),
            ("scores", 200, {"date": "2026-01-05", "scale": "PHQ-9", "value": 10}),
            ("conditions", 50, "epilepsy"),
        ]))
        data[field] = [item] * (limit + draw(st.integers(1, 3)))
        path = (field,)
    field = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(path))
    return data, field


def _get(data, path):
    for key in path:
        data = data[key]
    return data


def _set(data, path, value):
    _get(data, path[:-1])[path[-1]] = value
