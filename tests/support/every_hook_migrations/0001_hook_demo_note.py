"""hook_demo's first table: one note per delivered message, pushed later by its job.

A frozen copy of the model as it was; never import the live model here.
"""
from peewee import *


def up(migrator, db):
    class HookDemoNote(Model):
        exchange_id = IntegerField(index=True)
        message_id = IntegerField(null=True)
        text = TextField(default='')
        pushed = BooleanField(default=False)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'hook_demo_note'
    db.create_tables([HookDemoNote])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('hook_demo_note'))
