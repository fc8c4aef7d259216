"""registration links and platform trust

One-time Dynamic Registration links; per-platform choice of recording new deployment ids and
the further hosts a platform lives on; a sliding idle end for tool sessions (existing sessions
get their absolute end as idle end).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 03:00:27.399743
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


import lti_tool.models.base

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('registration_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_at', lti_tool.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', lti_tool.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', lti_tool.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('platform_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_registration_links_platform_id_platforms'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_registration_links_token_hash'))
    )
    with op.batch_alter_table('platforms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auto_register_deployments', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('hosts', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('registered_via', sa.String(length=20), server_default='manual', nullable=False))
        batch_op.add_column(sa.Column('updated_at', lti_tool.models.base.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('tool_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idle_expires_at', lti_tool.models.base.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE tool_sessions SET idle_expires_at = expires_at")
    with op.batch_alter_table('tool_sessions', schema=None) as batch_op:
        batch_op.alter_column('idle_expires_at', existing_type=lti_tool.models.base.UTCDateTime(timezone=True), nullable=False)



def downgrade() -> None:
    with op.batch_alter_table('tool_sessions', schema=None) as batch_op:
        batch_op.drop_column('idle_expires_at')

    with op.batch_alter_table('platforms', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
        batch_op.drop_column('registered_via')
        batch_op.drop_column('hosts')
        batch_op.drop_column('auto_register_deployments')

    op.drop_table('registration_links')
