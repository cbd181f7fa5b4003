"""The documents plugin's first table: the files of each account's document draft (the virtual printer).

Tables are frozen copies of the models as they were; never import the live models here.
"""
from peewee import *


def up(migrator, db):
    class Account(Model):
        class Meta:
            database = db
            table_name = 'account'

    class Attachment(Model):
        class Meta:
            database = db
            table_name = 'attachment'

    class DraftFile(Model):
        account = ForeignKeyField(Account, on_delete='CASCADE')
        attachment = ForeignKeyField(Attachment, on_delete='CASCADE', unique=True)
        source = CharField(max_length=12, default='impression')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'documents_draft_file'

    db.create_tables([DraftFile])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('documents_draft_file'))
