"""Detection with Sigma rules: loading, field mapping, incremental evaluation over new events."""
