"""bench/web_load: logging the users in, and driving the pages with wrk (one wrk process per page).

Each page gets its own wrk with a share of the concurrent connections, all running at the same time, so the
server sees a mixed load while each wrk measures one page's latency client-side (request written → response
read). Every request carries one of the logged-in users' session cookies, and only URLs that user may see
(a site correspondent opens incidents of its establishment). Any status but 200 is counted as an error.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import requests

COOKIE = "ght_soc_session"


class LoginFailed(RuntimeError):
    """A bench user could not log in; the message says which and what the server answered."""


def login(base: str, user: str, password: str) -> str:
    """Log `user` in through the login form and return the session cookie's value."""
    with requests.Session() as session:
        page = session.get(f"{base}/login", timeout=30)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
        if match is None:
            raise LoginFailed(f"{user}: no CSRF token on /login ({page.status_code})")
        answer = session.post(
            f"{base}/login",
            data={"csrf_token": match.group(1), "login": user, "password": password},
            allow_redirects=False,
            timeout=30,
        )
        cookie = session.cookies.get(COOKIE)
        if answer.status_code != 302 or not cookie:
            raise LoginFailed(f"{user}: login answered {answer.status_code}")
        if session.get(f"{base}/", timeout=30).status_code != 200:
            raise LoginFailed(f"{user}: the overview refused the fresh session")
        return str(cookie)


@dataclass(frozen=True)
class PageLoad:
    """One page's requests: (cookie, path) pairs cycled at random, on `connections` connections."""

    name: str
    connections: int
    requests: list[tuple[str, str]]


LUA = """
local pairs_ = @PAIRS@
bad = 0
math.randomseed(@SEED@)
request = function()
  local pick = pairs_[math.random(#pairs_)]
  return wrk.format("GET", pick[2], {["Cookie"] = "@COOKIE@=" .. pick[1]})
end
response = function(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
@DELAY@
local threads = {}
setup = function(thread) table.insert(threads, thread) end
done = function(summary, latency, requests)
  local errors = 0
  for _, t in ipairs(threads) do errors = errors + t:get("bad") end
  io.write(string.format(
    '@@{"requests": %d, "duration_us": %d, "non_200": %d, "socket_errors": %d, '
    .. '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\\n',
    summary.requests, summary.duration, errors,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def _lua(load: PageLoad, think_ms: int, seed: int) -> str:
    pairs = ", ".join(f'{{"{cookie}", "{path}"}}' for cookie, path in load.requests)
    delay = (
        f"delay = function() return math.random({think_ms // 2}, {think_ms * 3 // 2}) end" if think_ms else ""
    )
    return (
        LUA.replace("@PAIRS@", "{" + pairs + "}")
        .replace("@SEED@", str(seed))
        .replace("@COOKIE@", COOKIE)
        .replace("@DELAY@", delay)
    )


def start_wrk(
    base: str, loads: list[PageLoad], seconds: int, work: Path, think_ms: int = 0
) -> dict[str, subprocess.Popen[str]]:
    """Start one wrk per page, all at once; `collect` waits for them."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    running = {}
    for seed, load in enumerate(loads, start=1):
        script = work / f"wrk-{load.name}.lua"
        script.write_text(_lua(load, think_ms, seed), encoding="utf-8")
        running[load.name] = subprocess.Popen(
            [
                wrk,
                "-t1",
                f"-c{load.connections}",
                f"-d{seconds}s",
                "--timeout",
                "30s",
                "-s",
                str(script),
                base,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    return running


def collect(running: dict[str, subprocess.Popen[str]], timeout: float) -> dict[str, dict[str, float]]:
    """Each page's figures (latencies in ms), from the JSON line its wrk script printed."""
    found: dict[str, dict[str, float]] = {}
    for name, process in running.items():
        output, _ = process.communicate(timeout=timeout)
        line = next((row for row in output.splitlines() if row.startswith("@@")), None)
        if line is None:
            raise RuntimeError(f"wrk for {name} printed no figures:\n{output}")
        raw = json.loads(line[2:])
        found[name] = {
            "requests": raw["requests"],
            "per_s": raw["requests"] / (raw["duration_us"] / 1e6),
            "errors": raw["non_200"] + raw["socket_errors"],
            **{
                key.replace("_us", "_ms"): raw[key] / 1000 for key in ("p50_us", "p95_us", "p99_us", "max_us")
            },
        }
    return found
