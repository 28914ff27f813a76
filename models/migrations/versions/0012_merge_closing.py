"""join the [4/5] branches (closing and surveys, notification delivery, portal) into one head

Revision ID: 0012
Revises: 0009, 0010, 0011
"""

revision = '0012'
down_revision = ('0009', '0010', '0011')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
