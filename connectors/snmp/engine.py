"""pysnmp engines without MIB compilation: the connector speaks numeric OIDs only.

With pysmi installed (snmpsim needs it), pysnmp builds a MIB compiler on an engine's first request: ~1.6 s of
CPU each time, and it would read MIB files it could find. Nothing here needs a MIB, so a stand-in compiler
that always answers "not found" keeps pysnmp from building the real one.
"""

from __future__ import annotations

from typing import Any

from pysnmp.entity.engine import SnmpEngine
from pysnmp.smi.error import MibNotFoundError


class _NoMibCompiler:
    def compile(self, *names: str, **options: Any) -> dict[str, str]:
        raise MibNotFoundError(f"MIB compilation is disabled (numeric OIDs only): {', '.join(names)}")


def new_engine(**options: Any) -> Any:
    """An SnmpEngine that never compiles or loads MIB files it has not got built in."""
    engine = SnmpEngine(**options)
    engine.get_mib_builder().set_mib_compiler(_NoMibCompiler(), "")
    return engine
