"""MSSanté mail transport: the outbox and its recipients, the Message-ID index, IMAP cursors.

Tables are frozen copies of the models as they were; never import the live models here.
"""
from peewee import *


def up(migrator, db):
    class OutgoingMail(Model):
        message_id = CharField(unique=True, max_length=255)
        kind = CharField(max_length=10, default='mail')
        exchange_id = IntegerField(index=True, null=True)
        kernel_message_id = IntegerField(index=True, null=True)
        account_id = IntegerField(null=True)
        acting_as_id = IntegerField(null=True)
        mail_from = CharField(max_length=254, default='')
        raw = BlobField()
        size = IntegerField()
        status = CharField(max_length=10, default='queued')
        attempts = IntegerField(default=0)
        attempt_started_at = DateTimeField(null=True)
        next_attempt_at = DateTimeField(null=True)
        last_error = TextField(null=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'mail_outgoing'
    db.create_tables([OutgoingMail])

    class OutgoingRecipient(Model):
        outgoing = ForeignKeyField(OutgoingMail, on_delete='CASCADE')
        address = CharField(max_length=254)
        role = CharField(max_length=4, default='to')
        status = CharField(max_length=10, default='pending')
        reason = TextField(default='')
        smtp_code = IntegerField(null=True)
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'mail_outgoing_recipient'
            indexes = ((('outgoing', 'address'), True),)
    db.create_tables([OutgoingRecipient])

    class MailIndex(Model):
        header_id = CharField(max_length=255)
        identity_id = IntegerField()
        exchange_id = IntegerField(index=True)
        kernel_message_id = IntegerField(null=True)
        direction = CharField(max_length=3)
        mailbox = CharField(max_length=254, default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'mail_index'
            indexes = ((('header_id', 'identity_id'), True),)
    db.create_tables([MailIndex])

    class ImapCursor(Model):
        mailbox = CharField(unique=True, max_length=254)
        uidvalidity = BigIntegerField(default=0)
        last_uid = BigIntegerField(default=0)
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'mail_imap_cursor'
    db.create_tables([ImapCursor])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('mail_imap_cursor'))
    migrator.migrate(migrator.drop_table('mail_index'))
    migrator.migrate(migrator.drop_table('mail_outgoing_recipient'))
    migrator.migrate(migrator.drop_table('mail_outgoing'))
