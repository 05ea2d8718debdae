"""Trigram indexes (pg_trgm) that let PostgreSQL answer «contains, whatever the case» from an
index instead of reading the whole table: the top bar's search and the list filters. Each
index is built on exactly the expression Django writes for the lookup (`UPPER(col::text)
LIKE UPPER(…)` for icontains, `col::text LIKE …` for contains), or the planner ignores it.
SQLite has no such index and searches by plain LIKE; these operations do nothing there."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


def _index(table: str, column: str, *, fold_case: bool) -> tuple[str, str]:
    name = f"{table}_{column}_trgm"
    expression = f'UPPER("{column}"::text)' if fold_case else f'("{column}"::text)'
    create = (
        f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ({expression} gin_trgm_ops)'
    )
    return create, f'DROP INDEX IF EXISTS "{name}"'


def trigram_indexes(*specs: tuple[str, str, bool], extension: bool = True) -> list:
    """Migration operations: the extension, then a GIN trigram index per (table, column,
    fold_case), on PostgreSQL only. Only the first migration that needs pg_trgm creates it
    (and drops it when reversed, after every later migration's indexes are gone); a later
    one depends on it and passes extension=False."""
    statements = [_index(table, column, fold_case=fold) for table, column, fold in specs]

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for create, _ in statements:
                schema_editor.execute(create)

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for _, drop in statements:
                schema_editor.execute(drop)

    run = migrations.RunPython(forwards, backwards, elidable=False)
    return [TrigramExtension(), run] if extension else [run]
