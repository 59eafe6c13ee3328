"""French first, English available: the locale is the user's choice, remembered in their session and account."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, session
from flask_babel import Babel, format_datetime

SUPPORTED_LOCALES = ("fr", "en")
LOCALE_SESSION_KEY = "locale"

babel = Babel()


def select_locale() -> str:
    from ght_soc.web.security import current_principal

    chosen = session.get(LOCALE_SESSION_KEY) or current_principal().locale
    if chosen in SUPPORTED_LOCALES:
        return str(chosen)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def when(value: datetime | None, format: str = "short") -> str:
    """A timestamp in the display time zone (Europe/Paris by default), in the user's language."""
    return "—" if value is None else str(format_datetime(value, format))


def instant(value: str | datetime | None) -> datetime | None:
    """An ISO 8601 string (as events carry them) as an aware datetime; None when unreadable."""
    if value is None or isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["instant"] = instant
