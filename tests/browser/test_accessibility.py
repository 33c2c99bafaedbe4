"""Accessibility of the consultation and committee views in Chromium, at 1366 px and at 768 px (issue 14, point 8).

axe-core (bundled by the ``axe-playwright-python`` package of the ``test`` extra; no network) finds no
serious or critical violation; the others are printed. At 768 px nothing scrolls sideways. Text in
Panel's markdown panes is at least 16 px; every slider handle is named by its question; the tab list
comes first in the keyboard order and works with the keyboard. Screenshots go to tests/artifacts/.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from futility.render.charts import icon_array_svg, outcome_groups

pytestmark = pytest.mark.browser

READY = "section.fu-card"
WIDTHS = (1366, 768)
VIEWS = ("consultation", "committee")
SERIOUS = {"serious", "critical"}

#: Every element in the page, shadow roots included (Panel renders each component in its own).
_DEEP = """
window.__fuDeep = function (selector) {
  const out = [];
  const walk = (root) => {
    root.querySelectorAll(selector).forEach((el) => out.push(el));
    root.querySelectorAll('*').forEach((el) => { if (el.shadowRoot) walk(el.shadowRoot); });
  };
  walk(document);
  return out;
};
window.__fuActive = function () {
  let el = document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  return el;
};
"""


@pytest.fixture(scope="module")
def axe_script() -> str:
    """axe-core's script, from the installed ``axe-playwright-python`` package (the ``test`` extra)."""
    spec = importlib.util.find_spec("axe_playwright_python")
    if spec is None or spec.origin is None:
        pytest.fail("axe-core is missing: pip install -e '.[test]' (axe-playwright-python bundles axe.min.js)")
    return (Path(spec.origin).parent / "axe.min.js").read_text(encoding="utf-8")


def _open(browser, url: str, width: int, view: str):
    """A new page at ``width`` x 768 on ``view``, rendered; the caller closes its context."""
    context = browser.new_context(viewport={"width": width, "height": 768})
    page = context.new_page()
    page.add_init_script(_DEEP)
    page.goto(url, wait_until="domcontentloaded")
    page.locator(READY).first.wait_for(timeout=60_000)
    if view == "committee":
        page.locator(".bk-tab", has_text="Committee").click()
        page.get_by_text("Committee review").first.wait_for(timeout=60_000)
    page.wait_for_timeout(500)  # late layout passes (Bokeh measures twice)
    return context, page


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("view", VIEWS)
def test_no_serious_axe_violations(browser, served: str, artifacts: Path, axe_script: str, view: str, width: int) -> None:
    """axe-core finds no serious or critical violation (WCAG 2.1 A/AA and best practice); the rest is printed."""
    context, page = _open(browser, served, width, view)
    try:
        page.screenshot(path=str(artifacts / f"accessibility-{view}-{width}.png"), full_page=True)
        page.evaluate(axe_script)
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    finally:
        context.close()
    violations = result["violations"]
    assert result["passes"] or violations or result["incomplete"] or result["inapplicable"], "axe checked nothing"
    for v in violations:
        print(f"axe {view} {width}px: {v['impact']} {v['id']} ({len(v['nodes'])} nodes): {v['help']}")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']}; e.g. {v['nodes'][0]['target']}: {v['nodes'][0].get('failureSummary', '')}"
        for v in violations if v["impact"] in SERIOUS
    ]
    assert not serious, "\n".join(serious)


@pytest.mark.parametrize("view", VIEWS)
def test_no_sideways_scrolling_at_768(browser, served: str, view: str) -> None:
    """At 768 px the page is no wider than the window (nothing scrolls sideways), the charts included."""
    context, page = _open(browser, served, 768, view)
    try:
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        charts = page.evaluate("__fuDeep('canvas').filter((c) => c.offsetParent).map((c) => c.getBoundingClientRect().right)")
    finally:
        context.close()
    assert widths[0] <= widths[1], f"page {widths[0]} px wide in a {widths[1]} px window"
    assert charts and max(charts) <= widths[1] + 1, f"a chart ends at {max(charts, default=0):.0f} px"


@pytest.mark.parametrize("view", VIEWS)
def test_markdown_text_is_at_least_16px(browser, served: str, view: str) -> None:
    """Body text inside Panel's markdown panes (paragraphs and list items) is computed at 16 px or more."""
    context, page = _open(browser, served, 1366, view)
    try:
        sizes = page.evaluate("""__fuDeep('.markdown, .bk-panel-models-markup-HTML')
            .filter((h) => h.shadowRoot && h.classList.contains('markdown'))
            .flatMap((h) => Array.from(h.shadowRoot.querySelectorAll('p, li')))
            .filter((el) => el.textContent.trim() && el.getClientRects().length)
            .map((el) => [parseFloat(getComputedStyle(el).fontSize), el.textContent.trim().slice(0, 60)])""")
    finally:
        context.close()
    assert len(sizes) >= 3, f"only {len(sizes)} markdown paragraphs found"
    small = [(size, text) for size, text in sizes if size < 16]
    assert not small, f"markdown text under 16 px: {small[:5]}"


def test_slider_handles_are_named_by_their_question(browser, served: str) -> None:
    """Every slider handle of the consultation has an accessible name: its slider's question."""
    context, page = _open(browser, served, 1366, "consultation")
    try:
        handles = page.evaluate("""__fuDeep('.noUi-handle[role="slider"]').map((h) => {
            const root = h.getRootNode();
            const title = root.querySelector('.bk-slider-title');
            let question = '';
            if (title) for (const n of title.childNodes) if (n.nodeType === 3) question += n.textContent;
            let name = h.getAttribute('aria-label') || '';
            const by = h.getAttribute('aria-labelledby');
            if (!name && by) name = by.split(/\\s+/).map((id) => (root.getElementById(id) || {}).textContent || '').join(' ');
            return {name: name.trim(), question: question.replace(/:\\s*$/, '').trim(), shown: h.getClientRects().length > 0};
        })""")
    finally:
        context.close()
    shown = [h for h in handles if h["shown"]]
    assert len(shown) >= 5, f"expected the five values sliders, found {len(shown)} slider handles on screen"
    unnamed = [h for h in handles if not h["name"]]
    assert not unnamed, f"{len(unnamed)} slider handles without an accessible name"
    wrong = [h for h in handles if h["question"] and h["name"] != h["question"]]
    assert not wrong, f"handles not named by their question: {wrong[:3]}"


def test_tabs_come_first_in_keyboard_order_and_work_with_keys(browser, served: str) -> None:
    """The first Tab press lands on the active tab (role tab, in a tablist); the arrow keys open the next view."""
    context, page = _open(browser, served, 1366, "consultation")
    try:
        page.keyboard.press("Tab")
        first = page.evaluate("""(() => { const el = __fuActive();
            return {role: el.getAttribute('role'), text: el.textContent.trim(), selected: el.getAttribute('aria-selected'),
                    list: el.parentElement && el.parentElement.getAttribute('role')}; })()""")
        assert first == {"role": "tab", "text": "Consultation", "selected": "true", "list": "tablist"}, first
        page.keyboard.press("ArrowRight")
        page.get_by_text("Committee review").first.wait_for(timeout=60_000)
        now = page.evaluate("(() => { const el = __fuActive(); return [el.textContent.trim(), el.getAttribute('aria-selected')]; })()")
        assert now == ["Committee", "true"], now
        page.keyboard.press("ArrowLeft")
        page.locator(READY).first.wait_for(state="visible", timeout=30_000)
        tabs = page.evaluate("__fuDeep('[role=tab]').map((t) => [t.textContent.trim(), t.getAttribute('aria-selected'), t.tabIndex])")
    finally:
        context.close()
    assert tabs[:3] == [["Consultation", "true", 0], ["Committee", "false", -1], ["Case input", "false", -1]], tabs


def test_icon_arrays_tell_remission_from_response_by_shape() -> None:
    """Remission (solid) and response without remission (striped) use different figures, not only colours."""
    svg = icon_array_svg(outcome_groups(0.3, 0.5), "t", uid="u")
    assert svg.count('href="#p-u"') == 30 + 50  # remission solid, no response outlined: the plain figure
    assert svg.count('href="#s-u"') == 20  # response without remission: the striped figure
    striped = svg[svg.index('<symbol id="s-u"'):]
    assert 'fill="#FFFFFF"' in striped[:striped.index("</symbol>")]
