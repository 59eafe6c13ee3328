"""Splitting a TCP syslog stream into messages, the framing detected for each frame (RFC 6587).

Octet counting (`123 <34>1 ...`) when a frame starts with a length and a space, newline-terminated otherwise
(rsyslog and logger send either). A frame over the limit is cut and flagged; a frame left incomplete when the
connection closes is kept, flagged as truncated.
"""

from __future__ import annotations

MAX_LENGTH_DIGITS = 7


class Framer:
    """Feed bytes as they arrive; get back complete frames as (bytes, truncated)."""

    def __init__(self, max_frame: int) -> None:
        self._buffer = bytearray()
        self._max = max_frame
        self._skipping = False  # inside the rest of a cut newline frame: drop until the next newline
        self._discard = 0  # bytes of a cut counted frame still to drop

    def feed(self, data: bytes) -> list[tuple[bytes, bool]]:
        self._buffer += data
        frames: list[tuple[bytes, bool]] = []
        while self._buffer:
            frame = self._next_frame()
            if frame is None:
                break
            if frame[0] or frame[1]:
                frames.append(frame)
        return frames

    def finish(self) -> list[tuple[bytes, bool]]:
        """What is left when the peer closes: a partial frame, flagged truncated."""
        rest, self._buffer = bytes(self._buffer), bytearray()
        if not rest.strip() or self._skipping or self._discard:
            return []
        if _octet_prefix(rest) is not None:
            rest = rest.split(b" ", 1)[1]
            return [(rest[: self._max], True)]
        return [(rest[: self._max], len(rest) > self._max or not rest.endswith(b"\n"))]

    def _next_frame(self) -> tuple[bytes, bool] | None:
        """The next frame; (b"", False) when something was discarded and reading goes on; None: need more."""
        buffer = self._buffer
        if self._discard:  # the tail of an oversize counted frame
            dropped = min(self._discard, len(buffer))
            del buffer[:dropped]
            self._discard -= dropped
            return _NOTHING if buffer else None
        if self._skipping:  # the tail of an oversize newline frame
            end = buffer.find(b"\n")
            if end < 0:
                buffer.clear()
                return None
            del buffer[: end + 1]
            self._skipping = False
            return _NOTHING
        prefix = _octet_prefix(buffer)
        if prefix is not None:
            length, start = prefix
            wanted = min(length, self._max)
            if len(buffer) < start + wanted:
                return None
            frame = bytes(buffer[start : start + wanted])
            del buffer[: start + wanted]
            self._discard = length - wanted
            return (frame, length > wanted)
        end = buffer.find(b"\n")
        if end < 0:
            if len(buffer) <= self._max:
                return None
            frame = bytes(buffer[: self._max])
            buffer.clear()
            self._skipping = True
            return (frame, True)
        frame = bytes(buffer[:end]).rstrip(b"\r")
        del buffer[: end + 1]
        return (frame[: self._max], len(frame) > self._max)


_NOTHING = (b"", False)


def _octet_prefix(buffer: bytes | bytearray) -> tuple[int, int] | None:
    """(length, start of the message) when the buffer begins with an RFC 6587 octet count."""
    space = buffer.find(b" ", 0, MAX_LENGTH_DIGITS + 1)
    if space <= 0:
        return None
    digits = buffer[:space]
    if not digits.isdigit() or digits[:1] == b"0":
        return None
    # `123 <34>...`: a count is followed by the message's priority; plain text starting with a number is not.
    if buffer[space + 1 : space + 2] not in (b"<", b""):
        return None
    return int(digits), space + 1
