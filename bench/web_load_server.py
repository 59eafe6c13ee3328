"""bench/web_load: the hub's web app under waitress, as its own process (what `ght-soc serve` runs).

The one difference with `ght-soc serve`: the first-login TOTP enrolment of GHT-wide accounts is switched off
(the app override tests/conftest.py uses), so that the bench's users log in with a password alone.

    python bench/web_load_server.py CONFIG PORT [THREADS]    (GHT_SOC_DATABASE_URL, GHT_SOC_SECRET_KEY set)
"""

from __future__ import annotations

import sys
from pathlib import Path

from waitress import serve

from ght_soc.app import create_app
from ght_soc.settings import load_config


def main() -> None:
    config_path, port = Path(sys.argv[1]), int(sys.argv[2])
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    app = create_app(load_config(config_path), overrides={"GHT_SOC_TOTP_ENROLMENT_ENFORCED": False})
    # The default backlog (1024) and connection limit (100) are ample for 20 clients.
    serve(app, host="127.0.0.1", port=port, threads=threads, ident="ght-soc")


if __name__ == "__main__":
    main()
