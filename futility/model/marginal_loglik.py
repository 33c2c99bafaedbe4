"""One fused PyTensor Op for the registry's marginal log-likelihood, value and gradient in a single pass.

For a table ``L`` (rows: a trial cell and its outcome; columns: quadrature nodes of the latent
variable) and histories ``index`` (H, T) of row numbers (``-1`` pads a short history)::

    total = sum_h count_h * log sum_g exp(log_w_g + sum_t L[index_ht, g])
    d total / d L[r, g] = sum_{h, t: index_ht = r} count_h * softmax_h(g)

Written as ordinary PyTensor ops this is a gather, a reshape-sum and a logsumexp whose gradient is a
scatter-add; under nutpie's numba backend those ran at about 30 ns per element and dominated every
registry fit. Here one numba loop computes the value and the gradient together (the gradient reuses
the softmax weights of the value), so a sampler step costs one pass over the histories. Used offline
only, by :mod:`futility.model.fit`; the per-patient path never imports it.
"""
from __future__ import annotations

from typing import cast

import numba
import numpy as np
import pytensor.tensor as pt
from pytensor.gradient import DisconnectedType
from pytensor.graph.basic import Apply, Variable
from pytensor.graph.op import Op

try:  # recent PyTensor: also caches the compiled Op by its props
    from pytensor.link.numba.dispatch.basic import register_funcify_default_op_cache_key as _register_numba
except ImportError:  # older PyTensor: the plain dispatcher
    from pytensor.link.numba.dispatch import numba_funcify

    _register_numba = numba_funcify.register

__all__ = ["history_logsumexp", "HistoryLogSumExp"]


@numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract", "arcp", "afn", "nsz"})
def _value_and_grad(table, index, count, log_w):
    """The total and its gradient with respect to ``table`` (see the module docstring)."""
    n_hist, width = index.shape
    n_nodes = table.shape[1]
    grad = np.zeros(table.shape)
    acc = np.empty(n_nodes)
    total = 0.0
    for h in range(n_hist):
        for g in range(n_nodes):
            acc[g] = log_w[g]
        for t in range(width):
            row = index[h, t]
            if row >= 0:
                for g in range(n_nodes):
                    acc[g] += table[row, g]
        top = acc[0]
        for g in range(1, n_nodes):
            top = max(top, acc[g])
        norm = 0.0
        for g in range(n_nodes):
            acc[g] = np.exp(acc[g] - top)
            norm += acc[g]
        total += count[h] * (top + np.log(norm))
        scale = count[h] / norm
        for t in range(width):
            row = index[h, t]
            if row >= 0:
                for g in range(n_nodes):
                    grad[row, g] += scale * acc[g]
    return total, grad


class HistoryLogSumExp(Op):
    """``(total, d total / d table)`` from ``(table, index, count, log_w)``; see the module docstring.

    The gradient is a second output of the same node, so a graph that needs both (NUTS's log density
    and gradient) evaluates the loop once. Second derivatives are not provided (NUTS does not use them).
    """

    __props__ = ()

    def make_node(self, table, index, count, log_w):
        table = pt.as_tensor_variable(table, dtype="float64")
        index = pt.as_tensor_variable(index, dtype="int64")
        count = pt.as_tensor_variable(count, dtype="float64")
        log_w = pt.as_tensor_variable(log_w, dtype="float64")
        if (table.ndim, index.ndim, count.ndim, log_w.ndim) != (2, 2, 1, 1):
            raise TypeError("HistoryLogSumExp expects table (2-D), index (2-D), count (1-D), log_w (1-D)")
        return Apply(self, [table, index, count, log_w], [pt.dscalar(), pt.dmatrix()])

    def perform(self, node, inputs, output_storage):
        total, grad = _value_and_grad(*inputs)
        output_storage[0][0] = np.asarray(total)
        output_storage[1][0] = grad

    def infer_shape(self, fgraph, node, input_shapes):
        return [(), input_shapes[0]]

    def connection_pattern(self, node):
        return [[True, True], [False, False], [False, False], [False, False]]

    def grad(self, inputs, output_grads):
        g_total, g_grad = output_grads
        if not isinstance(g_grad.type, DisconnectedType):
            raise NotImplementedError("HistoryLogSumExp has no second derivative")
        d_table = self(*inputs)[1]
        return [g_total * d_table, DisconnectedType()(), DisconnectedType()(), DisconnectedType()()]


@_register_numba(HistoryLogSumExp)
def _numba_history_logsumexp(op, node=None, **kwargs):
    @numba.njit
    def history_logsumexp_numba(table, index, count, log_w):
        total, grad = _value_and_grad(table, index, count, log_w)
        return np.asarray(total), grad

    return history_logsumexp_numba


_OP = HistoryLogSumExp()


def history_logsumexp(table, index: np.ndarray, count: np.ndarray, log_w: np.ndarray):
    """``sum_h count_h * logsumexp_g(log_w_g + sum_t table[index_ht, g])`` as a PyTensor scalar."""
    # The op has two outputs (the total and its gradient table), so calling it gives a list of both.
    outputs = cast("list[Variable]", _OP(table, np.asarray(index, dtype=np.int64), np.asarray(count, dtype=float), np.asarray(log_w, dtype=float)))
    return outputs[0]
