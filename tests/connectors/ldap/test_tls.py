"""StartTLS against slapd: the right certificate is accepted, one for another name is refused."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.base import CollectingSink
from connectors.ldap.connector import LdapConnector, LdapTlsError
from connectors.ldap.records import DirectoryRecord
from ght_soc.demo_directory import AdLikeSlapd
from tests.certificates import issue, make_ca
from tests.connectors.ldap.directory import SLAPD_MISSING, USERS, directory, settings

pytestmark = SLAPD_MISSING


def certificates(folder: Path, name: str) -> dict[str, Path]:
    """A CA and a server certificate for `name`, readable by slapd."""
    names = f"DNS:{name}"
    if name == "localhost":  # libldap checks ldap://localhost against the machine's own host name
        names += f",DNS:{socket.gethostname()}"
    ca = make_ca(folder)
    cert, key = issue(folder, "server", name, names)
    return {"ca": ca, "cert": cert, "key": key}


def server_with(tmp_path: Path, name: str) -> Iterator[tuple[AdLikeSlapd, Path]]:
    files = certificates(tmp_path, name)
    server = AdLikeSlapd(directory(), tls=(str(files["cert"]), str(files["key"]), str(files["ca"])))
    server.start()
    yield server, files["ca"]
    server.stop()


@pytest.fixture()
def localhost_tls(tmp_path: Path) -> Iterator[tuple[AdLikeSlapd, Path]]:
    yield from server_with(tmp_path, "localhost")


@pytest.fixture()
def wrong_name_tls(tmp_path: Path) -> Iterator[tuple[AdLikeSlapd, Path]]:
    yield from server_with(tmp_path, "dc01.autre-etablissement.test")


def test_start_tls_with_the_establishments_ca(localhost_tls: tuple[AdLikeSlapd, Path]) -> None:
    server, ca = localhost_tls
    uri = server.ldap_uri.replace("127.0.0.1", "localhost")
    sink: CollectingSink[DirectoryRecord] = CollectingSink()
    summary = LdapConnector(
        settings(server, uri=uri, start_tls=True, allow_plain_ldap=False, ca_file=ca), sink
    ).sync()
    assert summary.complete and summary.counts["user"] == USERS + 3


def test_a_certificate_for_another_name_is_refused(wrong_name_tls: tuple[AdLikeSlapd, Path]) -> None:
    server, ca = wrong_name_tls
    uri = server.ldap_uri.replace("127.0.0.1", "localhost")
    connector = LdapConnector(
        settings(server, uri=uri, start_tls=True, allow_plain_ldap=False, ca_file=ca), CollectingSink()
    )
    with pytest.raises(LdapTlsError, match="TLS refusé"):
        connector.sync()
