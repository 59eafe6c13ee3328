"""Connectors: they collect from member establishments (LDAP, SNMP, logs) and only emit records to a sink.

Nothing here imports `ght_soc`: the hub depends on connectors, never the reverse.
"""
