"""The visio plugin's first tables: calls of an exchange and their participants.

Tables are frozen copies of the models as they were; never import the live models here.
"""
from peewee import *


def up(migrator, db):
    class Account(Model):
        class Meta:
            database = db
            table_name = 'account'

    class Exchange(Model):
        class Meta:
            database = db
            table_name = 'exchange'

    class VisioCall(Model):
        exchange = ForeignKeyField(Exchange, on_delete='CASCADE')
        key = CharField(max_length=64, unique=True)
        provider = CharField(max_length=40, default='webrtc')
        started_by = ForeignKeyField(Account, null=True, on_delete='SET NULL')
        started_at = DateTimeField()
        ended_at = DateTimeField(null=True, index=True)
        class Meta:
            database = db
            table_name = 'visio_call'

    class VisioParticipant(Model):
        call = ForeignKeyField(VisioCall, on_delete='CASCADE')
        account = ForeignKeyField(Account, on_delete='CASCADE')
        peer = CharField(max_length=40, null=True, unique=True)
        state = CharField(max_length=10, default='joined')
        joined_at = DateTimeField()
        last_seen = DateTimeField()
        left_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'visio_participant'
            indexes = ((('call', 'state'), False),)

    db.create_tables([VisioCall, VisioParticipant])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('visio_participant'), migrator.drop_table('visio_call'))
