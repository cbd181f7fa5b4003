"""Téléexpertise's first tables: experts, requests and the history of each request's status.

Tables are frozen copies of the models as they were; never import the live models here.
"""
from peewee import *


def up(migrator, db):
    class Identity(Model):
        class Meta:
            database = db
            table_name = 'identity'

    class Account(Model):
        class Meta:
            database = db
            table_name = 'account'

    class Patient(Model):
        class Meta:
            database = db
            table_name = 'patient'

    class Exchange(Model):
        class Meta:
            database = db
            table_name = 'exchange'

    class Expert(Model):
        identity = ForeignKeyField(Identity, unique=True, on_delete='CASCADE')
        scope = TextField(default='')
        prerequisites = TextField(default='')
        form = TextField(default='[]')
        accepting = BooleanField(default=True)
        back_on = DateField(null=True)
        billing_number = CharField(max_length=9, null=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        updated_by = ForeignKeyField(Account, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'teleexpertise_expert'

    class Request(Model):
        exchange = ForeignKeyField(Exchange, unique=True, on_delete='CASCADE')
        expert = ForeignKeyField(Expert, on_delete='RESTRICT')
        expert_identity = ForeignKeyField(Identity, on_delete='RESTRICT')
        requester = ForeignKeyField(Identity, on_delete='RESTRICT')
        requested_by = ForeignKeyField(Account, on_delete='RESTRICT')
        patient = ForeignKeyField(Patient, on_delete='RESTRICT')
        nir = CharField(max_length=15)
        billing_number = CharField(max_length=9)
        consent = BooleanField(default=False)
        prerequisites = TextField(default='')
        answers = TextField(default='[]')
        status = CharField(max_length=12, default='demandee', index=True)
        status_reason = TextField(default='')
        status_changed_at = DateTimeField()
        requested_at = DateTimeField()
        opened_at = DateTimeField(null=True)
        answered_at = DateTimeField(null=True)
        finalised_at = DateTimeField(null=True)
        conclusion = TextField(default='')
        incident = TextField(default='')
        answered_by = ForeignKeyField(Account, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'teleexpertise_request'

    class StatusChange(Model):
        request = ForeignKeyField(Request, on_delete='CASCADE')
        status = CharField(max_length=12)
        previous = CharField(max_length=12, default='')
        by = ForeignKeyField(Account, null=True, on_delete='SET NULL')
        at = DateTimeField()
        reason = TextField(default='')
        class Meta:
            database = db
            table_name = 'teleexpertise_status_change'

    db.create_tables([Expert, Request, StatusChange])


def down(migrator, db):
    migrator.migrate(
        migrator.drop_table('teleexpertise_status_change'),
        migrator.drop_table('teleexpertise_request'),
        migrator.drop_table('teleexpertise_expert'),
    )
