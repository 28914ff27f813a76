"""audit archive: each closed ticket's workflow histories, kept past Temporal's retention

Revision ID: 0013
Revises: 0012
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'audit_archives',
        sa.Column('number', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('workflow_id', sa.String(length=64), nullable=False),
        sa.Column('run_count', sa.Integer(), nullable=False),
        sa.Column('event_count', sa.Integer(), nullable=False),
        sa.Column('export_digest', sa.String(length=64), nullable=True),
        sa.Column('workflow_closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('archived_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('size_bytes', sa.Integer(), nullable=False),
        sa.Column('export_gz', sa.LargeBinary(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('number'),
    )
    op.create_index('ix_audit_archives_archived_at', 'audit_archives', ['archived_at'])


def downgrade() -> None:
    op.drop_index('ix_audit_archives_archived_at', table_name='audit_archives')
    op.drop_table('audit_archives')
