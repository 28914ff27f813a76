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
    # SQLite recreates the table here: keep AUTOINCREMENT, and the sequence itself (it can be
    # ahead of the rows: `start_ticket_numbers_at` on an empty ledger), so numbers are never reused.
    sequence = _sqlite_sequence()
    with op.batch_alter_table('ticket_intake', table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=20), server_default='api', nullable=False))
        batch_op.alter_column('agent_id', existing_type=sa.Integer(), nullable=True)
    _restore_sqlite_sequence(sequence)
    op.create_index('uq_intake_source_key', 'ticket_intake', ['source', 'idempotency_key'], unique=True,
                    sqlite_where=sa.text('agent_id IS NULL'), postgresql_where=sa.text('agent_id IS NULL'))


def _sqlite_sequence() -> int | None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return None
    return bind.exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = 'ticket_intake'").scalar()


def _restore_sqlite_sequence(sequence: int | None) -> None:
    if sequence is None:
        return
    bind = op.get_bind()
    bind.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = 'ticket_intake'")
    bind.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES ('ticket_intake', "
                         "MAX(?, (SELECT COALESCE(MAX(number), 0) FROM ticket_intake)))", (int(sequence),))


def downgrade() -> None:
    op.drop_index('uq_intake_source_key', table_name='ticket_intake')
    sequence = _sqlite_sequence()
    with op.batch_alter_table('ticket_intake', table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.alter_column('agent_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('source')
    _restore_sqlite_sequence(sequence)
