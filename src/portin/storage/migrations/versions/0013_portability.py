"""portability rules (seeded) and UK carriers (empty)

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-02 00:50:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from portin.storage import reference_data
from portin.storage.types import UTCDateTime

revision = '0013'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    rules = op.create_table('portability_rules',
    sa.Column('country_code', sa.String(length=3), nullable=False),
    sa.Column('phone_number_type', sa.String(length=32), nullable=False),
    sa.Column('portable', sa.Boolean(), nullable=False),
    sa.Column('fast_portable', sa.Boolean(), nullable=False),
    sa.Column('not_portable_reason', sa.String(length=255), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('country_code', 'phone_number_type')
    )
    op.create_table('uk_carriers',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('cupid', sa.String(length=3), nullable=False),
    sa.Column('alternative_cupids', sa.JSON(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('cupid')
    )
    # The shipped defaults; from now on the table is the truth and the desk edits it.
    now = datetime.now(UTC)
    op.bulk_insert(rules, [{**row, "updated_at": now}
                           for row in reference_data.load("portability_rules")])


def downgrade() -> None:
    op.drop_table('uk_carriers')
    op.drop_table('portability_rules')
