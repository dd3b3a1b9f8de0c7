"""Load scenario YAML into ``Scenario`` objects, rejecting anything malformed.

The structure (keys, types, enums, the shapes of steps, expectations, matchers and relations) is
checked against ``scenario.schema.json`` (see ``harness.scenarios.schema``). This module adds what
a schema cannot know: clause ids from spec/clauses.yaml, the category from the folder,
placeholders and variables saved by earlier steps, JSON paths, expressions and save sources.

Every error is a ``ScenarioLoadError`` naming the file, the line and the field, e.g.
``scenarios/etag/stale.yaml:14: steps[1].expect.json.sid.regx: unknown matcher 'regx' (…)``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from harness.jsonpath import JsonPath, parse_path
from harness.resources import data_root
from harness.scenarios.interpolate import InterpolationError, expression_names, placeholders
from harness.scenarios.model import (
    AnswerSpec,
    CallbackWait,
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
from harness.scenarios.schema import scenario_validator
from harness.targets.features import FEATURE_NAMES, unknown_features
from harness.yamlsrc import SourceError, line_of, load_documents, read_source, schema_problem

#: Variables every case has; ``profile.*`` and ``workspace.*`` reach into the target profile.
BUILTINS = frozenset({"run_tag", "case_tag", "base_url", "ws", "workspace", "profile", "now"})
DEFAULT_CREATE_PATH = "/v1/Workspaces/{ws}/Tasks"
_NO_NAMES: frozenset[str] = frozenset()

#: Files already parsed in this process, by everything their scenarios depend on: the name a
#: report shows, the category, the clause ids known and the text itself. A process that loads
#: the library more than once (a test suite, a program that runs several times) checks each
#: file against the schema once; scenarios are frozen, so sharing them is safe. A file that
#: failed to load is never kept: it fails again, with the same message.
_PARSED: OrderedDict[tuple[Any, ...], tuple[Scenario, ...]] = OrderedDict()
_PARSED_MAX = 1024


class ScenarioLoadError(SourceError):
    """A scenario file that cannot be loaded."""


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
    """``path`` as a report shows it: relative to the current folder when under it; a file
    of the shipped library as ``scenarios/...`` (the same in a checkout and in a wheel);
    otherwise as given."""
    resolved = path.resolve()
    for base in (Path.cwd(), data_root()):
        try:
            return str(resolved.relative_to(base.resolve()))
        except ValueError:
            continue
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
    category = category_for(path, root)
    try:
        text = read_source(path, file)
        key = (file, category, None if clauses is None else frozenset(clauses), text)
        if (known := _PARSED.get(key)) is not None:
            _PARSED.move_to_end(key)
            return list(known)
        documents = load_documents(text, file)
    except SourceError as exc:
        raise ScenarioLoadError(exc.file, exc.line, exc.field, exc.message) from None
    if not documents:
        raise ScenarioLoadError(file, None, "", "empty file (expected a scenario mapping)")
    scenarios = [parse_scenario(doc, file, category, clauses) for doc in documents]
    _PARSED[key] = tuple(scenarios)
    if len(_PARSED) > _PARSED_MAX:
        _PARSED.popitem(last=False)
    return scenarios


def parse_scenario(
    doc: Any, file: str, folder_category: str | None, clauses: Mapping[str, Any] | None
) -> Scenario:
    """One located YAML document as a ``Scenario``: the schema first, then the references."""
    problem = schema_problem(scenario_validator(), doc, file)
    if problem is not None:
        raise ScenarioLoadError(problem.file, problem.line, problem.field, problem.message)
    return _Builder(file).scenario(doc, folder_category, clauses)


def _undefined(name: str) -> str:
    return (
        f"variable {name!r} is not defined here (save it in an earlier step, or use a "
        f"builtin: {', '.join(sorted(BUILTINS))})"
    )


class _Builder:
    """Builds the model of a document the schema accepted, checking what the schema cannot:
    each step sees the builtins and the variables saved by the steps before it."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.names: set[str] = set(BUILTINS)

    def fail(self, container: Any, key: Any, field: str, message: str) -> ScenarioLoadError:
        return ScenarioLoadError(self.file, line_of(container, key) or None, field, message)

    # -- references ----------------------------------------------------------------------------

    def text(self, text: str, parent: Any, key: Any, field: str,
             extra: frozenset[str] = _NO_NAMES) -> None:  # fmt: skip
        """Placeholders in ``text`` parse and name defined variables."""
        try:
            names = placeholders(text)
        except InterpolationError as exc:
            raise self.fail(parent, key, field, str(exc)) from None
        for name in names:
            if name not in self.names and name not in extra:
                raise self.fail(parent, key, field, _undefined(name))

    def value(self, value: Any, parent: Any, key: Any, field: str,
              extra: frozenset[str] = _NO_NAMES) -> None:  # fmt: skip
        """``text`` for every string inside ``value``."""
        if isinstance(value, str):
            self.text(value, parent, key, field, extra)
        elif isinstance(value, dict):
            for k, v in value.items():
                self.value(v, value, k, f"{field}.{k}", extra)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                self.value(v, value, i, f"{field}[{i}]", extra)

    def var(self, name: str, parent: Any, key: Any, field: str) -> None:
        if name not in self.names:
            raise self.fail(parent, key, field, _undefined(name))

    def path(self, text: Any, parent: Any, key: Any, field: str) -> JsonPath:
        try:
            return parse_path(str(text))
        except ValueError as exc:
            raise self.fail(parent, key, field, str(exc)) from None

    def duration(self, value: Any, parent: Any, key: Any, field: str) -> float | str:
        """Seconds, or an expression over profile keys (``retention_window.max + 5``)."""
        if not isinstance(value, str):
            return float(value)
        try:
            expression_names(value)
        except InterpolationError as exc:
            raise self.fail(parent, key, field, str(exc)) from None
        return value

    # -- the model -----------------------------------------------------------------------------

    def scenario(
        self, doc: Any, folder_category: str | None, clauses: Mapping[str, Any] | None
    ) -> Scenario:
        clause_ids = tuple(doc["clauses"])
        for index, clause_id in enumerate(clause_ids):
            if clauses is not None and clause_id not in clauses:
                raise self.fail(
                    doc["clauses"], index, f"clauses[{index}]",
                    f"unknown clause id {clause_id!r} (not in spec/clauses.yaml)",
                )  # fmt: skip
        for index, name in enumerate(doc.get("requires", ())):
            if unknown_features([name]):
                raise self.fail(
                    doc["requires"], index, f"requires[{index}]",
                    f"unknown feature {name!r} (valid: {', '.join(FEATURE_NAMES)})",
                )  # fmt: skip
        category = doc.get("category", folder_category)
        if category is None:
            raise self.fail(
                doc,
                None,
                "category",
                "missing (put the file in a category folder or set category:)",
            )
        steps = [
            self.step(raw, doc[block], index, f"{block}[{index}]")
            for block in ("setup", "steps")
            for index, raw in enumerate(doc.get(block, ()))
        ]
        finally_steps = [
            self.step(raw, doc["finally"], index, f"finally[{index}]")
            for index, raw in enumerate(doc.get("finally", ()))
        ]
        self.callbacks_required(doc)
        return Scenario(
            id=doc["id"],
            title=doc["title"],
            category=category,
            file=self.file,
            line=line_of(doc) or 1,
            clauses=clause_ids,
            tags=tuple(doc.get("tags", ())),
            strength=doc.get("strength", "documented"),
            note=doc.get("note"),
            requires=tuple(doc.get("requires", ())),
            exclusive=tuple(doc.get("exclusive", ())),
            workspace=doc.get("workspace", "single"),
            steps=tuple(steps),
            finally_steps=tuple(finally_steps),
        )

    def callbacks_required(self, doc: Any) -> None:
        """A case with a push-channel step declares it (so a target without callbacks reports
        it unsupported rather than an error)."""
        if "callbacks" in doc.get("requires", ()):
            return
        for block in ("setup", "steps", "finally"):
            for index, raw in enumerate(doc.get(block, ())):
                for key in ("callback", "answer_assignments"):
                    if key in raw:
                        raise self.fail(
                            raw, key, f"{block}[{index}].{key}",
                            f"a {key} step needs `requires: [callbacks]` in the scenario",
                        )  # fmt: skip

    def step(self, step: Any, parent: Any, index: int, field: str) -> Step:
        name, line = step["name"], line_of(step)
        foreign_ok = step.get("foreign_ok", False)
        if "wait" in step:
            wait = self.duration(step["wait"], step, "wait", f"{field}.wait")
            return Step(name=name, kind="wait", line=line, wait=wait)
        if "callback" in step:
            return self.callback_step(step, name, line, field)
        if "answer_assignments" in step:
            spec = step["answer_assignments"]
            answer = AnswerSpec(
                spec.get("body"), int(spec.get("status", 200)),
                spec.get("content_type", "application/json"), float(spec.get("delay", 0.0)),
            )  # fmt: skip
            return Step(name=name, kind="answer", line=line, answer=answer)
        if "create_tasks" in step:
            create = self.create(step["create_tasks"], f"{field}.create_tasks")
            expect = (
                self.expect(step["expect"], f"{field}.expect")
                if "expect" in step
                else Expectations(status=(201,))
            )
            if create.save:
                self.names.add(create.save)
            return Step(
                name=name, kind="create_tasks", line=line, create_tasks=create, expect=expect,
                foreign_ok=foreign_ok,
            )  # fmt: skip
        request = self.request(step["request"], f"{field}.request")
        paginate = None
        if "paginate" in step:
            spec = step["paginate"]
            paginate = (
                Paginate()
                if spec is True
                else Paginate(spec.get("items", "tasks"), spec.get("max_pages", 100))
            )
        expect = self.expect(step["expect"], f"{field}.expect") if "expect" in step else None
        collected = (
            self.expect(step["collected"], f"{field}.collected") if "collected" in step else None
        )
        eventually = None
        if "eventually" in step:
            spec = step["eventually"]
            within = self.duration(spec["within"], spec, "within", f"{field}.eventually.within")
            eventually = Eventually(
                within, float(spec.get("every", 0.5)), bool(spec.get("real_time", False))
            )
        saves = self.saves(step["save"], f"{field}.save") if "save" in step else ()
        self.names.update(save.name for save in saves)
        return Step(
            name=name, kind="request", line=line, request=request,
            expect=expect or Expectations(), collected=collected or Expectations(), save=saves,
            eventually=eventually, paginate=paginate, foreign_ok=foreign_ok,
        )  # fmt: skip

    def callback_step(self, step: Any, name: str, line: int, field: str) -> Step:
        spec = step["callback"]
        where = self.pairs(spec.get("where", {}), f"{field}.callback.where")
        within = (
            self.duration(spec["within"], spec, "within", f"{field}.callback.within")
            if "within" in spec
            else None
        )
        wait = CallbackWait(spec["kind"], where, within, int(spec.get("count", 1)))
        expect = self.expect(step["expect"], f"{field}.expect") if "expect" in step else None
        saves = self.saves(step["save"], f"{field}.save") if "save" in step else ()
        self.names.update(save.name for save in saves)
        return Step(
            name=name, kind="callback", line=line, callback=wait,
            expect=expect or Expectations(), save=saves,
        )  # fmt: skip

    def pairs(self, mapping: Any, field: str,
              extra: frozenset[str] = _NO_NAMES) -> tuple[tuple[str, Any], ...]:  # fmt: skip
        for name, item in mapping.items():
            self.value(item, mapping, name, f"{field}.{name}", extra)
        return tuple(mapping.items())

    def request(self, req: Any, field: str) -> RequestSpec:
        for key in ("path", "url"):
            if key in req:
                self.text(req[key], req, key, f"{field}.{key}")
        query = self.pairs(req["query"], f"{field}.query") if "query" in req else ()
        form = self.pairs(req["form"], f"{field}.form") if "form" in req else None
        if "body" in req:
            self.text(req["body"], req, "body", f"{field}.body")
        headers = self.pairs(req["headers"], f"{field}.headers") if "headers" in req else ()
        return RequestSpec(
            req["method"].upper(), req.get("path"), req.get("url"), query, form, req.get("body"),
            headers, req.get("auth", "default"), req.get("tag", True),
        )  # fmt: skip

    def create(self, spec: Any, field: str) -> CreateTasks:
        count = spec["count"]
        if isinstance(count, str):
            try:
                expression_names(count)
            except InterpolationError as exc:
                raise self.fail(spec, "count", f"{field}.count", str(exc)) from None
        form = self.pairs(spec.get("form", {}), f"{field}.form", frozenset({"i"}))
        if "path" in spec:
            self.text(spec["path"], spec, "path", f"{field}.path")
        return CreateTasks(count, form, spec.get("path"), spec.get("save"), spec.get("tag", True))

    def expect(self, spec: Any, field: str) -> Expectations:
        raw = spec.get("status", [])
        status = tuple(raw if isinstance(raw, list) else [raw])
        headers: list[HeaderExpectation] = []
        block = spec.get("headers", {})
        for name, rule in block.items():
            ((kind, arg),) = rule.items() if isinstance(rule, dict) else (("equals", rule),)
            self.value(arg, block, name, f"{field}.headers.{name}")
            headers.append(HeaderExpectation(str(name), kind, arg, line_of(block, name)))
        json_checks: list[JsonExpectation] = []
        block = spec.get("json", {})
        for path_text, matcher in block.items():
            where = f"{field}.json.{path_text}"
            path = self.path(path_text, block, path_text, where)
            self.matcher(matcher, where)
            self.value(matcher, block, path_text, where)
            json_checks.append(JsonExpectation(path, matcher, line_of(block, path_text)))
        relations: list[dict[str, Any]] = []
        for index, relation in enumerate(spec.get("relations", ())):
            self.relation(relation, f"{field}.relations[{index}]")
            relations.append(dict(relation))
        return Expectations(status, tuple(headers), tuple(json_checks), tuple(relations))

    def matcher(self, matcher: Any, field: str) -> None:
        """Paths inside ``json_string`` parse; ``equals_var``/``not_equals_var`` are defined."""
        if not isinstance(matcher, dict):
            return
        for name, arg in matcher.items():
            where = f"{field}.{name}"
            if name in ("equals_var", "not_equals_var"):
                self.var(arg, matcher, name, where)
            elif name == "not":
                self.matcher(arg, where)
            elif name == "json_string":
                for sub_path, sub in arg.items():
                    self.path(sub_path, arg, sub_path, f"{where}.{sub_path}")
                    self.matcher(sub, f"{where}.{sub_path}")

    def relation(self, relation: Any, field: str) -> None:
        """Its paths parse and the variables it compares with are defined. The schema gives every
        relation the same vocabulary: path/items/keys[].field are paths, from/var/of variables."""
        ((name, arg),) = relation.items()
        where = f"{field}.{name}"
        if isinstance(arg, str):  # unique: PATH
            self.path(arg, relation, name, where)
            return
        if isinstance(arg, list):  # disjoint/set_equals: [var, var, ...]
            for index, var in enumerate(arg):
                self.var(var, arg, index, f"{where}[{index}]")
            return
        for key in ("path", "items"):
            if key in arg:
                self.path(arg[key], arg, key, f"{where}.{key}")
        for index, sort_key in enumerate(arg.get("keys", ())):
            self.path(sort_key["field"], sort_key, "field", f"{where}.keys[{index}].field")
        for key in ("from", "var", "of"):
            if key in arg:
                self.var(arg[key], arg, key, f"{where}.{key}")

    def saves(self, spec: Any, field: str) -> tuple[SaveSpec, ...]:
        saves: list[SaveSpec] = []
        for name, source in spec.items():
            where = f"{field}.{name}"
            if name in BUILTINS or name == "i":
                raise self.fail(spec, name, where, f"{name!r} is a builtin variable")
            if source.lower().startswith("header:"):
                header = source.split(":", 1)[1].strip()
                if not header:
                    raise self.fail(
                        spec, name, where, "header: needs a header name, e.g. header:ETag"
                    )
                saves.append(SaveSpec(name, "header", header=header))
            elif source == "status":
                saves.append(SaveSpec(name, "status"))
            else:
                saves.append(SaveSpec(name, "json", path=self.path(source, spec, name, where)))
        return tuple(saves)
