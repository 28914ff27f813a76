"""notification delivery: the outbox's channel, status, attempts, Message-ID and rendering
fields; the webhooks table

Revision ID: 0010
Revises: 0008
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(10), nullable=False, server_default='email'))
        batch_op.add_column(sa.Column('audience', sa.String(10), nullable=False, server_default='agent'))
        batch_op.add_column(sa.Column('status', sa.String(10), nullable=False, server_default='pending'))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('last_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('message_id', sa.String(998), nullable=True))
        batch_op.add_column(sa.Column('requester_name', sa.String(200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('links', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('links_expire_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_notifications_status', ['status'])
    # Rows recorded before delivery existed were never meant to be sent now, days late.
    op.execute("UPDATE notifications SET status = 'failed', "
               "last_error = 'recorded before notifications were delivered (migration 0010)'")

    op.create_table(
        'webhooks',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(64), nullable=False, unique=True),
        sa.Column('url', sa.String(2000), nullable=False),
        sa.Column('secret', sa.String(200), nullable=False),
        sa.Column('kinds', sa.JSON(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('webhooks')
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.drop_index('ix_notifications_status')
        for column in ('links_expire_at', 'links', 'requester_name', 'message_id', 'sent_at', 'last_error',
                       'attempts', 'status', 'audience', 'channel'):
            batch_op.drop_column(column)
