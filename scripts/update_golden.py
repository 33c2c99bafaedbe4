"""Regenerate tests/golden/demo-assessment.json from ``futility assess futility/data/demo-case.yaml --json``.

Run it deliberately, after a change that is meant to alter the output (or a new posterior), then commit
the golden file together with that change::

    .venv/bin/python scripts/update_golden.py          # show the differences, then write the file
    .venv/bin/python scripts/update_golden.py --check  # only show them; exit 1 if there are any

The new output is validated against futility.contract before it is written; an output that breaks
the contract is never made golden.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from golden_compare import GOLDEN, demo_json, differences, load_golden  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report the differences; write nothing")
    args = parser.parse_args(argv)

    from futility.contract import AssessmentOutput

    live = demo_json()
    AssessmentOutput.model_validate(live)  # raises, naming the field, if the output breaks the contract
    if not GOLDEN.exists():
        print(f"{GOLDEN.relative_to(ROOT)}: no golden file yet")
        if args.check:
            return 1
        found = []
    else:
        found = differences(live, load_golden())
        for line in found:
            print(line)
        if args.check:
            return 1 if found else 0
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_text(json.dumps(live, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN.relative_to(ROOT)} ({len(found)} difference(s) beyond the tolerances from the previous one)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
