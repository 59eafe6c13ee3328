"""Establishment scoping as one mechanism: every ORM statement of a session is restricted to its scope.

A session carries its :class:`~ght_soc.access.Scope` in `session.info`; a `do_orm_execute` hook adds
`with_loader_criteria` for every establishment-owned class (and for `Establishment` itself) to each SELECT,
UPDATE and DELETE, relationship loads included. A session without a scope refuses to query: forgetting to
scope fails loudly instead of showing every site's data.
"""

from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from ght_soc.access import Scope
from ght_soc.models import Establishment, EstablishmentOwned, Incident, IncidentEstablishment, IncidentOwned

SCOPE_KEY = "ght_soc.scope"


class UnscopedSessionError(RuntimeError):
    """A query ran in a session that was never given a scope."""


def set_scope(session: Session, scope: Scope) -> None:
    session.info[SCOPE_KEY] = scope


def scope_of(session: Session) -> Scope:
    try:
        scope: Scope = session.info[SCOPE_KEY]
    except KeyError:
        raise UnscopedSessionError(
            "this session has no establishment scope; use Database.session_for"
        ) from None
    return scope


def install(session_class: type[Session]) -> None:
    """Attach the scoping hook to a session class (done once by the database extension)."""
    event.listen(session_class, "do_orm_execute", _restrict_to_scope)


def _restrict_to_scope(state: ORMExecuteState) -> None:
    if state.is_column_load or state.is_relationship_load:
        return  # the criteria added to the parent statement propagate to these loads
    if not (state.is_select or state.is_update or state.is_delete):
        return
    scope = scope_of(state.session)
    if scope.establishment_ids is None:
        return
    allowed = tuple(sorted(scope.establishment_ids))
    state.statement = state.statement.options(
        with_loader_criteria(
            EstablishmentOwned,
            lambda cls: cls.establishment_id.in_(allowed),
            include_aliases=True,
        ),
        with_loader_criteria(Establishment, lambda cls: cls.id.in_(allowed), include_aliases=True),
        # An incident (and what hangs off it) is visible where one of its affected establishments is.
        with_loader_criteria(
            Incident,
            lambda cls: cls.id.in_(
                select(IncidentEstablishment.incident_id).where(
                    IncidentEstablishment.establishment_id.in_(allowed)
                )
            ),
            include_aliases=True,
        ),
        with_loader_criteria(
            IncidentOwned,
            lambda cls: cls.incident_id.in_(
                select(IncidentEstablishment.incident_id).where(
                    IncidentEstablishment.establishment_id.in_(allowed)
                )
            ),
            include_aliases=True,
        ),
    )
