"""Who acted, as events and timelines record it: the caller's token read in the role they acted in."""

from __future__ import annotations

from courtlink_shared.auth.principal import Principal
from courtlink_shared.events.common import Actor


def actor_of(principal: Principal, role: str) -> Actor:
    """The `Actor` for what `principal` did acting as `role` (a `Role` or its value; recorded as the plain value)."""
    return Actor(subject=principal.subject, organisation=principal.organisation, role=str(role))


def actor_in(principal: Principal, *roles: str) -> Actor:
    """The `Actor` for `principal` acting in the first of `roles` it holds, for an endpoint open to several roles
    (its role check guarantees one); e.g. a judicial-confirmation application by a mediator or a bank operator."""
    held = next((role for role in roles if role in principal.roles), roles[0])
    return actor_of(principal, held)
