"""Delegations get a scope: "mail" (the principal's secure mail only) or "all" (mail and conversations).

Existing delegations keep what they gave until now: everything ("all").
"""
from peewee import CharField


def up(migrator, db):
    migrator.migrate(migrator.add_column("delegation", "scope", CharField(max_length=8, default="all")))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("delegation", "scope"))
