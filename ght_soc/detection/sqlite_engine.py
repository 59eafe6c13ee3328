"""Sigma rules compiled to SQL once, evaluated on each new batch of events in the embedded store.

A plain rule reads only the batch just written (`id` range); a correlation rule (event count, value count,
temporal) reads the events of its timespan its search matched, as copied when they came (sqlite_candidates). The
establishment is added to every correlation's group-by: a brute force counts per member establishment, never
across them.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sigma.backends.sqlite.sqlite import sqliteBackend
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError
from sigma.filters import SigmaFilter
from sigma.rule import SigmaRule

from ght_soc.detection.detections import (
    INDICATOR_FIELDS,
    SEVERITIES,
    Detection,
    MatchedEvent,
    detection_indicators,
    plain_detections,
)
from ght_soc.detection.pipeline import hub_pipeline
from ght_soc.detection.rules import RuleLoadError, RuleSet
from ght_soc.detection.sqlite_candidates import WINDOW_TABLE, Candidates
from ght_soc.domain import AlertSeverity
from ght_soc.events.sqlite_store import IdRange, SqliteEventStore, quoted

BATCH_TABLE = "(SELECT * FROM events WHERE id > :first_id AND id <= :last_id)"
# A correlation reads only the events its search matched before (its candidates, with their values), never the
# whole timespan: at 50,000 events/s a five-minute window is fifteen million rows.
ESTABLISHMENT = "establishment_id"
log = logging.getLogger(__name__)
_QUOTED_FIELD = re.compile(r"`([^`]+)`")
# Every search over the new batch has this shape: the one-pass evaluation joins their conditions.
_BATCH_SEARCH = f"SELECT * FROM {BATCH_TABLE} WHERE "


@dataclass(frozen=True)
class CompiledRule:
    rule_id: str
    title: str
    severity: AlertSeverity
    sql: str
    window: timedelta | None  # None: a plain rule over the new batch
    group_by: tuple[str, ...]
    fields: frozenset[str]
    candidates_sql: str | None = None  # a correlation's search over the new batch


def compile_rules(rule_set: RuleSet) -> tuple[list[CompiledRule], list[RuleLoadError]]:
    """SQL for every rule the backend accepts; the others are reported, as loading errors are."""
    compiled: list[CompiledRule] = []
    errors: list[RuleLoadError] = []
    for rule in rule_set.rules:
        try:
            if isinstance(rule, SigmaCorrelationRule):
                compiled.extend(_compile_correlation(rule))
            else:
                compiled.extend(_compile_plain(rule))
        except SigmaError as error:
            errors.append(RuleLoadError(_path(rule), 0, f"{rule.title} : non compilable en SQL : {error}"))
    return compiled, errors


class _QuotingBackend(sqliteBackend):
    """Every field name quoted: the detector reads them back from the SQL to create their columns."""

    field_quote_pattern = re.compile("^$")  # with the backend's negation: quote every non-empty name


def _backend(table: str) -> Any:
    # The backend's constructor is annotated with a dict, but takes a ProcessingPipeline (pySigma's own use).
    return _QuotingBackend(processing_pipeline=cast(Any, hub_pipeline(table)))


def _compile_plain(rule: SigmaRule) -> list[CompiledRule]:
    return [
        _compiled(rule, str(sql), window=None, group_by=())
        for sql in _backend(BATCH_TABLE).convert_rule(rule)
    ]


def _compile_correlation(rule: SigmaCorrelationRule) -> list[CompiledRule]:
    group_by = list(rule.group_by or [])
    if ESTABLISHMENT not in group_by:
        rule.group_by = [*group_by, ESTABLISHMENT]
    window = timedelta(seconds=rule.timespan.seconds)
    # Converted with the rules it names: the backend builds the correlation from their own queries.
    named = [reference.rule for reference in rule.rules or [] if isinstance(reference.rule, SigmaRule)]
    collection = SigmaCollection(list[SigmaRule | SigmaCorrelationRule | SigmaFilter]([*named, rule]))
    backend = _backend(WINDOW_TABLE)
    queries = backend.convert(collection)
    # The backend writes its searches "FROM logs" and only then substitutes the table.
    search = str(backend.convert_correlation_search(rule)).replace("FROM logs", f"FROM {BATCH_TABLE}")
    return [
        replace(
            _compiled(rule, str(sql), window=window, group_by=tuple(rule.group_by or ())),
            candidates_sql=search,
            fields=frozenset(_QUOTED_FIELD.findall(str(sql) + search)),
        )
        for sql in queries
    ]


def _compiled(
    rule: SigmaRule | SigmaCorrelationRule, sql: str, window: timedelta | None, group_by: tuple[str, ...]
) -> CompiledRule:
    level = rule.level.name.lower() if rule.level is not None else "medium"
    return CompiledRule(
        rule_id=str(rule.id or rule.name or rule.title),
        title=str(rule.title),
        severity=SEVERITIES.get(level, AlertSeverity.MEDIUM),
        sql=sql,
        window=window,
        group_by=group_by,
        fields=frozenset(_QUOTED_FIELD.findall(sql)),
    )


def _path(rule: SigmaRule | SigmaCorrelationRule) -> Path:
    return Path(str(rule.source.path)) if rule.source is not None and rule.source.path else Path("-")


class SqliteDetector:
    """Evaluates compiled rules against the embedded store, batch after batch."""

    def __init__(self, store: SqliteEventStore, rules: Sequence[CompiledRule]) -> None:
        self._store = store
        self._rules = list(rules)
        store.ensure_fields(sorted({f for rule in self._rules for f in rule.fields} - {ESTABLISHMENT}))
        self._candidates = Candidates(store)
        self.failures: dict[str, str] = {}  # rule id → the last error of a rule that could not run
        self._one_pass: _OnePass | None = None

    @property
    def rules(self) -> Sequence[CompiledRule]:
        return self._rules

    @property
    def store(self) -> SqliteEventStore:
        return self._store

    def store_and_detect(self, events: Iterable[Mapping[str, Any]]) -> tuple[int, list[Detection]]:
        written = self._store.append(events)
        return written.last_id - written.first_id, self.evaluate(written)

    def evaluate(self, written: IdRange) -> list[Detection]:
        """Every detection among the events of `written` (and, for correlations, their timespans)."""
        if written.last_id <= written.first_id:
            return []
        batch = {"first_id": written.first_id, "last_id": written.last_id}
        rules, columns = tuple(self._rules), self._store.field_columns
        if self._one_pass is None or (self._one_pass.rules, self._one_pass.columns) != (rules, columns):
            # The rules may have changed since construction (tests add some): their fields are copied too.
            self._candidates.ensure(f for rule in rules if rule.window is not None for f in rule.fields)
            self._one_pass = _OnePass(rules, columns, self._candidates.columns)
        try:
            matched = self._one_pass.run(self._store, batch)
        except sqlite3.Error:  # a faulty rule among them: each on its own, to know which one
            matched = {}
        found: list[Detection] = []
        transaction = self._store.begin()  # the correlations' bookkeeping: one commit per batch
        try:
            for index, rule in enumerate(self._rules):
                try:
                    if rule.window is None:
                        rows = matched[index] if index in matched else self._store.query(rule.sql, batch)
                        found.extend(_plain_detections(rule, rows))
                    else:
                        found.extend(self._correlate(rule, written, matched.get(index)))
                except sqlite3.Error as error:  # one faulty rule must not blind the others
                    self.failures[rule.rule_id] = str(error)
                    log.error("règle %s en échec : %s", rule.title, error)
        finally:
            if transaction:
                self._store.commit()
        return found

    def _correlate(
        self, rule: CompiledRule, written: IdRange, candidates: list[dict[str, Any]] | None
    ) -> list[Detection]:
        assert rule.window is not None and rule.candidates_sql is not None
        since = written.first_ts - rule.window // timedelta(microseconds=1)
        if candidates is None:
            batch = {"first_id": written.first_id, "last_id": written.last_id}
            self._candidates.add_found(rule.rule_id, rule.candidates_sql, batch)
        elif candidates:
            self._candidates.add_rows(rule.rule_id, candidates)
        self._candidates.forget_before(rule.rule_id, since)
        rows = self._store.query(rule.sql, {"rule_id": rule.rule_id, "since": since})
        return _correlation_detections(rule, rows, written)


class _OnePass:
    """The searches of every rule over the new batch (plain rules, correlations' candidates) as one scan.

    Thirty rules read thirty times the same rows; joined, the batch is read once and each row says which
    conditions it met. A rule whose SQL has another shape keeps its own query. Only the columns detections use
    are read (the id and time, the establishment, the indicators, what the correlations copy): not the JSON
    documents, a kilobyte per matched event.
    """

    def __init__(
        self, rules: Sequence[CompiledRule], columns: tuple[str, ...], copied: Sequence[str]
    ) -> None:
        self.rules = tuple(rules)
        self.columns = columns
        wanted = {"id", "ts", ESTABLISHMENT, *copied, *(name for name in INDICATOR_FIELDS if name in columns)}
        self._flags: dict[int, str] = {}  # rule index → the result column of its condition
        conditions: list[str] = []
        for index, rule in enumerate(self.rules):
            search = rule.sql if rule.window is None else rule.candidates_sql or ""
            if search.startswith(_BATCH_SEARCH):
                self._flags[index] = f"__rule_{len(conditions)}"
                conditions.append(search[len(_BATCH_SEARCH) :])
        flags = ", ".join(
            f"CASE WHEN ({condition}) THEN 1 ELSE 0 END AS __rule_{n}"
            for n, condition in enumerate(conditions)
        )
        self._sql = (
            f"SELECT {', '.join(map(quoted, sorted(wanted)))}, {flags} FROM events "
            "WHERE id > :first_id AND id <= :last_id "
            f"AND (({') OR ('.join(conditions)}))"
        )

    def run(self, store: SqliteEventStore, batch: dict[str, Any]) -> dict[int, list[dict[str, Any]]]:
        """Rule index → the rows of the batch its search matched (in the order of the store)."""
        matched: dict[int, list[dict[str, Any]]] = {index: [] for index in self._flags}
        if not self._flags:
            return matched
        flags = tuple(self._flags.items())
        for row in store.query(self._sql, batch):
            hits = [index for index, flag in flags if row.pop(flag)]
            for index in hits:
                matched[index].append(row)
        return matched


def _plain_detections(rule: CompiledRule, rows: list[dict[str, Any]]) -> list[Detection]:
    matches = (MatchedEvent(ref=str(row["id"]), at=_instant(row["ts"]), fields=row) for row in rows)
    return plain_detections(rule.rule_id, rule.title, rule.severity, matches)


def _correlation_detections(
    rule: CompiledRule, rows: list[dict[str, Any]], written: IdRange
) -> list[Detection]:
    detections = []
    for row in rows:
        count = int(row.get("event_count") or row.get("value_count") or row.get("rule_count") or 1)
        detections.append(
            Detection(
                rule_id=rule.rule_id,
                title=rule.title,
                severity=rule.severity,
                establishment_id=row.get(ESTABLISHMENT),
                group=tuple((name, str(row.get(name))) for name in rule.group_by if name != ESTABLISHMENT),
                correlated=True,
                count=count,
                indicators=detection_indicators([row]),
                event_ids=(),
                first_seen=_instant(written.first_ts),
                last_seen=_instant(written.last_ts),
            )
        )
    return detections


def _instant(micros: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)
