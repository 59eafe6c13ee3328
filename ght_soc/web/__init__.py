"""The server-rendered pages: blueprints that only translate HTTP to service calls."""
