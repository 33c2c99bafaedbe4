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
# Lint and types (pyproject.toml: [tool.ruff], [tool.mypy]) on the package and the dashboard; either failing fails the run.
.venv/bin/python -m ruff check futility dashboards
.venv/bin/python -m mypy futility dashboards
exec .venv/bin/python -m pytest "$@"
