"""the knowledge base in use: article views, helpful votes, deflected requests and the tickets an article helped (placeholder: filled by that change)

Revision ID: 0024
Revises: 0023
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
