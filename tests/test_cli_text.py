"""The CLI's text view renders the typed contract and says the interval mass the analysis used."""
from __future__ import annotations

from futility.assessment import assess
from futility.case import demo_case_path, load_case
from futility.commands.assess import render_text
from futility.decision import Policy


def test_text_names_the_policy_interval_mass_and_its_figures():
    a = assess(load_case(demo_case_path()), policy=Policy(hdi_prob=0.5))
    out = a.to_json_model()
    text = render_text(out)
    assert "mean, 50% credible interval" in text and "94%" not in text
    best = max((p for p in out.prognosis if p.p_remission), key=lambda p: p.p_remission.mean)
    low, high = round(best.p_remission.hdi_low * 100), round(best.p_remission.hdi_high * 100)
    assert f"({low}-{high})" in next(line for line in text.splitlines() if line.strip().startswith(best.option + " "))


def test_text_default_mass_is_94_percent():
    text = render_text(assess(load_case(demo_case_path())).to_json_model())
    assert "Prognosis for the next option (mean, 94% credible interval)" in text


def test_text_shows_plans_over_time_and_the_horizon_futility_beside_the_next_trial():
    """The demo's text view has the plans section (usual care, comfort-focused care, the assumption) and the
    12-month usual-care futility on the same line as the next-trial statement."""
    import futility
    from futility.case import demo_case_path
    from futility.commands.assess import render_text

    a = futility.assess(futility.load_case(demo_case_path()))
    text = render_text(a.output)
    assert "Plans over time" in text and "usual_care" in text and "comfort_focus" in text
    line = next(l for l in text.splitlines() if l.startswith("Quantitative futility"))
    assert "within 12 months under usual care" in line
    assert "remission under comfort-focused care" in text and "deaths are not counted" in text
    mean = a.output.horizon.plans[0].outcomes[1].p_ever_remitted.mean
    assert f"{mean * 100:4.0f}%" in text
