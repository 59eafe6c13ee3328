"""Log events: one store interface, two backends (embedded SQLite, Elasticsearch)."""
