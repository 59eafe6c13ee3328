"""Evidence files: streamed to disk under their SHA-256, bounded in size, their custody on the timeline.

The stored path is derived from the content hash only, never from the uploaded name: a name such as
`../../etc/passwd` or `rapport.pdf\x00.exe` can neither escape the folder nor be served as something else.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from sqlalchemy.orm import Session

from ght_soc.access import Principal
from ght_soc.domain import TimelineKind
from ght_soc.models import Evidence, Incident
from ght_soc.services import timeline

CHUNK = 1 << 20
_UNSAFE = re.compile(r"[^\w.\- ()+,@]+")
# Names Windows refuses whatever the extension: a responder copying the file to a workstation would fail.
_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(1, 10)),
    *(f"lpt{i}" for i in range(1, 10)),
}


class EvidenceError(ValueError):
    """An upload that was refused; nothing of it is kept."""


class EvidenceTooLargeError(EvidenceError):
    pass


@dataclass(frozen=True)
class EvidenceStore:
    """The folder of evidence files and the size limit, from the configuration."""

    root: Path
    max_bytes: int

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256


def safe_filename(name: str) -> str:
    """The name to show and to offer on download: its last path part, printable, bounded, never empty."""
    name = unicodedata.normalize("NFC", name).replace("\x00", "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip(" .")
    stem = name.split(".")[0].lower()
    if not name or stem in _RESERVED:
        raise EvidenceError("this file name cannot be used; rename the file and upload it again")
    return name[-200:]


def store(
    *,
    session: Session,
    files: EvidenceStore,
    incident: Incident,
    stream: IO[bytes],
    filename: str,
    content_type: str,
    description: str,
    actor: Principal,
    now: datetime,
) -> Evidence:
    """Stream the upload to a temporary file while hashing it, then move it under its hash; record custody."""
    name = safe_filename(filename)
    files.root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    handle, temporary = tempfile.mkstemp(dir=files.root, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > files.max_bytes:
                    raise EvidenceTooLargeError(
                        f"file larger than the limit of {files.max_bytes // (1 << 20)} MB; nothing was kept"
                    )
                digest.update(chunk)
                out.write(chunk)
        sha256 = digest.hexdigest()
        target = files.path_of(sha256)
        target.parent.mkdir(exist_ok=True)
        os.replace(temporary, target)  # the same content uploaded twice is stored once
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    evidence = Evidence(
        incident_id=incident.id,
        filename=name,
        sha256=sha256,
        size=size,
        content_type=(content_type or "application/octet-stream")[:100],
        description=description.strip(),
        uploaded_by_id=actor.user_id,
        uploaded_at=now,
    )
    session.add(evidence)
    session.flush()
    timeline.record(
        session=session,
        incident=incident,
        kind=TimelineKind.EVIDENCE,
        text=f"Preuve déposée : {name} ({size} octets, SHA-256 {sha256})",
        actor=actor,
        now=now,
        data={"evidence_id": evidence.id, "action": "added", "sha256": sha256, "size": size},
    )
    return evidence


def open_for_download(
    *, session: Session, files: EvidenceStore, evidence: Evidence, actor: Principal, now: datetime
) -> IO[bytes]:
    """Open the stored file, after checking it still has its hash, and note who took it (custody)."""
    path = files.path_of(evidence.sha256)
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    if digest.hexdigest() != evidence.sha256:
        raise EvidenceError(f"stored file of evidence {evidence.id} no longer matches its SHA-256")
    timeline.record(
        session=session,
        incident=evidence.incident,
        kind=TimelineKind.EVIDENCE,
        text=f"Preuve consultée : {evidence.filename}",
        actor=actor,
        now=now,
        data={"evidence_id": evidence.id, "action": "downloaded", "sha256": evidence.sha256},
    )
    return path.open("rb")
