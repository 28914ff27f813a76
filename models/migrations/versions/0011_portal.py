"""customer portal: the one-time links already spent (used_links)

Revision ID: 0011
Revises: 0008
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'used_links',
        sa.Column('link_id', sa.String(length=255), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=20), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('link_id'),
    )
    op.create_index('ix_used_links_number', 'used_links', ['number'])


def downgrade() -> None:
    op.drop_index('ix_used_links_number', table_name='used_links')
    op.drop_table('used_links')
