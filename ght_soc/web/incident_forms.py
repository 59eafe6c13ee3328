"""Forms of the incident pages (each carries its CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from ght_soc.domain import IncidentCategory, IncidentStatus, ObservableKind, Severity


class IncidentForm(FlaskForm):  # type: ignore[misc]
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    category = SelectField(_l("Category"), choices=[c.value for c in IncidentCategory])
    severity = SelectField(_l("Severity"), choices=[s.value for s in Severity], default=Severity.MEDIUM.value)
    establishments = SelectMultipleField(_l("Establishments affected"), coerce=int)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20_000)])


class FromAlertsForm(FlaskForm):  # type: ignore[misc]
    title = StringField(_l("Title"), validators=[Optional(), Length(max=300)])
    category = SelectField(_l("Category"), choices=[c.value for c in IncidentCategory], default="other")


class NoteForm(FlaskForm):  # type: ignore[misc]
    text = TextAreaField(_l("Main courante entry"), validators=[DataRequired(), Length(max=10_000)])


class IncidentStatusForm(FlaskForm):  # type: ignore[misc]
    status = StringField(_l("Status"), validators=[AnyOf([s.value for s in IncidentStatus])])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


class SeverityForm(FlaskForm):  # type: ignore[misc]
    severity = StringField(_l("Severity"), validators=[AnyOf([s.value for s in Severity])])


class TaskForm(FlaskForm):  # type: ignore[misc]
    title = StringField(_l("Task"), validators=[DataRequired(), Length(max=300)])


class ObservableForm(FlaskForm):  # type: ignore[misc]
    kind = SelectField(_l("Kind"), choices=[k.value for k in ObservableKind])
    value = StringField(_l("Value"), validators=[DataRequired(), Length(max=500)])


class EvidenceForm(FlaskForm):  # type: ignore[misc]
    description = StringField(_l("Description"), validators=[Optional(), Length(max=1000)])
