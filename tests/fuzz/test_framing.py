"""TCP framing (RFC 6587) never raises, never emits a frame over the limit, and splits a stream the same way
however the bytes arrive (connectors/syslog/framing.py)."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from connectors.syslog.framing import Framer
from tests.fuzz.budget import fuzz

messages = st.lists(
    st.binary(max_size=80).map(lambda body: b"<13>" + body.replace(b"\n", b" ")), min_size=1, max_size=8
)


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(c, len(data)) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


def _run(max_frame: int, chunks: list[bytes]) -> list[tuple[bytes, bool]]:
    framer = Framer(max_frame)
    frames = [frame for chunk in chunks for frame in framer.feed(chunk)]
    return frames + framer.finish()


@fuzz(300)
@given(st.binary(max_size=1_000), st.lists(st.integers(0, 1_000), max_size=8), st.integers(1, 200))
@example(b"9999999 <1", [], 5)
@example(b"0 <1>\n12 <", [3], 4)
def test_any_stream_gives_bounded_frames(data: bytes, cuts: list[int], max_frame: int) -> None:
    frames = _run(max_frame, _chunks(data, cuts))
    assert all(len(frame) <= max_frame for frame, _ in frames)
    assert sum(len(frame) for frame, _ in frames) <= len(data)


@fuzz(200)
@given(messages, st.lists(st.integers(0, 800), max_size=6))
def test_octet_counted_frames_survive_any_split(bodies: list[bytes], cuts: list[int]) -> None:
    stream = b"".join(b"%d %s" % (len(body), body) for body in bodies)
    assert _run(1_000, _chunks(stream, cuts)) == [(body, False) for body in bodies]


@fuzz(200)
@given(messages, st.lists(st.integers(0, 800), max_size=6))
def test_newline_frames_survive_any_split(bodies: list[bytes], cuts: list[int]) -> None:
    stream = b"".join(body.rstrip(b"\r") + b"\n" for body in bodies)
    expected = [(body.rstrip(b"\r"), False) for body in bodies if body.rstrip(b"\r")]
    assert _run(1_000, _chunks(stream, cuts)) == expected


@fuzz(100)
@given(messages, st.integers(5, 60))
def test_oversize_counted_frames_are_cut_and_flagged_and_the_next_one_is_intact(
    bodies: list[bytes], max_frame: int
) -> None:
    stream = b"".join(b"%d %s" % (len(body), body) for body in bodies)
    expected = [(body[:max_frame], len(body) > max_frame) for body in bodies]
    assert _run(max_frame, [stream]) == expected
