"""Account roles (directory manager beside administrator) and one-time password links.

Tables are frozen copies of the models as they were; never import the live models here.
"""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column("account", "directory_manager", BooleanField(default=False)))

    class Account(Model):
        class Meta:
            database = db
            table_name = 'account'

    class PasswordReset(Model):
        account = ForeignKeyField(Account, on_delete='CASCADE')
        token_hash = CharField(max_length=64, unique=True)
        created_by = ForeignKeyField(Account, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'password_reset'
    db.create_tables([PasswordReset])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('password_reset'), migrator.drop_column("account", "directory_manager"))
