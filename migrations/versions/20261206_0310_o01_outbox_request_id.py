"""the grade outbox row keeps the request id that recorded it

Revision ID: o01
Revises: 0003
Create Date: 2026-12-06 03:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'o01'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('score_submissions') as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('score_submissions') as batch_op:
        batch_op.drop_column('request_id')
