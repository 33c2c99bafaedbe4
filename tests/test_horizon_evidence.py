"""Checks of the horizon evidence tables (futility/data/horizon/*.csv) for the 'Plans over time' model."""

import csv
import math
from pathlib import Path

import pytest

from futility.model.evidence import OPTION_KINDS

HORIZON = Path(__file__).resolve().parents[1] / "futility" / "data" / "horizon"
TABLES = ("relapse.csv", "durations.csv", "background_remission.csv", "mortality.csv", "utilities.csv", "models.csv")
TAGS = {"[V]", "[S]", "[R]", "GAP", "derived", "known"}
VERIFIED = {"yes", "no", "approximate"}
MONTH_DAYS = 30.4375

# unit -> (low, high, low inclusive); None means unbounded on that side
RANGES = {
    "percent": (0, 100, True),
    "percent per month": (0, 100, True),
    "percent per year": (0, 100, True),
    "proportion": (0, 1, True),
    "utility": (-1, 1, True),
    "utility_median": (-1, 1, True),
    "disutility": (0, 1, True),
    "months": (0, None, False),
    "weeks": (0, None, False),
    "days": (0, None, False),
    "years": (0, None, False),
    "sessions": (0, None, False),
    "sessions per week": (0, None, False),
    "infusions": (0, None, False),
    "count": (0, None, False),
    "mEq/L": (0, None, False),
    "hazard ratio": (0, None, False),
    "risk ratio": (0, None, False),
    "ratio": (0, None, False),
    "number needed to treat": (0, None, False),
    "SF-12v2 points": (-100, 100, True),
    "QALY": (-100, 100, True),
    "USD per QALY": (0, None, False),
    "GBP per QALY": (0, None, False),
}


def _rows(name):
    with open(HORIZON / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


ALL = [(name, r) for name in TABLES for r in _rows(name)]
BY_ID = {r["id"]: r for _, r in ALL}


def _num(s):
    return float(s) if s not in ("", None) else None


def _in_range(x, unit):
    lo, hi, inclusive = RANGES[unit]
    if lo is not None and (x < lo if inclusive else x <= lo):
        return False
    return hi is None or x <= hi


@pytest.mark.parametrize("name", TABLES)
def test_files_are_utf8_lf_with_header(name):
    """Each table is UTF-8 with LF endings, has the shared header columns and at least one row."""
    raw = (HORIZON / name).read_bytes()
    raw.decode("utf-8")
    assert b"\r" not in raw
    header = raw.split(b"\n", 1)[0].decode()
    for col in ("id", "kind", "value", "unit", "citation", "tag", "verified"):
        assert col in header.split(",")
    assert _rows(name), name


def test_ids_unique_and_no_duplicate_rows():
    """Ids are unique across tables and no table repeats a row."""
    ids = [r["id"] for _, r in ALL]
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    seen = set()
    for name, r in ALL:
        key = (name,) + tuple(v for k, v in r.items() if k != "id")
        assert key not in seen, r["id"]
        seen.add(key)


@pytest.mark.parametrize("name,r", ALL, ids=[r["id"] for _, r in ALL])
def test_row(name, r):
    """Citation, tag, verified flag and option kinds are set; the number is in range for its unit."""
    assert r["citation"].strip(), "citation"
    assert r["tag"] in TAGS, r["tag"]
    assert r["tag_text"].strip()
    assert r["verified"] in VERIFIED
    assert r["definition"].strip()
    if r["tag"] in ("[S]", "[R]", "GAP"):
        assert r["verified"] != "yes"
    if r["tag"] == "derived":
        assert r["verified"] == "approximate" and r["derived_from"]
    for field in ("kind", "continuation_kinds"):
        for k in filter(None, r.get(field, "").split(";")):
            assert k in OPTION_KINDS, k
    value, low, high = _num(r["value"]), _num(r["low"]), _num(r["high"])
    if r["tag"] == "GAP":
        assert value is None and low is None and high is None and r["note"].strip()
        return
    if value is None:
        assert low is not None and high is not None or "not estimable" in r["interval"], "no number and no range"
    assert r["unit"] in RANGES, r["unit"]
    for x in (value, low, high):
        if x is not None:
            assert math.isfinite(x) and _in_range(x, r["unit"]), (x, r["unit"])
    if low is not None and high is not None:
        assert low <= high
    if value is not None and low is not None:
        assert low <= value
    if value is not None and high is not None:
        assert value <= high
    for col in ("n", "events", "window_months"):
        if r[col]:
            assert float(r[col]) > 0
    if r["n"] and r["events"]:
        assert int(r["events"]) <= int(r["n"])
        if r["unit"] == "percent":
            decimals = len(r["value"].split(".")[1]) if "." in r["value"] else 0
            assert abs(100 * int(r["events"]) / int(r["n"]) - value) <= 0.5 * 10**-decimals + 1e-9


DERIVED = [r for _, r in ALL if r["tag"] == "derived"]


@pytest.mark.parametrize("r", DERIVED, ids=[r["id"] for r in DERIVED])
def test_derived_figures_recompute(r):
    """The evidence file's own arithmetic: monthly p = 1 - (1 - P)^(1 / months), P at a median = 0.5."""
    src = [BY_ID[i] for i in r["derived_from"].split(";")]
    if r["unit"] == "ratio":
        a, b = (float(s["value"]) for s in src)
        assert abs(a / b - float(r["value"])) / (a / b) < 0.05
        return
    if len(src) == 2:  # conditional hazard between two cumulative points
        (s12, s6) = src
        surv = (1 - float(s12["value"]) / 100) / (1 - float(s6["value"]) / 100)
        months = float(s12["window_months"]) - float(s6["window_months"])
    elif src[0]["unit"] == "days":
        surv, months = 0.5, float(src[0]["value"]) / MONTH_DAYS
    else:
        surv, months = 1 - float(src[0]["value"]) / 100, float(src[0]["window_months"])
    monthly = 100 * (1 - surv ** (1 / months))
    stated = float(r["value"])
    decimals = len(r["value"].split(".")[1]) if "." in r["value"] else 0
    assert abs(monthly - stated) <= 0.5 * 10**-decimals + 1e-9, (monthly, stated)


def test_readme_lists_every_table():
    """The README names every table and explains every tag."""
    text = (HORIZON / "README.md").read_text(encoding="utf-8")
    for name in TABLES:
        assert name in text
    for tag in TAGS:
        assert tag in text
