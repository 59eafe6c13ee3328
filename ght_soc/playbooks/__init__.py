"""YAML incident-response playbooks: definitions, safe expressions, validation, CACAO export, engine."""
