"""The governance catalogue of one hub at run time, loaded once per app.

The web pages and the scheduler's daily governance job read it through :func:`catalogue_of`, so the scheduler
never goes through the web layer. `GOVERNANCE_CATALOGUE_DIR` in the app config points at another catalogue
(tests); the bundled `config/governance/` is the default.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from ght_soc.governance.catalogue import Catalogue, cached_catalogue
from ght_soc.resources import bundled_config_path

EXTENSION = "ght_soc.governance.catalogue"
CATALOGUE_DIR_KEY = "GOVERNANCE_CATALOGUE_DIR"


def attach(app: Flask) -> Catalogue:
    directory = app.config.get(CATALOGUE_DIR_KEY) or bundled_config_path("governance")
    catalogue = cached_catalogue(Path(directory))
    app.extensions[EXTENSION] = catalogue
    return catalogue


def catalogue_of(app: Flask) -> Catalogue:
    """The app's catalogue, loaded on first use when the governance blueprint has not attached it."""
    found = app.extensions.get(EXTENSION)
    return found if isinstance(found, Catalogue) else attach(app)
