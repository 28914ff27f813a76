"""ticket links: sub-tickets (parent) and duplicates (merged_into) in the read model

Revision ID: 0007
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets') as batch_op:
        batch_op.add_column(sa.Column('parent', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('merged_into', sa.Integer(), nullable=True))
        batch_op.create_index('ix_tickets_parent', ['parent'])


def downgrade() -> None:
    with op.batch_alter_table('tickets') as batch_op:
        batch_op.drop_index('ix_tickets_parent')
        batch_op.drop_column('merged_into')
        batch_op.drop_column('parent')
