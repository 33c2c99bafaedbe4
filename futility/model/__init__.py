"""The offline model: evidence rows, cohort rates, the PyMC fit and leave-one-trial-out validation.

Only :mod:`futility.model.fit` and :mod:`futility.model.marginal_loglik` import PyMC (the ``model``
extra); :mod:`~futility.model.spec`, :mod:`~futility.model.evidence` and :mod:`~futility.model.cohorts`
are numpy-only and are read by the per-patient path. This package imports none of its modules itself.
"""
