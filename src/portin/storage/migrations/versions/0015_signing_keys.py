"""signing keys: an organization's webhook keys as rows, so they can be rotated

Revision ID: 0015
Revises: 0009
Create Date: 2026-12-02 06:20:00
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

import portin.storage.types

revision = '0015'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('signing_keys',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('valid_from', portin.storage.types.UTCDateTime(), nullable=False),
    sa.Column('created_at', portin.storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organization_id', 'generation', name='uq_signing_keys_org_generation')
    )
    with op.batch_alter_table('signing_keys', schema=None) as batch_op:
        batch_op.create_index('ix_signing_keys_org_valid_from', ['organization_id', 'valid_from'], unique=False)

    # Each organization's one key becomes its first, valid since the organization was made.
    # Times are passed through as the driver read them, so they are stored as they were.
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT id, signing_seed, public_key, created_at FROM organizations")).all()
    if rows:
        connection.execute(sa.text(
            "INSERT INTO signing_keys (id, organization_id, generation, seed, public_key,"
            " valid_from, created_at) VALUES (:id, :organization_id, 1, :seed, :public_key,"
            " :created_at, :created_at)"),
            [{"id": str(uuid.uuid4()), "organization_id": row[0], "seed": row[1],
              "public_key": row[2], "created_at": row[3]} for row in rows])
    # ALTER TABLE on both databases (SQLite 3.35 or later): a batch's copy of organizations
    # could not drop the table that signing_keys now refers to.
    op.execute("ALTER TABLE organizations DROP COLUMN public_key")
    op.execute("ALTER TABLE organizations DROP COLUMN signing_seed")


def downgrade() -> None:
    op.execute("ALTER TABLE organizations ADD COLUMN signing_seed VARCHAR(64) NOT NULL DEFAULT ''")
    op.execute("ALTER TABLE organizations ADD COLUMN public_key VARCHAR(64) NOT NULL DEFAULT ''")
    # Back to one key: the newest one.
    op.execute(
        "UPDATE organizations SET"
        " signing_seed = (SELECT seed FROM signing_keys k WHERE k.organization_id = organizations.id"
        "  ORDER BY generation DESC LIMIT 1),"
        " public_key = (SELECT public_key FROM signing_keys k WHERE k.organization_id = organizations.id"
        "  ORDER BY generation DESC LIMIT 1)")
    with op.batch_alter_table('signing_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_signing_keys_org_valid_from')

    op.drop_table('signing_keys')
