"""Who acted, as events and timelines record it: the caller's token read in the role they acted in."""

from __future__ import annotations

from courtlink_shared.auth.principal import Principal
from courtlink_shared.events.common import Actor


def actor_of(principal: Principal, role: str) -> Actor:
    """The `Actor` for what `principal` did acting as `role` (a `Role` or its value; recorded as the plain value)."""
    return Actor(subject=principal.subject, organisation=principal.organisation, role=str(role))
