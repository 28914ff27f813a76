"""the knowledge base: articles, their versions, files and review dates (placeholder: filled by the articles change)

Revision ID: 0022
Revises: 0021
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
