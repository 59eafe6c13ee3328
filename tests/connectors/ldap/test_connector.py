"""The LDAP connector against a real slapd shaped like Active Directory."""

from __future__ import annotations

import dataclasses
import gc
from datetime import UTC, datetime, timedelta

import pytest

from connectors.base import CollectingSink
from connectors.ldap.connector import LdapAuthenticationFailed, LdapConnector, LdapUnavailable
from connectors.ldap.decode import account_control, filetime, generalized_time, rid, sid_to_string
from connectors.ldap.entries import common_name
from connectors.ldap.records import DirectoryAccount, DirectoryGroup, DirectoryRecord
from ght_soc.demo_directory import AdLikeSlapd, sid
from ght_soc.demo_directory import filetime as to_filetime
from tests.connectors.ldap.directory import NOW, SLAPD_MISSING, SUFFIX, USERS, directory, settings

pytestmark = SLAPD_MISSING


def test_a_full_sync_pages_through_the_whole_directory(slapd: AdLikeSlapd) -> None:
    sink: CollectingSink[DirectoryRecord] = CollectingSink()
    summary = LdapConnector(settings(slapd), sink).sync()
    assert summary.complete and summary.error is None
    assert summary.counts == {"user": USERS + 3, "computer": 1, "group": 2}
    assert summary.watermark == "20003"
    disabled = [
        r for r in sink.records if isinstance(r, DirectoryAccount) and r.kind == "user" and not r.enabled
    ]
    assert len(disabled) == USERS // 10 + 1  # and krbtgt, disabled as in AD


def test_accounts_computers_and_groups_are_decoded(slapd: AdLikeSlapd) -> None:
    sink: CollectingSink[DirectoryRecord] = CollectingSink()
    LdapConnector(settings(slapd), sink).sync()
    by_dn = {r.dn.lower(): r for r in sink.records}  # DNs compare without regard to case
    admin = by_dn[f"cn=hélène dupré,ou=utilisateurs,{SUFFIX}"]
    assert isinstance(admin, DirectoryAccount)
    assert admin.login == "hdupre" and admin.display_name == "Hélène Dupré"
    assert admin.password_never_expires and admin.preauth_not_required and admin.admin_count == 1
    assert admin.service_principal_names == ("MSSQLSvc/srv-dpi.chu-demo.local:1433",)
    assert admin.sid is not None and rid(admin.sid) == 1105
    assert admin.password_last_set == NOW - timedelta(days=900)
    computer = by_dn[f"cn=pc-urg-01,ou=ordinateurs,{SUFFIX}"]
    assert isinstance(computer, DirectoryAccount) and computer.kind == "computer"
    assert (
        computer.operating_system == "Windows 7 Professionnel"
        and computer.dns_name == "pc-urg-01.chu-demo.local"
    )
    assert computer.display_name == "PC-URG-01"  # no displayName: the cn, which AD is not asked for (the DN)
    admins = by_dn[f"cn=admins du domaine,ou=utilisateurs,{SUFFIX}"]
    assert isinstance(admins, DirectoryGroup) and admins.sid is not None and rid(admins.sid) == 512
    assert len(admins.members) == 2


def test_accounts_are_frozen_records_like_any_other(slapd: AdLikeSlapd) -> None:
    sink: CollectingSink[DirectoryRecord] = CollectingSink()
    LdapConnector(settings(slapd), sink).sync()
    built = next(r for r in sink.records if isinstance(r, DirectoryAccount))
    assert type(built) is DirectoryAccount
    again = DirectoryAccount(**{f.name: getattr(built, f.name) for f in dataclasses.fields(built)})
    assert built == again and hash(built) == hash(again) and dataclasses.replace(built) == built
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.login = "someone-else"  # type: ignore[misc]


class RefusingSink(CollectingSink[DirectoryRecord]):
    def emit(self, record: DirectoryRecord) -> None:
        raise RuntimeError("the hub cannot store")


@pytest.mark.parametrize("collecting", [True, False])
def test_a_sync_leaves_the_garbage_collector_as_it_was(slapd: AdLikeSlapd, collecting: bool) -> None:
    # The connector pauses the collector while it reads (python-ldap's pages made it walk the same objects
    # again and again): a sync that ends, or fails halfway, leaves it as it was.
    was = gc.isenabled()
    (gc.enable if collecting else gc.disable)()
    try:
        LdapConnector(settings(slapd), CollectingSink()).sync()
        assert gc.isenabled() == collecting
        with pytest.raises(RuntimeError, match="cannot store"):
            LdapConnector(settings(slapd), RefusingSink()).sync()
        assert gc.isenabled() == collecting
    finally:
        (gc.enable if was else gc.disable)()


def test_an_incremental_sync_reads_only_what_changed(slapd: AdLikeSlapd) -> None:
    full: CollectingSink[DirectoryRecord] = CollectingSink()
    watermark = LdapConnector(settings(slapd), full).sync().watermark
    slapd.ldapmodify(
        f"dn: CN=Agent 42,OU=Utilisateurs,{SUFFIX}\nchangetype: modify\nreplace: uSNChanged\nuSNChanged: 30000\n"
        "-\nreplace: userAccountControl\nuserAccountControl: 514\n"
    )
    changed: CollectingSink[DirectoryRecord] = CollectingSink()
    summary = LdapConnector(settings(slapd), changed).sync(since=str(int(str(watermark)) + 1))
    assert summary.mode == "incremental" and summary.complete and summary.watermark == "30000"
    assert [(r.dn.lower(), getattr(r, "enabled", None)) for r in changed.records] == [
        (f"cn=agent 42,ou=utilisateurs,{SUFFIX}", False)
    ]


def test_a_wrong_password_and_an_unreachable_server_are_typed_errors(slapd: AdLikeSlapd) -> None:
    with pytest.raises(LdapAuthenticationFailed, match="identifiants refusés"):
        LdapConnector(settings(slapd, password="wrong"), CollectingSink()).sync()
    with pytest.raises(LdapUnavailable, match="injoignable"):
        LdapConnector(settings(slapd, uri="ldap://127.0.0.1:9", timeout=2), CollectingSink()).sync()


def test_plain_ldap_is_refused_unless_allowed(slapd: AdLikeSlapd) -> None:
    with pytest.raises(ValueError, match="sans StartTLS"):
        settings(slapd, allow_plain_ldap=False)


def test_a_server_size_limit_gives_an_incomplete_sync_that_keeps_the_watermark() -> None:
    server = AdLikeSlapd(directory(), paged_total="1500")
    server.start()
    try:
        sink: CollectingSink[DirectoryRecord] = CollectingSink()
        summary = LdapConnector(settings(server), sink).sync(since=None)
    finally:
        server.stop()
    assert not summary.complete and "limite de taille" in str(summary.error)
    assert 0 < len(sink.records) <= 1500 and summary.watermark is None


def test_pages_larger_than_the_server_allows_give_an_incomplete_sync_that_says_so(slapd: AdLikeSlapd) -> None:
    sink: CollectingSink[DirectoryRecord] = CollectingSink()
    summary = LdapConnector(settings(slapd, page_size=1500), sink).sync(since=None)  # slapd: size.pr=1000
    assert not summary.complete and summary.watermark is None
    assert "refuse des pages de 1500 entrées" in str(summary.error) and "page_size" in str(summary.error)


def test_a_connection_dropped_mid_sync_is_an_incomplete_sync() -> None:
    server = AdLikeSlapd(directory())
    server.start()

    class StopsTheServer(CollectingSink[DirectoryRecord]):
        def emit(self, record: DirectoryRecord) -> None:
            super().emit(record)
            if len(self.records) == 10:
                server.stop()

    sink = StopsTheServer()
    summary = LdapConnector(settings(server), sink).sync()
    assert not summary.complete and "connexion perdue" in str(summary.error)
    assert 10 <= len(sink.records) < USERS


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0, None),
        (0x7FFFFFFFFFFFFFFF, None),
        (str(to_filetime(NOW)).encode(), NOW),
        (b"garbage", None),
        (b"-1", None),
        (None, None),
    ],
)
def test_filetime_decoding(raw: object, expected: datetime | None) -> None:
    assert filetime(raw) == expected  # type: ignore[arg-type]


def test_account_control_and_sid_decoding() -> None:
    control = account_control(b"66050")  # 0x10202: normal, disabled, password never expires
    assert (
        control.name is not None
        and "ACCOUNTDISABLE" in control.name
        and "DONT_EXPIRE_PASSWORD" in control.name
    )
    assert sid_to_string(sid(512)) == "S-1-5-21-1004336348-1177238915-682003330-512"
    assert sid_to_string(b"\x01") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"20261122030405Z", datetime(2026, 11, 22, 3, 4, 5, tzinfo=UTC)),
        (b"20261122030405.0Z", datetime(2026, 11, 22, 3, 4, 5, tzinfo=UTC)),
        (b"20261322030405Z", None),
        (b"2026112203040Z", None),
        (b"yesterday", None),
    ],
)
def test_generalized_time_decoding(raw: bytes, expected: datetime | None) -> None:
    assert generalized_time(raw) == expected


@pytest.mark.parametrize(
    ("dn", "expected"),
    [
        (f"CN=PC-URG-01,OU=Ordinateurs,{SUFFIX}", "PC-URG-01"),
        ("cn=krbtgt", "krbtgt"),
        (f"CN=Dupont\\, Jean,OU=Utilisateurs,{SUFFIX}", "Dupont, Jean"),  # an escaped comma
        (f"CN=Jos\\C3\\A9,OU=Utilisateurs,{SUFFIX}", "José"),  # hex-escaped UTF-8
        (f"CN=\\#1 Accueil,OU=Utilisateurs,{SUFFIX}", "#1 Accueil"),
        (f"cn=Jeanne Dupont+uid=jdupont,{SUFFIX}", "Jeanne Dupont"),  # a multi-valued RDN
        (f"uid=jdupont,{SUFFIX}", None),
        ('CN="unterminated', None),
    ],
)
def test_the_common_name_is_read_from_the_dn(dn: str, expected: str | None) -> None:
    assert common_name(dn) == expected
