"""Live events too large for a NOTIFY payload (PostgreSQL event backend): stored, then named by id.

Tables are frozen copies of the models as they were; never import the live models here.
"""
from peewee import *


def up(migrator, db):
    class LiveEvent(Model):
        payload = TextField()
        created_at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'live_event'
    db.create_tables([LiveEvent])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('live_event'))
