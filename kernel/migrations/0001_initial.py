"""Initial kernel schema: accounts, identities, delegations, patients, exchanges, messages, jobs, audit.

Tables are frozen copies of the models as they were; never import the live models here.
"""
from peewee import *


def up(migrator, db):
    class Identity(Model):
        kind = CharField(max_length=16)
        display_name = CharField(max_length=200)
        structure_type = CharField(null=True, max_length=60)
        finess = CharField(null=True, max_length=9)
        mssante_eligible = BooleanField(default=False)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'identity'
    db.create_tables([Identity])

    class Account(Model):
        login = CharField(unique=True, max_length=150)
        password_hash = CharField()
        first_name = CharField(max_length=100)
        last_name = CharField(max_length=100)
        profession = CharField(max_length=100, default='')
        rpps = CharField(unique=True, null=True, max_length=11)
        identity = ForeignKeyField(Identity, unique=True, on_delete='RESTRICT')
        is_admin = BooleanField(default=False)
        active = BooleanField(default=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'account'
    db.create_tables([Account])

    class ApiToken(Model):
        account = ForeignKeyField(Account, on_delete='CASCADE')
        name = CharField(max_length=100)
        token_hash = CharField(unique=True, max_length=64)
        created_at = DateTimeField()
        last_used_at = DateTimeField(null=True)
        revoked_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'api_token'
    db.create_tables([ApiToken])

    class Attachment(Model):
        sha256 = CharField(index=True, max_length=64)
        size = BigIntegerField()
        content_type = CharField(max_length=120)
        filename = CharField()
        uploaded_by = ForeignKeyField(Account, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'attachment'
    db.create_tables([Attachment])

    class AuditEvent(Model):
        at = DateTimeField(index=True)
        account_id = IntegerField(index=True, null=True)
        acting_as_id = IntegerField(null=True)
        action = CharField(index=True, max_length=80)
        target = CharField(max_length=120, default='')
        outcome = CharField(max_length=20, default='ok')
        request = TextField(default=dict)
        detail = TextField(default='')
        class Meta:
            database = db
            table_name = 'audit_event'
    db.create_tables([AuditEvent])

    class Delegation(Model):
        delegate = ForeignKeyField(Account, on_delete='CASCADE')
        principal = ForeignKeyField(Identity, on_delete='CASCADE')
        granted_by = ForeignKeyField(Account, null=True, on_delete='SET NULL')
        granted_at = DateTimeField()
        revoked_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'delegation'
            indexes = ((('delegate', 'principal'), True),)
    db.create_tables([Delegation])

    class Patient(Model):
        birth_name = CharField(max_length=100)
        used_name = CharField(max_length=100, default='')
        first_names = CharField(max_length=200)
        birth_date = DateField()
        sex = CharField(max_length=1)
        birthplace_code = CharField(max_length=5, default='')
        ins = CharField(index=True, null=True, max_length=15)
        ins_oid = CharField(null=True, max_length=40)
        qualified = BooleanField(default=False)
        created_by = ForeignKeyField(Account, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'patient'
    db.create_tables([Patient])

    class Exchange(Model):
        channel = CharField(index=True, max_length=60)
        space = CharField(max_length=8)
        subject = CharField(max_length=250)
        patient = ForeignKeyField(Patient, null=True, on_delete='SET NULL')
        status = CharField(max_length=40, default='open')
        created_by = ForeignKeyField(Account, null=True, on_delete='SET NULL')
        acting_as = ForeignKeyField(Identity, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        last_message_at = DateTimeField(index=True)
        data = TextField(default=dict)
        class Meta:
            database = db
            table_name = 'exchange'
    db.create_tables([Exchange])

    class Job(Model):
        name = CharField(max_length=100)
        payload = TextField(default=dict)
        status = CharField(max_length=10, default='pending')
        run_at = DateTimeField()
        attempts = IntegerField(default=0)
        max_attempts = IntegerField(default=8)
        dedupe_key = CharField(unique=True, null=True, max_length=200)
        locked_by = CharField(null=True, max_length=100)
        locked_at = DateTimeField(null=True)
        last_error = TextField(null=True)
        created_at = DateTimeField()
        finished_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'job'
            indexes = ((('status', 'run_at'), False),)
    db.create_tables([Job])

    class LoginAttempt(Model):
        login = CharField(index=True, max_length=150)
        remote_addr = CharField(index=True, max_length=64)
        at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'login_attempt'
    db.create_tables([LoginAttempt])

    class MailAddress(Model):
        identity = ForeignKeyField(Identity, on_delete='CASCADE')
        address = CharField(unique=True, max_length=254)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'mail_address'
    db.create_tables([MailAddress])

    class Membership(Model):
        exchange = ForeignKeyField(Exchange, on_delete='CASCADE')
        identity = ForeignKeyField(Identity, on_delete='CASCADE')
        role = CharField(max_length=20, default='member')
        added_by = ForeignKeyField(Account, null=True, on_delete='SET NULL')
        joined_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'membership'
            indexes = ((('exchange', 'identity'), True), (('identity', 'exchange'), False))
    db.create_tables([Membership])

    class Message(Model):
        exchange = ForeignKeyField(Exchange, on_delete='CASCADE')
        author = ForeignKeyField(Account, null=True, on_delete='SET NULL')
        acting_as = ForeignKeyField(Identity, null=True, on_delete='SET NULL')
        kind = CharField(max_length=20, default='text')
        body = TextField(default='')
        created_at = DateTimeField()
        data = TextField(default=dict)
        class Meta:
            database = db
            table_name = 'message'
            indexes = ((('exchange', 'id'), False),)
    db.create_tables([Message])

    class MessageAttachment(Model):
        message = ForeignKeyField(Message, on_delete='CASCADE')
        attachment = ForeignKeyField(Attachment, on_delete='RESTRICT')
        class Meta:
            database = db
            table_name = 'message_attachment'
            indexes = ((('message', 'attachment'), True),)
    db.create_tables([MessageAttachment])

    class OpenedMark(Model):
        exchange = ForeignKeyField(Exchange, on_delete='CASCADE')
        account = ForeignKeyField(Account, on_delete='CASCADE')
        first_opened_at = DateTimeField()
        last_opened_at = DateTimeField()
        last_read_message_id = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'opened_mark'
            indexes = ((('exchange', 'account'), True), (('account', 'exchange'), False))
    db.create_tables([OpenedMark])

    class ReadReceipt(Model):
        message = ForeignKeyField(Message, on_delete='CASCADE')
        account = ForeignKeyField(Account, on_delete='CASCADE')
        read_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'read_receipt'
            indexes = ((('message', 'account'), True),)
    db.create_tables([ReadReceipt])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('read_receipt'))
    migrator.migrate(migrator.drop_table('opened_mark'))
    migrator.migrate(migrator.drop_table('message_attachment'))
    migrator.migrate(migrator.drop_table('message'))
    migrator.migrate(migrator.drop_table('membership'))
    migrator.migrate(migrator.drop_table('mail_address'))
    migrator.migrate(migrator.drop_table('login_attempt'))
    migrator.migrate(migrator.drop_table('job'))
    migrator.migrate(migrator.drop_table('exchange'))
    migrator.migrate(migrator.drop_table('patient'))
    migrator.migrate(migrator.drop_table('delegation'))
    migrator.migrate(migrator.drop_table('audit_event'))
    migrator.migrate(migrator.drop_table('attachment'))
    migrator.migrate(migrator.drop_table('api_token'))
    migrator.migrate(migrator.drop_table('account'))
    migrator.migrate(migrator.drop_table('identity'))
