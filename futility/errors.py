"""One exception hierarchy for everything a user can get wrong; the CLI turns these into exit status 2."""
from __future__ import annotations


class UserError(Exception):
    """Base class: an error caused by input or configuration, reported in one line without a traceback."""


class PosteriorError(UserError):
    """A stored posterior that cannot be used (missing, corrupt, wrong version, failed convergence gate)."""


class StoreError(UserError):
    """A case-store request that cannot be served (unknown id, invalid review, unreachable database)."""
