"""Issue 10 in a real browser (Debian Chromium): no wrong patient, no leak, no crash.

- fixing a failed upload in the trial table keeps the uploaded patient (header, table and text box);
- switching case redraws the journey chart with all trials, and its x axis grows and shrinks;
- crashing uploads show a problem on screen and leave the server log clean;
- a hostile file name is shown as text (no script runs);
- no request leaves 127.0.0.1 (every asset is served locally).
"""
from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from dashboard_cases import demo, other_case, seven_trials
from futility.case import demo_case_path

pytestmark = pytest.mark.browser

#: The consultation is drawn: the option cards are on the page (the comparison waits for confirmed values).
READY = "section.fu-card"

#: The journey chart's x range and its number of trial segments, read from BokehJS's own models.
JOURNEY_JS = """() => {
  for (const doc of (window.Bokeh ? Bokeh.documents : [])) {
    const models = doc._all_models ? Array.from(doc._all_models.values()) : Array.from(doc.all_models);
    for (const m of models) {
      if (m.title && m.title.text === "Your treatment journey") {
        let segments = null;
        for (const s of models) {
          if (s.data && "y0" in s.data && "label" in s.data) segments = Array.from(s.data.x1);
        }
        return {start: m.x_range.start, end: m.x_range.end, x1: segments};
      }
    }
  }
  return null;
}"""


def _open(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.locator(READY).first.wait_for(timeout=60_000)


def _tab(page, name: str) -> None:
    page.locator(".bk-tab", has_text=name).click()


def _upload(page, path: Path) -> None:
    page.locator("input[type=file]").first.set_input_files(str(path))


def _header(page) -> str:
    return page.locator(".fu-case").first.inner_text()


def _until(fn, what: str, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    value = fn()
    while not value and time.monotonic() < deadline:
        time.sleep(0.25)
        value = fn()
    assert value, f"timed out waiting for {what}"
    return value


def _text_box(page) -> str:
    return page.locator("textarea").first.input_value()


def _write(tmp_path: Path, name: str, data: dict | str) -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_fixing_a_failed_upload_keeps_the_uploaded_patient(page, served: str, artifacts: Path, tmp_path: Path) -> None:
    _open(page, served)
    _tab(page, "Case input")
    bad = other_case()
    bad["trials"][1]["weeks"] = -3
    _upload(page, _write(tmp_path, "v-bad.yaml", bad))
    page.get_by_text("Please correct").first.wait_for(timeout=30_000)
    _until(lambda: "v-bad" in _header(page), "the header to name the uploaded case")
    assert "demo-001" not in _header(page)
    assert "id: v-bad" in _text_box(page)
    cell = page.locator(".tabulator-row").nth(1).locator(".tabulator-cell[tabulator-field='weeks']")
    assert cell.inner_text().strip() == "-3"
    assert page.locator(".tabulator-row").nth(0).locator(".tabulator-cell[tabulator-field='agent']").inner_text().strip() == "escitalopram"
    page.screenshot(path=str(artifacts / "issue10-draft.png"), full_page=True)
    page.wait_for_timeout(1000)  # the full-page screenshot resizes the page: let the table redraw before editing
    cell.scroll_into_view_if_needed()
    cell.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("7")
    page.keyboard.press("Enter")
    _until(lambda: cell.inner_text().strip() == "7", "the edited cell")
    page.wait_for_timeout(500)  # let the edit reach the server before the button press
    page.get_by_role("button", name="Check and use these trials").click()
    _until(lambda: "Case v-bad" in _header(page) and "draft" not in _header(page), "the fixed case in the header")
    header = _header(page)
    assert "demo-001" not in header
    text = yaml.safe_load(_until(lambda: "age: 33" in _text_box(page) and _text_box(page), "the text box"))
    assert text["id"] == "v-bad" and text["age"] == 33 and text["conditions"] == ["epilepsy"]
    assert [t["agent"] for t in text["trials"]] == ["escitalopram", "venlafaxine"] and text["trials"][1]["weeks"] == 7
    page.screenshot(path=str(artifacts / "issue10-fixed.png"), full_page=True)
    _tab(page, "Consultation")
    words = _until(lambda: "escitalopram" in page.locator("p:has-text('The journey in words')").first.inner_text()
                   and page.locator("p:has-text('The journey in words')").first.inner_text(), "the journey words of v-bad")
    assert "sertraline" not in words and "lithium" not in words


def test_case_switch_redraws_the_journey_with_all_trials(page, served: str, tmp_path: Path, artifacts: Path) -> None:
    _open(page, served)
    first = _until(lambda: page.evaluate(JOURNEY_JS), "the journey chart")
    demo_weeks = sum(t["weeks"] for t in demo()["trials"])
    assert first["end"] >= demo_weeks
    _tab(page, "Case input")
    _upload(page, _write(tmp_path, "seven.yaml", seven_trials()))
    _until(lambda: "seven-007" in _header(page), "the seven-trial case")
    _tab(page, "Consultation")
    total = sum(t["weeks"] for t in seven_trials()["trials"])
    seven = _until(lambda: (j := page.evaluate(JOURNEY_JS)) and len(j["x1"] or []) == 7 and j, "seven segments")
    assert seven["start"] <= 0 and seven["end"] >= total, seven
    assert max(seven["x1"]) <= seven["end"]
    page.screenshot(path=str(artifacts / "issue10-seven-trials.png"), full_page=True)
    _tab(page, "Case input")
    _upload(page, _write(tmp_path, "demo-again.yaml", demo()))
    _until(lambda: "demo-001" in _header(page), "the demo case again")
    _tab(page, "Consultation")
    short = _until(lambda: (j := page.evaluate(JOURNEY_JS)) and len(j["x1"] or []) == 3 and j, "three segments")
    assert demo_weeks <= short["end"] < total, f"the x axis did not shrink: {short}"


CRASHES = {
    "crash-1345": lambda t: t.replace("2026-02-10", "2026-13-45"),
    "crash-0230": lambda t: t.replace("2026-02-10", "2026-02-30"),
    "crash-deep": lambda t: t.replace("conditions:\n- epilepsy", "conditions: " + "[" * 3000 + "]" * 3000),
    "crash-tag": lambda t: t.replace("age: 71", "age: !!python/object/apply:os.system ['true']"),
}


def test_crashing_uploads_show_an_error_and_leave_the_log_clean(page, served: str, server_log: Path, tmp_path: Path, artifacts: Path) -> None:
    _open(page, served)
    _tab(page, "Case input")
    secrets = ["v-bad", "secret-file"]
    for case_id, spoil in CRASHES.items():
        text = spoil(yaml.safe_dump(other_case(id=case_id, age=71), sort_keys=False))
        assert text != yaml.safe_dump(other_case(id=case_id, age=71), sort_keys=False)
        _upload(page, _write(tmp_path, f"{case_id}-secret-file.yaml", text))
        _until(lambda: case_id in _header(page), f"the header to name {case_id}")
        page.get_by_text("Please correct").first.wait_for(timeout=30_000)
        assert "demo-001" not in _header(page), "the screen still says the old case is loaded"
        secrets.append(case_id)
    page.screenshot(path=str(artifacts / "issue10-crash.png"), full_page=True)
    time.sleep(1.0)
    logged = server_log.read_text(encoding="utf-8", errors="replace")
    for secret in [*secrets, "escitalopram", "venlafaxine", "age: 71", "2026-13-45", "2026-02-30", "egfr", "epilepsy"]:
        assert secret not in logged, f"the server log mentions {secret!r}"


def test_hostile_file_name_is_shown_as_text(page, served: str, tmp_path: Path, artifacts: Path) -> None:
    _open(page, served)
    _tab(page, "Case input")
    hostile = tmp_path / '<img src=x onerror="window.__pwned=1">.yaml'
    hostile.write_text(demo_case_path().read_text(encoding="utf-8"), encoding="utf-8")
    _upload(page, hostile)
    _until(lambda: "<img" in _header(page), "the file name in the header")
    page.wait_for_timeout(1000)
    assert page.evaluate("() => window.__pwned") is None
    assert page.evaluate("() => typeof window.__pwned") == "undefined"
    assert '<img src=x onerror="window.__pwned=1">.yaml' in _header(page)
    page.screenshot(path=str(artifacts / "issue10-hostile-name.png"), full_page=True)


def test_no_request_leaves_localhost(page, served: str, tmp_path: Path) -> None:
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    _open(page, served)
    for name in ("Committee", "Case input"):
        _tab(page, name)
        page.wait_for_timeout(1500)
    _upload(page, _write(tmp_path, "seven.yaml", seven_trials()))
    _until(lambda: "seven-007" in _header(page), "the seven-trial case")
    for name in ("Consultation", "Committee", "Case input"):
        _tab(page, name)
        page.wait_for_timeout(1500)
    assert _outside(urls) == [], "requests left 127.0.0.1 after a case change and a tour of the views"
    bad = other_case(age=5)
    _upload(page, _write(tmp_path, "v-bad.yaml", bad))
    _until(lambda: "v-bad" in _header(page), "the failed case")
    for name in ("Consultation", "Committee", "Case input"):
        _tab(page, name)
        page.wait_for_timeout(1500)
    _upload(page, _write(tmp_path, "demo.yaml", demo()))
    _until(lambda: "demo-001" in _header(page), "the demo case")
    _tab(page, "Consultation")
    page.get_by_text("Not sure what number to give?").first.click()  # the standard-gamble card
    page.wait_for_timeout(1000)
    for index in (0, 1):  # each choice re-renders the question (a new pane)
        page.locator("select").filter(has_text="Feeling clearly better").first.select_option(index=index)
        page.wait_for_timeout(700)
    page.wait_for_timeout(1500)
    _tab(page, "Committee")
    page.get_by_text("Case store: save and review").first.click()  # the case-store card
    page.wait_for_timeout(1500)
    page.get_by_role("button", name="Save this assessment to the case store").wait_for(timeout=20_000)  # the card is open
    assert len(urls) > 5, "no requests recorded: the test would see nothing"
    assert _outside(urls) == [], "requests left 127.0.0.1"


def _outside(urls: list[str]) -> list[str]:
    """The requests to anywhere but this machine (data: and blob: URLs stay in the page)."""
    out = []
    for url in urls:
        parsed = urlparse(url)
        if parsed.scheme in {"data", "blob"}:
            continue
        if parsed.hostname not in {"127.0.0.1", "localhost"}:
            out.append(url)
    return out
