"""The SQLite backend's database file: its schema, versions, migrations and checks at open.

A mailtrap database is marked with an application ID and a schema version (``PRAGMA
application_id`` and ``user_version``). Opening one checks both: a file that is not a mailtrap
database, one from a newer mailtrap, or one SQLite cannot read is refused with a
:class:`DatabaseError` whose message is one line for the command line; an older schema is
migrated in place, step by step, each step in its own transaction.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from ..tags import header_tags, tag_key

#: "mtrp" (mailtrap) in ASCII, as PRAGMA application_id.
APPLICATION_ID = 0x6D747270
SCHEMA_VERSION = 4
#: The searchable fields of a message, in the order of ``searchdoc.FIELDS`` (column names).
DOC_COLUMNS = (
    "message_id",
    "subject",
    "from_",
    "mail_from",
    "to_",
    "cc",
    "bcc",
    "rcpt_to",
    "reply_to",
    "body",
)

_VERSION_1 = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE messages (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    mail_from TEXT NOT NULL,
    sender_key TEXT NOT NULL,
    rcpt_tos TEXT NOT NULL,
    rcpt_keys TEXT NOT NULL,
    size INTEGER NOT NULL,
    received REAL NOT NULL,
    internal_date REAL NOT NULL,
    raw BLOB NOT NULL,
    transcript BLOB,
    unseen INTEGER NOT NULL DEFAULT 0,
    indexed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX messages_received ON messages (received);
CREATE INDEX messages_unindexed ON messages (seq) WHERE indexed = 0;
CREATE INDEX messages_unread ON messages (seq) WHERE unseen > 0;
CREATE TABLE accounts (
    rowid INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    address TEXT NOT NULL
);
CREATE TABLE folders (
    rowid INTEGER PRIMARY KEY,
    account INTEGER NOT NULL REFERENCES accounts (rowid),
    name TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uidnext INTEGER NOT NULL,
    total INTEGER NOT NULL DEFAULT 0,
    unseen INTEGER NOT NULL DEFAULT 0,
    special_use TEXT,
    noselect INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account, name)
);
CREATE TABLE entries (
    folder INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    flags TEXT NOT NULL,
    seen INTEGER NOT NULL,
    PRIMARY KEY (folder, uid)
) WITHOUT ROWID;
CREATE INDEX entries_by_message ON entries (seq);
CREATE TABLE subscriptions (
    account INTEGER NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (account, name)
) WITHOUT ROWID;
CREATE TABLE docs (
    seq INTEGER PRIMARY KEY,
    {", ".join(f"{c} TEXT NOT NULL" for c in DOC_COLUMNS)},
    snippet TEXT NOT NULL,
    attachments INTEGER NOT NULL,
    inline INTEGER NOT NULL,
    sent REAL,
    from_address TEXT NOT NULL,
    complete INTEGER NOT NULL
);
CREATE VIRTUAL TABLE docs_fts USING fts5 (
    {", ".join(DOC_COLUMNS)}, content='docs', content_rowid='seq', tokenize='trigram'
);
CREATE TRIGGER docs_added AFTER INSERT ON docs BEGIN
    INSERT INTO docs_fts (rowid, {", ".join(DOC_COLUMNS)})
    VALUES (new.seq, {", ".join(f"new.{c}" for c in DOC_COLUMNS)});
END;
CREATE TRIGGER docs_removed AFTER DELETE ON docs BEGIN
    INSERT INTO docs_fts (docs_fts, rowid, {", ".join(DOC_COLUMNS)})
    VALUES ('delete', old.seq, {", ".join(f"old.{c}" for c in DOC_COLUMNS)});
END;
INSERT INTO meta (key, value) VALUES ('last_uidvalidity', 0);
"""

#: Version 2: tags. A tag is known by its key (case-folded name) and keeps the spelling first
#: seen; the triggers keep each tag's count of messages and forget a tag no message carries.
_VERSION_2 = """
CREATE TABLE tag_names (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    count INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE message_tags (
    seq INTEGER NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (seq, key)
) WITHOUT ROWID;
CREATE INDEX message_tags_by_key ON message_tags (key);
CREATE TRIGGER message_tag_added AFTER INSERT ON message_tags BEGIN
    UPDATE tag_names SET count = count + 1 WHERE key = new.key;
END;
CREATE TRIGGER message_tag_removed AFTER DELETE ON message_tags BEGIN
    UPDATE tag_names SET count = count - 1 WHERE key = old.key;
    DELETE FROM tag_names WHERE key = old.key AND count <= 0;
END;
CREATE TRIGGER message_removed AFTER DELETE ON messages BEGIN
    DELETE FROM message_tags WHERE seq = old.seq;
END;
"""


def _add_tags(connection: sqlite3.Connection) -> None:
    """Version 1 to 2: the tag tables, and the tags of the ``X-Tags`` headers of stored mail
    (what a message arriving now gets)."""
    for statement in _statements(_VERSION_2):
        connection.execute(statement)
    for seq, raw in connection.execute("SELECT seq, raw FROM messages"):  # one row at a time
        for name in header_tags(raw):
            key = tag_key(name)
            connection.execute(
                "INSERT OR IGNORE INTO tag_names (key, name) VALUES (?, ?)", (key, name)
            )
            connection.execute("INSERT INTO message_tags (seq, key) VALUES (?, ?)", (seq, key))


#: Version 3: what a million messages need answered without a scan: the count of messages and
#: of unread ones kept in ``meta`` by triggers, and an index of the documents that keep only
#: the start of a long body (a text search reads those bodies whole).
_VERSION_3 = """
INSERT OR REPLACE INTO meta (key, value) VALUES ('messages', (SELECT count(*) FROM messages));
INSERT OR REPLACE INTO meta (key, value)
    VALUES ('unread', (SELECT count(*) FROM messages WHERE unseen > 0));
CREATE TRIGGER message_counted AFTER INSERT ON messages BEGIN
    UPDATE meta SET value = value + 1 WHERE key = 'messages';
    UPDATE meta SET value = value + 1 WHERE key = 'unread' AND new.unseen > 0;
END;
CREATE TRIGGER message_uncounted AFTER DELETE ON messages BEGIN
    UPDATE meta SET value = value - 1 WHERE key = 'messages';
    UPDATE meta SET value = value - 1 WHERE key = 'unread' AND old.unseen > 0;
END;
CREATE TRIGGER message_read_state AFTER UPDATE OF unseen ON messages
WHEN (old.unseen > 0) != (new.unseen > 0) BEGIN
    UPDATE meta SET value = value + (CASE WHEN new.unseen > 0 THEN 1 ELSE -1 END)
    WHERE key = 'unread';
END;
CREATE INDEX docs_incomplete ON docs (seq) WHERE complete = 0;
"""


def _add_counts(connection: sqlite3.Connection) -> None:
    """Version 2 to 3: the kept counts and the index of incomplete documents."""
    for statement in _statements(_VERSION_3):
        connection.execute(statement)


def _add_plain(connection: sqlite3.Connection) -> None:
    """Version 3 to 4: ``messages.plain``, 1 when every field of the message's search document
    is in its lower-cased bytes or its envelope (``searchdoc.is_plain``, ASCII addresses), so
    that a search can rule out unindexed mail in SQL. Mail stored before is left at 0 (read in
    Python, as before)."""
    connection.execute("ALTER TABLE messages ADD COLUMN plain INTEGER NOT NULL DEFAULT 0")


#: Migrations: MIGRATIONS[n] takes a database from version n to n + 1. A new database is made
#: as version 1 and taken through every step, so each step runs in every test.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _add_tags,
    2: _add_counts,
    3: _add_plain,
}


class DatabaseError(Exception):
    """The database cannot be used; the message is one line saying why."""


def connect(path: str | Path, *, sync: str = "normal") -> sqlite3.Connection:
    """A connection to a mailtrap database (created when new), checked and migrated."""
    if sync not in ("normal", "full"):
        raise DatabaseError(f"database sync must be normal or full, not {sync!r}")
    try:
        connection = sqlite3.connect(
            str(path), isolation_level=None, check_same_thread=False, timeout=30
        )
    except sqlite3.Error as error:
        raise DatabaseError(f"cannot open the database {path}: {error}") from None
    try:
        _check_and_migrate(connection, path, sync)
    except sqlite3.DatabaseError as error:
        connection.close()
        raise DatabaseError(f"{path} is not a usable SQLite database: {error}") from None
    except DatabaseError:
        connection.close()
        raise
    return connection


def _prepare(connection: sqlite3.Connection, sync: str) -> None:
    """Settings for a database already known to be ours (nothing is written before that)."""
    connection.execute("PRAGMA foreign_keys = OFF")
    # WAL: readers never wait for the writer; NORMAL is safe against a process crash, FULL
    # also against losing power (an fsync per commit).
    mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal" and str(mode).lower() != "memory":
        raise DatabaseError(f"the database cannot use write-ahead logging (journal mode {mode})")
    connection.execute(f"PRAGMA synchronous = {sync.upper()}")
    connection.execute("PRAGMA busy_timeout = 30000")


def _check_and_migrate(connection: sqlite3.Connection, path: str | Path, sync: str) -> None:
    application = connection.execute("PRAGMA application_id").fetchone()[0]
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    if application == 0 and version == 0 and tables == 0:
        # Deleted mail gives its pages back a few at a time (``PRAGMA incremental_vacuum``);
        # this takes effect only before the first table, so it comes first.
        connection.execute("PRAGMA auto_vacuum = INCREMENTAL")
        _prepare(connection, sync)
        _create(connection)
        return
    if application != APPLICATION_ID:
        raise DatabaseError(f"{path} is not a mailtrap database")
    if version > SCHEMA_VERSION:
        raise DatabaseError(
            f"{path} was written by a newer mailtrap (schema {version}; this one reads up to "
            f"{SCHEMA_VERSION})"
        )
    _prepare(connection, sync)
    while version < SCHEMA_VERSION:
        connection.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[version](connection)
            version += 1
            connection.execute(f"PRAGMA user_version = {version}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise


def _create(connection: sqlite3.Connection) -> None:
    connection.execute("BEGIN IMMEDIATE")
    try:
        for statement in _statements(_VERSION_1):
            connection.execute(statement)
        for version in range(1, SCHEMA_VERSION):
            MIGRATIONS[version](connection)
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def _statements(script: str) -> list[str]:
    """Split a script into statements (triggers keep their inner semicolons)."""
    statements, current = [], []
    for line in script.strip().splitlines():
        current.append(line)
        text = "\n".join(current).strip()
        if text.endswith(";") and sqlite3.complete_statement(text):
            statements.append(text)
            current = []
    return statements
