"""From a configured directory (`establishments[].directories[]`) to the LDAP connector's settings.

One place for both users of a directory: the inventory sync (ght_soc/directory_sync.py) and the login through
the directory (ght_soc/services/directory_accounts.py). No Flask: the CLI and the scheduler call it too.
"""

from __future__ import annotations

from pathlib import Path

from connectors.ldap.settings import LdapSettings
from ght_soc.settings import DirectoryConfig, LoadedConfig


def ldap_settings(config: LoadedConfig, establishment_key: str, item: DirectoryConfig) -> LdapSettings:
    """The connector's settings, with the bind password from the secrets (keyed `establishment/name`)."""
    return LdapSettings(
        establishment=establishment_key,
        uri=item.uri,
        bind_dn=item.bind_dn,
        password=config.secrets.directory_passwords[f"{establishment_key}/{item.name}"],
        base_dns=item.base_dns,
        profile=item.profile,
        start_tls=item.start_tls,
        ca_file=Path(item.ca_file) if item.ca_file else None,
        allow_plain_ldap=item.allow_plain_ldap,
        page_size=item.page_size,
        timeout=item.timeout_seconds,
    )
