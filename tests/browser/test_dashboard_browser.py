"""The dashboard in a real browser: demo loads, a values slider changes the comparison, a bad upload is
reported, views switch. Screenshots are saved in tests/artifacts/."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from futility.case import demo_case_path

pytestmark = pytest.mark.browser

COMPARISON = "p:has-text('The comparison in words')"


def _open(page, url: str) -> float:
    start = time.perf_counter()
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_text("How the options compare for you").first.wait_for(timeout=60_000)
    page.locator(COMPARISON).first.wait_for(timeout=60_000)
    return time.perf_counter() - start


def test_demo_loads_and_values_slider_changes_comparison(page, served: str, artifacts: Path) -> None:
    """The demo case renders; moving the palliative-focus slider changes the option comparison."""
    seconds = _open(page, served)
    print(f"first render of the demo case in the browser: {seconds:.2f} s")
    page.screenshot(path=str(artifacts / "consultation.png"), full_page=True)
    before = page.locator(COMPARISON).first.inner_text()
    assert "Care focused on comfort" in before
    handle = page.locator(".fu-slider-palliative_focus .noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(20):
        page.keyboard.press("ArrowRight")
    deadline = time.monotonic() + 15
    after = before
    while time.monotonic() < deadline and after == before:
        page.wait_for_timeout(200)
        after = page.locator(COMPARISON).first.inner_text()
    page.screenshot(path=str(artifacts / "consultation-after-slider.png"), full_page=True)
    assert after != before, "the comparison did not change after moving the slider"


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
    page.locator(COMPARISON).first.wait_for(timeout=20_000)
    page.locator(".fu-horizon .fu-plan").first.wait_for(timeout=20_000)  # 1, 2 and 5 years per plan
    assert page.locator(".fu-horizon .fu-plan").count() >= 2
