"""What changed between two syncs that deserves an alert (pure functions over two snapshots).

A snapshot is what one sync read; comparing it with the previous one says who became privileged, which
privileged account came back to life, and whether accounts appeared in a mass. Both snapshots should come
from complete syncs: from an incomplete one, an absence proves nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from connectors.ldap.hygiene import privileged_members
from connectors.ldap.records import DirectoryAccount, DirectoryRecord

ChangeKind = Literal["privileged_member_added", "privileged_account_reenabled", "mass_account_creation"]


@dataclass(frozen=True)
class DirectoryChange:
    kind: ChangeKind
    severity: Literal["medium", "high", "critical"]
    title: str
    objects: tuple[str, ...]
    groups: tuple[str, ...] = ()


def changes(
    previous: Sequence[DirectoryRecord], current: Sequence[DirectoryRecord], mass_threshold: int = 50
) -> list[DirectoryChange]:
    found: list[DirectoryChange] = []
    before, after = privileged_members(previous), privileged_members(current)
    for member, groups in sorted(after.items()):
        added = sorted(groups - before.get(member, set()))
        if added:
            newly = member not in before
            found.append(
                DirectoryChange(
                    kind="privileged_member_added",
                    severity="critical",
                    title=("Nouveau compte privilégié" if newly else "Compte ajouté à un groupe privilégié")
                    + " : "
                    + member,
                    objects=(member,),
                    groups=tuple(added),
                )
            )
    was_disabled = {a.dn.lower() for a in previous if isinstance(a, DirectoryAccount) and not a.enabled}
    reenabled = sorted(
        a.dn.lower()
        for a in current
        if isinstance(a, DirectoryAccount)
        and a.enabled
        and a.dn.lower() in was_disabled
        and a.dn.lower() in after
    )
    if reenabled:
        found.append(
            DirectoryChange(
                "privileged_account_reenabled",
                "high",
                "Compte privilégié désactivé puis réactivé",
                tuple(reenabled),
            )
        )
    known = {r.dn.lower() for r in previous if isinstance(r, DirectoryAccount)}
    created = sorted(
        r.dn.lower() for r in current if isinstance(r, DirectoryAccount) and r.dn.lower() not in known
    )
    if previous and len(created) >= mass_threshold:
        found.append(
            DirectoryChange(
                "mass_account_creation",
                "high",
                f"{len(created)} comptes créés depuis la synchronisation précédente",
                tuple(created),
            )
        )
    return found
