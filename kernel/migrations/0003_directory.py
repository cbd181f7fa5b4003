"""The directory: entries (professionals, services), their MSSanté addresses, import runs, indexed words,
and the search structure of each database (SQLite FTS5 / PostgreSQL GIN), ordered by ``sort_rank``.

Tables are frozen copies of the models as they were; never import the live models here. The
platform's existing accounts and structures are indexed here too (frozen copies of the folding and
ranking rules of the time), so the pickers keep finding them; kernel/directory/sync.py takes over.
"""
import hashlib
import re
import unicodedata

from peewee import *

# Rank-ordered search structure. SQLite: a full-text table whose rowid is the entry's sort_rank, so a
# query reads matches in result order and stops at the page size; prefix indexes of 1 to 3 letters
# answer the first keystrokes without merging thousands of words.
SQLITE_SEARCH = ("CREATE VIRTUAL TABLE directory_search USING fts5(q, w, n, t, "
                 "tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3')")
# PostgreSQL: the same rows in a plain table, each field's words as a tsvector; GIN indexes answer
# rare words, the primary key (rank order) is walked for common ones.
POSTGRES_SEARCH = (
    "CREATE TABLE directory_search (rank BIGINT PRIMARY KEY, qv TSVECTOR NOT NULL, wv TSVECTOR NOT NULL, "
    "n VARCHAR(20) NOT NULL, mss BOOLEAN NOT NULL)",
    "CREATE INDEX directory_search_q ON directory_search USING GIN (qv)",
    "CREATE INDEX directory_search_w ON directory_search USING GIN (wv)",
    "CREATE INDEX directory_search_n ON directory_search (n, rank)",
    # Byte order, as SQLite compares: the rank order and the prefix ranges must agree on both databases.
    'ALTER TABLE directory_entry ALTER COLUMN sort_name TYPE VARCHAR(300) COLLATE "C", '
    'ALTER COLUMN key TYPE VARCHAR(300) COLLATE "C"',
    'ALTER TABLE directory_term ALTER COLUMN term TYPE VARCHAR(100) COLLATE "C"',
)


def up(migrator, db):
    class Identity(Model):
        class Meta:
            database = db
            table_name = 'identity'

    class DirectoryImport(Model):
        kind = CharField(max_length=20)
        file_name = CharField(max_length=255)
        started_at = DateTimeField()
        finished_at = DateTimeField(null=True)
        status = CharField(max_length=12, default='running')
        encoding = CharField(max_length=20, default='utf-8')
        lines_read = IntegerField(default=0)
        created = IntegerField(default=0)
        updated = IntegerField(default=0)
        unchanged = IntegerField(default=0)
        retired = IntegerField(default=0)
        rejected = IntegerField(default=0)
        ignored = IntegerField(default=0)
        report_path = CharField(max_length=500, default='')
        error = TextField(default='')
        class Meta:
            database = db
            table_name = 'directory_import'
    db.create_tables([DirectoryImport])

    class DirectoryEntry(Model):
        key = CharField(max_length=300, unique=True)
        kind = CharField(max_length=8)
        source = CharField(max_length=10)
        national_id = CharField(max_length=20, null=True, index=True)
        title = CharField(max_length=10, default='')
        first_name = CharField(max_length=100, default='')
        last_name = CharField(max_length=100, default='')
        display_name = CharField(max_length=300)
        profession = CharField(max_length=150, default='')
        specialty = CharField(max_length=200, default='')
        organisation = CharField(max_length=300, default='')
        service = CharField(max_length=300, default='')
        postcode = CharField(max_length=10, default='')
        city = CharField(max_length=100, default='')
        department = CharField(max_length=3, default='')
        finess = CharField(max_length=20, default='')
        facts_from = CharField(max_length=10, default='')
        identity = ForeignKeyField(Identity, null=True, on_delete='SET NULL')
        has_account = BooleanField(default=False)
        has_address = BooleanField(default=False)
        sort_name = CharField(max_length=300, default='')
        search_q = TextField(default='')
        search_where = TextField(default='')
        name_key = CharField(max_length=20, default='')
        rank_group = SmallIntegerField(null=True)
        sort_rank = BigIntegerField(null=True, index=True)
        search_dirty = BooleanField(default=False)
        last_run = ForeignKeyField(DirectoryImport, null=True, on_delete='SET NULL', index=False)
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'directory_entry'
            indexes = ((('rank_group', 'sort_name', 'key'), False),)
    db.create_tables([DirectoryEntry])

    class DirectoryAddress(Model):
        address = CharField(max_length=254, unique=True)
        entry = ForeignKeyField(DirectoryEntry, on_delete='CASCADE')
        bal_type = CharField(max_length=3)
        source = CharField(max_length=10)
        organisation = CharField(max_length=300, default='')
        service = CharField(max_length=300, default='')
        postcode = CharField(max_length=10, default='')
        city = CharField(max_length=100, default='')
        department = CharField(max_length=3, default='')
        active = BooleanField(default=True)
        last_run = ForeignKeyField(DirectoryImport, null=True, on_delete='SET NULL', index=False)
        first_seen_at = DateTimeField()
        retired_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'directory_address'
    db.create_tables([DirectoryAddress])

    class DirectoryTerm(Model):
        field = CharField(max_length=1)
        term = CharField(max_length=100)
        class Meta:
            database = db
            table_name = 'directory_term'
            primary_key = CompositeKey('field', 'term')
    db.create_tables([DirectoryTerm])

    if isinstance(db, SqliteDatabase):
        db.execute_sql(SQLITE_SEARCH)
    elif isinstance(db, PostgresqlDatabase):
        for statement in POSTGRES_SEARCH:
            db.execute_sql(statement)
    else:
        raise NotImplementedError(f"no directory search structure for {type(db).__name__}")
    _index_platform_identities(db, DirectoryEntry, DirectoryAddress, DirectoryTerm)


def _fold(text):
    text = (text or "").lower().translate(str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"}))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _words(*texts):
    return " ".join(dict.fromkeys(w for t in texts for w in _fold(t).split()))


def _name_key(*names):
    found = sorted(set(" ".join(_fold(n) for n in names).split()))
    return "k" + hashlib.blake2b(" ".join(found).encode(), digest_size=8).hexdigest() if found else ""


def _index_platform_identities(db, DirectoryEntry, DirectoryAddress, DirectoryTerm):
    """An entry per account holder and structure, placed in rank order (account holders first)."""
    import datetime as dt

    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    mail = {}
    for identity_id, address in db.execute_sql("SELECT identity_id, address FROM mail_address").fetchall():
        mail.setdefault(identity_id, set()).add(address.lower())
    entries = []
    for iid, kind, display, structure_type, finess, first, last, profession, rpps, active in db.execute_sql(
            "SELECT i.id, i.kind, i.display_name, i.structure_type, i.finess, a.first_name, a.last_name, "
            "a.profession, a.rpps, a.active FROM identity i LEFT JOIN account a ON a.identity_id = i.id").fetchall():
        person = kind == "person"
        if person and first is None:
            continue
        takes_part = not person or bool(active)
        if not (takes_part or mail.get(iid)):
            continue
        entry = {"key": f"identity:{iid}", "kind": "person" if person else "service", "source": "platform",
                 "national_id": f"8{rpps}" if rpps else None, "display_name": display, "finess": finess or "",
                 "facts_from": "platform", "identity": iid, "has_account": takes_part, "has_address": bool(mail.get(iid)),
                 "updated_at": now}
        if person:
            lead = display.split(" ", 1)[0]
            title = {"dr": "Dr", "docteur": "Dr", "pr": "Pr", "professeur": "Pr"}.get(_fold(lead), "") \
                if _fold(lead) != _fold(first.split(" ")[0]) else ""
            entry.update(title=title, first_name=first, last_name=last.upper(), profession=profession,
                         search_q=_words(title, first, last, profession), name_key=_name_key(first, last),
                         sort_name=f"{_fold(last)} {_fold(first)}".strip())
        else:
            label = (structure_type or "").capitalize()
            entry.update(profession=label, search_q=_words(display, label), name_key=_name_key(display),
                         sort_name=_fold(display))
        entry["rank_group"] = (0 if person else 2) + (0 if takes_part else 1)
        entries.append(entry)
    entries.sort(key=lambda e: (e["rank_group"], e["sort_name"], e["key"]))
    for position, entry in enumerate(entries, 1):
        entry["sort_rank"] = (entry["rank_group"] << 60) + position * (1 << 24)
        entry_id = DirectoryEntry.insert(**entry).execute()
        for address in sorted(mail.get(entry["identity"], ())):
            DirectoryAddress.insert(address=address, entry=entry_id, bal_type="PER" if entry["kind"] == "person"
                                    else "ORG", source="platform", first_seen_at=now).execute()
        q, n, mss = entry["search_q"], entry["name_key"], entry["has_address"]
        if isinstance(db, SqliteDatabase):
            db.execute_sql("INSERT INTO directory_search (rowid, q, w, n, t) VALUES (?, ?, '', ?, ?)",
                           (entry["sort_rank"], q, n, "" if mss else "nomss"))
        else:
            db.execute_sql("INSERT INTO directory_search (rank, qv, wv, n, mss) VALUES "
                           "(%s, array_to_tsvector(array_remove(string_to_array(%s, ' '), '')), ''::tsvector, %s, %s)",
                           (entry["sort_rank"], q, n, mss))
    for term in sorted({w for e in entries for w in e["search_q"].split()}):
        DirectoryTerm.insert(field="q", term=term).execute()


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS directory_search')
    migrator.migrate(migrator.drop_table('directory_term'))
    migrator.migrate(migrator.drop_table('directory_address'))
    migrator.migrate(migrator.drop_table('directory_entry'))
    migrator.migrate(migrator.drop_table('directory_import'))
