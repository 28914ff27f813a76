"""the portal: customers sign in by a link sent to their address; their sessions (models/customer_sessions.py)

Revision ID: 0023
Revises: 0022
"""

from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The sign-in link itself needs no table: it is signed, and spent in used_links (0011).
    op.create_table(
        'customer_sessions',
        sa.Column('id_hash', sa.String(64), primary_key=True),
        sa.Column('email', sa.String(320), nullable=False),
        sa.Column('timezone', sa.String(64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_customer_sessions_email', 'customer_sessions', ['email'])


def downgrade() -> None:
    op.drop_index('ix_customer_sessions_email', table_name='customer_sessions')
    op.drop_table('customer_sessions')
