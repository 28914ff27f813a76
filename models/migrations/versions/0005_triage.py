"""triage rules: description, keywords, fields to match, several channels, requester tier,
alert labels, raise_priority, auto_resolve, stop

Revision ID: 0005
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None

BOTH_FIELDS = sa.text("""'["subject", "description"]'""")
rules = sa.table('triage_rules', sa.column('id', sa.Integer()), sa.column('channel', sa.String()),
                 sa.column('channels', sa.JSON()))


def upgrade() -> None:
    with op.batch_alter_table('triage_rules') as batch_op:
        batch_op.add_column(sa.Column('description', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('keywords', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        batch_op.add_column(sa.Column('match_fields', sa.JSON(), server_default=BOTH_FIELDS, nullable=False))
        batch_op.add_column(sa.Column('channels', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        batch_op.add_column(sa.Column('requester_tier', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('alert_labels', sa.JSON(), server_default=sa.text("'{}'"), nullable=False))
        batch_op.add_column(sa.Column('raise_priority', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('auto_resolve', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('stop', sa.Boolean(), server_default=sa.false(), nullable=False))
    # The single channel becomes a list of one.
    bind = op.get_bind()
    for rule_id, channel in bind.execute(sa.select(rules.c.id, rules.c.channel).where(rules.c.channel.is_not(None))).all():
        bind.execute(rules.update().where(rules.c.id == rule_id).values(channels=[channel]))
    with op.batch_alter_table('triage_rules') as batch_op:
        batch_op.drop_column('channel')


def downgrade() -> None:
    with op.batch_alter_table('triage_rules') as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=20), nullable=True))
    # A rule for several channels keeps the first (the old schema held one).
    bind = op.get_bind()
    for rule_id, channels in bind.execute(sa.select(rules.c.id, rules.c.channels)).all():
        if channels:
            bind.execute(rules.update().where(rules.c.id == rule_id).values(channel=channels[0]))
    with op.batch_alter_table('triage_rules') as batch_op:
        for column in ('stop', 'auto_resolve', 'raise_priority', 'alert_labels', 'requester_tier', 'channels',
                       'match_fields', 'keywords', 'description'):
            batch_op.drop_column(column)
