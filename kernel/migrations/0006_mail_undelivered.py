"""Received mail no mailbox could take (IMAP mode): held for an administrator instead of being skipped.

Tables are frozen copies of the models as they were; never import the live models here.
"""
from peewee import *


def up(migrator, db):
    class UndeliveredMail(Model):
        header_id = CharField(max_length=255)
        mailbox = CharField(max_length=254)
        source = CharField(max_length=10)
        mail_from = CharField(max_length=254, default='')
        raw = BlobField(null=True)
        size = IntegerField()
        code = IntegerField()
        reason = TextField()
        status = CharField(max_length=10, default='held')
        mdn_sent = BooleanField(default=False)
        resolved_by = IntegerField(null=True)
        resolved_at = DateTimeField(null=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'mail_undelivered'
            indexes = ((('header_id', 'mailbox'), True),)
    db.create_tables([UndeliveredMail])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('mail_undelivered'))
