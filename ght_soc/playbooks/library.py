"""The published playbooks, indexed by (id, version) and by content hash.

A published version is immutable: two different files claiming the same (id, version) are refused, so a run
that pinned a content hash always finds the exact text it started with. Editing a playbook means a new version.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path

from ght_soc.playbooks.actions import ACTIONS, ActionSpec
from ght_soc.playbooks.definition import Playbook
from ght_soc.playbooks.loader import LoadedPlaybook, Problem
from ght_soc.playbooks.validation import check_file


class ImmutableVersionError(ValueError):
    """A second, different content for an (id, version) already published."""

    def __init__(self, key: tuple[str, int], existing: str, offered: str) -> None:
        self.key = key
        self.existing = existing
        self.offered = offered
        super().__init__(
            f"le playbook {key[0]} version {key[1]} est déjà publié avec un autre contenu ({existing}) : "
            f"toute modification demande un nouveau numéro de version ({offered})"
        )


def playbook_files(directory: Path) -> list[Path]:
    """The playbook files of a folder, sorted (`*.yaml` and `*.yml`)."""
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


class PlaybookLibrary:
    def __init__(self) -> None:
        self._by_key: dict[tuple[str, int], LoadedPlaybook] = {}
        self._by_hash: dict[str, LoadedPlaybook] = {}

    @classmethod
    def from_directory(
        cls,
        directory: Path,
        *,
        actions: Mapping[str, ActionSpec] = ACTIONS,
        categories: Collection[str] | None = None,
    ) -> tuple[PlaybookLibrary, list[Problem]]:
        """Load and check every playbook of `directory`; invalid files are left out and reported."""
        return cls.from_files(playbook_files(directory), actions=actions, categories=categories)

    @classmethod
    def from_files(
        cls,
        paths: Iterable[Path],
        *,
        actions: Mapping[str, ActionSpec] = ACTIONS,
        categories: Collection[str] | None = None,
    ) -> tuple[PlaybookLibrary, list[Problem]]:
        """Load and check each file, then publish it; every problem of every file is returned."""
        library, problems = cls(), []
        for path in paths:
            loaded, found = check_file(path, actions=actions, categories=categories)
            problems += found
            if loaded is None:
                continue
            try:
                library.add(loaded)
            except ImmutableVersionError as error:
                line, column = loaded.source.position(("version",))
                problems.append(Problem(str(path), line, column, str(error)))
        return library, problems

    def add(self, loaded: LoadedPlaybook) -> None:
        """Publish a checked playbook; re-adding the same content is harmless, different content is refused."""
        playbook = loaded.playbook
        existing = self._by_key.get(playbook.key)
        if existing is not None:
            if existing.playbook.content_hash != playbook.content_hash:
                raise ImmutableVersionError(playbook.key, existing.file, loaded.file)
            return
        self._by_key[playbook.key] = loaded
        self._by_hash[playbook.content_hash] = loaded

    def get(self, playbook_id: str, version: int) -> Playbook:
        """The playbook (id, version); KeyError when unknown."""
        return self._by_key[(playbook_id, version)].playbook

    def by_hash(self, content_hash: str) -> LoadedPlaybook:
        """The exact published text a run pinned; KeyError when unknown."""
        return self._by_hash[content_hash]

    def latest(self, playbook_id: str) -> Playbook:
        """The highest version of `playbook_id`; KeyError when unknown."""
        versions = [version for (pid, version) in self._by_key if pid == playbook_id]
        if not versions:
            raise KeyError(playbook_id)
        return self.get(playbook_id, max(versions))

    def __iter__(self) -> Iterator[Playbook]:
        return iter(loaded.playbook for _, loaded in sorted(self._by_key.items()))

    def __len__(self) -> int:
        return len(self._by_key)
