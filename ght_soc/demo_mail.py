"""The demo's mailbox: a local SMTP server that keeps every mail the hub sends as a .eml file.

`ght-soc demo` has no real relay to talk to; with this, escalations and reminders really leave through the
outbox and SMTP, and can be read in `instance/demo-mail/`. Never used outside the demo.
"""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session

from ght_soc.settings import LoadedConfig


class _Folder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.count += 1
        (self.folder / f"{self.count:05d}.eml").write_bytes(envelope.original_content or b"")
        return "250 OK: kept in the demo mailbox"


class DemoMailbox:
    """An SMTP server on a free loopback port writing each message to `folder`."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]
        self.folder = folder
        self._controller = Controller(_Folder(folder), hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def configure(self, config: LoadedConfig) -> LoadedConfig:
        """The configuration with the hub's SMTP relay pointed at this mailbox (plain SMTP, no login)."""
        hub = config.settings.hub
        smtp = hub.smtp.model_copy(
            update={"host": "127.0.0.1", "port": self.port, "starttls": False, "ssl": False, "username": None}
        )
        settings = config.settings.model_copy(update={"hub": hub.model_copy(update={"smtp": smtp})})
        return dataclasses.replace(config, settings=settings)
