"""Forms (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import AnyOf, DataRequired, Length

from ght_soc.domain import AlertStatus


class LoginForm(FlaskForm):  # type: ignore[misc]
    login = StringField(_l("Login"), validators=[DataRequired(), Length(max=120)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=512)])
    next = HiddenField()


class LanguageForm(FlaskForm):  # type: ignore[misc]
    # The templates render the <select>; the form only validates what comes back.
    locale = StringField(_l("Language"), validators=[AnyOf(["fr", "en"])])
    next = HiddenField()


class ActionForm(FlaskForm):  # type: ignore[misc]
    """A button that changes something: only the CSRF token is needed."""


class AlertStatusForm(FlaskForm):  # type: ignore[misc]
    status = StringField(_l("Status"), validators=[AnyOf([s.value for s in AlertStatus])])


class TokenForm(FlaskForm):  # type: ignore[misc]
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=100)])
