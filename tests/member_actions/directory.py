"""Directories for the disable-account tests: the AD-like test directory of the LDAP connector tests (plus a
name held by two entries) and an OpenLDAP one with the ppolicy overlay, whose lock really refuses a bind."""

from __future__ import annotations

from ght_soc.demo_directory import AdLikeSlapd, entry
from tests.connectors.ldap.directory import SERVICE_ACCOUNT, SERVICE_PASSWORD, SUFFIX, directory

PEOPLE = f"ou=people,{SUFFIX}"
POLICY = f"cn=default,{SUFFIX}"
JEANNE_PASSWORD = "mot-de-passe-de-jeanne"


def ad_directory() -> str:
    """The connector tests' directory (agent1 enabled with 512, agent0 already 514) and a duplicated name."""
    duplicates = [
        entry(
            f"CN=Doublon {n},OU=Utilisateurs,{SUFFIX}",
            objectClass="user",
            cn=f"Doublon {n}",
            sn="Doublon",
            sAMAccountName="doublon",
            userAccountControl=512,
        )
        for n in (1, 2)
    ]
    return "\n".join([directory(), *duplicates])


def openldap_directory() -> str:
    return "\n".join(
        [
            entry(SUFFIX, objectClass=["dcObject", "organization"], dc="chu-demo", o="CH"),
            entry(
                SERVICE_ACCOUNT, objectClass="person", cn="svc-ghtsoc", sn="s", userPassword=SERVICE_PASSWORD
            ),
            entry(PEOPLE, objectClass="organizationalUnit", ou="people"),
            entry(
                f"uid=jdupont,{PEOPLE}",
                objectClass="inetOrgPerson",
                uid="jdupont",
                cn="Jeanne Dupont",
                sn="Dupont",
                userPassword=JEANNE_PASSWORD,
            ),
        ]
    )


class PpolicySlapd(AdLikeSlapd):
    """slapd with the ppolicy overlay and a default policy that honours `pwdAccountLockedTime`."""

    def _write_config(self) -> None:
        super()._write_config()
        self.slapadd(
            "dn: cn=module,cn=config\nobjectClass: olcModuleList\ncn: module\nolcModuleLoad: ppolicy\n",
            ["-n0"],
        )
        self.slapadd(
            "dn: olcOverlay=ppolicy,olcDatabase={1}mdb,cn=config\nobjectClass: olcOverlayConfig\n"
            f"objectClass: olcPPolicyConfig\nolcOverlay: ppolicy\nolcPPolicyDefault: {POLICY}\n",
            ["-n0"],
        )

    def start(self) -> None:
        super().start()
        # The policy's object class exists once the module is loaded, so the entry is added to the running server.
        self.ldapadd(
            f"dn: {POLICY}\nobjectClass: pwdPolicy\nobjectClass: person\ncn: default\nsn: policy\n"
            "pwdAttribute: userPassword\npwdLockout: TRUE\n"
        )
