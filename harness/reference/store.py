"""SQLite storage for tasks: in memory by default, a WAL file with ``--db PATH``.

One connection guarded by a lock: every read-modify-write (compare-and-set on the version)
happens inside one lock hold and one transaction, so concurrent requests cannot interleave.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

FINAL_STATUSES = ("canceled", "completed")
LIVE_STATUSES = ("pending", "reserved")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    sid TEXT NOT NULL UNIQUE,
    account_sid TEXT NOT NULL,
    workspace_sid TEXT NOT NULL,
    workflow_sid TEXT NOT NULL,
    task_queue_sid TEXT NOT NULL,
    task_channel_sid TEXT NOT NULL,
    task_channel_unique_name TEXT NOT NULL,
    attributes TEXT NOT NULL,
    addons TEXT NOT NULL,
    priority INTEGER NOT NULL,
    timeout INTEGER NOT NULL,
    assignment_status TEXT NOT NULL,
    reason TEXT,
    date_created REAL NOT NULL,
    date_updated REAL NOT NULL,
    virtual_start_time REAL NOT NULL,
    task_queue_entered_date REAL,
    ignore_capacity INTEGER,
    routing_target TEXT,
    version INTEGER NOT NULL,
    expires_at REAL,
    purge_at REAL
);
CREATE INDEX IF NOT EXISTS tasks_ws_created ON tasks (workspace_sid, date_created, seq);
CREATE INDEX IF NOT EXISTS tasks_ws_priority ON tasks (workspace_sid, priority, date_created, seq);
CREATE INDEX IF NOT EXISTS tasks_ws_vst ON tasks (workspace_sid, virtual_start_time, seq);
CREATE INDEX IF NOT EXISTS tasks_ws_status ON tasks (workspace_sid, assignment_status);
CREATE INDEX IF NOT EXISTS tasks_ws_queue ON tasks (workspace_sid, task_queue_sid);
CREATE INDEX IF NOT EXISTS tasks_ws_workflow ON tasks (workspace_sid, workflow_sid);
CREATE INDEX IF NOT EXISTS tasks_expires ON tasks (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS tasks_purge ON tasks (purge_at) WHERE purge_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS tasks_direct ON tasks (seq)
    WHERE ignore_capacity = 1 AND assignment_status = 'pending';
"""


@dataclass(frozen=True)
class TaskRow:
    """One stored task. Times are epoch seconds; rendering happens elsewhere."""

    sid: str
    account_sid: str
    workspace_sid: str
    workflow_sid: str
    task_queue_sid: str
    task_channel_sid: str
    task_channel_unique_name: str
    attributes: str
    addons: str
    priority: int
    timeout: int
    assignment_status: str
    reason: str | None
    date_created: float
    date_updated: float
    virtual_start_time: float
    task_queue_entered_date: float | None
    ignore_capacity: bool | None
    routing_target: str | None
    version: int
    expires_at: float | None
    purge_at: float | None
    seq: int = 0

    def changed(self, **changes: Any) -> TaskRow:
        return replace(self, **changes)


_COLUMNS = tuple(f.name for f in fields(TaskRow) if f.name != "seq")


def _row(raw: sqlite3.Row) -> TaskRow:
    data = dict(raw)
    if data["ignore_capacity"] is not None:
        data["ignore_capacity"] = bool(data["ignore_capacity"])
    return TaskRow(**data)


class TaskStore:
    """CRUD and queries over the ``tasks`` table."""

    def __init__(self, path: Path | None = None) -> None:
        target = str(path) if path else ":memory:"
        self._conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        if path:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
        self.lock = threading.RLock()

    @property
    def connection(self) -> sqlite3.Connection:
        """The shared connection (supporting tables live in the same database)."""
        return self._conn

    def close(self) -> None:
        with self.lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock and one SQLite transaction for a read-modify-write."""
        with self.lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def insert(self, row: TaskRow) -> TaskRow:
        with self.lock:
            values = [getattr(row, c) for c in _COLUMNS]
            cur = self._conn.execute(
                f"INSERT INTO tasks ({', '.join(_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in _COLUMNS)})",
                values,
            )
            return row.changed(seq=cur.lastrowid or 0)

    def get(self, workspace_sid: str, sid: str) -> TaskRow | None:
        with self.lock:
            raw = self._conn.execute(
                "SELECT * FROM tasks WHERE workspace_sid = ? AND sid = ?", (workspace_sid, sid)
            ).fetchone()
        return _row(raw) if raw else None

    def replace_if_version(self, row: TaskRow, expected_version: int) -> bool:
        """Write ``row`` only if the stored version is still ``expected_version``."""
        assignments = ", ".join(f"{c} = ?" for c in _COLUMNS if c != "sid")
        values = [getattr(row, c) for c in _COLUMNS if c != "sid"]
        with self.lock:
            cur = self._conn.execute(
                f"UPDATE tasks SET {assignments} WHERE sid = ? AND version = ?",
                [*values, row.sid, expected_version],
            )
        return cur.rowcount == 1

    def delete(self, workspace_sid: str, sid: str, expected_version: int | None = None) -> bool:
        sql = "DELETE FROM tasks WHERE workspace_sid = ? AND sid = ?"
        params: list[Any] = [workspace_sid, sid]
        if expected_version is not None:
            sql += " AND version = ?"
            params.append(expected_version)
        with self.lock:
            return self._conn.execute(sql, params).rowcount == 1

    def count_in_flight(self, workspace_sid: str) -> int:
        with self.lock:
            return int(
                self._conn.execute(
                    "SELECT COUNT(*) FROM tasks WHERE workspace_sid = ? AND assignment_status "
                    "IN ('pending', 'reserved', 'assigned', 'wrapping')",
                    (workspace_sid,),
                ).fetchone()[0]
            )

    def expire(self, now: float, reason: str, retention: float) -> list[TaskRow]:
        """Cancel every pending/reserved task whose TTL has passed (a system change); returns
        the canceled rows."""
        with self.lock:
            sids = [
                raw[0]
                for raw in self._conn.execute(
                    "SELECT sid FROM tasks WHERE expires_at IS NOT NULL AND expires_at <= ?",
                    (now,),
                )
            ]
            if not sids:
                return []
            marks = ", ".join("?" for _ in sids)
            self._conn.execute(
                "UPDATE tasks SET assignment_status = 'canceled', reason = ?, "
                "date_updated = expires_at, version = version + 1, "
                f"purge_at = expires_at + ?, expires_at = NULL WHERE sid IN ({marks})",
                (reason, retention, *sids),
            )
            raws = self._conn.execute(
                f"SELECT * FROM tasks WHERE sid IN ({marks}) ORDER BY seq", sids
            ).fetchall()
        return [_row(raw) for raw in raws]

    def purge(self, now: float) -> list[TaskRow]:
        """Delete canceled/completed tasks whose retention window has passed, and assigned or
        wrapping tasks not completed within their 24-hour limit (Twilio: system-deleted);
        returns the deleted rows."""
        where = (
            "purge_at IS NOT NULL AND purge_at <= ? AND "
            "assignment_status IN ('canceled', 'completed', 'assigned', 'wrapping')"
        )
        with self.lock:
            raws = self._conn.execute(
                f"SELECT * FROM tasks WHERE {where} ORDER BY seq", (now,)
            ).fetchall()
            if raws:
                self._conn.execute(f"DELETE FROM tasks WHERE {where}", (now,))
        return [_row(raw) for raw in raws]

    def scan(
        self, columns: str, where: str, params: Sequence[Any], order_by: str
    ) -> Iterator[tuple[Any, ...]]:
        """Stream plain tuples of ``columns`` (cheaper than rows when most are discarded)."""
        with self.lock:
            cur = self._conn.execute(
                f"SELECT {columns} FROM tasks WHERE {where} ORDER BY {order_by}", list(params)
            )
            while batch := cur.fetchmany(1024):
                for raw in batch:
                    yield tuple(raw)

    def get_by_seq(self, seqs: Sequence[int]) -> list[TaskRow]:
        """Rows by creation sequence, in the order given."""
        if not seqs:
            return []
        with self.lock:
            raws = self._conn.execute(
                f"SELECT * FROM tasks WHERE seq IN ({', '.join('?' for _ in seqs)})", list(seqs)
            ).fetchall()
        by_seq = {raw["seq"]: _row(raw) for raw in raws}
        return [by_seq[s] for s in seqs if s in by_seq]

    def query(self, where: str, params: Sequence[Any], order_by: str) -> Iterator[TaskRow]:
        """Stream rows matching ``where`` in ``order_by`` order (lock held while streaming)."""
        with self.lock:
            cur = self._conn.execute(
                f"SELECT * FROM tasks WHERE {where} ORDER BY {order_by}", list(params)
            )
            while batch := cur.fetchmany(256):
                for raw in batch:
                    yield _row(raw)
