"""Packaging: a light core, extras for the model, dashboard and PDF, one version source, clear hints."""
from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

import futility
from futility.cli import app
from futility.extras import EXTRAS, missing_modules

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
#: Needed at run time without an import statement: ArviZ writes the posterior with engine="h5netcdf".
RUNTIME_ONLY = {"h5netcdf"}
#: Everything an extra provides, plus scipy (the tests' reference integrals): the core must run without them.
HEAVY = sorted({m for modules in EXTRAS.values() for m in modules} | {"scipy"})


def _name(requirement: str) -> str:
    """``psycopg[binary]>=3.1`` -> ``psycopg`` (PEP 503 normalised)."""
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def _declared(group: str | None) -> set[str]:
    project = PYPROJECT["project"]
    reqs = project["dependencies"] if group is None else project["optional-dependencies"][group]
    return {_name(r) for r in reqs} - {"futility"}


def _imported_modules() -> set[str]:
    """Top-level third-party modules imported anywhere in futility/ and dashboards/ (lazy imports included)."""
    found: set[str] = set()
    for folder in ("futility", "dashboards"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m not in {"futility", "dashboards", "__future__"}}


def _distribution(module: str) -> str:
    dists = importlib.metadata.packages_distributions().get(module)
    assert dists, f"no installed distribution provides {module!r}"
    return _name(dists[0])


def test_declared_dependencies_are_exactly_the_imports():
    """Core plus extras name every distribution the package imports, and nothing it does not import."""
    imported = {_distribution(m) for m in _imported_modules()}
    declared = _declared(None) | _declared("model") | _declared("dashboard") | _declared("pdf") | _declared("fhir")
    assert declared - RUNTIME_ONLY == imported
    assert RUNTIME_ONLY <= _declared("model")


def test_extras_are_disjoint_from_the_core_and_match_the_hint_table():
    """Each extra's distributions are what futility.extras checks for; none is also in the core."""
    core = _declared(None)
    for extra, modules in EXTRAS.items():
        assert _declared(extra) == {_distribution(m) for m in modules}, extra
        assert not core & _declared(extra), extra
    for heavy in ("pymc", "nutpie", "numba", "panel", "bokeh", "xhtml2pdf", "scipy", "arviz", "xarray"):
        assert heavy not in core


def test_scipy_only_in_the_test_extra():
    """scipy is never imported by the package; the tests' reference integrals get it from the test extra."""
    assert "scipy" not in _imported_modules()
    assert "scipy" in _declared("test")


def test_test_extra_installs_every_other_extra():
    """``pip install -e '.[test]'`` (scripts/test.sh) brings the model, dashboard and PDF extras too."""
    test = PYPROJECT["project"]["optional-dependencies"]["test"]
    selves = [r for r in test if _name(r) == "futility"]
    assert len(selves) == 1
    assert set(re.search(r"\[(.*)\]", selves[0]).group(1).split(",")) == set(EXTRAS)


def test_one_version_source():
    """pyproject reads the version from futility.__version__; the installed metadata agrees."""
    assert "version" not in PYPROJECT["project"] and "version" in PYPROJECT["project"]["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "futility.__version__"}
    assert importlib.metadata.version("futility") == futility.__version__


def test_strict_markers_and_declared_markers():
    """pytest refuses an undeclared marker; the two we use are declared."""
    options = PYPROJECT["tool"]["pytest"]["ini_options"]
    assert "--strict-markers" in options["addopts"].split()
    assert {m.split(":")[0] for m in options["markers"]} == {"slow", "browser"}


# ------------------------------------------------------------------------------ missing extras


def _one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.mark.parametrize(
    "args, module, expected",
    [
        (["serve"], "panel", "error: the dashboard needs the 'dashboard' extra: pip install 'futility[dashboard]'"),
        (["serve"], "bokeh", "error: the dashboard needs the 'dashboard' extra: pip install 'futility[dashboard]'"),
        (["fit", "--out", "p.nc"], "pymc", "error: futility fit needs the 'model' extra: pip install 'futility[model]'"),
        (["fit", "--out", "p.nc"], "nutpie", "error: futility fit needs the 'model' extra: pip install 'futility[model]'"),
        (["validate"], "pymc", "error: futility validate needs the 'model' extra: pip install 'futility[model]'"),
        (["report", "demo.yaml", "--out", "r.pdf"], "xhtml2pdf", "error: a PDF report needs the 'pdf' extra: pip install 'futility[pdf]'"),
    ],
)
def test_missing_extra_names_what_to_install(monkeypatch, tmp_path, args, module, expected):
    """A command whose extra is missing stops with exit status 2 and one line naming the pip command."""
    monkeypatch.setitem(sys.modules, module, None)  # what Python does for a module that cannot be imported
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo.yaml").write_bytes(futility.demo_case_path().read_bytes())
    assert _one_error_line(CliRunner().invoke(app, args)) == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.yaml"]  # nothing written


def test_missing_pdf_extra_does_not_block_html(monkeypatch):
    """Without xhtml2pdf only PDF is refused; the check itself finds every module of an extra."""
    monkeypatch.setitem(sys.modules, "xhtml2pdf", None)
    assert missing_modules("pdf") == ["xhtml2pdf"]
    assert missing_modules("dashboard") == []
    from futility.errors import UserError
    from futility.render.report import html_to_pdf

    with pytest.raises(UserError, match=r"pip install 'futility\[pdf\]'"):
        html_to_pdf("<html></html>")


#: A subprocess in which the extras (and scipy) cannot be imported, as after ``pip install futility``.
BLOCKER = f"""
import importlib.abc, sys
BLOCKED = set({HEAVY!r})
class _Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (blocked)", name=name)
        return None
sys.meta_path.insert(0, _Blocked())
"""


def _core_only(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    code = BLOCKER + (
        "import json\n"
        f"sys.argv = ['futility', *{args!r}]\n"
        "from futility.cli import main\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        "    sys.stdout.flush()\n"
        "    print(json.dumps(sorted(m for m in BLOCKED if m in sys.modules)), file=sys.stderr)\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180, cwd=cwd)


def test_serve_without_the_dashboard_extra_in_a_fresh_process(tmp_path):
    """`futility serve` on a core-only install: the one-line hint and exit status 2, no traceback."""
    proc = _core_only(["serve"], tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[0] == "error: the dashboard needs the 'dashboard' extra: pip install 'futility[dashboard]'"
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_help_and_error_paths_need_only_the_core(tmp_path):
    """The CLI loads every command group without an extra installed (each extra is imported on use)."""
    proc = _core_only(["--help"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "demo" in proc.stdout and "serve" in proc.stdout
    assert json.loads(proc.stderr.strip().splitlines()[-1]) == []


def test_demo_needs_only_the_core(tmp_path):
    """`futility demo` (the README's first command) runs with no extra installed and imports none."""
    proc = _core_only(["demo", "--json"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["decision"]
    assert json.loads(proc.stderr.strip().splitlines()[-1]) == []


def test_html_report_needs_only_the_core(tmp_path):
    """An HTML report of a case file is written on a core-only install."""
    (tmp_path / "demo.yaml").write_bytes(futility.demo_case_path().read_bytes())
    proc = _core_only(["report", "demo.yaml", "--out", "r.html"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert json.loads(proc.stderr.strip().splitlines()[-1]) == []


def test_every_package_folder_is_declared_and_dashboards_is_mapped_under_futility():
    """A folder with an __init__.py that pyproject does not list would be missing from a wheel."""
    declared = set(PYPROJECT["tool"]["setuptools"]["packages"])
    mapped = PYPROJECT["tool"]["setuptools"]["package-dir"]
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "futility").rglob("__init__.py")}
    found |= {"futility.dashboards"} if (ROOT / "dashboards" / "__init__.py").exists() else set()
    assert declared == found
    assert mapped == {"futility.dashboards": "dashboards"}
    assert not any(name == "dashboards" or name.startswith("dashboards.") for name in declared)


def test_no_top_level_dashboards_package_is_installed(tmp_path):
    """Outside the checkout, `dashboards` is not importable; `futility.dashboards` is."""
    code = (
        "import importlib.util as u; "
        "print(u.find_spec('dashboards') is None, u.find_spec('futility.dashboards') is not None)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]
