"""What the rest of the package needs to know about the model, without PyMC: version, gate, option kinds.

The fit (:mod:`futility.model.fit`) writes these into every posterior file; the loader
(:mod:`futility.prognosis.posterior`) refuses a file whose version differs or that fails the gate.
"""
from __future__ import annotations

from futility.model.evidence import OPTION_KINDS

__all__ = ["GATE", "MODEL_VERSION", "OPTION_KINDS"]

#: The model version: bump when the parameterisation changes; a stored posterior of another version is
#: refused (docs/model.md).
MODEL_VERSION = "trd-latent-ordinal-7"
#: The convergence gate: a posterior failing any of these is refused at fit time and at load time
#: (max R-hat, min bulk ESS, divergences; docs/model.md, "Fit").
GATE = {"max_rhat": 1.01, "min_ess_bulk": 400.0, "divergences": 0}
