"""The decision policy (visible, adjustable thresholds) and the facts the safety gates look at.

Nothing here is a clinical fact about the patient's prognosis: these are the rules a clinic or an ethics
committee chooses, shown in every output so that a reader can see, and change, where a line was drawn.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Mapping

from futility.clinical.screening import by_severity

#: Name of the option that stands for palliative-focused care (a row of its own, never "no care").
PALLIATIVE = "palliative_focus"

#: Schneiderman, Jecker & Jonsen, Ann Intern Med 1990;112:949-954: "useless in the last 100 cases".
SCHNEIDERMAN_THRESHOLD = 0.01
#: The seed's worked example: remission chance with the next trial about 6% (not a published threshold).
SEED_EXAMPLE_REMISSION = 0.06


@dataclass(frozen=True)
class Policy:
    """Thresholds for the futility statements; every field appears in the output.

    ``futility_threshold``: remission probability below which the next option counts as futile. The default
    is Schneiderman's 1 in 100 (Ann Intern Med 1990), the only published figure; a clinic may choose a
    looser line (the seed's example sits at 6 in 100) but must then say so. ``futility_certainty``: the
    posterior probability needed that the remission chance is below that line. ``qualitative_certainty``:
    the posterior probability needed that no active option beats palliative-focused care. Neither
    certainty level is published; 0.95 is a conventional high bar. ``next_option``: which option the
    quantitative statement is about: ``"most_promising"`` (the active option with the highest posterior
    mean remission: if even that one is futile, the others are too), ``"all_active"`` (the probability
    that every active option is below the line at once) or an option name. ``tornado_span``: how far each
    utility is moved down and up in the one-way analysis. ``guideline_options``: option kinds that must
    be tried or contraindicated before any futility statement (None: the bundled guideline list).
    ``require_patient_values``: hold back the qualitative statement while the palliative-focus utility
    is a default rather than the patient's own.
    """

    futility_threshold: float = SCHNEIDERMAN_THRESHOLD
    futility_certainty: float = 0.95
    qualitative_certainty: float = 0.95
    hdi_prob: float = 0.94
    next_option: str = "most_promising"
    tornado_span: float = 0.1
    guideline_options: tuple[str, ...] | None = None
    require_patient_values: bool = True

    def __post_init__(self) -> None:
        for name in ("futility_threshold", "futility_certainty", "qualitative_certainty", "hdi_prob"):
            value = getattr(self, name)
            if not 0.0 < value < 1.0:
                raise ValueError(f"Policy.{name}: must be between 0 and 1 (exclusive), got {value!r}")
        if not 0.0 <= self.tornado_span <= 1.0:
            raise ValueError(f"Policy.tornado_span: must be between 0 and 1, got {self.tornado_span!r}")
        if self.guideline_options is not None and not isinstance(self.guideline_options, tuple):
            object.__setattr__(self, "guideline_options", tuple(self.guideline_options))

    def required_options(self) -> tuple[str, ...]:
        """Option kinds the untried-options gate asks about."""
        if self.guideline_options is not None:
            return self.guideline_options
        return tuple(row["option"] for row in guideline_table() if row["gate"] == "yes")

    def to_dict(self) -> dict[str, Any]:
        return {
            "futility_threshold": self.futility_threshold,
            "futility_certainty": self.futility_certainty,
            "qualitative_certainty": self.qualitative_certainty,
            "hdi_prob": self.hdi_prob,
            "next_option": self.next_option,
            "tornado_span": self.tornado_span,
            "guideline_options": list(self.required_options()),
            "require_patient_values": self.require_patient_values,
            "references": {
                "schneiderman_1990": SCHNEIDERMAN_THRESHOLD,
                "seed_example": SEED_EXAMPLE_REMISSION,
            },
        }


@dataclass(frozen=True)
class GateContext:
    """What the rules found about the case, as far as the safety gates need it.

    ``tried_options`` and ``contraindicated`` hold option kinds (the ``drug_class`` of the agent table,
    e.g. ``ssri``, ``lithium_augmentation``, ``ect``).
    """

    screening_complete: bool
    screening_flags: tuple[str, ...] = ()
    meets_trd: bool = False
    tried_options: frozenset[str] = field(default_factory=frozenset)
    contraindicated: frozenset[str] = field(default_factory=frozenset)
    #: Options open but needing care first (option kind -> reason), e.g. esketamine with uncontrolled hypertension.
    cautions: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "screening_flags", tuple(self.screening_flags))
        object.__setattr__(self, "tried_options", frozenset(self.tried_options))
        object.__setattr__(self, "contraindicated", frozenset(self.contraindicated))

    @classmethod
    def from_rules(cls, screening: Any, trd: Any, trials: Any, contraindications: Any) -> "GateContext":
        """Build from the rule outputs (``ScreeningStatus``, ``TRDStatus``, ``TrialAssessment`` list and
        ``Contraindication`` list). An option kind counts as tried when at least one trial of it was
        adequate (dose, duration, adherence). Only contraindications of severity ``contraindicated``
        exclude an option; a ``caution`` leaves it open.
        """
        return cls(
            screening_complete=bool(screening.complete),
            screening_flags=tuple(screening.flags),
            meets_trd=bool(trd.meets_criteria),
            tried_options=frozenset(t.drug_class for t in trials if t.adequate and t.drug_class),
            contraindicated=frozenset(by_severity(contraindications, "contraindicated")),
            cautions={o: "; ".join(r) for o, r in by_severity(contraindications, "caution").items()},
        )


@lru_cache(maxsize=1)
def guideline_table() -> tuple[dict[str, str], ...]:
    """Rows of ``futility/data/guideline_options.csv`` (option, gate, plain_label, source)."""
    path = resources.files("futility") / "data" / "guideline_options.csv"
    with path.open(encoding="utf-8") as fh:
        return tuple(dict(row) for row in csv.DictReader(fh))


def plain_label(option: str) -> str:
    """Everyday words for an option kind (falls back to the name with spaces)."""
    for row in guideline_table():
        if row["option"] == option:
            return row["plain_label"]
    return option.replace("_", " ")


def short_label(option: str) -> str:
    """The plain label without its explanation in brackets: 'ECT (brief ...)' -> 'ECT'."""
    return plain_label(option).split(" (")[0]


@lru_cache(maxsize=1)
def _experience_table() -> dict[str, tuple[str, str]]:
    path = resources.files("futility") / "data" / "option_experience.csv"
    with path.open(encoding="utf-8") as fh:
        return {row["option"]: (row["experience"], row["source"]) for row in csv.DictReader(fh)}


def option_experience(option: str) -> tuple[str, str] | None:
    """What going through an option is like, in plain words, and its source (IPDAS qualifying item 6).

    From ``futility/data/option_experience.csv``; None for an option without a described experience.
    """
    return _experience_table().get(option)
