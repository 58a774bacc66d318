"""The SQLite backend's multi-row INSERT: every row written, in order (numbered consecutively:
deliveries work out their messages' ``seq`` from the last), by statements whose sizes are
powers of two (so the connection caches a few of them)."""

from __future__ import annotations

import re
import sqlite3

import pytest

from mailtrap.store.sqlite_state import ROWS_A_STATEMENT, insert_rows


@pytest.mark.parametrize("count", [0, 1, 2, 3, 9, 31, 32, 33, 100, 1000])
def test_insert_rows_writes_every_row_in_order(count):
    db = sqlite3.connect(":memory:", isolation_level=None)
    try:
        db.execute("CREATE TABLE t (a INTEGER, b TEXT, c BLOB)")
        statements: list[str] = []
        db.set_trace_callback(statements.append)
        rows = [(n, f"row {n}", bytes([n % 256]) * n) for n in range(count)]
        last = insert_rows(db, "INSERT INTO t (a, b, c) VALUES", rows)
        db.set_trace_callback(None)
        assert last == count  # the last row's rowid: rows are numbered from 1, in order
        assert db.execute("SELECT a, b, c FROM t ORDER BY rowid").fetchall() == rows
        sizes = [len(re.findall(r"'row \d+'", s)) for s in statements]  # values filled in
        assert sum(sizes) == count
        assert all(size & (size - 1) == 0 and size <= ROWS_A_STATEMENT for size in sizes)
        assert len(statements) <= count // ROWS_A_STATEMENT + ROWS_A_STATEMENT.bit_length()
    finally:
        db.close()
