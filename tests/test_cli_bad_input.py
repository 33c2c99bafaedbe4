"""Bad input on the command line (issue 10): exit status 2, exactly one stderr line naming the field or
option, no traceback, and nothing written (no output on stdout, no store, no posterior, no report).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from futility.case import demo_case_path
from futility.cli import app
from futility.prognosis.posterior import default_posterior_path

runner = CliRunner()
DEMO = demo_case_path().read_text()


def _one_line(result, expected: str) -> str:
    """Exit 2, nothing on stdout, exactly one stderr line ``error: ...`` containing ``expected``."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and expected in lines[0], lines[0]
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.fixture()
def workdir(tmp_path, monkeypatch):
    """An empty folder as the current directory, with the store and author defaults pointed into it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FUTILITY_DB", str(tmp_path / "store" / "futility.db"))
    monkeypatch.delenv("FUTILITY_AUTHOR", raising=False)
    return tmp_path


def _written(folder: Path, *inputs: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in inputs)


CASE_FILES = [
    ("misspelt-condition.yaml", DEMO.replace("uncontrolled_hypertension", "arrythmia"), "conditions[0]: unknown condition 'arrythmia' (did you mean arrhythmia?)"),
    ("bool-weeks.yaml", DEMO.replace("weeks: 8", "weeks: true"), "trials[0].weeks: must be a number"),
    ("bool-adherence.yaml", DEMO.replace("adherence: 0.85", "adherence: yes"), "trials[1].adherence: must be a number"),
    ("duplicate.yaml", DEMO.replace("age: 54", "age: 54\nage: 61"), "duplicate key 'age'"),
    ("duplicate.json", '{"id": "a", "id": "b"}', "duplicate key 'id'"),
    ("number-date.yaml", DEMO.replace("date: 2026-01-05", "date: 0"), "scores[0].date: must be a date"),
    ("year-1.yaml", DEMO.replace("date: 2026-01-05", "date: 0001-01-05"), "scores[0].date: 0001-01-05 is before 1900-01-01"),
    ("month-13.yaml", DEMO.replace("date: 2026-01-05", "date: 2026-13-45"), "scores[0].date: 2026-13-45 is not a real date"),
    ("feb-30.yaml", DEMO.replace("date: 2026-01-05", "date: 2026-02-30"), "scores[0].date: 2026-02-30 is not a real date"),
    ("deep.yaml", "id: x\nage: " + "[" * 1000 + "]" * 1000 + "\n", "nested deeper than 10 levels"),
    ("bad-tag.yaml", DEMO.replace("age: 54", "age: !!int abc"), "'abc' is not a valid int"),
    ("sex.yaml", DEMO.replace("age: 54", "age: 54\nsex: femal"), "(did you mean female or male?)"),
    ("scale.yaml", DEMO.replace("scale: PHQ-9", "scale: PHQ9"), "did you mean PHQ-9?"),
    ("screen.yaml", DEMO.replace("bipolar: done_negative", "bipolar: done-negative"), "(did you mean done_negative?)"),
    ("trials.yaml", DEMO.replace("trials:\n", "trials:\n" + "  - {agent: sertraline, weeks: 8}\n" * 50), "trials: has 53 items; at most 50 are allowed"),
    ("conditions.yaml", DEMO.replace("[uncontrolled_hypertension]", "[" + ", ".join(["epilepsy"] * 51) + "]"), "conditions: has 51 items"),
    ("big.yaml", DEMO + "#" * 1_000_000, "larger than the limit of 1,000,000 bytes"),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASE_FILES, ids=[c[0] for c in CASE_FILES])
def test_bad_case_file_exits_2_with_one_line(workdir, name, text, expected):
    """assess --save on each bad file: one line naming the field; no store created, nothing printed."""
    (workdir / name).write_text(text)
    result = runner.invoke(app, ["assess", name, "--json", "--save"])
    _one_line(result, expected)
    assert _written(workdir, name) == []


def test_non_utf8_case_file(workdir):
    (workdir / "case.yaml").write_bytes(DEMO.encode() + b"# \xff\n")
    _one_line(runner.invoke(app, ["assess", "case.yaml"]), "is not UTF-8 text")


def test_directory_as_case(workdir):
    _one_line(runner.invoke(app, ["assess", str(workdir)]), "is a directory, not a regular file")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_device_as_case(workdir):
    """/dev/zero used to be read until memory ran out."""
    _one_line(runner.invoke(app, ["assess", "/dev/zero"]), "not a regular file")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX named pipes")
def test_named_pipe_as_case_does_not_hang(workdir):
    """A FIFO used to block forever; run in a subprocess with a timeout so a regression fails, not hangs."""
    os.mkfifo(workdir / "pipe.yaml")
    proc = subprocess.run([sys.executable, "-m", "futility", "assess", "pipe.yaml"], capture_output=True, text=True,
                          timeout=60, cwd=workdir)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [f"error: case file pipe.yaml is a pipe, socket or device, not a regular file"]


OPTIONS = [
    (["--min-weeks", "inf"], "--min-weeks: must be a finite number"),
    (["--min-weeks", "nan"], "--min-weeks: must be a finite number"),
    (["--min-weeks", "105"], "--min-weeks: must be in [0, 104]"),
    (["--min-weeks", "-1"], "--min-weeks:"),
    (["--min-weeks", "x"], "--min-weeks:"),
    (["--min-adherence", "1.5"], "--min-adherence:"),
    (["--futility-threshold", "0"], "--futility-threshold: must be in (0, 1)"),
    (["--futility-threshold", "1"], "--futility-threshold: must be in (0, 1)"),
    (["--futility-threshold", "nan"], "--futility-threshold: must be a finite number"),
    (["--bogus"], "--bogus: no such option"),
    (["--save", "--db", "sqlite://"], "--db: an in-memory SQLite store vanishes"),
    (["--save", "--db", "sqlite:///:memory:"], "--db: an in-memory SQLite store vanishes"),
    (["--save", "--db", ""], "--db: must not be empty"),
    (["--save", "--author", ""], "--author: must not be empty"),
    (["--save", "--author", "   "], "--author: must not be empty"),
    (["--posterior", "."], "is not a regular file"),
]


@pytest.mark.parametrize(("args", "expected"), OPTIONS, ids=[" ".join(a) or "''" for a, _ in OPTIONS])
def test_bad_option_exits_2_with_one_line(workdir, args, expected):
    """Option errors are one line ``error: --option: problem`` (not Typer's 5-line box, not a traceback)."""
    shutil.copy(demo_case_path(), workdir / "demo.yaml")
    _one_line(runner.invoke(app, ["assess", "demo.yaml", "--json", *args]), expected)
    assert _written(workdir, "demo.yaml") == []


def test_missing_argument_is_one_line(workdir):
    _one_line(runner.invoke(app, ["assess"]), "CASE: is required")


def test_in_memory_store_from_the_environment_is_refused(workdir, monkeypatch):
    """FUTILITY_DB=sqlite:// with --save would print an id for a store that vanishes on exit."""
    monkeypatch.setenv("FUTILITY_DB", "sqlite://")
    _one_line(runner.invoke(app, ["assess", str(demo_case_path()), "--save"]), "--save: the case store is an in-memory")


@pytest.fixture()
def nan_posterior(tmp_path) -> Path:
    path = tmp_path / "nan.nc"
    shutil.copy(default_posterior_path(), path)
    with h5py.File(path, "r+") as fh:
        alpha = fh["posterior"]["alpha"]
        alpha[...] = np.full(alpha.shape, np.nan)
    return path


def test_posterior_with_nan_draws(workdir, nan_posterior):
    _one_line(runner.invoke(app, ["assess", str(demo_case_path()), "--posterior", str(nan_posterior)]),
              "non-finite draws of alpha")


def test_review_with_blank_reviewer(workdir):
    """``--reviewer ''`` used to become the OS user silently."""
    _one_line(runner.invoke(app, ["review", "1", "--decision", "endorse", "--reviewer", ""]), "--reviewer: must not be empty")
    assert not (workdir / "store").exists()


def test_review_dated_year_1(workdir):
    result = runner.invoke(app, ["review", "1", "--decision", "endorse", "--reviewer", "panel", "--date", "0001-01-01"])
    _one_line(result, "review date: 0001-01-01 is before 1900-01-01")


@pytest.mark.parametrize("args", [["cases", "list", "--db", "sqlite://"], ["report", "demo.yaml", "--out", "r.html", "--save", "--db", "sqlite://"]])
def test_in_memory_store_refused_everywhere(workdir, args):
    shutil.copy(demo_case_path(), workdir / "demo.yaml")
    _one_line(runner.invoke(app, args), "--db: an in-memory SQLite store vanishes")
    assert _written(workdir, "demo.yaml") == []


@pytest.mark.parametrize(("setup", "expected"), [
    (lambda d: d.mkdir(), "--registry: reg.csv is not a regular file"),
    (lambda d: d.write_bytes(b"patient_id,order\n\xff\xfe,1\n"), "--registry: reg.csv is not UTF-8 text"),
])
def test_fit_bad_registry(workdir, setup, expected):
    """A directory or a non-UTF-8 registry is refused before any fitting; no posterior is written."""
    setup(workdir / "reg.csv")
    _one_line(runner.invoke(app, ["fit", "--registry", "reg.csv", "--out", "post.nc"]), expected)
    assert not (workdir / "post.nc").exists()


@pytest.mark.parametrize(("args", "expected"), [
    (["--draws", "1000000000"], "--draws:"),
    (["--chains", "1000"], "--chains:"),
    (["--seed", "-1"], "--seed:"),
])
def test_fit_options_are_bounded(workdir, args, expected):
    _one_line(runner.invoke(app, ["fit", "--out", "post.nc", *args]), expected)
    assert not (workdir / "post.nc").exists()


@pytest.mark.parametrize("value", ["users.json", "./users", "/no/such/dir/users.json"])
def test_serve_basic_auth_missing_users_file(workdir, value):
    """A mistyped users-file path would have become the password; the value itself is never echoed."""
    line = _one_line(runner.invoke(app, ["serve", "--address", "0.0.0.0", "--basic-auth", value]), "--basic-auth: looks like a users file")
    assert value not in line


def test_serve_basic_auth_users_file_must_be_json(workdir):
    (workdir / "users.json").write_text("alice hunter2\n")
    line = _one_line(runner.invoke(app, ["serve", "--address", "0.0.0.0", "--basic-auth", "users.json"]), "--basic-auth:")
    assert "hunter2" not in line


def test_database_password_is_masked(workdir):
    result = runner.invoke(app, ["cases", "list", "--db", "postgresql+psycopg2://alice:hunter2@localhost/futility"])
    line = _one_line(result, "alice:***@localhost")
    assert "hunter2" not in line


def test_a_good_case_still_works(workdir):
    """The checks refuse only bad input: the demo case with --save to a file store still exits 0."""
    result = runner.invoke(app, ["assess", str(demo_case_path()), "--json", "--save", "--author", "dr_a"])
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(result.stdout)["assessment_id"] == 1
