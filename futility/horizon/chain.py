"""The state-transition model of one plan, run for every posterior draw at once (numpy, 4-week cycles).

States (docs/horizon.md has the diagram): *on course j* of the plan (a tunnel of the course's cycles),
*response* without remission after course j, *remission* after course j (early: its first 7 cycles, about
6 months; late: afterwards), *comfort-focused care* (depressed), *remission under comfort-focused care*
(early, late). Relapse is a transition, not a stay: from remission or response after course j the person
starts course j + 1; after the plan's last course, and for relapses under comfort-focused care, the next
state is comfort-focused care. Deaths, when a mortality is given, act on every state alike, so they are
applied as a survival factor on the results (exact for a state-independent hazard).

Within a cycle boundary the order is: relapses from the masses of the cycle before, then remissions that
have lasted 7 cycles move from early to late, then courses that end now give their outcome (remission,
response without remission, neither: the next course starts at once), then remissions under comfort care.

Three copies of the chain run side by side (a leading axis of 3): the full model (``A``); the same with
remission absorbing (``B``: its remission inflow is the first remission, so its sum is the chance of having
remitted at least once); the same with the late remission state absorbing (``C``: its inflow to late
remission is the chance of having been in remission for 6 months at least once).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CourseStep", "PlanRun", "SUSTAINED_CYCLES", "run_plans"]

#: Cycles a remission must last to count as "well for at least 6 months": 7 x 4 weeks = 28 weeks >= 26.1.
SUSTAINED_CYCLES = 7


@dataclass(frozen=True)
class CourseStep:
    """One course of a plan as the chain needs it: per-draw outcome chances and per-cycle relapse hazards."""

    kind: str
    cycles: int
    p_remission: np.ndarray  # (S,), given the plan's earlier courses did not remit
    p_response: np.ndarray  # (S,), response or better
    p_burden: np.ndarray  # (S,), significant side-effect burden during the course
    relapse_early: float  # per cycle, first SUSTAINED_CYCLES cycles of a remission
    relapse_late: float  # per cycle, afterwards
    relapse_response: float  # per cycle, response without remission


@dataclass(frozen=True)
class PlanRun:
    """Per-draw results of one plan by cycle: occupancies during cycle t (t = 0..T-1) and cumulative chances
    at the end of cycle t, each (T, S) float64.
    """

    remission: np.ndarray  # in remission (after a course or under comfort care)
    response: np.ndarray  # response without remission
    on_course: np.ndarray  # on a course of the plan (depressed until its outcome)
    on_burden: np.ndarray  # on a course with significant side-effect burden (expected share)
    comfort: np.ndarray  # under comfort-focused care, not in remission
    ever_remitted: np.ndarray  # remitted at least once by the end of cycle t
    well_6m: np.ndarray  # in remission for SUSTAINED_CYCLES cycles at least once by the end of cycle t
    relapses: np.ndarray  # expected relapses by the end of cycle t


def run_plans(plans: list[list[CourseStep]], comfort_remission: np.ndarray, comfort_relapse: float, cycles: int) -> list[PlanRun]:
    """Run every plan (its courses, then comfort-focused care) for ``cycles`` cycles, all draws at once.

    A plan with no courses is comfort-focused care from the first cycle. ``comfort_remission`` is the
    per-cycle remission chance under comfort-focused care per draw (S,), ``comfort_relapse`` its per-cycle
    relapse chance. The plans' courses are stacked along one axis, so a cycle costs the same few array
    operations whatever the number of plans.
    """
    n_draws = comfort_remission.shape[0]
    dtype = np.float32
    X = 3  # chains A (full), B (remission absorbing), C (late remission absorbing)
    P = len(plans)
    # every plan gets at least one position; a comfort-only plan's position is never entered
    blocks = [max(len(steps), 1) for steps in plans]
    first = np.concatenate([[0], np.cumsum(blocks)[:-1]]).astype(int)
    J = int(sum(blocks))
    shape = (X, J, n_draws)
    r = np.zeros((1, J, n_draws), dtype)
    q = np.zeros_like(r)
    b = np.zeros_like(r)
    h1 = np.zeros((X, J, 1), dtype)
    h2 = np.zeros_like(h1)
    hp = np.zeros_like(h1)
    lengths = np.ones(J, dtype=int)
    src, dst, last, last_plan = [], [], [], []
    for p, steps in enumerate(plans):
        for i, st in enumerate(steps):
            j = first[p] + i
            r[0, j], q[0, j], b[0, j] = st.p_remission, np.maximum(st.p_response, st.p_remission), st.p_burden
            h1[:, j, 0] = (st.relapse_early, 0.0, st.relapse_early)
            h2[:, j, 0] = (st.relapse_late, 0.0, 0.0)
            hp[:, j, 0] = st.relapse_response
            lengths[j] = st.cycles
            if i < len(steps) - 1:
                src.append(j)
                dst.append(j + 1)
        last.append(first[p] + blocks[p] - 1)
        last_plan.append(p)
    src_i, dst_i, last_i = np.array(src, dtype=int), np.array(dst, dtype=int), np.array(last, dtype=int)
    not_q = 1.0 - q
    resp_only = q - r
    keep1, keep2, keepp = 1.0 - h1, 1.0 - h2, 1.0 - hp
    survive_early = keep1 ** SUSTAINED_CYCLES  # surviving the early phase without relapse (per chain, course)
    m = comfort_remission.astype(dtype)[None, None, :]  # (1, 1, S)
    hk = np.array([comfort_relapse, 0.0, comfort_relapse], dtype)[:, None, None]  # (X, 1, 1): early
    hk2 = np.array([comfort_relapse, 0.0, 0.0], dtype)[:, None, None]  # late
    keep_k, keep_k2 = 1.0 - hk, 1.0 - hk2
    survive_k = keep_k ** SUSTAINED_CYCLES

    ring_e = int(lengths.max()) + 1
    entries = np.zeros((ring_e, X, J, n_draws), dtype)  # course entries, ring buffer by cycle
    ring_r = SUSTAINED_CYCLES + 1
    rin_hist = np.zeros((ring_r, X, J, n_draws), dtype)  # remission inflows, ring buffer
    krin_hist = np.zeros((ring_r, X, P, n_draws), dtype)
    early, late, resp, on = (np.zeros(shape, dtype) for _ in range(4))
    comfort, k_early, k_late = (np.zeros((X, P, n_draws), dtype) for _ in range(3))
    for p, steps in enumerate(plans):
        if steps:
            entries[0, :, first[p]] = 1.0
            on[:, first[p]] = 1.0
        else:
            comfort[:, p] = 1.0
    by_length = [(L, np.flatnonzero(lengths == L)) for L in sorted(set(lengths.tolist()))]

    # per-position histories of chain A (occupancies) and per-position cumulative flows, reduced by plan at the end
    remission_h = np.zeros((cycles, J, n_draws), dtype)
    resp_h = np.zeros_like(remission_h)
    on_h = np.zeros_like(remission_h)
    k_h = np.zeros((cycles, 2, P, n_draws), dtype)  # comfort-focused care: depressed, in remission
    cum = np.zeros((3, J, n_draws), dtype)  # first remissions (B), 6-month remissions (C), relapses (A)
    k_cum = np.zeros((3, P, n_draws), dtype)
    cum_h = np.zeros((cycles, 3, J, n_draws), dtype)
    k_cum_h = np.zeros((cycles, 3, P, n_draws), dtype)
    ends = np.zeros(shape, dtype)
    for t in range(cycles):
        if t > 0:
            rel = h1 * early + h2 * late + hp * resp  # relapses at the boundary, from the masses of cycle t - 1
            early *= keep1
            late *= keep2
            resp *= keepp
            k_rel = hk * k_early + hk2 * k_late
            k_early *= keep_k
            k_late *= keep_k2
            if t >= SUSTAINED_CYCLES:  # remissions of SUSTAINED_CYCLES cycles move to late (chain C: and stay)
                grad = rin_hist[(t - SUSTAINED_CYCLES) % ring_r] * survive_early
                early -= grad
                late += grad
                cum[1] += grad[2]
                k_grad = krin_hist[(t - SUSTAINED_CYCLES) % ring_r] * survive_k
                k_early -= k_grad
                k_late += k_grad
                k_cum[1] += k_grad[2]
            for L, idx in by_length:  # courses that end now
                ends[:, idx] = entries[(t - L) % ring_e][:, idx] if t >= L else 0.0
            rin = r * ends
            early += rin
            resp += resp_only * ends
            on -= ends
            moving = not_q * ends + rel  # to the next course, or after a plan's last course to comfort care
            slot = entries[t % ring_e]
            slot[:] = 0.0
            if src_i.size:
                slot[:, dst_i] = moving[:, src_i]
                on[:, dst_i] += moving[:, src_i]
            k_rin = m * comfort  # remissions under comfort care, from the mass of cycle t - 1
            comfort -= k_rin
            comfort += moving[:, last_i] + k_rel
            k_early += k_rin
            rin_hist[t % ring_r] = rin
            krin_hist[t % ring_r] = k_rin
            cum[0] += rin[1]
            cum[2] += rel[0]
            k_cum[0] += k_rin[1]
            k_cum[2] += k_rel[0]
        remission_h[t] = early[0] + late[0]
        resp_h[t] = resp[0]
        on_h[t] = on[0]
        k_h[t, 0] = comfort[0]
        k_h[t, 1] = k_early[0] + k_late[0]
        cum_h[t] = cum
        k_cum_h[t] = k_cum

    member = np.zeros((P, J), dtype)  # member[p, j] = 1 when position j belongs to plan p
    for p in range(P):
        member[p, first[p]: first[p] + blocks[p]] = 1.0

    def by_plan(hist: np.ndarray) -> np.ndarray:  # (T, J, S) -> (T, P, S): sum over each plan's positions
        return np.matmul(member, hist).astype(np.float64)

    remission = by_plan(remission_h) + k_h[:, 1]
    response, on_course = by_plan(resp_h), by_plan(on_h)
    on_burden = by_plan(on_h * b[0])
    firsts = by_plan(cum_h[:, 0]) + k_cum_h[:, 0]
    wells = by_plan(cum_h[:, 1]) + k_cum_h[:, 1]
    rels = by_plan(cum_h[:, 2]) + k_cum_h[:, 2]
    return [
        PlanRun(remission=remission[:, p], response=response[:, p], on_course=on_course[:, p], on_burden=on_burden[:, p],
                comfort=k_h[:, 0, p].astype(np.float64), ever_remitted=firsts[:, p], well_6m=wells[:, p], relapses=rels[:, p])
        for p in range(P)
    ]
