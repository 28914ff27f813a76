"""routing: team membership, skills, availability, routing modes and the decision ledger

Revision ID: 0006
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0002'
branch_labels = None
depends_on = None

EMPTY_LIST = '[]'


def upgrade() -> None:
    # Plain ADD COLUMN (SQLite supports it with a constant default): a batch table copy would
    # drop `teams` and `agents`, which other tables reference, and fail with foreign keys on.
    op.add_column('teams', sa.Column('skills', sa.JSON(), server_default=EMPTY_LIST, nullable=False))
    op.add_column('teams', sa.Column('routing_mode', sa.String(length=20), server_default='least_loaded', nullable=False))
    op.add_column('teams', sa.Column('rr_cursor', sa.Integer(), nullable=True))
    op.add_column('agents', sa.Column('skills', sa.JSON(), server_default=EMPTY_LIST, nullable=False))
    # Existing agents keep being routed to: they start online.
    op.add_column('agents', sa.Column('availability', sa.String(length=10), server_default='online', nullable=False))
    op.add_column('routing_rules', sa.Column('skills', sa.JSON(), server_default=EMPTY_LIST, nullable=False))

    op.create_table(
        'team_members',
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('team_id', 'agent_id'),
    )
    op.create_index('ix_team_members_agent_id', 'team_members', ['agent_id'])
    # Every agent is a member of their home team (agents.team_id, which stays).
    op.execute("INSERT INTO team_members (team_id, agent_id) SELECT team_id, id FROM agents WHERE team_id IS NOT NULL")

    op.create_table(
        'routing_decisions',
        sa.Column('decision_key', sa.String(length=80), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=True),
        sa.Column('team', sa.String(length=64), nullable=True),
        sa.Column('assignee', sa.String(length=320), nullable=True),
        sa.Column('mode', sa.String(length=20), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('decision_key'),
    )
    op.create_index('ix_routing_decisions_number', 'routing_decisions', ['number'])
    op.create_index('ix_routing_decisions_assignee', 'routing_decisions', ['assignee'])
    op.create_index('ix_routing_decisions_decided_at', 'routing_decisions', ['decided_at'])


def downgrade() -> None:
    op.drop_index('ix_routing_decisions_decided_at', table_name='routing_decisions')
    op.drop_index('ix_routing_decisions_assignee', table_name='routing_decisions')
    op.drop_index('ix_routing_decisions_number', table_name='routing_decisions')
    op.drop_table('routing_decisions')
    op.drop_index('ix_team_members_agent_id', table_name='team_members')
    op.drop_table('team_members')
    # SQLite (3.35+) drops columns in place too.
    op.drop_column('routing_rules', 'skills')
    op.drop_column('agents', 'availability')
    op.drop_column('agents', 'skills')
    op.drop_column('teams', 'rr_cursor')
    op.drop_column('teams', 'routing_mode')
    op.drop_column('teams', 'skills')
