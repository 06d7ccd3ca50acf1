"""The episode library and durable jobs: episodes, transcripts, sync maps, jobs.

Revision ID: 0001
Revises:
Create Date: 2025-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "episodes",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("origin", sa.String(32), nullable=True),
        sa.Column("audio_file", sa.String(500), nullable=False),
        sa.Column("playback_file", sa.String(500), nullable=False),
        sa.Column("duration", sa.Float, nullable=True),
        sa.Column("input_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_index("ix_episodes_origin", "episodes", ["origin"])
    op.create_index("ix_episodes_input_hash", "episodes", ["input_hash"])
    op.create_index("ix_episodes_created_at", "episodes", ["created_at"])
    op.create_table(
        "transcripts",
        sa.Column("episode_id", sa.String(32), sa.ForeignKey("episodes.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("format", sa.String(32), nullable=True),
    )
    op.create_table(
        "syncmaps",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("episode_id", sa.String(32), sa.ForeignKey("episodes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("input_hash", sa.String(64), nullable=False),
        sa.Column("aligner_version", sa.String(100), nullable=False),
        sa.Column("json", sa.Text, nullable=False),
        sa.Column("job_id", sa.String(32), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("episode_id", "input_hash", "aligner_version", name="uq_syncmap_key"),
    )
    op.create_index("ix_syncmaps_episode_id", "syncmaps", ["episode_id"])
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("episode_id", sa.String(32), sa.ForeignKey("episodes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("stage", sa.String(32), nullable=True),
        sa.Column("percent", sa.Float, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("worker_id", sa.String(200), nullable=True),
        sa.Column("claim", sa.String(32), nullable=True),
        sa.Column("lease_expires_at", TZ, nullable=True),
        sa.Column("heartbeat_at", TZ, nullable=True),
        sa.Column("input_hash", sa.String(64), nullable=False),
        sa.Column("aligner_version", sa.String(100), nullable=False),
        sa.Column("force", sa.Boolean, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("started_at", TZ, nullable=True),
        sa.Column("finished_at", TZ, nullable=True),
    )
    op.create_index("ix_jobs_episode_id", "jobs", ["episode_id"])
    op.create_index("ix_jobs_state_created", "jobs", ["state", "created_at"])


def downgrade() -> None:
    op.drop_table("jobs")
    op.drop_table("syncmaps")
    op.drop_table("transcripts")
    op.drop_table("episodes")
