"""A browser session opened through Pro Santé Connect keeps the provider's id_token, for the logout that ends
the provider's session too (sent back as id_token_hint). Kept on the server only, never in the cookie."""
from peewee import TextField


def up(migrator, db):
    migrator.migrate(migrator.add_column("browser_session", "psc_id_token", TextField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("browser_session", "psc_id_token"))
