"""Pushes of documents into hospital and practice software (DPI): one traced row per push.

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

    class Patient(Model):
        class Meta:
            database = db
            table_name = 'patient'

    class Exchange(Model):
        class Meta:
            database = db
            table_name = 'exchange'

    class Integration(Model):
        attachment = ForeignKeyField(Attachment, on_delete='CASCADE')
        patient = ForeignKeyField(Patient, null=True, on_delete='SET NULL')
        exchange = ForeignKeyField(Exchange, null=True, on_delete='SET NULL')
        account = ForeignKeyField(Account, on_delete='CASCADE')
        target = CharField(max_length=30)
        connector = CharField(max_length=100)
        state = CharField(max_length=12, default='en_attente')
        message = TextField(default='')
        reference = CharField(max_length=200, default='')
        attempts = IntegerField(default=0)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        integrated_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'integration'
            indexes = ((('attachment', 'account'), False),)
    db.create_tables([Integration])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('integration'))
