"""Accessibility fixes Panel and Bokeh do not make themselves, applied in the browser.

Bokeh's slider handles (``role="slider"``) carry no accessible name, and its tab headers are plain
``div``s that a keyboard cannot reach. :data:`A11Y_JS`, run once per page (:func:`install`), fixes both
wherever they appear, now or later (a view opened later, a widget re-rendered), by watching every
shadow root Bokeh creates:

- every slider handle gets ``aria-label`` = its slider's own label (the question it asks), e.g.
  "How good would feeling well again be for you?"; a label is the name, so a slider needs nothing more
  than a clear ``name``/``label`` in Python;
- every tab header row becomes a ``tablist`` of ``tab``s (``aria-selected``), the active tab is in the
  keyboard order (roving ``tabindex``), Enter or Space opens a tab and the arrow keys move between tabs;
  Bokeh puts the tab headers after the panels in the page (a CSS grid shows them on top), so the script
  moves them first: the tab list comes before the content in the keyboard order;
- the chosen items of a multiple choice (Choices.js) lose the ``aria-selected`` they may not carry;
- the component with the css class ``fu-main`` (the app's tabs) is the page's ``main`` landmark.

:func:`name_slider_handles` gives a slider an accessible name other than its label (e.g. a slider whose
label is hidden); the name travels as a CSS class (``fu-aria-…``), which the script reads.
"""
from __future__ import annotations

import re
from typing import Any

#: Prefix of the CSS class that carries an explicit accessible name for a slider (see :func:`name_slider_handles`).
NAME_CLASS = "fu-aria-"

A11Y_JS = r"""
(function () {
  if (window.__fuA11y) { window.__fuA11y.sweep(document); return; }
  const watched = new WeakSet();
  function explicitName(root) {
    const host = root.host;
    if (!host || !host.classList) return "";
    for (const c of host.classList) {
      if (c.startsWith("fu-aria-")) {
        try { return decodeURIComponent(c.slice(8).replace(/_/g, "%")); } catch (e) { return ""; }
      }
    }
    return "";
  }
  function nameSliders(root) {
    const handles = root.querySelectorAll('.noUi-handle[role="slider"]');
    if (!handles.length) return;
    let name = explicitName(root);
    if (!name) {
      const title = root.querySelector(".bk-slider-title");
      if (title) {
        for (const n of title.childNodes) { if (n.nodeType === 3) name += n.textContent; }
        name = name.replace(/:\s*$/, "").trim();
      }
    }
    if (!name) return;
    handles.forEach(function (h) { if (h.getAttribute("aria-label") !== name) h.setAttribute("aria-label", name); });
  }
  function activate(tab) {
    tab.dispatchEvent(new MouseEvent("click", {bubbles: true, cancelable: true, composed: true}));
  }
  function roleTabs(root) {
    const header = root.querySelector(".bk-header");
    if (!header) return;
    const tabs = Array.from(header.querySelectorAll(".bk-tab"));
    if (!tabs.length) return;
    const list = tabs[0].parentElement;
    if (list.getAttribute("role") !== "tablist") list.setAttribute("role", "tablist");
    // Bokeh appends the header after the tab panels (a CSS grid shows it on top): move it first, so that the
    // keyboard reaches the tabs before the content. The grid keeps it where it is on screen.
    const first = Array.from(header.parentNode.children).find(function (c) { return c.tagName === "DIV"; });
    if (first && first !== header) header.parentNode.insertBefore(header, first);
    tabs.forEach(function (tab, i) {
      const active = tab.classList.contains("bk-active");
      if (tab.getAttribute("role") !== "tab") tab.setAttribute("role", "tab");
      if (tab.getAttribute("aria-selected") !== String(active)) tab.setAttribute("aria-selected", String(active));
      if (tab.getAttribute("tabindex") !== (active ? "0" : "-1")) tab.setAttribute("tabindex", active ? "0" : "-1");
      if (tab.__fuKeys) return;
      tab.__fuKeys = true;
      tab.addEventListener("keydown", function (e) {
        const all = Array.from(list.querySelectorAll(".bk-tab"));
        const k = all.indexOf(tab);
        let next = null;
        if (e.key === "ArrowRight" || e.key === "ArrowDown") next = all[(k + 1) % all.length];
        else if (e.key === "ArrowLeft" || e.key === "ArrowUp") next = all[(k - 1 + all.length) % all.length];
        else if (e.key === "Home") next = all[0];
        else if (e.key === "End") next = all[all.length - 1];
        else if (e.key === "Enter" || e.key === " ") { e.preventDefault(); activate(tab); return; }
        if (next) { e.preventDefault(); activate(next); next.focus(); }
      });
    });
  }
  function chosenItems(root) {
    // Choices.js (MultiChoice) marks the chosen items aria-selected without an option role: not valid ARIA.
    root.querySelectorAll(".choices__list--multiple .choices__item[aria-selected]").forEach(function (el) {
      el.removeAttribute("aria-selected");
    });
  }
  function landmark(root) {
    // the app's tabs (css class fu-main) hold every view: the page's main landmark
    const host = root.host;
    if (host && host.classList && host.classList.contains("fu-main") && host.getAttribute("role") !== "main") host.setAttribute("role", "main");
  }
  function fix(root) { nameSliders(root); roleTabs(root); chosenItems(root); landmark(root); }
  function watch(root) {
    if (watched.has(root)) return;
    watched.add(root);
    fix(root);
    new MutationObserver(function () { fix(root); }).observe(root, {subtree: true, childList: true, attributes: true, attributeFilter: ["class"]});
  }
  function sweep(node) {
    watch(node);
    node.querySelectorAll("*").forEach(function (el) { if (el.shadowRoot) sweep(el.shadowRoot); });
  }
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const root = attach.call(this, init);
    queueMicrotask(function () { watch(root); });
    return root;
  };
  window.__fuA11y = {sweep: sweep};
  sweep(document);
})();
"""


def install(doc: Any) -> None:
    """Run :data:`A11Y_JS` in the page of the Bokeh document ``doc`` once it is ready (no-op without a document)."""
    if doc is None:
        return
    from bokeh.models import CustomJS

    if getattr(doc, "_futility_a11y", False):
        return
    doc.js_on_event("document_ready", CustomJS(code=A11Y_JS))
    doc._futility_a11y = True


def name_class(name: str) -> str:
    """The CSS class carrying ``name`` as a slider's accessible name (letters, digits and ``-`` kept; the rest escaped)."""
    encoded = re.sub(r"[^A-Za-z0-9-]", lambda m: "".join(f"_{b:02X}" for b in m.group(0).encode("utf-8")), name)
    return NAME_CLASS + encoded


def name_slider_handles(slider: Any, name: str) -> Any:
    """Give ``slider``'s handle the accessible name ``name`` (instead of its visible label); returns the slider.

    Only needed when the label is not the question (hidden or shortened): by default every handle is
    named by its slider's label.
    """
    classes = [c for c in (slider.css_classes or []) if not c.startswith(NAME_CLASS)]
    slider.css_classes = [*classes, name_class(name)]
    return slider
