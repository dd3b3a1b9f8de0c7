"""A scenario as loaded from YAML (validated; placeholders still unrendered)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.jsonpath import JsonPath

AUTH_MODES = ("default", "none", "wrong")
METHODS = ("GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class RequestSpec:
    method: str
    path: str | None = None  # relative to the target's base URL
    url: str | None = None  # absolute (must be on the target's host)
    query: tuple[tuple[str, Any], ...] = ()  # values may be lists (repeated keys)
    form: tuple[tuple[str, Any], ...] | None = None
    body: str | None = None
    headers: tuple[tuple[str, Any], ...] = ()
    auth: str = "default"
    tag: bool = True  # inject the run tag into Attributes of task creates/updates


@dataclass(frozen=True)
class JsonExpectation:
    path: JsonPath
    matcher: Any
    line: int


@dataclass(frozen=True)
class HeaderExpectation:
    name: str
    rule: str  # present | absent | equals | matches
    value: Any
    line: int


@dataclass(frozen=True)
class Expectations:
    status: tuple[int, ...] = ()
    headers: tuple[HeaderExpectation, ...] = ()
    json: tuple[JsonExpectation, ...] = ()
    relations: tuple[dict[str, Any], ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.status or self.headers or self.json or self.relations)


@dataclass(frozen=True)
class Eventually:
    within: float | str  # seconds, or an expression over profile keys
    every: float = 0.5
    #: poll in real time even with a test clock (never advances it): for what the target
    #: does soon on its own (an event logged), not for what time makes happen (a TTL)
    real_time: bool = False


@dataclass(frozen=True)
class Paginate:
    items: str = "tasks"
    max_pages: int = 100


@dataclass(frozen=True)
class SaveSpec:
    name: str
    source: str  # "header" | "status" | "json"
    path: JsonPath | None = None
    header: str | None = None


@dataclass(frozen=True)
class CreateTasks:
    count: int | str
    form: tuple[tuple[str, Any], ...]
    path: str | None = None
    save: str | None = None
    tag: bool = True


@dataclass(frozen=True)
class CallbackWait:
    """``callback``: wait for callbacks the target POSTs to the run's receiver."""

    kind: str  # harness.callbacks.CallbackKind value: event | assignment
    where: tuple[tuple[str, Any], ...]  # parameter name -> exact value (interpolated)
    #: real seconds (callbacks are asynchronous); None: the profile's callbacks.wait_seconds
    within: float | str | None = None
    count: int = 1


@dataclass(frozen=True)
class AnswerSpec:
    """``answer_assignments``: how the receiver answers this case's assignment callbacks."""

    body: Any = None  # JSON; None -> {}
    status: int = 200
    content_type: str = "application/json"
    delay: float = 0.0


@dataclass(frozen=True)
class Step:
    name: str
    kind: str  # "request" | "create_tasks" | "wait" | "callback" | "answer"
    line: int
    request: RequestSpec | None = None
    expect: Expectations = field(default_factory=Expectations)
    collected: Expectations = field(default_factory=Expectations)
    save: tuple[SaveSpec, ...] = ()
    eventually: Eventually | None = None
    paginate: Paginate | None = None
    foreign_ok: bool = False
    create_tasks: CreateTasks | None = None
    wait: float | str | None = None
    callback: CallbackWait | None = None
    answer: AnswerSpec | None = None


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    category: str
    file: str
    line: int
    clauses: tuple[str, ...]
    tags: tuple[str, ...] = ()
    strength: str = "documented"
    note: str | None = None
    requires: tuple[str, ...] = ()
    workspace: str = "single"
    #: resources declared ``exclusive:`` (harness.scenarios.schedule.Resource values)
    exclusive: tuple[str, ...] = ()
    steps: tuple[Step, ...] = ()
    finally_steps: tuple[Step, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return f"{self.file}:{self.line}"
