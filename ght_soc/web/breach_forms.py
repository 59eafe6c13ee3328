"""The breach register's forms and labels (each form carries its CSRF token).

Instants are typed on the establishment's wall clock (datetime-local inputs) and become aware datetimes
here; the service checks what they mean.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ght_soc.declarations.breaches import VALUE_FIELDS, BreachValues, CnilDecision, PersonsDecision, Problem
from ght_soc.declarations.facts import GdprRisk
from ght_soc.services.breach_register import Invalid

_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]  # the first is what a datetime-local input shows
INSTANTS = ("occurred_at", "aware_at", "contained_at", "cnil_notified_at", "persons_informed_at")
TEXTS = ("title", *(f.name for f in dataclasses.fields(BreachValues) if f.default == ""))

RISK_LABELS: dict[GdprRisk, LazyString] = {
    GdprRisk.UNLIKELY: _l("unlikely to result in a risk"),
    GdprRisk.RISK: _l("risk to the persons"),
    GdprRisk.HIGH: _l("high risk to the persons"),
}
CNIL_LABELS: dict[CnilDecision, LazyString] = {
    CnilDecision.PENDING: _l("decision pending"),
    CnilDecision.NOTIFIED: _l("notified to the CNIL"),
    CnilDecision.NOT_REQUIRED: _l("not notified (not required)"),
}
PERSONS_LABELS: dict[PersonsDecision, LazyString] = {
    PersonsDecision.PENDING: _l("decision pending"),
    PersonsDecision.INFORMED: _l("persons informed"),
    PersonsDecision.NOT_REQUIRED: _l("persons not informed (not required)"),
}
PROBLEM_MESSAGES: dict[Problem, LazyString] = {
    Problem.CNIL_REASONING: _l("Say why the breach is not notified to the CNIL."),
    Problem.CNIL_NOTIFICATION: _l("Give the date and the CNIL's reference of the notification."),
    Problem.LATE_REASONS: _l("Notified more than 72 hours after awareness: give the reasons for the delay."),
    Problem.PERSONS_REASONING: _l("Say why the persons concerned are not informed."),
    Problem.PERSONS_INFORMATION: _l("Give the date and the means by which the persons were informed."),
    Problem.REQUALIFIED: _l(
        "The incident was re-qualified without personal data: record your analysis (CNIL decision and reasoning)."
    ),
}
INVALID_MESSAGES: dict[Invalid, LazyString] = {
    Invalid.BLANK: _l("This field is required."),
    Invalid.NAIVE: _l("A date and time is expected."),
    Invalid.FUTURE: _l("This instant is in the future."),
    Invalid.AFTER_AWARENESS: _l("A breach cannot occur after it became known."),
    Invalid.NEGATIVE: _l("A count cannot be negative."),
    Invalid.NOT_AFFECTED: _l("This incident does not affect the establishment."),
}


def _choices(labels: dict[Any, LazyString]) -> list[SelectChoice]:
    return [SelectChoice(key.value, label) for key, label in labels.items()]


def _text(label: LazyString, limit: int = 20_000) -> TextAreaField:
    return TextAreaField(label, validators=[Optional(), Length(max=limit)])


def _instant(label: LazyString, required: bool = False) -> DateTimeLocalField:
    return DateTimeLocalField(label, format=_FORMATS, validators=[DataRequired() if required else Optional()])


def _count(label: LazyString) -> IntegerField:
    return IntegerField(label, validators=[Optional(), NumberRange(min=0)])


class BreachForm(FlaskForm):  # type: ignore[misc]
    """Every written field of an entry, named as the register's columns."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    circumstances = _text(_l("Nature and circumstances of the breach"))
    occurred_at = _instant(_l("Breach occurred at"))
    aware_at = _instant(_l("Became aware of it at"), required=True)
    contained_at = _instant(_l("Ended or contained at"))
    confidentiality = BooleanField(_l("Loss of confidentiality"))
    integrity = BooleanField(_l("Loss of integrity"))
    availability = BooleanField(_l("Loss of availability"))
    data_categories = _text(_l("Categories of data"))
    health_data = BooleanField(_l("Health data"))
    person_categories = _text(_l("Categories of persons"))
    persons_count = _count(_l("Approximate number of persons"))
    records_count = _count(_l("Approximate number of records"))
    consequences = _text(_l("Likely consequences"))
    measures = _text(_l("Measures taken or proposed"))
    risk = SelectField(_l("Risk to the persons (DPO's appraisal)"), choices=_choices(RISK_LABELS))
    risk_reasoning = _text(_l("Risk analysis"))
    cnil_decision = SelectField(_l("Notification to the CNIL (art. 33)"), choices=_choices(CNIL_LABELS))
    cnil_notified_at = _instant(_l("Notified at"))
    cnil_channel = StringField(_l("Channel"), validators=[Optional(), Length(max=200)])
    cnil_reference = StringField(_l("CNIL reference"), validators=[Optional(), Length(max=200)])
    cnil_reasoning = _text(_l("Why it is not notified"))
    late_reasons = _text(_l("Reasons for a notification after 72 hours"))
    persons_decision = SelectField(
        _l("Information of the persons concerned (art. 34)"), choices=_choices(PERSONS_LABELS)
    )
    persons_informed_at = _instant(_l("Informed at"))
    persons_channel = StringField(_l("How they were informed"), validators=[Optional(), Length(max=200)])
    persons_reasoning = _text(_l("Why they are not informed"))


class NewBreachForm(BreachForm):
    establishment = SelectField(_l("Controller (establishment)"), coerce=int)
    incident = StringField(_l("Incident reference (optional)"), validators=[Optional(), Length(max=30)])


def values_from(form: BreachForm, timezone: str) -> BreachValues:
    """The form's values; its instants on `timezone`'s wall clock."""
    zone = ZoneInfo(timezone)
    data: dict[str, Any] = {name: form[name].data for name in VALUE_FIELDS}
    for name in INSTANTS:
        moment: datetime | None = data[name]
        data[name] = None if moment is None else moment.replace(tzinfo=zone)
    for name, kind in (
        ("risk", GdprRisk),
        ("cnil_decision", CnilDecision),
        ("persons_decision", PersonsDecision),
    ):
        data[name] = kind(data[name])
    for name in TEXTS:
        data[name] = data[name] or ""  # an empty text field may read None
    return BreachValues(**data)


def form_data(values: BreachValues, timezone: str) -> dict[str, Any]:
    """What the form shows for `values`: instants on `timezone`'s wall clock, decisions by their value."""
    zone = ZoneInfo(timezone)
    data: dict[str, Any] = {name: getattr(values, name) for name in VALUE_FIELDS}
    for name in INSTANTS:
        moment: datetime | None = data[name]
        data[name] = None if moment is None else moment.astimezone(zone).replace(tzinfo=None)
    for name in ("risk", "cnil_decision", "persons_decision"):
        data[name] = data[name].value
    return data
