"""closing a ticket: confirmation and survey periods on SLA policies, how a ticket closed,
and the satisfaction survey answers

Revision ID: 0009
Revises: 0008
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Columns added in place (no batch copy): SQLite can add a column with a constant default.
    op.add_column('sla_policies', sa.Column('confirm_within_seconds', sa.Integer(), server_default=str(3 * 86400),
                                            nullable=False))
    op.add_column('sla_policies', sa.Column('survey_within_seconds', sa.Integer(), server_default=str(7 * 86400),
                                            nullable=False))
    op.add_column('tickets', sa.Column('closed_reason', sa.String(length=20), nullable=True))
    op.create_table('survey_responses',
        sa.Column('number', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('csat', sa.Integer(), nullable=False),
        sa.Column('nps', sa.Integer(), nullable=True),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('team', sa.String(length=64), nullable=True),
        sa.Column('assignee', sa.String(length=320), nullable=True),
        sa.PrimaryKeyConstraint('number'),
    )
    op.create_index('ix_survey_responses_answered_at', 'survey_responses', ['answered_at'])


def downgrade() -> None:
    op.drop_index('ix_survey_responses_answered_at', table_name='survey_responses')
    op.drop_table('survey_responses')
    with op.batch_alter_table('tickets') as batch_op:
        batch_op.drop_column('closed_reason')
    with op.batch_alter_table('sla_policies') as batch_op:
        batch_op.drop_column('survey_within_seconds')
        batch_op.drop_column('confirm_within_seconds')
