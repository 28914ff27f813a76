"""intake sources: requests from channels (e-mail, alerts) without an API token

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite recreates the table here: keep AUTOINCREMENT, so numbers are never reused.
    with op.batch_alter_table('ticket_intake', table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=20), server_default='api', nullable=False))
        batch_op.alter_column('agent_id', existing_type=sa.Integer(), nullable=True)
    op.create_index('uq_intake_source_key', 'ticket_intake', ['source', 'idempotency_key'], unique=True,
                    sqlite_where=sa.text('agent_id IS NULL'), postgresql_where=sa.text('agent_id IS NULL'))


def downgrade() -> None:
    op.drop_index('uq_intake_source_key', table_name='ticket_intake')
    with op.batch_alter_table('ticket_intake', table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.alter_column('agent_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('source')
