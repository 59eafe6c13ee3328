"""The /api/v1 operations; the rows they read are already restricted to the caller's scope."""

from __future__ import annotations

from flask import Response, current_app, jsonify

from ght_soc.access import Permission
from ght_soc.api.errors import ApiError
from ght_soc.api.openapi import openapi_document
from ght_soc.api.registry import operation
from ght_soc.api.schemas import (
    AlertIn,
    AlertList,
    AlertOut,
    AlertQuery,
    ConnectorStatusList,
    ConnectorStatusOut,
    EstablishmentList,
    EstablishmentOut,
    EventPageOut,
    EventSearch,
    GrantOut,
    MeOut,
)
from ght_soc.database import db
from ght_soc.events.factory import event_store
from ght_soc.events.store import EventStoreError
from ght_soc.services import alerts as alert_service
from ght_soc.services import establishments as establishment_service
from ght_soc.services import events as event_service
from ght_soc.services.connectors import list_statuses
from ght_soc.web.security import current_principal


@operation(
    "/openapi.json", "GET", summary="This OpenAPI document", response=None, permission=None, public=True
)
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API, built from the declared operations."""
    return jsonify(openapi_document())


@operation("/me", "GET", summary="Who is calling", response=MeOut)
def me() -> MeOut:
    principal = current_principal()
    return MeOut(
        display_name=principal.display_name,
        user_id=principal.user_id,
        token_id=principal.token_id,
        grants=[GrantOut(role=g.role, establishment_id=g.establishment_id) for g in principal.grants],
    )


@operation("/establishments", "GET", summary="Establishments in scope", response=EstablishmentList)
def list_establishments() -> EstablishmentList:
    rows = establishment_service.list_establishments(session=db.session)
    return EstablishmentList(items=[EstablishmentOut.model_validate(e) for e in rows])


@operation(
    "/establishments/<int:establishment_id>", "GET", summary="One establishment", response=EstablishmentOut
)
def get_establishment(establishment_id: int) -> EstablishmentOut:
    row = establishment_service.get_establishment(session=db.session, establishment_id=establishment_id)
    if row is None:
        raise ApiError(404, "not_found", "no such establishment")
    return EstablishmentOut.model_validate(row)


@operation("/alerts", "GET", summary="Alerts in scope, newest first", response=AlertList, query=AlertQuery)
def list_alerts(query: AlertQuery) -> AlertList:
    page = alert_service.list_alerts(
        session=db.session,
        establishment_id=query.establishment_id,
        statuses=frozenset({query.status}) if query.status else None,
        page=query.page,
        per_page=query.per_page,
    )
    return AlertList(
        items=[AlertOut.model_validate(a) for a in page.alerts],
        total=page.total,
        page=page.page,
        per_page=page.per_page,
    )


@operation("/alerts/<int:alert_id>", "GET", summary="One alert", response=AlertOut)
def get_alert(alert_id: int) -> AlertOut:
    row = alert_service.get_alert(session=db.session, alert_id=alert_id)
    if row is None:
        raise ApiError(404, "not_found", "no such alert")
    return AlertOut.model_validate(row)


@operation(
    "/alerts",
    "POST",
    summary="Send an alert (collector token)",
    response=AlertOut,
    body=AlertIn,
    permission=Permission.INGEST,
    status=201,
)
def create_alert(body: AlertIn) -> tuple[AlertOut, int]:
    """Stores the alert for the token's establishment; answers 200 with the stored alert when it was sent before."""
    principal = current_principal()
    establishment_id = next(g.establishment_id for g in principal.grants if g.establishment_id is not None)
    row, created = alert_service.ingest_alert(
        session=db.session,
        establishment_id=establishment_id,
        alert=alert_service.NewAlert(**body.model_dump()),
    )
    db.session.commit()
    return AlertOut.model_validate(row), 201 if created else 200


@operation(
    "/events", "GET", summary="Events in scope, newest first", response=EventPageOut, query=EventSearch
)
def list_events(query: EventSearch) -> EventPageOut:
    """Filters combine with AND; pages follow `next_cursor`. The unattributed bucket is for GHT-wide roles."""
    try:
        search = event_service.event_query(
            establishment_id=query.establishment_id,
            start=query.start,
            end=query.end,
            host=query.host,
            fields=event_service.parse_field_filters(query.field),
            text=query.q,
            unattributed=query.unattributed,
            page_size=query.page_size,
            after=query.after,
        )
        page = event_store(current_app).search(search, current_principal().scope)
    except EventStoreError as error:
        raise ApiError(422, "invalid_query", str(error)) from None
    return EventPageOut(items=[dict(e) for e in page.events], next_cursor=page.next_cursor)


@operation("/connectors", "GET", summary="Connector health in scope", response=ConnectorStatusList)
def list_connectors() -> ConnectorStatusList:
    """What each listener, directory and poller last reported; connector-wide rows for GHT-wide roles only."""
    rows = list_statuses(session=db.session)
    return ConnectorStatusList(items=[ConnectorStatusOut.model_validate(row) for row in rows])
