"""an attempt records how far the student has gone in each unfolding case, so a case's earlier
parts close when its next part (whose new information could give them away) is opened

Revision ID: u01_case_progress
Revises: s01_student
Create Date: 2026-12-06 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'u01_case_progress'
down_revision = 's01_student'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('attempts') as batch_op:
        batch_op.add_column(sa.Column('case_progress', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('attempts') as batch_op:
        batch_op.drop_column('case_progress')
