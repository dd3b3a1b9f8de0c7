"""Load scenario YAML into ``Scenario`` objects, rejecting anything malformed.

Every error is a ``ScenarioLoadError`` naming the file, the line and the field, e.g.
``scenarios/etag/stale.yaml:14: steps[1].expect.json.sid: unknown matcher 'regx'``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from harness.scenarios.interpolate import InterpolationError, expression_names, placeholders
from harness.scenarios.matchers import check_matcher, variables_used
from harness.scenarios.model import (
    AUTH_MODES,
    METHODS,
    CreateTasks,
    Eventually,
    Expectations,
    HeaderExpectation,
    JsonExpectation,
    Paginate,
    RequestSpec,
    SaveSpec,
    Scenario,
    Step,
)
from harness.scenarios.paths import parse_path
from harness.scenarios.relations import check_relation
from harness.scenarios.yamlsrc import LDict, SourceError, line_of, load_file

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
TOP_KEYS = {
    "id", "title", "clauses", "tags", "category", "strength", "note", "requires",
    "workspace", "setup", "steps", "finally",
}  # fmt: skip
STEP_KEYS = {
    "name", "request", "expect", "collected", "save", "eventually", "paginate", "foreign_ok",
    "create_tasks", "wait",
}  # fmt: skip
REQUEST_KEYS = {"method", "path", "url", "query", "form", "body", "headers", "auth", "tag"}
EXPECT_KEYS = {"status", "headers", "json", "relations"}
COLLECTED_KEYS = {"json", "relations"}
HEADER_RULES = ("present", "absent", "equals", "matches")
#: Variables every case has; ``profile.*`` and ``workspace.*`` reach into the target profile.
BUILTINS = frozenset({"run_tag", "case_tag", "base_url", "ws", "workspace", "profile", "now"})
DEFAULT_CREATE_PATH = "/v1/Workspaces/{ws}/Tasks"


class ScenarioLoadError(SourceError):
    """A scenario file that cannot be loaded."""


class _Reader:
    """Validation helpers bound to one file."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, container: Any, key: Any, field: str, message: str) -> ScenarioLoadError:
        return ScenarioLoadError(self.file, line_of(container, key) or None, field, message)

    def mapping(self, value: Any, parent: Any, key: Any, field: str) -> LDict:
        if not isinstance(value, dict):
            raise self.fail(parent, key, field, f"expected a mapping, got {_kind(value)}")
        return value  # type: ignore[return-value]

    def keys(self, value: Mapping[str, Any], allowed: Iterable[str], field: str) -> None:
        allowed = set(allowed)
        for key in value:
            if key not in allowed:
                name = f"{field}.{key}" if field else str(key)
                raise self.fail(
                    value, key, name, f"unknown key (allowed: {', '.join(sorted(allowed))})"
                )

    def required(self, value: Mapping[str, Any], key: str, field: str) -> Any:
        if key not in value:
            raise self.fail(value, None, _join(field, key), "missing required field")
        return value[key]

    def string(self, value: Any, parent: Any, key: Any, field: str, empty: bool = False) -> str:
        if not isinstance(value, str) or (not empty and not value.strip()):
            raise self.fail(parent, key, field, f"expected a non-empty string, got {_kind(value)}")
        return value

    def strings(self, value: Any, parent: Any, key: Any, field: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(parent, key, field, f"expected a list of strings, got {_kind(value)}")
        for index, item in enumerate(value):
            self.string(item, value, index, f"{field}[{index}]")
        return tuple(value)

    def boolean(self, value: Any, parent: Any, key: Any, field: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(parent, key, field, f"expected true or false, got {_kind(value)}")
        return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {value!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def _join(field: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{field}[{key}]"
    return f"{field}.{key}" if field else str(key)


class _Scope:
    """Variables defined so far in a scenario (builtins plus earlier saves)."""

    def __init__(self) -> None:
        self.names: set[str] = set(BUILTINS)

    def check_text(self, reader: _Reader, text: str, parent: Any, key: Any, field: str,
                   extra: frozenset[str] = frozenset()) -> None:  # fmt: skip
        try:
            names = placeholders(text)
        except InterpolationError as exc:
            raise reader.fail(parent, key, field, str(exc)) from None
        for name in names:
            if name not in self.names and name not in extra:
                raise reader.fail(parent, key, field, _undefined(name))

    def check_value(self, reader: _Reader, value: Any, parent: Any, key: Any, field: str,
                    extra: frozenset[str] = frozenset()) -> None:  # fmt: skip
        if isinstance(value, str):
            self.check_text(reader, value, parent, key, field, extra)
        elif isinstance(value, dict):
            for k, v in value.items():
                self.check_value(reader, v, value, k, _join(field, k), extra)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                self.check_value(reader, v, value, i, f"{field}[{i}]", extra)

    def check_var(self, reader: _Reader, name: str, parent: Any, key: Any, field: str) -> None:
        if name not in self.names:
            raise reader.fail(parent, key, field, _undefined(name))


def _undefined(name: str) -> str:
    return (
        f"variable {name!r} is not defined here (save it in an earlier step, or use a "
        f"builtin: {', '.join(sorted(BUILTINS))})"
    )


# ---------------------------------------------------------------------------------------------


def load_scenarios(
    paths: Iterable[Path],
    root: Path | None = None,
    clauses: Mapping[str, Any] | None = None,
) -> list[Scenario]:
    """Load every scenario of ``paths``; ``root`` is the library folder (for categories)."""
    scenarios: list[Scenario] = []
    seen: dict[str, str] = {}
    for path in paths:
        for scenario in load_file_scenarios(path, root, clauses):
            if scenario.id in seen:
                raise ScenarioLoadError(
                    scenario.file, scenario.line, "id",
                    f"duplicate scenario id {scenario.id!r} (also in {seen[scenario.id]})",
                )  # fmt: skip
            seen[scenario.id] = scenario.source
            scenarios.append(scenario)
    return scenarios


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def category_for(path: Path, root: Path | None) -> str | None:
    if root is None:
        return None
    try:
        relative = path.resolve().relative_to(root.resolve())
    except ValueError:
        return None
    return relative.parts[0] if len(relative.parts) > 1 else root.resolve().name


def load_file_scenarios(
    path: Path, root: Path | None = None, clauses: Mapping[str, Any] | None = None
) -> list[Scenario]:
    file = display_path(path)
    try:
        documents = load_file(path, file)
    except SourceError as exc:
        raise ScenarioLoadError(exc.file, exc.line, exc.field, exc.message) from None
    if not documents:
        raise ScenarioLoadError(file, None, "", "empty file (expected a scenario mapping)")
    category = category_for(path, root)
    return [parse_scenario(doc, file, category, clauses) for doc in documents]


def parse_scenario(
    doc: Any, file: str, folder_category: str | None, clauses: Mapping[str, Any] | None
) -> Scenario:
    r = _Reader(file)
    if not isinstance(doc, dict):
        raise ScenarioLoadError(
            file, line_of(doc) or 1, "", f"a scenario is a mapping, got {_kind(doc)}"
        )
    r.keys(doc, TOP_KEYS, "")
    scenario_id = r.string(r.required(doc, "id", ""), doc, "id", "id")
    if not ID_PATTERN.match(scenario_id):
        raise r.fail(
            doc, "id", "id", f"ids use lowercase letters, digits, '.', '_' and '-': {scenario_id!r}"
        )
    title = r.string(r.required(doc, "title", ""), doc, "title", "title")
    clause_ids = r.strings(r.required(doc, "clauses", ""), doc, "clauses", "clauses")
    if not clause_ids:
        raise r.fail(
            doc, "clauses", "clauses", "cite at least one clause id from spec/clauses.yaml"
        )
    if clauses is not None:
        for index, clause_id in enumerate(clause_ids):
            if clause_id not in clauses:
                raise r.fail(
                    doc["clauses"],
                    index,
                    f"clauses[{index}]",
                    f"unknown clause id {clause_id!r} (not in spec/clauses.yaml)",
                )
    tags = r.strings(doc["tags"], doc, "tags", "tags") if "tags" in doc else ()
    for index, tag in enumerate(tags):
        if not re.fullmatch(r"[A-Za-z_][\w-]*", tag):
            raise r.fail(
                doc["tags"],
                index,
                f"tags[{index}]",
                f"tags are identifiers (letters, digits, _ and -): {tag!r}",
            )
    category = doc.get("category", folder_category)
    if category is None:
        raise r.fail(
            doc, None, "category", "missing (put the file in a category folder or set category:)"
        )
    category = r.string(category, doc, "category", "category")
    strength = doc.get("strength", "documented")
    if strength not in ("documented", "inferred"):
        raise r.fail(doc, "strength", "strength", f"documented or inferred, got {_kind(strength)}")
    note = r.string(doc["note"], doc, "note", "note") if "note" in doc else None
    if strength == "inferred" and not note:
        raise r.fail(
            doc, "strength", "note", "an inferred scenario needs a note: explaining the expectation"
        )
    requires = r.strings(doc["requires"], doc, "requires", "requires") if "requires" in doc else ()
    workspace = doc.get("workspace", "single")
    if workspace not in ("single", "multi"):
        raise r.fail(doc, "workspace", "workspace", f"single or multi, got {_kind(workspace)}")

    scope = _Scope()
    steps: list[Step] = []
    for block in ("setup", "steps"):
        if block not in doc:
            if block == "steps":
                raise r.fail(doc, None, "steps", "missing required field")
            continue
        items = doc[block]
        if not isinstance(items, list) or not items:
            raise r.fail(doc, block, block, "expected a non-empty list of steps")
        for index, raw in enumerate(items):
            steps.append(_parse_step(r, raw, items, index, f"{block}[{index}]", scope, block))
    finally_steps: list[Step] = []
    if "finally" in doc:
        items = doc["finally"]
        if not isinstance(items, list):
            raise r.fail(doc, "finally", "finally", "expected a list of steps")
        for index, raw in enumerate(items):
            finally_steps.append(
                _parse_step(r, raw, items, index, f"finally[{index}]", scope, "finally")
            )
    return Scenario(
        id=scenario_id,
        title=title,
        category=category,
        file=file,
        line=line_of(doc) or 1,
        clauses=clause_ids,
        tags=tags,
        strength=strength,
        note=note,
        requires=requires,
        workspace=workspace,
        steps=tuple(steps),
        finally_steps=tuple(finally_steps),
    )


def _parse_step(
    r: _Reader, raw: Any, parent: Any, index: int, field: str, scope: _Scope, block: str
) -> Step:
    step = r.mapping(raw, parent, index, field)
    r.keys(step, STEP_KEYS, field)
    name = r.string(r.required(step, "name", field), step, "name", f"{field}.name")
    kinds = [k for k in ("request", "create_tasks", "wait") if k in step]
    if len(kinds) != 1:
        raise r.fail(step, None, field, "a step has exactly one of request, create_tasks or wait")
    kind = kinds[0]
    line = line_of(step)
    foreign_ok = (
        r.boolean(step["foreign_ok"], step, "foreign_ok", f"{field}.foreign_ok")
        if "foreign_ok" in step
        else False
    )

    if kind == "wait":
        for key in ("expect", "collected", "save", "eventually", "paginate"):
            if key in step:
                raise r.fail(step, key, f"{field}.{key}", "not allowed on a wait step")
        wait = _duration(r, step["wait"], step, "wait", f"{field}.wait")
        return Step(name=name, kind="wait", line=line, wait=wait)

    if kind == "create_tasks":
        for key in ("collected", "eventually", "paginate", "save"):
            if key in step:
                raise r.fail(
                    step,
                    key,
                    f"{field}.{key}",
                    "not allowed on a create_tasks step (use create_tasks.save)",
                )
        create = _parse_create(r, step["create_tasks"], step, f"{field}.create_tasks", scope)
        expect = (
            _parse_expect(r, step["expect"], step, f"{field}.expect", scope, EXPECT_KEYS)
            if "expect" in step
            else Expectations(status=(201,))
        )
        if create.save:
            scope.names.add(create.save)
        return Step(
            name=name,
            kind="create_tasks",
            line=line,
            create_tasks=create,
            expect=expect,
            foreign_ok=foreign_ok,
        )

    request = _parse_request(r, step["request"], step, f"{field}.request", scope)
    paginate = None
    if "paginate" in step:
        paginate = _parse_paginate(r, step["paginate"], step, f"{field}.paginate")
        if request.method != "GET":
            raise r.fail(step, "paginate", f"{field}.paginate", "paginate needs a GET request")
    expect = (
        _parse_expect(r, step["expect"], step, f"{field}.expect", scope, EXPECT_KEYS)
        if "expect" in step
        else Expectations()
    )
    collected = Expectations()
    if "collected" in step:
        if paginate is None:
            raise r.fail(
                step, "collected", f"{field}.collected", "collected: applies to paginate steps only"
            )
        collected = _parse_expect(
            r, step["collected"], step, f"{field}.collected", scope, COLLECTED_KEYS
        )
    eventually = (
        _parse_eventually(r, step["eventually"], step, f"{field}.eventually")
        if "eventually" in step
        else None
    )
    if eventually and paginate:
        raise r.fail(
            step, "eventually", f"{field}.eventually", "eventually and paginate cannot be combined"
        )
    saves = _parse_save(r, step["save"], step, f"{field}.save") if "save" in step else ()
    for save in saves:
        scope.names.add(save.name)
    return Step(
        name=name, kind="request", line=line, request=request, expect=expect,
        collected=collected, save=saves, eventually=eventually, paginate=paginate,
        foreign_ok=foreign_ok,
    )  # fmt: skip


def _duration(r: _Reader, value: Any, parent: Any, key: Any, field: str) -> float | str:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise r.fail(
            parent, key, field, "expected seconds or a profile key such as retention_window.max"
        )
    if isinstance(value, str):
        try:
            expression_names(value)
        except InterpolationError as exc:
            raise r.fail(parent, key, field, str(exc)) from None
        return value
    if value < 0:
        raise r.fail(parent, key, field, "must be >= 0")
    return float(value)


def _pairs(r: _Reader, value: Any, parent: Any, key: Any, field: str, scope: _Scope,
           extra: frozenset[str] = frozenset()) -> tuple[tuple[str, Any], ...]:  # fmt: skip
    mapping = r.mapping(value, parent, key, field)
    pairs: list[tuple[str, Any]] = []
    for name, item in mapping.items():
        where = _join(field, name)
        if not isinstance(name, str):
            raise r.fail(mapping, name, where, "parameter names are strings")
        items = item if isinstance(item, list) else [item]
        for sub in items:
            if isinstance(sub, dict | list):
                raise r.fail(
                    mapping, name, where, "values are scalars or a list of scalars (repeated keys)"
                )
        scope.check_value(r, item, mapping, name, where, extra)
        pairs.append((name, item))
    return tuple(pairs)


def _parse_request(r: _Reader, value: Any, parent: Any, field: str, scope: _Scope) -> RequestSpec:
    req = r.mapping(value, parent, "request", field)
    r.keys(req, REQUEST_KEYS, field)
    method = r.string(r.required(req, "method", field), req, "method", f"{field}.method").upper()
    if method not in METHODS:
        raise r.fail(req, "method", f"{field}.method", f"one of {', '.join(METHODS)}")
    if ("path" in req) == ("url" in req):
        raise r.fail(
            req, None, field, "give exactly one of path (relative to the target) or url (absolute)"
        )
    path = url = None
    if "path" in req:
        path = r.string(req["path"], req, "path", f"{field}.path")
        if not path.startswith("/"):
            raise r.fail(
                req,
                "path",
                f"{field}.path",
                "paths start with / (they are relative to the target's base URL)",
            )
        scope.check_text(r, path, req, "path", f"{field}.path")
    else:
        url = r.string(req["url"], req, "url", f"{field}.url")
        scope.check_text(r, url, req, "url", f"{field}.url")
    query = _pairs(r, req["query"], req, "query", f"{field}.query", scope) if "query" in req else ()
    form = _pairs(r, req["form"], req, "form", f"{field}.form", scope) if "form" in req else None
    body = None
    if "body" in req:
        if form is not None:
            raise r.fail(req, "body", f"{field}.body", "give form or body, not both")
        body = r.string(req["body"], req, "body", f"{field}.body", empty=True)
        scope.check_text(r, body, req, "body", f"{field}.body")
    headers = (
        _pairs(r, req["headers"], req, "headers", f"{field}.headers", scope)
        if "headers" in req
        else ()
    )
    auth = req.get("auth", "default")
    if auth not in AUTH_MODES:
        raise r.fail(
            req, "auth", f"{field}.auth", f"one of {', '.join(AUTH_MODES)}, got {_kind(auth)}"
        )
    tag = r.boolean(req["tag"], req, "tag", f"{field}.tag") if "tag" in req else True
    return RequestSpec(method, path, url, query, form, body, headers, auth, tag)


def _parse_create(r: _Reader, value: Any, parent: Any, field: str, scope: _Scope) -> CreateTasks:
    spec = r.mapping(value, parent, "create_tasks", field)
    r.keys(spec, {"count", "form", "path", "save", "tag"}, field)
    count = r.required(spec, "count", field)
    if isinstance(count, bool) or not isinstance(count, int | str):
        raise r.fail(spec, "count", f"{field}.count", "expected a number or an expression")
    if isinstance(count, int) and not 1 <= count <= 2000:
        raise r.fail(spec, "count", f"{field}.count", "between 1 and 2000")
    if isinstance(count, str):
        try:
            expression_names(count)
        except InterpolationError as exc:
            raise r.fail(spec, "count", f"{field}.count", str(exc)) from None
    form = _pairs(r, spec.get("form", {}), spec, "form", f"{field}.form", scope, frozenset({"i"}))
    path = None
    if "path" in spec:
        path = r.string(spec["path"], spec, "path", f"{field}.path")
        scope.check_text(r, path, spec, "path", f"{field}.path")
    save = r.string(spec["save"], spec, "save", f"{field}.save") if "save" in spec else None
    if save is not None and not re.fullmatch(r"[A-Za-z_]\w*", save):
        raise r.fail(spec, "save", f"{field}.save", "variable names are identifiers")
    tag = r.boolean(spec["tag"], spec, "tag", f"{field}.tag") if "tag" in spec else True
    return CreateTasks(count, form, path, save, tag)


def _parse_expect(
    r: _Reader, value: Any, parent: Any, field: str, scope: _Scope, allowed: set[str]
) -> Expectations:
    key = field.rsplit(".", 1)[-1]
    spec = r.mapping(value, parent, key, field)
    r.keys(spec, allowed, field)
    status: tuple[int, ...] = ()
    if "status" in spec:
        raw = spec["status"]
        codes = raw if isinstance(raw, list) else [raw]
        if not codes or not all(
            isinstance(c, int) and not isinstance(c, bool) and 100 <= c <= 599 for c in codes
        ):
            raise r.fail(spec, "status", f"{field}.status", "an HTTP status code or a list of them")
        status = tuple(codes)
    headers: list[HeaderExpectation] = []
    if "headers" in spec:
        block = r.mapping(spec["headers"], spec, "headers", f"{field}.headers")
        for name, rule in block.items():
            where = f"{field}.headers.{name}"
            if isinstance(rule, dict):
                r.keys(rule, HEADER_RULES, where)
                if len(rule) != 1:
                    raise r.fail(block, name, where, f"exactly one of {', '.join(HEADER_RULES)}")
                ((kind, arg),) = rule.items()
                if kind in ("present", "absent") and arg is not True:
                    raise r.fail(rule, kind, f"{where}.{kind}", "takes true")
                if kind == "matches":
                    try:
                        re.compile(str(arg))
                    except re.error as exc:
                        raise r.fail(
                            rule, kind, f"{where}.matches", f"invalid regex: {exc}"
                        ) from None
            elif isinstance(rule, list) or rule is None:
                raise r.fail(
                    block,
                    name,
                    where,
                    "a header rule is a value or {present|absent|equals|matches}",
                )
            else:
                kind, arg = "equals", rule
            scope.check_value(r, arg, block, name, where)
            headers.append(HeaderExpectation(str(name), kind, arg, line_of(block, name)))
    json_checks: list[JsonExpectation] = []
    if "json" in spec:
        block = r.mapping(spec["json"], spec, "json", f"{field}.json")
        for path_text, matcher in block.items():
            where = f"{field}.json.{path_text}"
            try:
                path = parse_path(str(path_text))
            except ValueError as exc:
                raise r.fail(block, path_text, where, str(exc)) from None
            problems = check_matcher(matcher)
            if problems:
                sub, message = problems[0]
                raise r.fail(block, path_text, f"{where}.{sub}" if sub else where, message)
            for var in variables_used(matcher):
                scope.check_var(r, var, block, path_text, where)
            scope.check_value(r, matcher, block, path_text, where)
            json_checks.append(JsonExpectation(path, matcher, line_of(block, path_text)))
    relations: list[dict[str, Any]] = []
    if "relations" in spec:
        items = spec["relations"]
        if not isinstance(items, list):
            raise r.fail(spec, "relations", f"{field}.relations", "expected a list of relations")
        for index, relation in enumerate(items):
            where = f"{field}.relations[{index}]"
            problems, used = check_relation(relation)
            if problems:
                sub, message = problems[0]
                target = f"{where}.{sub.lstrip('.')}" if sub else where
                raise r.fail(items, index, target, message)
            for var in used:
                scope.check_var(r, var, items, index, where)
            relations.append(dict(relation))
    return Expectations(status, tuple(headers), tuple(json_checks), tuple(relations))


def _parse_eventually(r: _Reader, value: Any, parent: Any, field: str) -> Eventually:
    spec = r.mapping(value, parent, "eventually", field)
    r.keys(spec, {"within", "every"}, field)
    within = _duration(r, r.required(spec, "within", field), spec, "within", f"{field}.within")
    every = spec.get("every", 0.5)
    if isinstance(every, bool) or not isinstance(every, int | float) or every <= 0:
        raise r.fail(spec, "every", f"{field}.every", "seconds between attempts (> 0)")
    return Eventually(within, float(every))


def _parse_paginate(r: _Reader, value: Any, parent: Any, field: str) -> Paginate:
    if value is True:
        return Paginate()
    spec = r.mapping(value, parent, "paginate", field)
    r.keys(spec, {"items", "max_pages"}, field)
    items = r.string(spec.get("items", "tasks"), spec, "items", f"{field}.items")
    max_pages = spec.get("max_pages", 100)
    if isinstance(max_pages, bool) or not isinstance(max_pages, int) or max_pages < 1:
        raise r.fail(spec, "max_pages", f"{field}.max_pages", "a positive integer")
    return Paginate(items, max_pages)


def _parse_save(r: _Reader, value: Any, parent: Any, field: str) -> tuple[SaveSpec, ...]:
    spec = r.mapping(value, parent, "save", field)
    saves: list[SaveSpec] = []
    for name, source in spec.items():
        where = f"{field}.{name}"
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise r.fail(spec, name, where, "variable names are identifiers")
        if name in BUILTINS or name == "i":
            raise r.fail(spec, name, where, f"{name!r} is a builtin variable")
        text = r.string(source, spec, name, where)
        if text.lower().startswith("header:"):
            header = text.split(":", 1)[1].strip()
            if not header:
                raise r.fail(spec, name, where, "header: needs a header name, e.g. header:ETag")
            saves.append(SaveSpec(name, "header", header=header))
        elif text == "status":
            saves.append(SaveSpec(name, "status"))
        else:
            try:
                saves.append(SaveSpec(name, "json", path=parse_path(text)))
            except ValueError as exc:
                raise r.fail(spec, name, where, str(exc)) from None
    return tuple(saves)
