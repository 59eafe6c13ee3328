"""bench/web_load: the configuration of a GHT of N establishments, written from config/ght.example.yaml.

Every establishment gets a fictitious FINESS EJ (département 37, a 099 series) and one site (département 41),
both Luhn-keyed like the example's. The first one is the support establishment and owns the loopback sender,
so the events the bench feeds to the listener are attributed to it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ght_soc.finess import validate_finess
from ght_soc.resources import bundled_config_path

CATEGORIES = ("chu", "ch", "ch", "ch", "epsm", "medico_social", "private_clinic", "laboratory")


def luhn_keyed(digits: str) -> str:
    """`digits` followed by the key that makes the whole number pass the Luhn check."""
    for key in "0123456789":
        candidate = digits + key
        total = 0
        for position, char in enumerate(reversed(candidate)):
            value = int(char) * (2 if position % 2 == 1 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return validate_finess(candidate)
    raise AssertionError("unreachable: one key in ten passes")


def establishment(n: int) -> dict[str, Any]:
    """The n-th establishment (0 = the support CHU)."""
    category = CATEGORIES[n % len(CATEGORIES)] if n else "chu"
    entry: dict[str, Any] = {
        "key": f"etab-{n:02d}",
        "name": f"Établissement de banc d'essai {n:02d}",
        "short_name": f"Étab. {n:02d}",
        "finess_ej": luhn_keyed(f"3709{90 + n // 100:02d}{n % 100:02d}"),
        "category": category,
        "sites": [
            {
                "finess_et": luhn_keyed(f"4109{90 + n // 100:02d}{n % 100:02d}"),
                "name": f"Site principal {n:02d}",
                "city": "Tours",
            }
        ],
    }
    if n == 0:
        entry.update(support=True, ose=True, nis2="essential", log_senders=["127.0.0.1/32"])
    return entry


def write_config(work: Path, *, establishments: int, syslog_port: int) -> Path:
    """A config file in `work` for `establishments` members, its event store and evidence inside `work`."""
    example = yaml.safe_load(bundled_config_path("ght.example.yaml").read_text(encoding="utf-8"))
    example["hub"]["secure_cookies"] = False  # the bench talks plain HTTP on loopback
    example["logs"]["store"] = {"backend": "sqlite", "path": str(work / "events.db")}
    example["logs"]["listeners"] = [{"name": "syslog-tcp", "protocol": "tcp", "port": syslog_port}]
    example["logs"]["trap_listeners"] = []
    example["incidents"]["evidence_dir"] = str(work / "evidence")
    example["establishments"] = [establishment(n) for n in range(establishments)]
    path = work / "ght.yaml"
    path.write_text(yaml.safe_dump(example, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
