"""Browser sessions kept on the server (logout, password change and deactivation end them), and login
attempts that tell known devices and real accounts apart (throttling that cannot lock a user out).

Tables are frozen copies of the models as they were; never import the live models here.
"""
from peewee import *


def up(migrator, db):
    class Account(Model):
        class Meta:
            database = db
            table_name = 'account'

    class BrowserSession(Model):
        account = ForeignKeyField(Account, on_delete='CASCADE')
        token_hash = CharField(max_length=64, unique=True)
        created_at = DateTimeField()
        last_seen_at = DateTimeField()
        ended_at = DateTimeField(null=True)
        user_agent = CharField(max_length=100, default='')
        remote_addr = CharField(max_length=64, default='')
        class Meta:
            database = db
            table_name = 'browser_session'
    db.create_tables([BrowserSession])
    migrator.migrate(
        migrator.add_column('login_attempt', 'device', CharField(max_length=32, null=True)),
        migrator.add_column('login_attempt', 'real_account', BooleanField(default=False)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column('login_attempt', 'real_account'),
        migrator.drop_column('login_attempt', 'device'),
        migrator.drop_table('browser_session'),
    )
