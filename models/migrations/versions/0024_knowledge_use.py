"""the knowledge base in use: article views, helpful votes, deflected requests and the tickets an article helped

Revision ID: 0024
Revises: 0023
"""

from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'kb_views',
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('reader', sa.String(length=40), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('article_id', 'reader', 'day'),
    )
    op.create_index('ix_kb_views_day', 'kb_views', ['day'])
    op.create_table(
        'kb_votes',
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('reader', sa.String(length=40), nullable=False),
        sa.Column('helpful', sa.Boolean(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('article_id', 'reader'),
    )
    op.create_index('ix_kb_votes_at', 'kb_votes', ['at'])
    op.create_table(
        'kb_deflections',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('query_hash', sa.String(length=16), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'),
    )
    op.create_index('ix_kb_deflections_article_id', 'kb_deflections', ['article_id'])
    op.create_index('ix_kb_deflections_at', 'kb_deflections', ['at'])
    op.create_table(
        'kb_ticket_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('actor', sa.String(length=320), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('article_id', 'number', 'seq', name='uq_kb_ticket_links'),
    )
    op.create_index('ix_kb_ticket_links_article_id', 'kb_ticket_links', ['article_id'])
    op.create_index('ix_kb_ticket_links_number', 'kb_ticket_links', ['number'])
    op.create_index('ix_kb_ticket_links_at', 'kb_ticket_links', ['at'])


def downgrade() -> None:
    for table in ('kb_ticket_links', 'kb_deflections', 'kb_votes', 'kb_views'):
        op.drop_table(table)
