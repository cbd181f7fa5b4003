"""Finalisation: the versions of the compte rendu and the billable acts (RQD, TE2) of each téléexpertise.

Numbered from 0100 so it never clashes with the request side's files (0001...). Frozen copies; never
import the live models here.
"""
from peewee import *


def up(migrator, db):
    class Account(Model):
        class Meta:
            database = db
            table_name = 'account'

    class Identity(Model):
        class Meta:
            database = db
            table_name = 'identity'

    class Attachment(Model):
        class Meta:
            database = db
            table_name = 'attachment'

    class Message(Model):
        class Meta:
            database = db
            table_name = 'message'

    class Request(Model):
        class Meta:
            database = db
            table_name = 'teleexpertise_request'

    class Report(Model):
        request = ForeignKeyField(Request, on_delete='CASCADE')
        version = IntegerField()
        state = CharField(max_length=10, default='pending')
        message_ids = TextField(default='[]')
        attachment = ForeignKeyField(Attachment, null=True, on_delete='SET NULL')
        message = ForeignKeyField(Message, null=True, on_delete='SET NULL')
        error = TextField(default='')
        billing_number = CharField(max_length=9, default='')
        requested_by = ForeignKeyField(Account, on_delete='RESTRICT')
        created_at = DateTimeField()
        done_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = 'teleexpertise_report'
            indexes = ((('request', 'version'), True),)

    class Act(Model):
        request = ForeignKeyField(Request, on_delete='CASCADE')
        code = CharField(max_length=3)
        professional = ForeignKeyField(Identity, on_delete='RESTRICT')
        account = ForeignKeyField(Account, null=True, on_delete='SET NULL')
        rpps = CharField(max_length=11, default='')
        billing_number = CharField(max_length=9, default='')
        structure = TextField(default='')
        patient_nir = CharField(max_length=15)
        act_date = DateField(index=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'teleexpertise_act'
            indexes = ((('request', 'code'), True),)

    db.create_tables([Report, Act])
