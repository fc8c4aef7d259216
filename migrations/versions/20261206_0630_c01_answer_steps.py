"""every save of an attempt kept as a step (what was answered when)

Revision ID: c01_answer_steps
Revises: i01_instructor
Create Date: 2026-12-06 06:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lti_tool.models.base

revision = 'c01_answer_steps'
down_revision = 'i01_instructor'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('answer_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=True),
    sa.Column('item_id', sa.String(length=100), nullable=True),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('response', sa.JSON(), nullable=True),
    sa.Column('via', sa.String(length=20), nullable=False),
    sa.Column('saved_at', lti_tool.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_answer_steps_attempt_id_attempts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_steps'))
    )
    with op.batch_alter_table('answer_steps', schema=None) as batch_op:
        batch_op.create_index('ix_answer_steps_attempt_id_id', ['attempt_id', 'id'], unique=False)
    # Attempts saved before steps were kept: their last saves are their only known steps.
    op.execute(
        "INSERT INTO answer_steps (attempt_id, slot, item_id, version, response, via, saved_at) "
        "SELECT answers.attempt_id, answers.slot, answers.item_id, NULL, answers.response, 'before-steps', "
        "answers.saved_at FROM answers ORDER BY answers.saved_at, answers.id"
    )


def downgrade() -> None:
    with op.batch_alter_table('answer_steps', schema=None) as batch_op:
        batch_op.drop_index('ix_answer_steps_attempt_id_id')
    op.drop_table('answer_steps')
