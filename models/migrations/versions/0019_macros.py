"""macros: canned replies with placeholders and what they set, personal, a team's or global

Revision ID: 0019
Revises: 0018
"""

from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

EMPTY_LIST = sa.text("'[]'")


def upgrade() -> None:
    op.create_table(
        'macros',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('scope', sa.String(length=10), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('scope_key', sa.String(length=40), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=True),
        sa.Column('priority', sa.String(length=20), nullable=True),
        sa.Column('add_tags', sa.JSON(), server_default=EMPTY_LIST, nullable=False),
        sa.Column('remove_tags', sa.JSON(), server_default=EMPTY_LIST, nullable=False),
        sa.Column('created_by', sa.String(length=320), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['agents.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('scope_key', 'name', name='uq_macros_scope_name'),
    )
    op.create_index('ix_macros_owner_id', 'macros', ['owner_id'])
    op.create_index('ix_macros_team_id', 'macros', ['team_id'])


def downgrade() -> None:
    op.drop_index('ix_macros_team_id', table_name='macros')
    op.drop_index('ix_macros_owner_id', table_name='macros')
    op.drop_table('macros')
