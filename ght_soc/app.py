"""The application factory: `create_app(config)` builds the whole hub; importing modules does nothing."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Connection, Engine

from ght_soc import i18n
from ght_soc.api import api_blueprint
from ght_soc.database import db
from ght_soc.playbooks import hub as playbooks
from ght_soc.resources import bundled_config_path
from ght_soc.settings import ENV_CONFIG_PATH, LoadedConfig, load_config
from ght_soc.web.pages import register_web
from ght_soc.web.security import csrf, init_security


def default_config_path() -> Path:
    """The file named by GHT_SOC_CONFIG, else the bundled demo GHT."""
    return Path(os.environ.get(ENV_CONFIG_PATH) or bundled_config_path("ght.example.yaml"))


def create_app(
    config: LoadedConfig | None = None,
    *,
    overrides: dict[str, Any] | None = None,
    db_bind: Engine | Connection | None = None,
) -> Flask:
    """Build the hub from a loaded configuration (read from the environment's file when not given).

    `overrides` sets Flask config keys (tests); `db_bind` binds the database to an engine or an open
    connection instead of the configured URL (tests roll each one back).
    """
    config = config or load_config(default_config_path())
    hub = config.settings.hub
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=config.secrets.secret_key,
        DATABASE_URL=config.database_url,
        SESSION_COOKIE_SECURE=hub.secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",  # Strict would drop the session when the on-call opens a mailed link
        SESSION_COOKIE_NAME="ght_soc_session",
        REMEMBER_COOKIE_SECURE=hub.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=hub.session_lifetime_minutes),
        WTF_CSRF_TIME_LIMIT=hub.session_lifetime_minutes * 60,
        BABEL_DEFAULT_LOCALE=hub.default_locale,
        BABEL_DEFAULT_TIMEZONE=hub.display_timezone,
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        EVIDENCE_MAX_BYTES=config.settings.incidents.evidence_max_mb * 1024 * 1024,
        JSON_SORT_KEYS=False,
    )
    app.config.update(overrides or {})
    app.extensions["ght_soc.config"] = config

    db.init_app(app, bind=db_bind)
    i18n.init_app(app)
    init_security(app)
    playbooks.init_app(app, config)
    register_web(app)
    app.register_blueprint(api_blueprint)
    csrf.exempt(api_blueprint)  # the API writes only with bearer tokens, never with the session cookie
    return app


def hub_config(app: Flask) -> LoadedConfig:
    config: LoadedConfig = app.extensions["ght_soc.config"]
    return config
