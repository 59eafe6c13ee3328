"""bench/web_load: a paced syslog sender, as its own process, feeding the listener's TCP port.

Sends bench/ingest.py's mixed lines (FortiGate key=value, RFC 5424, Windows JSON) at `rate` lines per second
in 20 ms ticks until SIGTERM (or `seconds`), then prints one JSON line: lines sent and seconds spent. Their
fixed 2026-11-22 timestamps are replaced by the time of sending: live events are the newest, as in production.

    python bench/web_load_feed.py PORT RATE [SECONDS]
"""

from __future__ import annotations

import json
import signal
import socket
import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import payload  # noqa: E402  (bench/ is not a package)

TICK = 0.02
POOL = 60_000
PARIS_WINTER = timezone(timedelta(hours=1))  # the payload's own offset (+01:00)


def stamped(chunk: bytes) -> bytes:
    """The chunk with bench/ingest.py's fixed instants replaced by now (each format as the payload writes it)."""
    local, utc = datetime.now(PARIS_WINTER), datetime.now(UTC)
    for old, new in (
        (b"date=2026-11-22 time=03:04:05", f"date={local:%Y-%m-%d} time={local:%H:%M:%S}"),
        (b"2026-11-22T03:04:05.", f"{local:%Y-%m-%dT%H:%M:%S}."),
        (b"2026-11-22T02:04:05.000Z", f"{utc:%Y-%m-%dT%H:%M:%S}.000Z"),
        (b"Nov 22 03:04:05", f"{local:%b %d %H:%M:%S}"),
    ):
        chunk = chunk.replace(old, new.encode())
    return chunk


def main() -> None:
    port, rate = int(sys.argv[1]), int(sys.argv[2])
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 3600.0
    lines = [line + b"\n" for line in payload(POOL).split(b"\n") if line]
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    sent = 0
    with socket.create_connection(("127.0.0.1", port)) as client:
        start = time.monotonic()
        while not stopping and time.monotonic() - start < seconds:
            # Catch up to where the pace says we should be: a late tick sends more, never fewer in total.
            due = int((time.monotonic() - start) * rate)
            if due > sent:
                chunk = b"".join(lines[(sent + k) % POOL] for k in range(due - sent))
                client.sendall(stamped(chunk))
                sent = due
            time.sleep(TICK)
        elapsed = time.monotonic() - start
    print(json.dumps({"sent": sent, "seconds": round(elapsed, 2)}), flush=True)


if __name__ == "__main__":
    main()
