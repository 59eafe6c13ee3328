"""The listener against real senders: util-linux `logger` and `rsyslogd` forwarding, over UDP, TCP and TLS."""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from connectors.base import CollectingSink
from connectors.syslog.listener import Attribution, ListenerSettings, LogEvent, SyslogListener
from tests.certificates import issue, make_ca

pytestmark = pytest.mark.skipif(shutil.which("logger") is None, reason="util-linux logger is not installed")
ATTRIBUTION = Attribution(senders={"chu": ["127.0.0.0/8"], "ch": ["127.0.0.2/32"]})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def run(
    listeners: list[ListenerSettings],
    action: Callable[[SyslogListener, CollectingSink[LogEvent]], Awaitable[None]],
    attribution: Attribution = ATTRIBUTION,
) -> list[LogEvent]:
    sink: CollectingSink[LogEvent] = CollectingSink()

    async def scenario() -> None:
        listener = SyslogListener(listeners, attribution, sink, flush_interval=0.05)
        await listener.start()
        try:
            await action(listener, sink)
        finally:
            await listener.stop()

    asyncio.run(scenario())
    return sink.records


async def until(sink: CollectingSink[LogEvent], count: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while len(sink.records) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.02)


async def logger(*arguments: str, message: str) -> None:
    await asyncio.to_thread(
        subprocess.run, ["logger", *arguments, message], check=True, timeout=10, capture_output=True
    )


@pytest.mark.parametrize(
    ("options", "expected_program"),
    [
        (["--udp", "--rfc3164"], "ght-test"),
        (["--udp", "--rfc5424"], "ght-test"),
        (["--tcp", "--rfc3164"], "ght-test"),
        (["--tcp", "--rfc5424"], "ght-test"),
        (["--tcp", "--rfc5424", "--octet-count"], "ght-test"),
        (["--tcp", "--rfc3164", "--octet-count"], "ght-test"),
    ],
)
def test_logger_lines_arrive_parsed_and_attributed(options: list[str], expected_program: str) -> None:
    protocol = "udp" if "--udp" in options else "tcp"
    settings = ListenerSettings(name="syslog", protocol=protocol, port=0)

    async def send(listener: SyslogListener, sink: CollectingSink[LogEvent]) -> None:
        port = listener.bound_ports["syslog"]
        for number in range(3):
            await logger(
                "--server",
                "127.0.0.1",
                "--port",
                str(port),
                *options,
                "--tag",
                "ght-test",
                message=f"échec de connexion numéro {number}",
            )
        await until(sink, 3)

    events = run([settings], send)
    assert [e.fields["message"] for e in events] == [f"échec de connexion numéro {n}" for n in range(3)]
    assert {e.establishment for e in events} == {"chu"}
    assert {e.fields["process.name"] for e in events} == {expected_program}
    assert all(e.fields["log.source.address"] == "127.0.0.1" for e in events)


def test_a_port_tied_to_an_establishment_and_an_unknown_sender() -> None:
    tied = ListenerSettings(name="epsm", protocol="tcp", port=0, establishment="epsm")
    open_port = ListenerSettings(name="open", protocol="udp", port=0)

    async def send(listener: SyslogListener, sink: CollectingSink[LogEvent]) -> None:
        await logger(
            "--server", "127.0.0.1", "--port", str(listener.bound_ports["epsm"]), "--tcp", message="tied"
        )
        await logger(
            "--server", "127.0.0.1", "--port", str(listener.bound_ports["open"]), "--udp", message="open"
        )
        await until(sink, 2)

    events = run([tied, open_port], send, attribution=Attribution(senders={"ch": ["10.0.0.0/8"]}))
    assert sorted((e.fields["message"], e.establishment) for e in events) == [
        ("open", None),
        ("tied", "epsm"),
    ]


def test_a_client_that_disconnects_mid_frame_loses_nothing_it_sent() -> None:
    settings = ListenerSettings(name="syslog", protocol="tcp", port=0)

    async def send(listener: SyslogListener, sink: CollectingSink[LogEvent]) -> None:
        with socket.create_connection(("127.0.0.1", listener.bound_ports["syslog"])) as client:
            client.sendall(
                b"<13>Nov 22 03:04:05 host app: complete\n60 <13>1 - host app - - - cut in the mid"
            )
        await until(sink, 2)

    events = run([settings], send)
    assert [e.fields["message"] for e in events] == ["complete", "cut in the mid"]
    assert events[1].fields["event.truncated"] is True


def test_a_flood_from_one_sender_is_all_stored_in_order() -> None:
    settings = ListenerSettings(name="syslog", protocol="tcp", port=0)
    count = 20_000

    async def send(listener: SyslogListener, sink: CollectingSink[LogEvent]) -> None:
        payload = b"".join(b"<13>Nov 22 03:04:05 host app: line %d\n" % n for n in range(count))
        with socket.create_connection(("127.0.0.1", listener.bound_ports["syslog"])) as client:
            await asyncio.to_thread(client.sendall, payload)
        await until(sink, count, timeout=30)

    events = run([settings], send)
    assert len(events) == count
    assert events[-1].fields["message"] == f"line {count - 1}"


def test_a_stop_hands_over_every_event_already_read() -> None:
    settings = ListenerSettings(name="syslog", protocol="tcp", port=0)

    async def send(listener: SyslogListener, sink: CollectingSink[LogEvent]) -> None:
        with socket.create_connection(("127.0.0.1", listener.bound_ports["syslog"])) as client:
            client.sendall(b"".join(b"<13>Nov 22 03:04:05 host app: %d\n" % n for n in range(500)))
            await asyncio.sleep(0.2)  # read, maybe not yet flushed: stop() must hand them over

    listener_settings = [settings]
    sink: CollectingSink[LogEvent] = CollectingSink()

    async def scenario() -> None:
        listener = SyslogListener(listener_settings, ATTRIBUTION, sink, flush_interval=60)
        await listener.start()
        await send(listener, sink)
        await listener.stop()

    asyncio.run(scenario())
    assert len(sink.records) == 500


RSYSLOG = shutil.which("rsyslogd")


def _rsyslog(tmp_path: Path, action: str, preamble: str = "") -> subprocess.Popen[bytes]:
    conf = tmp_path / "rsyslog.conf"
    queue_dir = tmp_path / "queue"
    queue_dir.mkdir(exist_ok=True)
    conf.write_text(
        f'global(workDirectory="{queue_dir}")\n{preamble}'
        'module(load="imuxsock" SysSock.Use="off")\n'
        f'input(type="imuxsock" Socket="{tmp_path / "log.sock"}" CreatePath="on")\n'
        f"*.* {action}\n",
        encoding="utf-8",
    )
    with (tmp_path / "rsyslogd.err").open("wb") as errors:  # read it when a test fails
        process = subprocess.Popen(
            [str(RSYSLOG), "-n", "-f", str(conf), "-i", str(tmp_path / "rsyslog.pid")],
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
    deadline = time.monotonic() + 10
    while not (tmp_path / "log.sock").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return process


@pytest.mark.skipif(RSYSLOG is None, reason="rsyslog is not installed")
@pytest.mark.parametrize("framing", ["traditional", "octet-counted"])
def test_rsyslog_forwarding_in_both_framings(tmp_path: Path, framing: str) -> None:
    settings = ListenerSettings(name="syslog", protocol="tcp", port=free_port())
    action = (
        f'action(type="omfwd" target="127.0.0.1" port="{settings.port}" protocol="tcp" '
        f'TCP_Framing="{framing}" template="RSYSLOG_SyslogProtocol23Format")'
    )

    async def send(listener: SyslogListener, sink: CollectingSink[LogEvent]) -> None:
        process = await asyncio.to_thread(_rsyslog, tmp_path, action)
        try:
            for n in range(5):
                await logger("--socket", str(tmp_path / "log.sock"), "--tag", "pacs", message=f"relayed {n}")
            await until(sink, 5)
        finally:
            process.terminate()
            await asyncio.to_thread(process.wait, 10)

    events = run([settings], send)
    assert sorted(e.fields["message"] for e in events) == [f"relayed {n}" for n in range(5)]
    assert {e.fields["process.name"] for e in events} == {"pacs"}


def _certificates(directory: Path) -> dict[str, Path]:
    """A CA, a server certificate and a client certificate whose CN names the sender."""
    ca = make_ca(directory)
    server, server_key = issue(directory, "server", "localhost", "DNS:localhost,IP:127.0.0.1")
    client, client_key = issue(directory, "client", "fw-chu.chu.test", "DNS:fw-chu.chu.test")
    return {
        "ca.pem": ca,
        "server.pem": server,
        "server.key": server_key,
        "client.pem": client,
        "client.key": client_key,
    }


@pytest.mark.skipif(RSYSLOG is None, reason="rsyslog is not installed")
def test_tls_with_client_certificates_attributes_by_subject(tmp_path: Path) -> None:
    files = _certificates(tmp_path)
    settings = ListenerSettings(
        name="tls",
        protocol="tls",
        port=free_port(),
        certificate=files["server.pem"],
        key=files["server.key"],
        client_ca=files["ca.pem"],
    )
    attribution = Attribution(tls_subjects={"clinique": ["fw-chu.chu.test"]})
    action = (
        f'action(type="omfwd" target="127.0.0.1" port="{settings.port}" protocol="tcp" '
        'StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="x509/name" '
        'StreamDriverPermittedPeers="localhost" template="RSYSLOG_SyslogProtocol23Format")'
    )
    global_tls = (
        f'global(DefaultNetstreamDriverCAFile="{files["ca.pem"]}"'
        f' DefaultNetstreamDriverCertFile="{files["client.pem"]}"'
        f' DefaultNetstreamDriverKeyFile="{files["client.key"]}")\n'
    )

    async def send(listener: SyslogListener, sink: CollectingSink[LogEvent]) -> None:
        process = await asyncio.to_thread(_rsyslog, tmp_path, action, global_tls)
        try:
            await logger("--socket", str(tmp_path / "log.sock"), "--tag", "fw", message="over TLS")
            await until(sink, 1)
        finally:
            process.terminate()
            await asyncio.to_thread(process.wait, 10)

    events = run([settings], send, attribution=attribution)
    assert [(e.fields["message"], e.establishment) for e in events] == [("over TLS", "clinique")]


def test_a_tls_client_without_a_certificate_is_refused(tmp_path: Path) -> None:
    files = _certificates(tmp_path)
    settings = ListenerSettings(
        name="tls",
        protocol="tls",
        port=0,
        certificate=files["server.pem"],
        key=files["server.key"],
        client_ca=files["ca.pem"],
    )

    async def send(listener: SyslogListener, sink: CollectingSink[LogEvent]) -> None:
        context = ssl.create_default_context(cafile=str(files["ca.pem"]))
        with pytest.raises((ssl.SSLError, ConnectionError)):
            _, writer = await asyncio.open_connection("127.0.0.1", listener.bound_ports["tls"], ssl=context)
            writer.write(b"<13>Nov 22 03:04:05 host app: sneaky\n")
            await writer.drain()
            await asyncio.sleep(0.2)
            writer.write(b"x")
            await writer.drain()
            await writer.wait_closed()
        await asyncio.sleep(0.2)

    assert run([settings], send) == []
