"""Drafts kept on the server per account and screen, and the first answers to sends made with an
Idempotency-Key (a retried send is stored once).

Tables are frozen copies of the models as they were; never import the live models here.
"""
from peewee import *


def up(migrator, db):
    class Account(Model):
        class Meta:
            database = db
            table_name = 'account'

    class Draft(Model):
        account = ForeignKeyField(Account, on_delete='CASCADE')
        screen = CharField(max_length=120)
        fields = TextField()
        attachments = TextField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'draft'
            indexes = ((('account', 'screen'), True),)

    class IdempotentAnswer(Model):
        account = ForeignKeyField(Account, on_delete='CASCADE')
        key = CharField(max_length=200)
        request = CharField(max_length=300)
        status = IntegerField(default=0)
        body = TextField(null=True)
        location = CharField(max_length=300, default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'idempotent_answer'
            indexes = ((('account', 'key'), True),)
    db.create_tables([Draft, IdempotentAnswer])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('idempotent_answer'), migrator.drop_table('draft'))
