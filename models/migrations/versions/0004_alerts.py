"""alert groups: which ticket stands for which Alertmanager alert group

Revision ID: 0004
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'alert_groups',
        sa.Column('group_key_hash', sa.String(length=64), nullable=False),
        sa.Column('group_key', sa.Text(), nullable=False),
        sa.Column('receiver', sa.String(length=200), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('notifications', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['number'], ['ticket_intake.number']),
        sa.PrimaryKeyConstraint('group_key_hash'),
    )


def downgrade() -> None:
    op.drop_table('alert_groups')
