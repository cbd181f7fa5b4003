"""Remember when each account last signed in (shown to administrators, used to spot dormant accounts)."""
from peewee import DateTimeField


def up(migrator, db):
    migrator.migrate(migrator.add_column("account", "last_login_at", DateTimeField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("account", "last_login_at"))
