"""Playbook runs as persisted state: a restarted hub resumes every run from these rows alone.

Playbooks have no cycles (the validator refuses them), so a run visits each step at most once: one
`RunStep` row per (run, step). Retrying a failed action is a new `RunAction` attempt on the same row.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ght_soc.models.base import Base, enum_type, utcnow
from ght_soc.models.incident import Incident, IncidentOwned


class RunStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class StepStatus(StrEnum):
    ACTIVE = "active"  # reached: automatic steps run at once, the others wait for a person or a timer
    RETRY_WAIT = "retry_wait"  # an action failed and will be tried again at `wake_at`
    FAILED = "failed"  # stopped on a failure: a person chooses retry or skip
    DONE = "done"
    SKIPPED = "skipped"


class AttemptStatus(StrEnum):
    STARTED = "started"  # written and committed before the handler runs
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # found STARTED after a restart: never run again by itself


class PlaybookRun(IncidentOwned, Base):
    __tablename__ = "playbook_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    playbook_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    source_text: Mapped[str] = mapped_column(Text)  # the pinned version itself: files may change, runs do not
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[RunStatus] = mapped_column(enum_type(RunStatus), default=RunStatus.RUNNING, index=True)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Parallel joins reached so far: {parallel step id: [branch start ids that ended]}.
    joins: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    started_by_name: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    incident: Mapped[Incident] = relationship()
    steps: Mapped[list[RunStep]] = relationship(back_populates="run", order_by="RunStep.id")


class RunStep(Base):
    __tablename__ = "playbook_run_step"
    __table_args__ = (UniqueConstraint("run_id", "step_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("playbook_run.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[StepStatus] = mapped_column(enum_type(StepStatus), index=True)
    parallel_of: Mapped[str | None] = mapped_column(String(64))  # the parallel step whose branch this is
    branch: Mapped[str | None] = mapped_column(String(64))  # the first step of that branch
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    wake_at: Mapped[datetime | None] = mapped_column(index=True)  # a wait's end, a retry's time, a timeout
    deadline_at: Mapped[datetime | None] = mapped_column(index=True)
    reminded: Mapped[bool] = mapped_column(default=False)
    escalation_level: Mapped[int] = mapped_column(default=0)  # how far up the chain it has gone
    attempts: Mapped[int] = mapped_column(default=0)
    output: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")

    run: Mapped[PlaybookRun] = relationship(back_populates="steps")
    attempts_log: Mapped[list[RunAction]] = relationship(back_populates="step", order_by="RunAction.attempt")
    votes: Mapped[list[ApprovalVote]] = relationship(back_populates="step", order_by="ApprovalVote.id")


class RunAction(Base):
    """The write-ahead journal of automatic actions: one row per attempt, committed before it runs."""

    __tablename__ = "playbook_run_action"
    __table_args__ = (UniqueConstraint("run_step_id", "attempt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_step_id: Mapped[int] = mapped_column(
        ForeignKey("playbook_run_step.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int]
    action: Mapped[str] = mapped_column(String(64))
    status: Mapped[AttemptStatus] = mapped_column(enum_type(AttemptStatus))
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    error: Mapped[str] = mapped_column(Text, default="")

    step: Mapped[RunStep] = relationship(back_populates="attempts_log")


class ApprovalVote(Base):
    """One person's answer to an approval step; a person answers a step once."""

    __tablename__ = "playbook_approval_vote"
    __table_args__ = (UniqueConstraint("run_step_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_step_id: Mapped[int] = mapped_column(
        ForeignKey("playbook_run_step.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    user_name: Mapped[str] = mapped_column(String(200))
    option: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]

    step: Mapped[RunStep] = relationship(back_populates="votes")
