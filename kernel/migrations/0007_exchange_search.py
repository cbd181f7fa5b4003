"""Exchanges: folded search columns for the subject and the senders of received mail.

SQLite's LOWER() folds ASCII only, so a search for "émilie" never met "Émilie": the words are now
folded in Python when written. Tables are frozen copies, and the folding below is a copy of
kernel.models.patient.fold, so this migration always does the same thing.
"""
import json
import re
import unicodedata

from peewee import *

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o", "Ø": "o",
                            "đ": "d", "Đ": "d", "ł": "l", "Ł": "l"})


def _fold(text):
    text = unicodedata.normalize("NFKD", (text or "").translate(_LIGATURES))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _words(*texts):
    words = dict.fromkeys(w for text in texts for w in _fold(text).split())
    return "".join(f" {w}" for w in words)


def up(migrator, db):
    class Exchange(Model):
        subject = CharField(max_length=250)
        search_subject = TextField(default='')
        search_senders = TextField(default='')
        class Meta:
            database = db
            table_name = 'exchange'

    class Message(Model):
        exchange_id = IntegerField()
        author_id = IntegerField(null=True)
        kind = CharField(max_length=20)
        data = TextField()
        class Meta:
            database = db
            table_name = 'message'

    migrator.migrate(
        migrator.add_column('exchange', 'search_subject', TextField(default='')),
        migrator.add_column('exchange', 'search_senders', TextField(default='')),
    )
    for exchange_id, subject in list(Exchange.select(Exchange.id, Exchange.subject).tuples()):
        Exchange.update(search_subject=_words(subject)).where(Exchange.id == exchange_id).execute()
    # Received mail (no author) keeps its sender in data["mail"]: "from" (address) and "from_name".
    senders = {}
    received = (Message.select(Message.exchange_id, Message.data)
                .where((Message.kind == 'mail') & Message.author_id.is_null()).order_by(Message.id))
    for exchange_id, data in list(received.tuples()):
        try:
            facts = (json.loads(data or '{}') or {}).get('mail') or {}
        except ValueError:
            continue
        senders.setdefault(exchange_id, []).extend([facts.get('from_name') or '', facts.get('from') or ''])
    for exchange_id, texts in senders.items():
        Exchange.update(search_senders=_words(*texts)).where(Exchange.id == exchange_id).execute()


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column('exchange', 'search_senders'),
        migrator.drop_column('exchange', 'search_subject'),
    )
