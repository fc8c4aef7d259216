"""instructor tools: the assignment builder's assessments, accommodations, the roster cache,
line item changes

Revision ID: i01_instructor
Revises: o01
Create Date: 2026-12-06 03:05:48.006734
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


import lti_tool.models.base

revision = 'i01_instructor'
down_revision = 'o01'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('roster_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('context_pk', sa.Integer(), nullable=False),
    sa.Column('user_pk', sa.Integer(), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('is_learner', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('fetched_at', lti_tool.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['context_pk'], ['contexts.id'], name=op.f('fk_roster_entries_context_pk_contexts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_pk'], ['lti_users.id'], name=op.f('fk_roster_entries_user_pk_lti_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_entries')),
    sa.UniqueConstraint('context_pk', 'user_pk', name=op.f('uq_roster_entries_context_pk_user_pk'))
    )
    op.create_table('lineitem_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_link_pk', sa.Integer(), nullable=False),
    sa.Column('score_maximum', sa.Double(), nullable=False),
    sa.Column('label', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', lti_tool.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', lti_tool.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('platform_answer', sa.Text(), nullable=True),
    sa.Column('created_at', lti_tool.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', lti_tool.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', lti_tool.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['resource_link_pk'], ['resource_links.id'], name=op.f('fk_lineitem_changes_resource_link_pk_resource_links'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lineitem_changes'))
    )
    with op.batch_alter_table('lineitem_changes', schema=None) as batch_op:
        batch_op.create_index('ix_lineitem_changes_due', ['status', 'next_attempt_at'], unique=False)

    op.create_table('slot_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('points', sa.Float(), nullable=False),
    sa.Column('credit', sa.Float(), nullable=False),
    sa.Column('earned', sa.Float(), nullable=False),
    sa.Column('rest', sa.Float(), nullable=False),
    sa.Column('counted', sa.Boolean(), nullable=False),
    sa.Column('chosen', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_slot_scores_assessment_id_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_slot_scores_attempt_id_attempts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slot_scores')),
    sa.UniqueConstraint('attempt_id', 'slot', name=op.f('uq_slot_scores_attempt_id_slot'))
    )
    with op.batch_alter_table('slot_scores', schema=None) as batch_op:
        batch_op.create_index('ix_slot_scores_assessment_id_item_id', ['assessment_id', 'item_id'], unique=False)

    op.create_table('accommodations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('user_pk', sa.Integer(), nullable=False),
    sa.Column('extra_minutes', sa.Integer(), nullable=False),
    sa.Column('extra_percent', sa.Integer(), nullable=False),
    sa.Column('extra_attempts', sa.Integer(), nullable=False),
    sa.Column('updated_at', lti_tool.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_accommodations_assessment_id_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_pk'], ['lti_users.id'], name=op.f('fk_accommodations_user_pk_lti_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accommodations')),
    sa.UniqueConstraint('assessment_id', 'user_pk', name=op.f('uq_accommodations_assessment_id_user_pk'))
    )
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('platform_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('context_pk', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('key', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('source', sa.String(length=20), server_default='custom', nullable=False))
        batch_op.add_column(sa.Column('copied_from_pk', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('description', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('layout', sa.String(length=10), server_default='paged', nullable=False))
        batch_op.add_column(sa.Column('excluded_items', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        batch_op.add_column(sa.Column('regrade', sa.JSON(), server_default=sa.text("'{}'"), nullable=False))
        batch_op.add_column(sa.Column('settings_changed_at', lti_tool.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.alter_column('resource_link_pk',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_assessments_key'), ['key'])
        batch_op.create_foreign_key(batch_op.f('fk_assessments_copied_from_pk_assessments'), 'assessments', ['copied_from_pk'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_assessments_platform_id_platforms'), 'platforms', ['platform_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_assessments_context_pk_contexts'), 'contexts', ['context_pk'], ['id'], ondelete='SET NULL')

    # Existing assessments belong to their link's platform and course.
    op.execute(
        "UPDATE assessments SET platform_id = (SELECT platform_id FROM resource_links WHERE resource_links.id = "
        "assessments.resource_link_pk), context_pk = (SELECT context_pk FROM resource_links WHERE "
        "resource_links.id = assessments.resource_link_pk)"
    )

    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_limit_minutes', sa.Integer(), nullable=True))

    with op.batch_alter_table('contexts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('roster_fetched_at', lti_tool.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('roster_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('roster_error_at', lti_tool.models.base.UTCDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('contexts', schema=None) as batch_op:
        batch_op.drop_column('roster_error_at')
        batch_op.drop_column('roster_error')
        batch_op.drop_column('roster_fetched_at')

    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_column('time_limit_minutes')

    op.execute("DELETE FROM assessments WHERE resource_link_pk IS NULL")  # never launched: nothing to keep
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_assessments_context_pk_contexts'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_assessments_platform_id_platforms'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_assessments_copied_from_pk_assessments'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_assessments_key'), type_='unique')
        batch_op.alter_column('resource_link_pk',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('settings_changed_at')
        batch_op.drop_column('regrade')
        batch_op.drop_column('excluded_items')
        batch_op.drop_column('layout')
        batch_op.drop_column('description')
        batch_op.drop_column('copied_from_pk')
        batch_op.drop_column('source')
        batch_op.drop_column('key')
        batch_op.drop_column('context_pk')
        batch_op.drop_column('platform_id')

    op.drop_table('accommodations')
    with op.batch_alter_table('slot_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_slot_scores_assessment_id_item_id')

    op.drop_table('slot_scores')
    with op.batch_alter_table('lineitem_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_lineitem_changes_due')

    op.drop_table('lineitem_changes')
    op.drop_table('roster_entries')
