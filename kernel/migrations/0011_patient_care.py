"""Patients in the care of an identity (a professional, or a structure for all who act for it).

Nothing to fill in: what an account already used stays found through its recent patients
(patient_use), and exchanges keep showing their patient to whoever sees them.
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

    class PatientCare(Model):
        identity = ForeignKeyField(Identity, on_delete='CASCADE', index=False)
        patient = ForeignKeyField(Patient, on_delete='CASCADE')
        since = DateTimeField()
        granted_by = ForeignKeyField(Account, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'patient_care'
            indexes = ((('identity', 'patient'), True),)
    db.create_tables([PatientCare])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('patient_care'))
