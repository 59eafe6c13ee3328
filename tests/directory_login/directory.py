"""The directories people log in through, in one real slapd: CH Amboise's Active Directory (AD-like schema,
groups found by DN and by SID, one nested) and the GHT's OpenLDAP at the support establishment (CHU Tours)."""

from __future__ import annotations

from typing import Any

import ldap

from connectors.ldap.settings import LdapSettings
from ght_soc.demo_directory import SCHEMA, STRING, AdLikeSlapd, entry, sid
from tests.connectors.ldap.directory import SERVICE_ACCOUNT, SERVICE_PASSWORD

SUFFIX = AdLikeSlapd.suffix
AMBOISE = f"OU=Amboise,{SUFFIX}"  # the establishment's Active Directory
GHT = f"ou=ght,{SUFFIX}"  # the GHT's OpenLDAP, run by the support establishment
CORRESPONDENTS = f"CN=GHT-SOC Correspondants,{AMBOISE}"
ON_CALL_SID_RID = 1501  # "GHT-SOC Astreinte", mapped by SID; its members come through a nested group
ON_CALL = f"CN=GHT-SOC Astreinte,{AMBOISE}"
ON_CALL_NESTED = f"CN=Astreinte nuit,{AMBOISE}"
RSSI_GROUP = f"cn=ght-soc-rssi,ou=groupes,{GHT}"
CHU_CORRESPONDENTS = f"cn=ght-soc-correspondants-chu,ou=groupes,{GHT}"
PASSWORD = "mot-de-passe-annuaire-42"  # every person's, to keep the table short
SERVICE_PASSWORD_ENV = "GHT_SOC_TEST_DIRECTORY_PASSWORD"

# userPrincipalName (Microsoft's OID) and mail on AD-like users, through an auxiliary class of the tests
# (a long LDIF line folds: the next line starts with one space).
LOGIN_SCHEMA = f"""dn: cn=ghtsoclogin,cn=schema,cn=config
objectClass: olcSchemaConfig
cn: ghtsoclogin
olcAttributeTypes: ( 1.2.840.113556.1.4.656 NAME 'userPrincipalName'
  EQUALITY caseIgnoreMatch SYNTAX {STRING} SINGLE-VALUE )
olcObjectClasses: ( 1.3.6.1.4.1.99999.77.1 NAME 'ghtSocTestMailUser' AUXILIARY MAY ( userPrincipalName $ mail ) )
"""


class LoginSlapd(AdLikeSlapd):
    """The AD-like slapd, plus userPrincipalName and mail on users."""

    def slapadd(self, ldif: str | None, extra_args: list[str] | None = None) -> None:
        super().slapadd(ldif, extra_args)
        if ldif == SCHEMA:
            super().slapadd(LOGIN_SCHEMA, ["-n0"])

    def modify(self, dn: str, changes: list[tuple[int, str, Any]]) -> None:
        """Change the directory as its administrator would (tests restore what they change)."""
        connection = ldap.initialize(self.ldap_uri)
        try:
            connection.simple_bind_s(self.root_dn, self.root_pw)
            connection.modify_s(dn, changes)
        finally:
            connection.unbind_s()


def ad_person(cn: str, login: str, rid: int, disabled: bool = False) -> str:
    return entry(
        f"CN={cn},{AMBOISE}",
        objectClass=["user", "ghtSocTestMailUser"],
        cn=cn,
        sn=cn.split()[-1],
        displayName=cn,
        sAMAccountName=login,
        userPrincipalName=f"{login}@ch-amboise.local",
        mail=f"{login}@ch-amboise.example",
        objectSid=sid(rid),
        userAccountControl=512 + (2 if disabled else 0),
        userPassword=PASSWORD,
    )


def ght_person(uid: str, cn: str) -> str:
    return entry(
        f"uid={uid},ou=personnes,{GHT}",
        objectClass="inetOrgPerson",
        uid=uid,
        cn=cn,
        sn=cn.split()[-1],
        mail=f"{uid}@ght.example",
        userPassword=PASSWORD,
    )


def directory() -> str:
    def dn(cn: str) -> str:
        return f"CN={cn},{AMBOISE}"

    parts = [
        entry(SUFFIX, objectClass=["dcObject", "organization"], dc="chu-demo", o="GHT démo"),
        entry(
            SERVICE_ACCOUNT,
            objectClass="person",
            cn="svc-ghtsoc",
            sn="ght-soc",
            userPassword=SERVICE_PASSWORD,
        ),
        entry(AMBOISE, objectClass="organizationalUnit", ou="Amboise"),
        ad_person("Jeanne Martin", "jmartin", 1101),
        ad_person("Paul Durand", "pdurand", 1102),  # in no mapped group
        ad_person("Luc Bloqué", "lbloque", 1103, disabled=True),
        ad_person("Nina Nuit", "nnuit", 1104),  # on call through the nested group only
        ad_person("Pierre Dupuis", "pdupuis", 1105),  # correspondent and on call
        ad_person("Homonyme Amboise", "homonyme", 1106),
        entry(
            CORRESPONDENTS,
            objectClass="group",
            cn="GHT-SOC Correspondants",
            objectSid=sid(1500),
            member=[dn("Jeanne Martin"), dn("Luc Bloqué"), dn("Pierre Dupuis"), dn("Homonyme Amboise")],
        ),
        entry(
            ON_CALL,
            objectClass="group",
            cn="GHT-SOC Astreinte",
            objectSid=sid(ON_CALL_SID_RID),
            member=[ON_CALL_NESTED, dn("Pierre Dupuis")],
        ),
        entry(
            ON_CALL_NESTED,
            objectClass="group",
            cn="Astreinte nuit",
            objectSid=sid(1502),
            member=dn("Nina Nuit"),
        ),
        entry(dn("Comptabilité"), objectClass="group", cn="Comptabilité", member=dn("Paul Durand")),
        entry(GHT, objectClass="organizationalUnit", ou="ght"),
        entry(f"ou=personnes,{GHT}", objectClass="organizationalUnit", ou="personnes"),
        entry(f"ou=groupes,{GHT}", objectClass="organizationalUnit", ou="groupes"),
        ght_person("rssi", "Régine Sécurité"),
        ght_person("corresp-chu", "Camille Tours"),
        ght_person("homonyme", "Homonyme GHT"),
        entry(
            RSSI_GROUP, objectClass="groupOfNames", cn="ght-soc-rssi", member=f"uid=rssi,ou=personnes,{GHT}"
        ),
        entry(
            CHU_CORRESPONDENTS,
            objectClass="groupOfNames",
            cn="ght-soc-correspondants-chu",
            member=[f"uid=corresp-chu,ou=personnes,{GHT}", f"uid=homonyme,ou=personnes,{GHT}"],
        ),
    ]
    return "\n".join(parts)


def ad_settings(server: AdLikeSlapd, **overrides: object) -> LdapSettings:
    values: dict[str, object] = {
        "establishment": "ch-amboise-demo",
        "uri": server.ldap_uri,
        "bind_dn": SERVICE_ACCOUNT,
        "password": SERVICE_PASSWORD,
        "base_dns": (AMBOISE,),
        "profile": "active_directory",
        "start_tls": False,
        "allow_plain_ldap": True,
        "timeout": 5,
    }
    values.update(overrides)
    return LdapSettings(**values)  # type: ignore[arg-type]


def ght_settings(server: AdLikeSlapd) -> LdapSettings:
    return ad_settings(server, establishment="chu-tours-demo", base_dns=(GHT,), profile="openldap")


def directories_config(server: AdLikeSlapd) -> dict[str, list[dict[str, object]]]:
    """The `directories:` of the two establishments, as the YAML file would hold them."""
    common = {
        "uri": server.ldap_uri,
        "bind_dn": SERVICE_ACCOUNT,
        "password_env": SERVICE_PASSWORD_ENV,
        "start_tls": False,
        "allow_plain_ldap": True,
        "timeout_seconds": 5,
    }
    on_call_sid = "S-1-5-21-1004336348-1177238915-682003330-" + str(ON_CALL_SID_RID)
    return {
        "ch-amboise-demo": [
            {
                "name": "ad",
                **common,
                "base_dns": [AMBOISE],
                "profile": "active_directory",
                "login": {
                    "enabled": True,
                    "domains": ["ch-amboise.local", "CHAMBOISE"],
                    # Spelled differently from the directory (case, spaces): DNs are compared normalised.
                    "role_groups": {
                        CORRESPONDENTS.replace(",", ", ").lower(): "site_correspondent",
                        on_call_sid: "on_call_engineer",
                    },
                },
            }
        ],
        "chu-tours-demo": [
            {
                "name": "annuaire-ght",
                **common,
                "base_dns": [GHT],
                "profile": "openldap",
                "login": {
                    "enabled": True,
                    "domains": ["ght.example"],
                    "role_groups": {RSSI_GROUP: "ght_rssi", CHU_CORRESPONDENTS: "site_correspondent"},
                },
            }
        ],
    }
