"""Patient identities: folded search columns, birth date index, one patient per INS, each account's recent patients.

Tables are frozen copies of the models as they were; never import the live models (nor their
helpers) here: the folding below is a copy, so this migration always does the same thing.
"""
import re
import unicodedata

from peewee import *

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o", "Ø": "o",
                            "đ": "d", "Đ": "d", "ł": "l", "Ł": "l"})


def _fold(text):
    text = unicodedata.normalize("NFKD", (text or "").translate(_LIGATURES))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def up(migrator, db):
    class Account(Model):
        class Meta:
            database = db
            table_name = 'account'

    class Patient(Model):
        birth_name = CharField(max_length=100)
        used_name = CharField(max_length=100, default='')
        first_names = CharField(max_length=200)
        birth_date = DateField()
        ins = CharField(null=True, max_length=15)
        search_text = TextField(default='')
        homonym_key = TextField(default='')
        class Meta:
            database = db
            table_name = 'patient'

    duplicates = list(Patient.select(Patient.ins).where(Patient.ins.is_null(False))
                      .group_by(Patient.ins).having(fn.COUNT(Patient.id) > 1).tuples())
    if duplicates:
        # Merging two records of one person is a decision for a human, not for a migration.
        raise RuntimeError(f"patient: {len(duplicates)} INS held by several patients (e.g. {duplicates[0][0]}); "
                           "merge or correct them, then upgrade again")

    migrator.migrate(
        migrator.add_column('patient', 'search_text', TextField(default='')),
        migrator.add_column('patient', 'homonym_key', TextField(default='')),
    )
    for p in Patient.select(Patient.id, Patient.birth_name, Patient.used_name, Patient.first_names,
                            Patient.birth_date):
        words = _fold(f"{p.birth_name} {p.used_name} {p.first_names}").split()
        first = (p.first_names or "").split()
        (Patient.update(search_text="".join(f" {w}" for w in words),
                        homonym_key=f"{_fold(p.birth_name)}|{_fold(first[0] if first else '')}|{p.birth_date}")
         .where(Patient.id == p.id).execute())
    migrator.migrate(
        migrator.add_index('patient', ('search_text',), False),
        migrator.add_index('patient', ('homonym_key',), False),
        migrator.add_index('patient', ('birth_date',), False),
        migrator.drop_index('patient', 'patient_ins'),
        migrator.add_index('patient', ('ins',), True),
    )

    class PatientUse(Model):
        account = ForeignKeyField(Account, on_delete='CASCADE', index=False)
        patient = ForeignKeyField(Patient, on_delete='CASCADE')
        last_used_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'patient_use'
            indexes = ((('account', 'patient'), True), (('account', 'last_used_at'), False))
    db.create_tables([PatientUse])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('patient_use'))
    migrator.migrate(
        migrator.drop_index('patient', 'patient_ins'),
        migrator.add_index('patient', ('ins',), False),
        migrator.drop_index('patient', 'patient_birth_date'),
        migrator.drop_index('patient', 'patient_homonym_key'),
        migrator.drop_index('patient', 'patient_search_text'),
        migrator.drop_column('patient', 'homonym_key'),
        migrator.drop_column('patient', 'search_text'),
    )
