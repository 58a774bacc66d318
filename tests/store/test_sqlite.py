"""The SQLite backend's own promises: what a restart keeps, what a bad file gets, migrations,
pruning by age, and freed space."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from polling import until
from storecases import RAW, shared_transcript

from mailtrap import MailTrap
from mailtrap.store import (
    SEEN,
    DatabaseError,
    Delivery,
    MailboxId,
    SqliteStore,
    sqlite_read,
    sqlite_schema,
)
from mailtrap.store.query import Contains, Field, Filter
from mailtrap.transcript import decode
from mailtrap.transcript_shared import FORMAT, text_of

BOB = "bob@x.org"
DATA = Path(__file__).parent / "data"


def test_everything_survives_a_clean_restart(tmp_path):
    path = tmp_path / "mail.db"
    store = SqliteStore(path)
    first = store.deliver("a@x.org", [BOB, "carol@x.org"], RAW, transcript=b"EHLO x")
    store.deliver("a@x.org", [BOB], RAW)
    store.store_flags(BOB, [1], [SEEN, "$Label"], "add")
    drafts = MailboxId(BOB, "Drafts")
    store.create_folder(drafts, special_use="\\Drafts")
    store.set_subscribed(drafts, True)
    store.copy(BOB, [2], drafts)
    store.expunge(BOB, [2])
    store.set_tags([first.id], ["Urgent", "billing"])
    before = (
        store.mailboxes(),
        store.snapshot(BOB),
        store.snapshot(drafts),
        store.subscriptions(BOB),
        store.links(first.id),
    )
    store.close()

    again = SqliteStore(path)
    try:
        after = (
            again.mailboxes(),
            again.snapshot(BOB),
            again.snapshot(drafts),
            again.subscriptions(BOB),
            again.links(first.id),
        )
        assert after == before
        assert again.transcript(first.id) == b"EHLO x"
        assert again.raw(first.id) == RAW
        assert again.tags_of(first.id) == ("billing", "Urgent") and again.tags() == {
            "billing": 1,
            "Urgent": 1,
        }
        # UIDs go on where they stopped, and a new folder never reuses a UIDVALIDITY
        assert again.deliver("a@x.org", [BOB], RAW) and [
            e.uid for e in again.snapshot(BOB).entries
        ] == [1, 3]
        trash = again.create_folder(MailboxId(BOB, "Trash"))
        assert trash.uidvalidity > max(f.uidvalidity for f in before[0][0].folders)
    finally:
        again.close()


def test_a_shared_transcript_is_kept_whole_and_survives_a_restart(tmp_path):
    path = tmp_path / "mail.db"
    store = SqliteStore(path)
    encoded = shared_transcript()  # a template and values: the memory store's form
    message = store.deliver("a@x.org", [BOB], RAW, transcript=encoded)
    store.close()
    again = SqliteStore(path)
    try:
        kept = again.transcript(message.id)
        assert isinstance(kept, bytes)  # self-contained in its row
        assert decode(kept, message.id) == decode(encoded, message.id)
    finally:
        again.close()


def test_the_indexer_compresses_the_transcripts_delivery_left_uncompressed(tmp_path):
    store = SqliteStore(tmp_path / "mail.db")
    try:
        encoded = shared_transcript()
        message = store.deliver("a@x.org", [BOB], RAW, transcript=encoded)
        whole = text_of(encoded)
        assert until(store.indexed), "not indexed"
        kept = store.transcript(message.id)
        assert kept is not None and kept[:1] == FORMAT and len(kept) < len(whole)
        assert text_of(kept) == whole
    finally:
        store.close()


def test_the_python_api_keeps_mail_across_runs(tmp_path):
    path = tmp_path / "mail.db"
    with MailTrap(db=path) as trap:
        trap.store.deliver("a@x.org", [BOB], b"Subject: kept\r\n\r\nbody\r\n")
    with MailTrap(db=path) as trap:
        [message] = trap.wait_for(to=BOB, timeout=1)
        assert message.subject == "kept" and trap.mailbox(BOB).uidnext == 2


@pytest.mark.parametrize(("option", "synchronous"), [({}, 1), ({"db_sync": "full"}, 2)])
def test_db_sync_is_sqlites_synchronous_setting(tmp_path, option, synchronous):
    # --db-sync normal (the default) survives a crash of the process; full also losing power.
    with MailTrap(db=tmp_path / "mail.db", **option) as trap:
        assert trap.store._db.execute("PRAGMA synchronous").fetchone()[0] == synchronous
        assert trap.store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize(
    ("contents", "why"),
    [
        (b"plain text, not a database", "is not a usable SQLite database"),
        (None, "is not a mailtrap database"),
        ("newer", "was written by a newer mailtrap"),
    ],
)
def test_a_file_that_is_not_ours_is_refused_in_one_line(tmp_path, contents, why):
    path = tmp_path / "other.db"
    if contents is None:
        sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()
    elif contents == "newer":
        SqliteStore(path).close()
        with sqlite3.connect(path) as connection:
            connection.execute(f"PRAGMA user_version = {sqlite_schema.SCHEMA_VERSION + 1}")
    else:
        path.write_bytes(contents)
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match=why):
        SqliteStore(path)
    with pytest.raises(DatabaseError, match=why):
        MailTrap(db=path)
    assert path.read_bytes() == before  # never emptied, never rewritten
    command = [sys.executable, "-m", "mailtrap", "--db", str(path), "--smtp", "0"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and why in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_an_older_schema_is_migrated_in_place(tmp_path, monkeypatch):
    """Every migration step runs in order on a database of the first version, and the mail
    written by the first version is still there."""
    path = tmp_path / "old.db"
    store = SqliteStore(path)
    message = store.deliver("a@x.org", [BOB], RAW)
    store.close()
    steps = []

    def step(version):
        def migrate(connection):
            steps.append(version)
            connection.execute(f"CREATE TABLE step_{version} (x)")

        return migrate

    latest = sqlite_schema.SCHEMA_VERSION + 2
    monkeypatch.setattr(sqlite_schema, "SCHEMA_VERSION", latest)
    monkeypatch.setattr(
        sqlite_schema,
        "MIGRATIONS",
        {**sqlite_schema.MIGRATIONS, **{v: step(v) for v in range(latest - 2, latest)}},
    )
    again = SqliteStore(path)
    try:
        assert steps == [latest - 2, latest - 1]
        assert again.raw(message.id) == RAW
        version = again._reader().execute("PRAGMA user_version").fetchone()[0]
        assert version == latest
    finally:
        again.close()


def test_a_database_of_schema_1_is_migrated_with_its_mail(tmp_path):
    """tests/store/data/schema1.db was written by mailtrap's schema 1 (before tags): three
    messages (two with X-Tags), a copy in a folder of bob's, one message read. Opened now, it is
    migrated in place; the mail, folders and flags are all there, and the X-Tags headers of the
    stored mail became tags."""
    path = tmp_path / "schema1.db"
    shutil.copyfile(DATA / "schema1.db", path)
    store = SqliteStore(path)
    try:
        latest = sqlite_schema.SCHEMA_VERSION
        assert store._reader().execute("PRAGMA user_version").fetchone()[0] == latest
        one, two, three = (f"87efeb17{n:08x}" for n in (1, 2, 3))
        assert [m.id for m in store.messages()] == [one, two, three]
        assert store.tags_of(one) == ("billing", "Urgent") and store.tags_of(two) == ("Urgent",)
        assert store.tags() == {"billing": 1, "Urgent": 2}
        assert store.is_read(one) and not store.is_read(two)
        assert store.query(Filter()).total == 3 and store.query(Filter()).unread == 2  # kept counts
        archive = store.snapshot(MailboxId("bob@example.org", "Archive"))
        assert [e.message.id for e in archive.entries] == [one]
        assert b"Subject: three" in store.raw(three)
        store.set_tags([three], ["new"])  # the tag tables work as a new database's do
        assert store.tags() == {"billing": 1, "new": 1, "Urgent": 2}
        plain = store._reader().execute("SELECT DISTINCT plain FROM messages").fetchall()
        assert plain == [(0,)]  # not known: a search reads them in Python until indexed
        assert [m.id for m in store.query(Filter((Contains(Field.TEXT, "THREE"),))).messages] == [
            three
        ]
    finally:
        store.close()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_every_real_migration_step_exists():
    assert sorted(sqlite_schema.MIGRATIONS) == list(range(1, sqlite_schema.SCHEMA_VERSION))


def test_max_age_prunes_as_ordinary_expunges(tmp_path):
    store = SqliteStore(tmp_path / "mail.db", max_age=0.2)
    seen = []
    store.subscribe(seen.append)
    try:
        old = store.deliver("a@x.org", [BOB], RAW)
        time.sleep(0.3)
        store.prune()
        assert store.get(old.id) is None
        assert type(seen[-1]).__name__ == "Expunged" and seen[-1].removed == (old.id,)
        new = store.deliver("a@x.org", [BOB], RAW)
        assert [m.id for m in store.messages()] == [new.id]
    finally:
        store.close()


def _checkpoint_whole(store: SqliteStore) -> None:
    """Copy the whole log into the file (retrying while the store's checkpointer is busy)."""
    deadline = time.monotonic() + 10
    while store._reader().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]:
        assert time.monotonic() < deadline, "the log could not be checkpointed"
        time.sleep(0.01)


def test_deleted_mail_frees_disk(tmp_path):
    path = tmp_path / "mail.db"
    store = SqliteStore(path)
    try:
        big = b"Subject: big\r\n\r\n" + b"x" * 200_000 + b"\r\n"
        ids = [store.deliver("a@x.org", [BOB], big).id for _ in range(40)]
        _checkpoint_whole(store)
        full = path.stat().st_size
        store.delete(ids)
        deadline = time.monotonic() + 10
        while store._reader().execute("PRAGMA freelist_count").fetchone()[0]:
            assert time.monotonic() < deadline, "freed pages were never given back"
            time.sleep(0.05)
        _checkpoint_whole(store)
        assert path.stat().st_size < full / 4
    finally:
        store.close()


def test_a_batch_of_deliveries_is_stored_whole_or_not_at_all(tmp_path):
    store = SqliteStore(tmp_path / "mail.db")
    try:
        good = Delivery("a@x.org", ["b@x.org"], RAW)
        bad = Delivery("a@x.org", [42], RAW)  # type: ignore[list-item]  # fails mid-transaction
        store.deliver_all([good, bad])
        assert good.record is None and bad.record is None
        assert isinstance(good.error, Exception) and good.error is bad.error
        assert store.count() == 0 and store.mailboxes() == []
        # Nothing of the rolled-back batch is left, not even a UID.
        message = store.deliver("a@x.org", ["b@x.org"], RAW)
        assert store.snapshot("b@x.org").entries[0] == (1, message, frozenset())
    finally:
        store.close()


def test_a_batchs_records_are_numbered_as_sqlite_numbered_its_rows(tmp_path):
    store = SqliteStore(tmp_path / "mail.db")
    try:
        first = store.deliver("a@x.org", ["b@x.org"], b"Subject: one\r\nX-Tags: t1\r\n\r\n1\r\n")
        newest = store.deliver("a@x.org", ["b@x.org"], RAW)
        store.delete([newest.id])  # its seq is free again: SQLite gives it to the next row
        batch = [
            Delivery("a@x.org", ["b@x.org", "c@x.org"], b"Subject: n\r\nX-Tags: t%d\r\n\r\nn" % n)
            for n in range(40)  # more rows than one statement writes
        ]
        store.deliver_all(batch)
        records = [first] + [d.record for d in batch]
        assert store.messages() == records and len({r.seq for r in records}) == 41
        for n, delivery in enumerate(batch):  # each message's tags and links found by its seq
            assert store.tags_of(delivery.record.id) == (f"t{n}",)
            assert store.raw(delivery.record.id).endswith(b"n")
        for box in ("b@x.org", "c@x.org"):
            entries = store.snapshot(box).entries
            assert [e.message for e in entries][-40:] == records[1:]
    finally:
        store.close()


def test_the_log_stays_short_under_a_steady_flood_with_no_checkpoint_in_a_commit(tmp_path):
    # Commits never checkpoint (that held a commit up to 200 ms); the store's checkpointer
    # keeps the log from growing with what is written, even when mail never stops coming.
    store = SqliteStore(tmp_path / "mail.db")
    try:
        assert store._db.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
        raw = RAW + b"x" * 1200 + b"\r\n"
        # About 5,000 messages a second for about 4 s: the log peaks near 1,000 pages plus what
        # arrives while a checkpoint completes (4-8 MB), never near what was written (25 MB).
        batches = 1000
        for _ in range(batches):
            store.deliver_all([Delivery("a@x.org", ["b@x.org"], raw) for _ in range(20)])
            time.sleep(0.004)
        written = batches * 20 * len(raw)
        log = (tmp_path / "mail.db-wal").stat().st_size
        assert log < written / 2, (log, written)
        assert store.count() == batches * 20
    finally:
        store.close()


@pytest.mark.parametrize(("span", "leaf"), [(8, 2), (5, 1), (1 << 16, 1 << 10)])
def test_a_folder_views_uids_are_read_in_runs_and_gaps_alike(tmp_path, span, leaf):
    store = SqliteStore(tmp_path / "mail.db")
    for _ in range(60):
        store.deliver("a@x.org", [BOB], RAW)
    store.expunge(BOB, [1, 2, 9, 17, 18, 19, 20, 33, 40, 41, 58, 60])
    expected = [e.uid for e in store.snapshot(BOB).entries]
    store.close()
    with sqlite3.connect(tmp_path / "mail.db") as db:
        folder, uidnext = db.execute(
            "SELECT rowid, uidnext FROM folders WHERE name = 'INBOX'"
        ).fetchone()
        assert list(sqlite_read.uid_array(db, folder, uidnext, span, leaf)) == expected


#: Plain and not: encoded words, quoted-printable, 8-bit text, HTML, an SMTPUTF8 envelope, NULs.
