"""API tokens moved from DRF's authtoken (stored in clear, without expiry) to django-rest-knox (hashed,
expiring). The old table still held every old token in clear: it is dropped, and the authtoken app's
migration records with it, so that nothing readable is left behind. Old tokens stop working; their
owners get new ones from the token endpoint. A database that never had the table is left as it is."""

from django.db import migrations
from django.db.migrations.recorder import MigrationRecorder

OLD_TABLE = "authtoken_token"


def drop_clear_text_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE in connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(OLD_TABLE)}")
    MigrationRecorder(connection).migration_qs.filter(app="authtoken").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("portfolio", "0003_api_token"),
    ]

    operations = [
        migrations.RunPython(drop_clear_text_tokens, migrations.RunPython.noop, elidable=True),
    ]
