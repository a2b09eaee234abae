"""notification settings: a pause switch, and one setting per profile, condition and channel

Revision ID: 0020
Revises: 0016
Create Date: 2026-12-02 19:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import portin.storage.types

revision = '0020'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('notification_settings',
                  sa.Column('paused_at', portin.storage.types.UTCDateTime(), nullable=True))
    # A duplicate never sent anything twice (fan-out names each channel once), so keeping one
    # of each group changes no delivery; the unique index needs them gone.
    op.execute(sa.text(
        "DELETE FROM notification_settings WHERE id NOT IN (SELECT MIN(id) FROM"
        " notification_settings GROUP BY notification_profile_id,"
        " notification_event_condition_id, notification_channel_id)"))
    op.create_index('uq_notification_settings_binding', 'notification_settings',
                    ['notification_profile_id', 'notification_event_condition_id',
                     'notification_channel_id'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_notification_settings_binding', table_name='notification_settings')
    with op.batch_alter_table('notification_settings', schema=None) as batch_op:
        batch_op.drop_column('paused_at')
