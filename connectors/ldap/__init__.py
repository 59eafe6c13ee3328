"""LDAP: Active Directory and OpenLDAP inventory (accounts, computers, groups), read with paged searches."""
