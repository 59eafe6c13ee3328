"""Syslog: parsers (RFC 3164/5424, CEF, firewall key=value, Windows JSON) and the UDP/TCP/TLS listener."""
