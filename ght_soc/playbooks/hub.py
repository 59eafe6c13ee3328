"""The playbooks of one hub: the published library and the engine, attached to the app by `init_app`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from ght_soc.playbooks.actions import HandlerRegistry
from ght_soc.playbooks.engine import ActionContext, Engine
from ght_soc.playbooks.handlers import builtin_handlers
from ght_soc.playbooks.library import PlaybookLibrary
from ght_soc.playbooks.loader import Problem
from ght_soc.resources import bundled_playbooks_dir
from ght_soc.settings import LoadedConfig

EXTENSION = "ght_soc.playbooks"


@dataclass
class PlaybookHub:
    library: PlaybookLibrary
    problems: list[Problem]
    handlers: HandlerRegistry[ActionContext]
    config: LoadedConfig

    def engine(self, app: Flask) -> Engine:
        """An engine for one unit of work; what handlers reach (event store, config) comes from the app."""
        from ght_soc.declarations_runtime import engine_extras as declaration_extras
        from ght_soc.events.factory import event_store

        settings = self.config.settings
        return Engine(
            handlers=self.handlers,
            enabled_member_actions=frozenset(settings.incidents.enabled_member_actions),
            extras={
                "config": self.config,
                "event_store": event_store(app),
                "webhook_endpoints": dict(settings.hub.webhooks.endpoints),
                **declaration_extras(app),
            },
        )


def init_app(app: Flask, config: LoadedConfig, directory: Path | None = None) -> PlaybookHub:
    """Load the published playbooks (invalid files are left out and listed in `problems`)."""
    library, problems = PlaybookLibrary.from_directory(directory or bundled_playbooks_dir())
    hub = PlaybookHub(library=library, problems=problems, handlers=builtin_handlers(), config=config)
    app.extensions[EXTENSION] = hub
    return hub


def playbook_hub(app: Flask) -> PlaybookHub:
    hub: PlaybookHub = app.extensions[EXTENSION]
    return hub
