"""The one error of the import: a record that cannot be read, naming the resource and the problem."""
from __future__ import annotations

from futility.errors import UserError

__all__ = ["RecordError"]


class RecordError(UserError, ValueError):
    """A record (file, resource or element) the import refuses; ``where`` is a FHIR path such as
    ``Bundle.entry[7].resource.dosage[0]``. The message is one line: ``where: problem``.
    """

    def __init__(self, where: str, problem: str):
        self.where = where
        self.problem = problem
        super().__init__(" ".join((f"{where}: {problem}" if where else problem).split()))
