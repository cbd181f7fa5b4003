"""Audit search: the exchange and the patient a line is about, as indexed columns, and indexes on the identity
acted for and on the outcome. Existing lines get them from their ``target`` ("exchange:12", "patient:7"), and a
line about an exchange gets that exchange's patient, so « who consulted this patient's exchanges » covers the past.

Tables are frozen: this works on the columns by name, never through the live models.
"""
from peewee import *


def _backfill(db, kind):
    prefix = f"{kind}:"
    start = len(prefix) + 1  # SQL strings count from 1
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(f"UPDATE audit_event SET {kind}_id = CAST(SUBSTRING(target FROM {start}) AS BIGINT) "
                       f"WHERE target ~ '^{kind}:[0-9]{{1,18}}$'")
    else:
        db.execute_sql(f"UPDATE audit_event SET {kind}_id = CAST(SUBSTR(target, {start}) AS INTEGER) "
                       f"WHERE target LIKE '{prefix}%' AND LENGTH(target) BETWEEN {start} AND {start + 17} "
                       f"AND SUBSTR(target, {start}) NOT GLOB '*[^0-9]*'")


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('audit_event', 'exchange_id', IntegerField(null=True)),
        migrator.add_column('audit_event', 'patient_id', IntegerField(null=True)),
    )
    _backfill(db, 'exchange')
    _backfill(db, 'patient')
    db.execute_sql("UPDATE audit_event SET patient_id = (SELECT exchange.patient_id FROM exchange "
                   "WHERE exchange.id = audit_event.exchange_id) "
                   "WHERE patient_id IS NULL AND exchange_id IS NOT NULL")
    migrator.migrate(
        migrator.add_index('audit_event', ('exchange_id',), False),
        migrator.add_index('audit_event', ('patient_id',), False),
        migrator.add_index('audit_event', ('acting_as_id',), False),
        migrator.add_index('audit_event', ('outcome',), False),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index('audit_event', 'audit_event_outcome'),
        migrator.drop_index('audit_event', 'audit_event_acting_as_id'),
        migrator.drop_column('audit_event', 'patient_id'),
        migrator.drop_column('audit_event', 'exchange_id'),
    )
