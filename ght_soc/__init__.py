"""ght-soc: the shared security operations hub of a French hospital group (GHT).

Importing this package does nothing: `create_app(settings)` in :mod:`ght_soc.app` builds everything.
"""

__version__ = "0.1.0"
