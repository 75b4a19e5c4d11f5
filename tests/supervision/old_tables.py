"""Tables as an earlier migration left them, so that upgrade tests do not use today's models."""

from __future__ import annotations

import sqlalchemy as sa

TIME_COLUMNS = {"updated_at", "started_at", "created_at", "at", "opened_at", "last_event_at"}


def old_table(name: str, columns: str) -> sa.TableClause:
    """A lightweight table of the space-separated `columns`; time columns are timezone-aware."""
    return sa.table(
        name,
        *(
            sa.column(column, sa.DateTime(timezone=True) if column in TIME_COLUMNS else None)
            for column in columns.split()
        ),
    )
