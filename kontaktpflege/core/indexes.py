"""An index whose nullable columns hold NULLs as the smallest value on every database.

SQLite sorts NULL below every value, PostgreSQL above; the keyset pages order nullable keys
SQLite's way on both (core.keyset). On PostgreSQL a plain index on such a column then
serves neither direction of that order, so this one is built NULLS FIRST there (and walked
backwards for the descending order, NULLS LAST). SQLite's CREATE INDEX has no NULLS clause
and needs none.
"""

from __future__ import annotations

from typing import Any

from django.db import models


class NullsFirstIndex(models.Index):
    """models.Index(fields=…) with NULLS FIRST (DESC: NULLS LAST) on nullable columns."""

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql" or self.expressions:
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        suffixes = []
        for name, order in self.fields_orders:
            if not model._meta.get_field(name).null:
                suffixes.append(order)
            else:
                suffixes.append(f"{order} NULLS LAST" if order else "NULLS FIRST")
        return schema_editor._create_index_sql(
            model,
            fields=[model._meta.get_field(name) for name, _ in self.fields_orders],
            name=self.name,
            using=using,
            db_tablespace=self.db_tablespace,
            col_suffixes=suffixes,
            opclasses=self.opclasses,
            condition=self._get_condition_sql(model, schema_editor),  # type: ignore[attr-defined]
            include=[model._meta.get_field(name).column for name in self.include],
            **kwargs,
        )
