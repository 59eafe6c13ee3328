"""A live hub for the browser journeys: its own committed SQLite database, the demo GHT and its accounts, the real
listener, a real SMTP server, the demo directory synced once, served by waitress over plain HTTP on loopback.

The scheduler's jobs are not started: the journeys call them (`run_job`), at a chosen instant when a deadline
must have passed. Everything the hub logs meanwhile is kept (`LogCapture`) for the "secrets never logged" check.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from unittest import mock

from flask import Flask
from waitress import wasyncore
from waitress.server import create_server

from ght_soc import clock, migrate, scheduler
from ght_soc.access import SYSTEM
from ght_soc.app import create_app
from ght_soc.database import db
from ght_soc.events.factory import EXTENSION as EVENTS_EXTENSION
from ght_soc.events.sqlite_store import SqliteEventStore
from ght_soc.listening import BackgroundListener
from ght_soc.services.demo import load_demo
from ght_soc.services.ghts import sync_from_config
from ght_soc.settings import load_config
from tests.conftest import EXAMPLE_CONFIG, TEST_SECRET
from tests.oncall.peers import SmtpHandler, smtp_server

TRAP_COMMUNITY = "journeys-trap-" + "c0mmunity"  # an SNMP community that must never reach a log line
# Loggers of the test's own tools, not the hub's: the browser driver (it logs what it types at DEBUG) and the
# test SMTP server (aiosmtpd's "mail.log").
TOOL_LOGGERS = ("selenium", "urllib3", "mail.log")


class LogCapture(logging.Handler):
    """Every record the hub's loggers emit while the live hub runs, formatted with its arguments."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self._lock_lines = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(TOOL_LOGGERS):
            return
        text = f"{record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        with self._lock_lines:
            self.lines.append(text)

    def text(self) -> str:
        with self._lock_lines:
            return "\n".join(self.lines)


@contextmanager
def captured_logs() -> Iterator[LogCapture]:
    """The root logger at INFO (what `ght-soc listen` sets in production) and waitress's, into one capture."""
    capture = LogCapture()
    root, waitress = logging.getLogger(), logging.getLogger("waitress")
    previous = root.level, waitress.level
    root.addHandler(capture)
    root.setLevel(logging.INFO)
    waitress.setLevel(logging.INFO)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        root.setLevel(previous[0])
        waitress.setLevel(previous[1])


@dataclass
class LiveHub:
    """What the journeys drive and read: the app, its URL, the mails it sent, the secrets it was given."""

    app: Flask
    url: str
    listener_ports: dict[str, int]
    mailbox: SmtpHandler
    password: str
    logs: LogCapture
    secrets: dict[str, str] = field(default_factory=dict)  # what must never be logged, by name

    def run_job(self, job: Callable[[Flask], object], at: datetime | None = None) -> object:
        """Run one scheduler job now, or as if the clock said `at` (a deadline in the past)."""
        if at is None:
            return job(self.app)
        with mock.patch.object(scheduler, "now", lambda: at):
            return job(self.app)

    def remember_secret(self, name: str, value: str) -> None:
        """A secret met during a journey (a TOTP key shown on a page, recovery codes) to look for in the logs."""
        self.secrets[name] = value


def _config_text(tmp: Path, smtp_port: int, public_url: str) -> str:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    text = re.sub(r"port: (551[45]|5162)", "port: 0", text)
    text = text.replace("    port: 25\n", f"    port: {smtp_port}\n")
    text = text.replace("  secure_cookies: true\n", f"  secure_cookies: true\n  public_url: {public_url}\n")
    text = text.replace("instance/events.db", str(tmp / "events.db"))
    text = text.replace("instance/evidence", str(tmp / "evidence"))
    assert f"port: {smtp_port}" in text and public_url in text, "the example config's layout changed"
    return text


class _Deferred:
    """The WSGI app waitress serves, set once the hub is built (the hub's URL must be known before)."""

    def __init__(self) -> None:
        self.app: Flask | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        assert self.app is not None
        return self.app(environ, start_response)


@contextmanager
def live_hub(tmp: Path, database_url: str) -> Iterator[LiveHub]:
    """Build, fill and serve the hub; stop everything it started on the way out."""
    password = secrets.token_urlsafe(18)
    deferred = _Deferred()
    with captured_logs() as logs, smtp_server() as (smtp_port, mailbox):
        server = create_server(deferred, host="127.0.0.1", port=0, threads=6)
        url = f"http://127.0.0.1:{server.effective_port}"
        config_path = tmp / "ght.yaml"
        config_path.write_text(_config_text(tmp, smtp_port, url), encoding="utf-8")
        migrate.upgrade(database_url)
        environ = {
            "GHT_SOC_SECRET_KEY": TEST_SECRET,
            "GHT_SOC_DATABASE_URL": database_url,
            "GHT_SOC_DEMO_TRAP_COMMUNITY": TRAP_COMMUNITY,
        }
        config = load_config(config_path, environ=environ)
        # Plain HTTP on loopback: a Secure cookie would never come back. The TOTP rule stays as configured.
        app = create_app(config, overrides={"SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False})
        app.extensions[EVENTS_EXTENSION] = SqliteEventStore(tmp / "events.db")
        with db.session_for(SYSTEM, app) as session:
            sync_from_config(session=session, settings=config.settings)
            load_demo(session=session, password=password, now=clock.now())
        hub = LiveHub(app, url, {}, mailbox, password, logs)
        hub.secrets |= {"password": password, "secret_key": TEST_SECRET, "trap_community": TRAP_COMMUNITY}
        _sync_demo_directory(hub)
        listener = BackgroundListener(app)
        hub.listener_ports = listener.start()
        deferred.app = app
        serving = threading.Thread(target=server.run, name="journeys-waitress", daemon=True)
        serving.start()
        try:
            yield hub
        finally:
            _stop(server, serving)
            listener.stop()
            app.extensions[EVENTS_EXTENSION].close()
            db.dispose(app)


def _stop(server: Any, serving: threading.Thread) -> None:
    # Closed from the server's own loop thread (its trigger), so that no socket closes under a running select.
    server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
    serving.join(timeout=10)
    server.task_dispatcher.shutdown()
    assert not serving.is_alive(), "waitress did not stop"


def _sync_demo_directory(hub: LiveHub) -> None:
    """The demo's AD-like slapd synced once for the CHU, when slapd is installed (its bind password is a secret)."""
    from ght_soc.demo_directory import DEMO_PASSWORD
    from ght_soc.directory_sync import sync_demo_directory

    if sync_demo_directory(hub.app, "chu-tours-demo") is not None:
        hub.secrets["directory_bind_password"] = DEMO_PASSWORD
