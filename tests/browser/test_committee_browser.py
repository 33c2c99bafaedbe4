"""The committee view in a real browser (issue 14): the bottom line is the first thing on the page and fits one
1366 x 768 screen; after saving, the exported report carries the stored id, content hash and reviews.
Screenshots in tests/artifacts/ (committee-bottom-line.png, committee-saved.png, report-stamp.png)."""
from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import _free_port, serving

pytestmark = pytest.mark.browser

SCREEN = {"width": 1366, "height": 768}


@pytest.fixture(scope="module")
def served_with_store(artifacts: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The dashboard on a free port with a case store of its own (never the user's), and the store's path."""
    db = tmp_path_factory.mktemp("committee-store") / "store.db"
    port = _free_port()
    cmd = [sys.executable, "-m", "futility", "serve", "--port", str(port), "--db", f"sqlite:///{db}"]
    with serving(cmd, artifacts / "server-committee.log", env={**os.environ, "FUTILITY_AUTHOR": "browser_test"}) as url:
        yield url, db


@pytest.fixture
def committee(browser, served_with_store):
    """A laptop-sized page on the committee view."""
    url, _ = served_with_store
    context = browser.new_context(viewport=SCREEN, accept_downloads=True)
    page = context.new_page()
    page.goto(url, wait_until="domcontentloaded")
    tab = page.locator(".bk-tab", has_text="Committee")
    tab.wait_for(timeout=60_000)
    tab.click()
    page.locator(".fu-bottom-line").first.wait_for(timeout=30_000)
    yield page
    context.close()


def _export(page) -> str:
    with page.expect_download(timeout=30_000) as info:
        page.get_by_text("Export the case report").first.click()
    return Path(info.value.path()).read_text(encoding="utf-8")


def test_bottom_line_first_and_on_one_screen(committee, artifacts: Path) -> None:
    """The bottom line is the committee view's first section and fits within one 1366 x 768 screen."""
    page = committee
    bottom = page.locator(".fu-bottom-line").first
    bottom.scroll_into_view_if_needed()
    box = bottom.bounding_box()
    assert box is not None
    print(f"bottom line: {box['width']:.0f} x {box['height']:.0f} px")
    assert box["height"] <= SCREEN["height"], f"the bottom line is {box['height']:.0f} px tall"
    page.evaluate("window.scrollTo(0, 0)")
    top = bottom.bounding_box()
    print(f"bottom line from the top of the page: {top['y']:.0f} to {top['y'] + top['height']:.0f} px")
    text = bottom.inner_text()
    assert text.index("Quantitative futility") < text.index("Safety gates")
    assert "Meets the criteria for treatment-resistant depression: yes" in text
    assert "Missing for a judgement" in text
    heading = page.get_by_text("Committee review").first.bounding_box()
    assert heading is not None and heading["y"] > top["y"], "the bottom line is not above the committee review"
    page.screenshot(path=str(artifacts / "committee-bottom-line.png"))


def test_report_stamped_after_saving_and_lists_the_review(committee, served_with_store, artifacts: Path) -> None:
    """Unsaved, the export says 'not stored'; saved, it names the stored id and hash; reviewed, it lists the review."""
    page = committee
    assert "not stored in the case store" in _export(page)
    page.get_by_text("Case store: save and review").first.click()
    card = page.locator(".bk-input-group", has_text="Your name or role").locator("input").first
    card.wait_for(timeout=20_000)
    card.fill("dr_browser")
    card.press("Enter")
    page.get_by_role("button", name="Save this assessment to the case store").click()
    page.get_by_text("Saved as assessment").first.wait_for(timeout=30_000)
    saved = re.search(r"Saved as assessment (\d+)", page.get_by_text("Saved as assessment").first.inner_text())
    assert saved is not None
    rid = saved.group(1)
    reviewer = page.locator(".bk-input-group", has_text="Reviewer").locator("input").first
    reviewer.fill("ethics panel")
    reviewer.press("Enter")
    page.get_by_role("button", name="Add the review to the chosen assessment").click()
    page.get_by_text(f"recorded on assessment {rid}").first.wait_for(timeout=30_000)
    page.screenshot(path=str(artifacts / "committee-saved.png"))
    report = _export(page)
    assert "not stored" not in report
    assert f"stored assessment #{rid}" in report
    assert re.search(r'id="content-hash">[0-9a-f]{64}<', report)
    reviews = report[report.index('id="reviews-table"'):]
    assert "ethics panel" in reviews[:reviews.index("</table>")]
    out = artifacts / "report-stamp.html"
    out.write_text(report, encoding="utf-8")
    view = page.context.new_page()
    view.goto(out.as_uri())
    view.screenshot(path=str(artifacts / "report-stamp.png"))
    view.close()
