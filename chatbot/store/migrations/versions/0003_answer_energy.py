"""Energy and emissions of each answer (Green Algorithms estimate), for the committee's totals.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.add_column(
            sa.Column(
                "energy_wh", sa.Float(), nullable=True, comment="estimated energy of the answer, Wh"
            )
        )
        batch.add_column(
            sa.Column(
                "emissions_gco2e", sa.Float(), nullable=True, comment="estimated emissions, gCO2e"
            )
        )
        batch.add_column(
            sa.Column(
                "energy_method", sa.String(40), nullable=True, comment="how energy_wh was obtained"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.drop_column("energy_method")
        batch.drop_column("emissions_gco2e")
        batch.drop_column("energy_wh")
