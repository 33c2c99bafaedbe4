"""The dashboard in a real browser: demo loads, a values slider changes the comparison, a bad upload is
reported, views switch. Screenshots are saved in tests/artifacts/."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from futility.case import demo_case_path

pytestmark = pytest.mark.browser

COMPARISON = "p:has-text('The comparison in words')"
READY = "section.fu-card"


def _open(page, url: str) -> float:
    start = time.perf_counter()
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_text("How the options compare for you").first.wait_for(timeout=60_000)
    page.locator(READY).first.wait_for(timeout=60_000)
    return time.perf_counter() - start


def _confirm(page) -> None:
    """Press "These are my answers" (the demo's five values are given) and wait for the comparison."""
    button = page.get_by_role("button", name="These are my answers")
    button.scroll_into_view_if_needed()
    button.click()
    page.locator(COMPARISON).first.wait_for(timeout=20_000)


def _slider_right(page, name: str, steps: int) -> None:
    handle = page.locator(f".fu-slider-{name} .noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(steps):
        page.keyboard.press("ArrowRight")


def test_demo_loads_and_values_slider_changes_comparison(page, served: str, artifacts: Path) -> None:
    """The demo case renders with no comparison until the values are confirmed; once confirmed, moving the
    comfort-care slider withdraws the confirmation, and confirming again shows the changed comparison."""
    seconds = _open(page, served)
    print(f"first render of the demo case in the browser: {seconds:.2f} s")
    page.screenshot(path=str(artifacts / "consultation.png"), full_page=True)
    assert page.locator(COMPARISON).count() == 0, "a comparison was shown before the values were confirmed"
    _confirm(page)
    before = page.locator(COMPARISON).first.inner_text()
    assert "care focused on comfort" in before.lower()
    _slider_right(page, "palliative_focus", 6)
    page.get_by_text("The comparison appears here once").first.wait_for(timeout=15_000)
    _confirm(page)
    after = page.locator(COMPARISON).first.inner_text()
    page.screenshot(path=str(artifacts / "consultation-after-slider.png"), full_page=True)
    assert after != before, "the comparison did not change after moving the slider"


def test_sections_shortlist_and_show_all(page, served: str, artifacts: Path) -> None:
    """The sections come in the IPDAS order; the shortlist shows a few cards with comfort care among them; 'show all'
    shows every option, tried ones marked; the crisis text is on the page."""
    _open(page, served)
    marks = ["If you need help now", "1. Where things stand", "2. The options", "3. What matters to you",
             "4. How the options compare", "5. Over the next", "6. Next steps", "Questions you may want to ask"]
    where = [page.get_by_text(m).first.bounding_box()["y"] for m in marks]  # one scroll position: comparable
    assert where == sorted(where), dict(zip(marks, where))
    short = page.locator(".fu-option-cards section.fu-card").count()
    assert 2 <= short <= 6 and page.locator("section.fu-palliative").count() == 1
    page.get_by_role("button", name="Show all options").click()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and page.locator(".fu-option-cards section.fu-card").count() <= short + 3:
        page.wait_for_timeout(200)
    assert page.locator(".fu-option-cards section.fu-card").count() > short + 3
    assert page.locator("section.fu-card[data-tried='true']").count() >= 1
    page.screenshot(path=str(artifacts / "consultation-show-all.png"), full_page=True)


def test_a_nudged_slider_does_not_unlock_the_comparison(page, served: str) -> None:
    """Moving a value and back never counts as confirmation: the comparison stays hidden until the button."""
    _open(page, served)
    _slider_right(page, "no_response", 1)
    page.keyboard.press("ArrowLeft")
    page.wait_for_timeout(800)
    assert page.locator(COMPARISON).count() == 0
    _confirm(page)


def test_bad_upload_shows_the_field_error(page, served: str, artifacts: Path, tmp_path: Path) -> None:
    """Uploading a case with a negative trial duration shows the field and the problem."""
    _open(page, served)
    page.locator(".bk-tab", has_text="Case input").click()
    bad = tmp_path / "bad-case.yaml"
    bad.write_text(demo_case_path().read_text(encoding="utf-8").replace("weeks: 10", "weeks: -3"), encoding="utf-8")
    page.locator("input[type=file]").first.set_input_files(str(bad))
    problem = page.get_by_text("trials[1].weeks").first
    problem.wait_for(timeout=20_000)
    page.screenshot(path=str(artifacts / "bad-upload.png"), full_page=True)
    assert page.get_by_text("Please correct").first.is_visible()


def test_switch_views(page, served: str, artifacts: Path) -> None:
    """The committee view opens from its tab and shows the futility judgements and gates."""
    _open(page, served)
    page.locator(".bk-tab", has_text="Committee").click()
    page.get_by_text("Futility judgements and safety gates").first.wait_for(timeout=20_000)
    page.get_by_text("Safety gates").first.wait_for(timeout=20_000)
    page.locator(".fu-horizon-curves svg").first.wait_for(timeout=20_000)  # plans over time: curves and table
    assert page.locator(".fu-horizon-table table").count() == 1
    page.screenshot(path=str(artifacts / "committee.png"), full_page=True)
    page.locator(".bk-tab", has_text="Consultation").click()
    page.locator(READY).first.wait_for(timeout=20_000)
    page.locator(".fu-horizon .fu-plan").first.wait_for(timeout=20_000)  # 1, 2 and 5 years per plan
    assert page.locator(".fu-horizon .fu-plan").count() >= 2


def _upload_case(page, tmp_path: Path, data: dict, name: str) -> None:
    import yaml

    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    page.locator(".bk-tab", has_text="Case input").click()
    page.locator("input[type=file]").first.set_input_files(str(path))
    page.get_by_text(f"Loaded case {data['id']}").first.wait_for(timeout=30_000)
    page.locator(".bk-tab", has_text="Consultation").click()


def test_no_treatment_and_bipolar_cases_say_why(page, served: str, artifacts: Path, tmp_path: Path) -> None:
    """A case with no treatment yet is not offered comfort care (and says why); a bipolar case says why the
    chances may not apply."""
    import yaml

    _open(page, served)
    base = yaml.safe_load(demo_case_path().read_text(encoding="utf-8"))
    none_yet = {**base, "id": "none-yet-1", "trials": []}
    _upload_case(page, tmp_path, none_yet, "none-yet.yaml")
    page.get_by_text("is not compared here").first.wait_for(timeout=30_000)
    assert page.locator("section.fu-palliative").count() == 0
    page.screenshot(path=str(artifacts / "consultation-no-treatment.png"), full_page=True)
    bipolar = {**base, "id": "bipolar-2", "diagnosis": {**base["diagnosis"], "polarity": "bipolar"}}
    _upload_case(page, tmp_path, bipolar, "bipolar.yaml")
    page.get_by_text("may not apply to you").first.wait_for(timeout=30_000)
    page.screenshot(path=str(artifacts / "consultation-bipolar.png"), full_page=True)
