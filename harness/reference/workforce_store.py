"""SQLite tables for Workers and Reservations, sharing the task store's connection and lock."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from harness.reference.store import TaskStore

_SCHEMA = """
CREATE TABLE IF NOT EXISTS workers (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    sid TEXT NOT NULL UNIQUE,
    workspace_sid TEXT NOT NULL,
    friendly_name TEXT NOT NULL,
    attributes TEXT NOT NULL,
    activity_sid TEXT NOT NULL,
    date_created REAL NOT NULL,
    date_updated REAL NOT NULL,
    date_status_changed REAL NOT NULL,
    UNIQUE (workspace_sid, friendly_name)
);
CREATE TABLE IF NOT EXISTS reservations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    sid TEXT NOT NULL UNIQUE,
    workspace_sid TEXT NOT NULL,
    task_sid TEXT NOT NULL,
    worker_sid TEXT NOT NULL,
    reservation_status TEXT NOT NULL,
    date_created REAL NOT NULL,
    date_updated REAL NOT NULL,
    timeout_at REAL
);
CREATE INDEX IF NOT EXISTS reservations_task ON reservations (task_sid);
CREATE INDEX IF NOT EXISTS reservations_worker ON reservations (worker_sid, reservation_status);
CREATE INDEX IF NOT EXISTS reservations_timeout ON reservations (timeout_at)
    WHERE reservation_status = 'pending';
"""


@dataclass(frozen=True)
class WorkerRow:
    sid: str
    workspace_sid: str
    friendly_name: str
    attributes: str
    activity_sid: str
    date_created: float
    date_updated: float
    date_status_changed: float

    def changed(self, **changes: Any) -> WorkerRow:
        return replace(self, **changes)


@dataclass(frozen=True)
class ReservationRow:
    sid: str
    workspace_sid: str
    task_sid: str
    worker_sid: str
    reservation_status: str
    date_created: float
    date_updated: float
    timeout_at: float | None

    def changed(self, **changes: Any) -> ReservationRow:
        return replace(self, **changes)


_WORKER_COLUMNS = tuple(f.name for f in fields(WorkerRow))
_RES_COLUMNS = tuple(f.name for f in fields(ReservationRow))


class WorkforceStore:
    def __init__(self, tasks: TaskStore) -> None:
        self.tasks = tasks
        self._conn = tasks.connection
        self.lock = tasks.lock
        with self.lock:
            self._conn.executescript(_SCHEMA)

    # -- workers --------------------------------------------------------------------------
    def put_worker(self, row: WorkerRow) -> None:
        with self.lock:
            self._conn.execute(
                f"INSERT OR REPLACE INTO workers ({', '.join(_WORKER_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in _WORKER_COLUMNS)})",
                [getattr(row, c) for c in _WORKER_COLUMNS],
            )

    def update_worker(self, row: WorkerRow) -> None:
        sets = ", ".join(f"{c} = ?" for c in _WORKER_COLUMNS if c != "sid")
        with self.lock:
            self._conn.execute(
                f"UPDATE workers SET {sets} WHERE sid = ?",
                [*(getattr(row, c) for c in _WORKER_COLUMNS if c != "sid"), row.sid],
            )

    def worker(self, workspace_sid: str, sid: str) -> WorkerRow | None:
        with self.lock:
            raw = self._conn.execute(
                f"SELECT {', '.join(_WORKER_COLUMNS)} FROM workers "
                "WHERE workspace_sid = ? AND sid = ?",
                (workspace_sid, sid),
            ).fetchone()
        return WorkerRow(*raw) if raw else None

    def workers(self, workspace_sid: str) -> list[WorkerRow]:
        with self.lock:
            raws = self._conn.execute(
                f"SELECT {', '.join(_WORKER_COLUMNS)} FROM workers WHERE workspace_sid = ? "
                "ORDER BY seq",
                (workspace_sid,),
            ).fetchall()
        return [WorkerRow(*raw) for raw in raws]

    def all_workers(self) -> list[WorkerRow]:
        with self.lock:
            raws = self._conn.execute(
                f"SELECT {', '.join(_WORKER_COLUMNS)} FROM workers "
                "ORDER BY date_status_changed, seq"
            ).fetchall()
        return [WorkerRow(*raw) for raw in raws]

    def delete_worker(self, workspace_sid: str, sid: str) -> bool:
        with self.lock:
            return (
                self._conn.execute(
                    "DELETE FROM workers WHERE workspace_sid = ? AND sid = ?", (workspace_sid, sid)
                ).rowcount
                == 1
            )

    # -- reservations ---------------------------------------------------------------------
    def put_reservation(self, row: ReservationRow) -> None:
        with self.lock:
            self._conn.execute(
                f"INSERT OR REPLACE INTO reservations ({', '.join(_RES_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in _RES_COLUMNS)})",
                [getattr(row, c) for c in _RES_COLUMNS],
            )

    def reservations(self, where: str, params: list[Any]) -> list[ReservationRow]:
        with self.lock:
            raws = self._conn.execute(
                f"SELECT {', '.join(_RES_COLUMNS)} FROM reservations WHERE {where} ORDER BY seq",
                params,
            ).fetchall()
        return [ReservationRow(*raw) for raw in raws]

    def delete_reservations(self, task_sid: str) -> int:
        with self.lock:
            return self._conn.execute(
                "DELETE FROM reservations WHERE task_sid = ?", (task_sid,)
            ).rowcount

    def busy_workers(self) -> dict[str, int]:
        """Worker SID -> tasks it holds: pending reservations and assigned/wrapping tasks."""
        with self.lock:
            raws = self._conn.execute(
                "SELECT r.worker_sid, COUNT(*) FROM reservations r JOIN tasks t "
                "ON t.sid = r.task_sid WHERE r.reservation_status = 'pending' OR "
                "(r.reservation_status IN ('accepted', 'wrapping') "
                "AND t.assignment_status IN ('assigned', 'wrapping')) GROUP BY r.worker_sid"
            ).fetchall()
        return {sid: count for sid, count in raws}

    def declined(self, task_sid: str) -> set[str]:
        with self.lock:
            raws = self._conn.execute(
                "SELECT worker_sid FROM reservations WHERE task_sid = ? "
                "AND reservation_status IN ('rejected', 'timeout')",
                (task_sid,),
            ).fetchall()
        return {raw[0] for raw in raws}
