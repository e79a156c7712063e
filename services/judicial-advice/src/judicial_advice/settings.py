"""Settings of the judicial-advice service (environment variables; see the README's configuration table)."""

from __future__ import annotations

from typing import Annotated, Any, Self

from courtlink_shared.inputs import CourtCode
from courtlink_shared.settings import ServiceSettings
from pydantic import Field, StringConstraints, model_validator

from judicial_advice.rules import court_places_faults

# The place abbreviation is stored with each advice (advices.place, 8 characters).
Place = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=8)]


class Settings(ServiceSettings):
    """The platform settings with this service's own; a court without its place abbreviation stops the start."""

    service_name: str = "judicial-advice"
    database_url: str = "sqlite+aiosqlite:///./var/judicial-advice.db"
    court_places: dict[CourtCode, Place] = Field(
        description='Court codes to the place abbreviation of advice numbers, as JSON: {"吉7101": "长铁"}. Required: '
        "every court that drafts advice (and every court in COURT_NAMES) needs its own."
    )

    @model_validator(mode="before")
    @classmethod
    def _court_places_given(cls, data: Any) -> Any:
        # Say which variable is missing and why, rather than pydantic's bare "Field required".
        if isinstance(data, dict) and data.get("court_places") is None:
            raise ValueError(
                "COURT_PLACES is required: advice numbers are {place}法建〔{year}〕{n}号 and each court needs its own "
                'place abbreviation, e.g. COURT_PLACES=\'{"吉7101": "长铁"}\''
            )
        return data

    @model_validator(mode="after")
    def _every_court_has_its_own_place(self) -> Self:
        faults = court_places_faults(self.court_places, self.court_names)
        if faults:
            raise ValueError("; ".join(faults))
        return self
