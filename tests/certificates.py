"""Test certificates made with openssl: a CA and certificates it signs, for TLS tests against real peers."""

from __future__ import annotations

import subprocess
from pathlib import Path


def _openssl(folder: Path, *arguments: str) -> None:
    subprocess.run(["openssl", *arguments], check=True, capture_output=True, timeout=30, cwd=folder)


def make_ca(folder: Path) -> Path:
    """A self-signed CA (`ca.pem`, `ca.key`) in `folder`."""
    _openssl(
        folder,
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=GHT test CA",
    )
    return folder / "ca.pem"


def issue(folder: Path, stem: str, common_name: str, alt_names: str) -> tuple[Path, Path]:
    """A certificate `stem.pem` and its key `stem.key`, signed by the CA of `folder`."""
    _openssl(
        folder,
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        f"{stem}.key",
        "-out",
        f"{stem}.csr",
        "-subj",
        f"/CN={common_name}",
        "-addext",
        f"subjectAltName={alt_names}",
    )
    _openssl(
        folder,
        "x509",
        "-req",
        "-in",
        f"{stem}.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        f"{stem}.pem",
        "-days",
        "2",
        "-copy_extensions",
        "copy",
    )
    return folder / f"{stem}.pem", folder / f"{stem}.key"
