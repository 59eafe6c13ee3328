"""A real slapd that looks enough like Active Directory, for the demo and the tests.

Microsoft's attribute OIDs, with matching rules.
Debian's bundled AD schema has no matching rules (so `(sAMAccountName=x)` matches nothing): this one does.
The entries are loaded with `slapadd` before the server starts, the schema before the database (slapdtest's
own order would fail on indexes), and unpaged searches stop at 1,000 entries, as on AD.
"""

from __future__ import annotations

import base64
import struct
import tempfile
from datetime import UTC, datetime, timedelta

from slapdtest import SlapdObject

DS = "1.3.6.1.4.1.1466.115.121.1"
STRING, INTEGER, OCTETS, DN, TIME = f"{DS}.15", f"{DS}.27", f"{DS}.40", f"{DS}.12", f"{DS}.24"
SCHEMA = f"""dn: cn=adlike,cn=schema,cn=config
objectClass: olcSchemaConfig
cn: adlike
olcAttributeTypes: ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName' EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch SYNTAX {STRING} SINGLE-VALUE )
olcAttributeTypes: ( 1.2.840.113556.1.4.8 NAME 'userAccountControl' EQUALITY integerMatch SYNTAX {INTEGER} SINGLE-VALUE )
olcAttributeTypes: ( 1.2.840.113556.1.4.1696 NAME 'lastLogonTimestamp' EQUALITY integerMatch ORDERING integerOrderingMatch SYNTAX {INTEGER} SINGLE-VALUE )
olcAttributeTypes: ( 1.2.840.113556.1.4.96 NAME 'pwdLastSet' EQUALITY integerMatch ORDERING integerOrderingMatch SYNTAX {INTEGER} SINGLE-VALUE )
olcAttributeTypes: ( 1.2.840.113556.1.4.146 NAME 'objectSid' EQUALITY octetStringMatch SYNTAX {OCTETS} SINGLE-VALUE )
olcAttributeTypes: ( 1.2.840.113556.1.2.102 NAME 'memberOf' EQUALITY distinguishedNameMatch SYNTAX {DN} )
olcAttributeTypes: ( 1.2.840.113556.1.4.363 NAME 'operatingSystem' EQUALITY caseIgnoreMatch SYNTAX {STRING} SINGLE-VALUE )
olcAttributeTypes: ( 1.2.840.113556.1.4.365 NAME 'operatingSystemVersion' EQUALITY caseIgnoreMatch SYNTAX {STRING} SINGLE-VALUE )
olcAttributeTypes: ( 1.2.840.113556.1.4.771 NAME 'servicePrincipalName' EQUALITY caseIgnoreMatch SYNTAX {STRING} )
olcAttributeTypes: ( 1.2.840.113556.1.4.150 NAME 'adminCount' EQUALITY integerMatch SYNTAX {INTEGER} SINGLE-VALUE )
olcAttributeTypes: ( 1.2.840.113556.1.2.120 NAME 'uSNChanged' EQUALITY integerMatch ORDERING integerOrderingMatch SYNTAX {INTEGER} SINGLE-VALUE )
olcAttributeTypes: ( 1.2.840.113556.1.4.619 NAME 'dNSHostName' EQUALITY caseIgnoreMatch SYNTAX {STRING} SINGLE-VALUE )
olcObjectClasses: ( 1.2.840.113556.1.5.9 NAME 'user' SUP organizationalPerson STRUCTURAL MAY ( sAMAccountName $ userAccountControl $ lastLogonTimestamp $ pwdLastSet $ objectSid $ memberOf $ servicePrincipalName $ adminCount $ uSNChanged $ displayName ) )
olcObjectClasses: ( 1.2.840.113556.1.3.30 NAME 'computer' SUP user STRUCTURAL MAY ( dNSHostName $ operatingSystem $ operatingSystemVersion ) )
olcObjectClasses: ( 1.2.840.113556.1.5.8 NAME 'group' SUP top STRUCTURAL MUST cn MAY ( member $ sAMAccountName $ objectSid $ uSNChanged $ memberOf ) )
"""
GLOBAL = """dn: cn=config
objectClass: olcGlobal
cn: config
olcLogLevel: none
{tls}
dn: cn=module,cn=config
objectClass: olcModuleList
cn: module
olcModuleLoad: back_mdb
"""
DATABASE = """dn: olcDatabase=mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: mdb
olcSuffix: {suffix}
olcRootDN: {root_dn}
olcRootPW: {root_pw}
olcDbDirectory: {directory}
olcDbMaxSize: 1073741824
olcLimits: users size.soft=1000 size.hard=1000 size.pr=1000 size.prtotal={prtotal}
olcDbIndex: objectClass eq
olcDbIndex: sAMAccountName eq
olcDbIndex: uSNChanged eq
"""
DOMAIN_SID = (21, 1004336348, 1177238915, 682003330)
FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)


def sid(rid: int) -> bytes:
    parts = (*DOMAIN_SID, rid)
    return bytes([1, len(parts)]) + (5).to_bytes(6, "big") + struct.pack(f"<{len(parts)}I", *parts)


def filetime(moment: datetime) -> int:
    return int((moment - FILETIME_EPOCH).total_seconds() * 10_000_000)


def entry(dn: str, **attributes: object) -> str:
    """One LDIF entry; bytes values go base64, lists become repeated attributes."""
    lines = [f"dn:: {base64.b64encode(dn.encode()).decode()}"]
    for name, value in attributes.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, bytes):
                lines.append(f"{name}:: {base64.b64encode(item).decode()}")
            else:
                lines.append(f"{name}:: {base64.b64encode(str(item).encode()).decode()}")
    return "\n".join(lines) + "\n"


class AdLikeSlapd(SlapdObject):  # type: ignore[misc]  # python-ldap ships slapdtest without types
    suffix = "dc=chu-demo,dc=local"
    root_cn = "admin"
    root_pw = "mot-de-passe-annuaire"
    openldap_schema_files = ("core.ldif", "cosine.ldif", "inetorgperson.ldif")
    TMPDIR = tempfile.gettempdir()

    def __init__(
        self, entries: str, paged_total: str = "unlimited", tls: tuple[str, str, str] | None = None
    ) -> None:
        """`tls`: (certificate, key, CA) files for StartTLS; none by default."""
        super().__init__()
        self._tls = tls
        self._entries = entries
        self._paged_total = paged_total  # a number: paged searches stop there, as a server's size limit
        self.cli_sasl_external = False  # the CLI tools bind as the root DN (no peer-credential mapping here)

    def _write_config(self) -> None:
        tls = ""
        if self._tls:
            certificate, key, authority = self._tls
            tls = (
                f"olcTLSCACertificateFile: {authority}\n"
                f"olcTLSCertificateFile: {certificate}\nolcTLSCertificateKeyFile: {key}\n"
            )
        self.slapadd(GLOBAL.format(tls=tls), ["-n0"])
        for schema in self.openldap_schema_files:
            self.slapadd(None, ["-n0", "-l", f"{self.SCHEMADIR}/{schema}"])
        self.slapadd(SCHEMA, ["-n0"])
        self.slapadd(
            DATABASE.format(
                suffix=self.suffix,
                root_dn=self.root_dn,
                root_pw=self.root_pw,
                directory=self._db_directory,
                prtotal=self._paged_total,
            ),
            ["-n0"],
        )
        self.slapadd(self._entries, ["-n1", "-q"])


DEMO_SERVICE_ACCOUNT = f"cn=svc-ghtsoc,{AdLikeSlapd.suffix}"
DEMO_PASSWORD = "demo-lecture-seule-0123"


def demo_entries(agents: int = 300) -> str:
    """A small hospital directory with the usual problems: a kerberoastable admin, a nested admin group,
    an old krbtgt password, a Windows 7 workstation, a former admin still marked adminCount=1."""
    suffix, now = AdLikeSlapd.suffix, datetime.now(UTC)
    users, computers = f"OU=Utilisateurs,{suffix}", f"OU=Postes,{suffix}"
    parts = [
        entry(suffix, objectClass=["dcObject", "organization"], dc="chu-demo", o="CHU Tours (démo)"),
        entry(
            DEMO_SERVICE_ACCOUNT,
            objectClass="person",
            cn="svc-ghtsoc",
            sn="ght-soc",
            userPassword=DEMO_PASSWORD,
        ),
        entry(users, objectClass="organizationalUnit", ou="Utilisateurs"),
        entry(computers, objectClass="organizationalUnit", ou="Postes"),
    ]
    for n in range(agents):
        parts.append(
            entry(
                f"CN=Agent {n},{users}",
                objectClass="user",
                cn=f"Agent {n}",
                sn=str(n),
                sAMAccountName=f"agent{n}",
                objectSid=sid(2000 + n),
                userAccountControl=512 + (2 if n % 25 == 0 else 0),
                lastLogonTimestamp=filetime(now - timedelta(days=(n * 7) % 200)),
                pwdLastSet=filetime(now),
            )
        )
    admin = f"CN=Hélène Dupré,{users}"
    parts += [
        entry(
            admin,
            objectClass="user",
            cn="Hélène Dupré",
            sn="Dupré",
            sAMAccountName="hdupre",
            displayName="Hélène Dupré (admin)",
            objectSid=sid(1105),
            userAccountControl=512 + 0x10000,
            adminCount=1,
            servicePrincipalName="MSSQLSvc/srv-dpi.chu-demo.local:1433",
            pwdLastSet=filetime(now - timedelta(days=800)),
            lastLogonTimestamp=filetime(now),
        ),
        entry(
            f"CN=krbtgt,{users}",
            objectClass="user",
            cn="krbtgt",
            sn="krbtgt",
            sAMAccountName="krbtgt",
            objectSid=sid(502),
            userAccountControl=514,
            pwdLastSet=filetime(now - timedelta(days=1200)),
        ),
        entry(
            f"CN=Ancien Admin,{users}",
            objectClass="user",
            cn="Ancien Admin",
            sn="Admin",
            sAMAccountName="ancien.admin",
            objectSid=sid(1300),
            userAccountControl=512,
            adminCount=1,
            lastLogonTimestamp=filetime(now),
        ),
        entry(
            f"CN=PC-URG-01,{computers}",
            objectClass="computer",
            cn="PC-URG-01",
            sn="pc",
            sAMAccountName="PC-URG-01$",
            objectSid=sid(3001),
            userAccountControl=4096,
            operatingSystem="Windows 7 Professionnel",
            dNSHostName="pc-urg-01.chu-demo.local",
        ),
        entry(
            f"CN=Admins du domaine,{users}",
            objectClass="group",
            cn="Admins du domaine",
            objectSid=sid(512),
            member=[admin, f"CN=Admins délégués,{users}"],
        ),
        entry(
            f"CN=Admins délégués,{users}",
            objectClass="group",
            cn="Admins délégués",
            objectSid=sid(1200),
            member=f"CN=Agent 7,{users}",
        ),
    ]
    return "\n".join(parts)
