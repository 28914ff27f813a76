"""the knowledge base: articles, their versions, files and review dates

Revision ID: 0022
Revises: 0021
"""

from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'kb_articles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=80), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('category', sa.String(length=100), nullable=True),
        sa.Column('tags', sa.JSON(), server_default=sa.text("'[]'"), nullable=False),
        sa.Column('visibility', sa.String(length=10), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('review_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['owner_id'], ['agents.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('slug'),
        sqlite_autoincrement=True,  # an id is never reused: it names the article's review workflow
    )
    op.create_index('ix_kb_articles_category', 'kb_articles', ['category'])
    op.create_index('ix_kb_articles_owner_id', 'kb_articles', ['owner_id'])
    op.create_index('ix_kb_articles_status_review_at', 'kb_articles', ['status', 'review_at'])
    op.create_table(
        'kb_article_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('note', sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['agents.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('article_id', 'n', name='uq_kb_article_versions_n'),
    )
    op.create_index('ix_kb_article_versions_author_id', 'kb_article_versions', ['author_id'])
    op.create_table(
        'kb_article_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('content_type', sa.String(length=127), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('uploaded_by', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['uploaded_by'], ['agents.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_kb_article_files_article_id', 'kb_article_files', ['article_id'])


def downgrade() -> None:
    op.drop_index('ix_kb_article_files_article_id', table_name='kb_article_files')
    op.drop_table('kb_article_files')
    op.drop_index('ix_kb_article_versions_author_id', table_name='kb_article_versions')
    op.drop_table('kb_article_versions')
    op.drop_index('ix_kb_articles_status_review_at', table_name='kb_articles')
    op.drop_index('ix_kb_articles_owner_id', table_name='kb_articles')
    op.drop_index('ix_kb_articles_category', table_name='kb_articles')
    op.drop_table('kb_articles')
