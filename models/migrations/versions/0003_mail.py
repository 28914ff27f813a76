"""e-mail: Message-IDs per ticket, attachments, the inbound mail log

Revision ID: 0003
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'mail_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.String(length=998), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('direction', sa.String(length=3), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('message_id'),
    )
    op.create_index('ix_mail_messages_number', 'mail_messages', ['number'])
    op.create_table(
        'attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('content_type', sa.String(length=127), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('message_id', sa.String(length=998), nullable=True),
        sa.Column('position', sa.Integer(), nullable=True),
        sa.Column('uploaded_by', sa.String(length=320), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('number', 'message_id', 'position', name='uq_attachment_mail_part'),
    )
    op.create_index('ix_attachments_number', 'attachments', ['number'])
    op.create_table(
        'inbound_mail',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.String(length=998), nullable=True),
        sa.Column('sender', sa.String(length=320), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=True),
        sa.Column('via', sa.String(length=10), nullable=False),
        sa.Column('raw', sa.LargeBinary(), nullable=True),
        sa.Column('raw_size', sa.Integer(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_inbound_mail_message_id', 'inbound_mail', ['message_id'])
    op.create_index('ix_inbound_mail_received_at', 'inbound_mail', ['received_at'])


def downgrade() -> None:
    op.drop_index('ix_inbound_mail_received_at', table_name='inbound_mail')
    op.drop_index('ix_inbound_mail_message_id', table_name='inbound_mail')
    op.drop_table('inbound_mail')
    op.drop_index('ix_attachments_number', table_name='attachments')
    op.drop_table('attachments')
    op.drop_index('ix_mail_messages_number', table_name='mail_messages')
    op.drop_table('mail_messages')
