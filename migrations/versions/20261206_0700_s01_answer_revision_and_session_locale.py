"""an answer counts its saves (two tabs cannot overwrite each other unseen); a tool session keeps
the launch's locale and time zone

Revision ID: s01_student
Revises: c01_answer_steps
Create Date: 2026-12-06 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 's01_student'
down_revision = 'c01_answer_steps'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('answers') as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=False, server_default='1'))
    with op.batch_alter_table('tool_sessions') as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=35), nullable=True))
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tool_sessions') as batch_op:
        batch_op.drop_column('timezone')
        batch_op.drop_column('locale')
    with op.batch_alter_table('answers') as batch_op:
        batch_op.drop_column('revision')
