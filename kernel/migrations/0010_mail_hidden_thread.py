"""Mail threads one account removed from its mail space, the others keeping them (kernel/mail/hidden.py).

Nothing to fill in: until now a deletion removed the thread for everyone.
Tables are frozen copies of the models as they were; never import the live models here.
"""
from peewee import *


def up(migrator, db):
    class HiddenThread(Model):
        account_id = IntegerField()
        exchange_id = IntegerField(index=True)
        hidden_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'mail_hidden_thread'
            indexes = ((('account_id', 'exchange_id'), True),)
    db.create_tables([HiddenThread])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('mail_hidden_thread'))
