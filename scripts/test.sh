#!/usr/bin/env bash
# Set up everything the tests need on a fresh machine, then run the whole test suite.
# Used as-is by README.md and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
bash scripts/install_browser.sh
# Lint and types (pyproject.toml: [tool.ruff], [tool.mypy]); either failing fails the run. The dashboard
# folder (futility.dashboards) joins both checks once it is clean (issue "Results are tables").
.venv/bin/python -m ruff check futility
.venv/bin/python -m mypy futility
exec .venv/bin/python -m pytest "$@"
