"""The declarations of one hub at run time: regimes loaded once per app, what the playbook engine needs, and the
scheduler's reminders job.

A regime file with an error stops `create_app` (RegimeError names the file, the line and the key): the hub
refuses to start rather than compute a wrong deadline. The declarations blueprint calls :func:`attach` when
it is registered; the scheduler and the playbook engine read the same context through
:func:`declaration_context`, without going through the web layer.
"""

from __future__ import annotations

import logging

from flask import Flask

from ght_soc.access import SYSTEM
from ght_soc.clock import now
from ght_soc.database import db
from ght_soc.declarations.observatory import latest_national_figures
from ght_soc.services.declaration_playbooks import playbook_opener
from ght_soc.services.declaration_reminders import send_due_reminders
from ght_soc.services.declarations import DeclarationContext, context_from_settings, load_configured_regimes
from ght_soc.settings import LoadedConfig

EXTENSION = "ght_soc.declarations"
log = logging.getLogger(__name__)


def attach(app: Flask) -> DeclarationContext:
    """Load the configured regimes into the app (raises RegimeError on any problem)."""
    config: LoadedConfig = app.extensions["ght_soc.config"]
    regimes = load_configured_regimes(config.settings.declarations, base=config.path.parent)
    context = context_from_settings(config.settings, regimes)
    latest_national_figures()  # the observatory file too: a broken one stops the start, not a page
    app.extensions[EXTENSION] = context
    return context


def declaration_context(app: Flask) -> DeclarationContext:
    """The app's declaration context, loaded on first use when the blueprint has not attached it."""
    found = app.extensions.get(EXTENSION)
    return found if isinstance(found, DeclarationContext) else attach(app)


def engine_extras(app: Flask) -> dict[str, object]:
    """What the playbook engine needs to open declaration drafts."""
    return {"open_declaration_draft": playbook_opener(declaration_context(app))}


def reminders_job(app: Flask) -> object:
    """The scheduler job: queue the declaration reminders due now (the outbox job sends them)."""
    context = declaration_context(app)
    with db.session_for(SYSTEM, app) as session:
        queued = send_due_reminders(session=session, context=context, now=now())
    if queued:
        log.info("declarations: %d reminder(s) queued", len(queued))
    return len(queued)
