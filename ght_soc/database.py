"""The database extension: one engine per app, one scoped session per unit of work.

Views get `db.session` (created on first use in a request, with the current principal's scope, closed at
the end of the request); the CLI and jobs open `db.session_for(principal)` themselves and commit once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, current_app, g, request
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from ght_soc import scoping
from ght_soc.access import Principal, Scope

# Connections of read-only units of work carry this execution option (SQLite: a deferred BEGIN).
READ_ONLY = "ght_soc_read_only"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITES_ON_GET = "ght_soc_writes_on_get"
F = TypeVar("F", bound=Callable[..., Any])


def writes_on_get(view: F) -> F:
    """Mark a GET view that writes (a download recorded in the chain of custody): its request's unit of work
    takes the SQLite write lock at BEGIN, as a POST's does. Put it under the route and permission decorators."""
    setattr(view, WRITES_ON_GET, True)
    return view


class HubSession(Session):
    """The session class every unit of work uses; the scoping hook is attached to it."""


scoping.install(HubSession)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the settings the hub relies on (foreign keys and WAL on SQLite)."""
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy emits BEGIN itself instead
    # (the recipe of SQLAlchemy's SQLite dialect documentation).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable in WAL mode up to the last checkpointed commit
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # IMMEDIATE: a unit of work takes the write lock when it starts, so two writers queue (busy_timeout)
    # instead of one failing with "database is locked" when its read transaction tries to become a write.
    # WAL readers are not blocked by it. Read-only units (pages read with GET, loading the logged-in user)
    # begin deferred: holding the one write lock for a whole page made every request queue behind the others
    # and behind the listener's alerts (bench/web_load: 2 requests/s and "database is locked" at 20 clients).
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """Created unbound at import; `init_app` attaches it to an app (its engine and factory live on the app)."""

    EXTENSION = "ght_soc.db"

    def __init__(self) -> None:
        self.scope_provider: Callable[[], Scope] = Scope.nothing

    def init_app(self, app: Flask, bind: Engine | Connection | None = None) -> None:
        """Bind to `app`; tests pass an open connection so that each test can be rolled back."""
        owned_engine = None
        if bind is None:
            owned_engine = bind = make_engine(app.config["DATABASE_URL"])
        # An open connection (tests) is shared as it is: its transaction has begun already.
        read_bind = bind.execution_options(**{READ_ONLY: True}) if isinstance(bind, Engine) else bind
        options: dict[str, Any] = {
            "class_": HubSession,
            "expire_on_commit": False,
            "join_transaction_mode": "create_savepoint",
        }
        app.extensions[self.EXTENSION] = _Binding(
            factory=sessionmaker(bind=bind, **options),
            read_factory=sessionmaker(bind=read_bind, **options),
            owned_engine=owned_engine,
        )
        app.teardown_appcontext(self._close_request_session)

    def _binding(self, app: Flask | None = None) -> _Binding:
        target = app if app is not None else current_app
        binding: _Binding = target.extensions[self.EXTENSION]
        return binding

    def engine(self, app: Flask) -> Engine:
        bind = self._binding(app).factory.kw["bind"]
        return bind if isinstance(bind, Engine) else bind.engine

    @property
    def session(self) -> HubSession:
        """The current request's session, scoped to the logged-in principal."""
        if "db_session" not in g:
            view = current_app.view_functions.get(request.endpoint or "")
            reads = request.method in SAFE_METHODS and not getattr(view, WRITES_ON_GET, False)
            binding = self._binding()
            session = (binding.read_factory if reads else binding.factory)()
            scoping.set_scope(session, self.scope_provider())
            g.db_session = session
        session_: HubSession = g.db_session
        return session_

    @contextmanager
    def session_for(
        self, principal: Principal, app: Flask | None = None, *, read_only: bool = False
    ) -> Iterator[HubSession]:
        """A unit of work outside a request (CLI, job): commits on success, rolls back on error.

        `read_only`: it only reads, so on SQLite it does not take the write lock (its writes would risk
        "database is locked" when another writer commits first)."""
        binding = self._binding(app)
        with (binding.read_factory if read_only else binding.factory)() as session:
            scoping.set_scope(session, principal.scope)
            # Not `session.begin()`: the playbook engine commits its write-ahead journal mid-unit.
            try:
                yield session
            except BaseException:
                session.rollback()
                raise
            session.commit()

    def _close_request_session(self, _exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    def dispose(self, app: Flask) -> None:
        """Close the engine's connections (commands call it before they exit)."""
        engine = self._binding(app).owned_engine
        if engine is not None:
            engine.dispose()


@dataclass(frozen=True)
class _Binding:
    factory: sessionmaker[HubSession]
    read_factory: sessionmaker[HubSession]  # deferred BEGIN on SQLite: pages being read, the user loader
    owned_engine: Engine | None  # None when the caller passed its own engine or connection


db = Database()
