"""console: saved views (personal or shared with a team) and who has a ticket open

Revision ID: 0020
Revises: 0019
"""

from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'saved_views',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('queue', sa.String(length=20), nullable=False),
        sa.Column('query', sa.String(length=2000), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['agents.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_saved_views_owner_id', 'saved_views', ['owner_id'])
    op.create_index('ix_saved_views_team_id', 'saved_views', ['team_id'])
    op.create_table(
        'ticket_presence',
        sa.Column('number', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('number', 'agent_id'),
    )
    op.create_index('ix_ticket_presence_seen_at', 'ticket_presence', ['seen_at'])


def downgrade() -> None:
    op.drop_index('ix_ticket_presence_seen_at', table_name='ticket_presence')
    op.drop_table('ticket_presence')
    op.drop_index('ix_saved_views_team_id', table_name='saved_views')
    op.drop_index('ix_saved_views_owner_id', table_name='saved_views')
    op.drop_table('saved_views')
