"""SNMP connector: inventory polling, change detection, hygiene checks and trap reception."""
