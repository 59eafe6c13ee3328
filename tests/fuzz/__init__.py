"""Fuzzing: parsers (hypothesis) and the API (schemathesis), bounded for CI; see tests/fuzz/budget.py."""
