"""The query planner's statistics after a bulk write, on PostgreSQL.

PostgreSQL plans by the statistics ANALYZE gathers; autovacuum gathers them some time after rows
change, and not at all where it is turned off. Until then the planner misjudges a table just filled
and may loop over it (a nested loop over a month's reports for each of the demo portfolio's projects:
9 ms instead of 1 for one of the dashboard's counts). Whatever writes many rows at once (a restore,
the sample generator, the report data, a month's close) refreshes them itself. SQLite plans without
them and is left alone. Imports no feature app.
"""

from collections.abc import Iterable

from django.db import connections
from django.db.models import Model


def refresh_statistics(models: Iterable[type[Model]] = (), using: str = "default") -> bool:
    """ANALYZE the tables of ``models`` (every table of the platform's models the database has when none
    are given) on PostgreSQL; whether it ran. Allowed inside a transaction: it sees the transaction's own rows.

    The tables are always named: a bare ANALYZE also analyses the catalogs every database of the server
    shares, and inside a transaction it holds their lock to the end, so that another database's ANALYZE
    waits for it (in the tests, one database's ANALYZE waited a minute for another's transaction)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return False
    # With no models, only the tables the database has: a backup restored from before a migration lacks
    # the tables the migration adds until `manage.py migrate` runs.
    names = sorted({model._meta.db_table for model in models}
                   or connection.introspection.django_table_names(only_existing=True, include_views=False))
    if names:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(map(connection.ops.quote_name, names))}")
    return True
