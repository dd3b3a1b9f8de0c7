"""Scenario loading: the format, and every kind of loader error with file, line and field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from harness.scenarios.discovery import scenario_files
from harness.scenarios.loader import ScenarioLoadError, load_file_scenarios, load_scenarios
from harness.scenarios.model import Scenario

CLAUSES = {"task.a": object(), "task.b": object()}

VALID = """
id: demo.full
title: Everything the format offers
clauses: [task.a]
tags: [smoke, etag]
strength: inferred
note: the docs are silent
requires: [ttl]
workspace: multi
setup:
  - name: bulk
    create_tasks: {count: 3, form: {Priority: "{i}"}, save: made}
steps:
  - name: create
    request:
      method: post
      path: /v1/Workspaces/{ws}/Tasks
      form: {Attributes: '{"type":"sales"}', Priority: 5}
      headers: {X-Test: "1"}
    expect:
      status: [201, 200]
      headers: {ETag: {present: true}, X-None: {absent: true}, Content-Type: {matches: json}}
      json:
        sid: {sid: WT}
        priority: 5
        attributes: {json_string: {type: sales}}
    save: {task_sid: sid, etag: "header:ETag", code: status}
  - name: list
    request:
      method: GET
      path: /v1/Workspaces/{ws}/Tasks
      query:
        AssignmentStatus: [pending, reserved]
        EvaluateTaskAttributes: 'trc_case == "{case_tag}"'
    paginate: {max_pages: 5}
    expect: {status: 200}
    collected:
      json: {items: {length: 4}}
      relations:
        - unique: "items[*].sid"
        - subset: {path: "items[*].sid", of: made}
    save: {all: "items[*].sid"}
  - name: poll
    request: {method: GET, path: "/v1/Workspaces/{ws}/Tasks/{task_sid}"}
    eventually: {within: retention_window.max, every: 1}
    expect:
      status: 200
      relations:
        - etag_same: {from: etag}
  - name: pause
    wait: 0.5
finally:
  - name: tidy
    request: {method: DELETE, path: "/v1/Workspaces/{ws}/Tasks/{task_sid}"}
"""


def test_full_format_loads(load_one: Callable[..., Scenario]) -> None:
    scenario = load_one(VALID, CLAUSES)
    assert scenario.id == "demo.full"
    assert scenario.category == "demo"  # from the folder
    assert scenario.tags == ("smoke", "etag")
    assert scenario.workspace == "multi"
    assert scenario.strength == "inferred" and scenario.note
    assert [s.kind for s in scenario.steps] == [
        "create_tasks",
        "request",
        "request",
        "request",
        "wait",
    ]
    create = scenario.steps[1]
    assert create.request is not None and create.request.method == "POST"
    assert create.expect.status == (201, 200)
    assert [s.name for s in create.save] == ["task_sid", "etag", "code"]
    assert scenario.steps[2].paginate is not None and scenario.steps[2].paginate.max_pages == 5
    assert scenario.steps[3].eventually is not None
    assert scenario.steps[3].eventually.within == "retention_window.max"
    assert scenario.finally_steps[0].name == "tidy"
    assert scenario.source.endswith("demo/case.yaml:1")


def test_multi_document_files_and_duplicate_ids(
    write_yaml: Callable[..., Path], tmp_path: Path
) -> None:
    one = "id: a.one\ntitle: t\nclauses: [task.a]\nsteps: [{name: w, wait: 0}]\n"
    two = "id: a.two\ntitle: t\nclauses: [task.a]\nsteps: [{name: w, wait: 0}]\n"
    path = write_yaml(one + "---\n" + two, "two.yaml")
    assert [s.id for s in load_file_scenarios(path, tmp_path / "scenarios")] == ["a.one", "a.two"]
    other = write_yaml(one, "dup.yaml")
    with pytest.raises(ScenarioLoadError, match=r"duplicate scenario id 'a\.one'"):
        load_scenarios([path, other], tmp_path / "scenarios")


def test_discovery_skips_underscore_folders(
    write_yaml: Callable[..., Path], tmp_path: Path
) -> None:
    write_yaml("id: x\n", "a.yaml", "lifecycle")
    write_yaml("id: y\n", "b.yaml", "_examples")
    files = scenario_files(tmp_path / "scenarios")
    assert [f.name for f in files] == ["a.yaml"]


BASE = "id: demo.x\ntitle: T\nclauses: [task.a]\n"
GET = BASE + "steps:\n  - name: s\n    request: {method: GET, path: /x}\n"

# (yaml text, expected line, expected field fragment, expected message fragment)
ERRORS = [
    pytest.param(BASE + "steps: {a: [1, 2}\n", 4, "", "YAML syntax error", id="yaml-syntax"),
    pytest.param(
        BASE + "colour: red\nsteps: [{name: w, wait: 0}]\n",
        4,
        "colour",
        "unknown key",
        id="unknown-top-key",
    ),
    pytest.param(
        BASE + "steps:\n  - name: s\n    wait: 1\n    retries: 2\n",
        7,
        "steps[0].retries",
        "unknown key",
        id="unknown-step-key",
    ),
    pytest.param(
        GET + "    expect:\n      status: ok\n",
        8,
        "steps[0].expect.status",
        "HTTP status",
        id="wrong-type-status",
    ),
    pytest.param(
        GET + "    expect:\n      json:\n        sid: {regx: WT}\n",
        9,
        "steps[0].expect.json.sid.regx",
        "unknown matcher 'regx'",
        id="unknown-matcher",
    ),
    pytest.param(
        "id: demo.x\ntitle: T\nclauses:\n  - task.a\n  - task.nope\nsteps: [{name: w, wait: 0}]\n",
        5,
        "clauses[1]",
        "unknown clause id 'task.nope'",
        id="unknown-clause",
    ),
    pytest.param(
        "id: demo.x\ntitle: T\nclauses: [task.a]\nrequires:\n  - ttl\n  - virtual-start-tme\n"
        "steps: [{name: w, wait: 0}]\n",
        6,
        "requires[1]",
        "unknown feature 'virtual-start-tme' (valid: ",
        id="unknown-feature",
    ),
    pytest.param(
        BASE + "steps:\n  - name: s\n    request: {method: GET, path: '/v1/{missing}'}\n",
        6,
        "steps[0].request.path",
        "variable 'missing' is not defined",
        id="undefined-variable",
    ),
    pytest.param(
        GET + "    expect:\n      json:\n        'a..b': 1\n",
        9,
        "steps[0].expect.json.a..b",
        "cannot parse path",
        id="bad-path",
    ),
    pytest.param(
        GET
        + "    expect:\n      relations:\n"
        + "        - sorted: {path: 'tasks[*].priority', order: up}\n",
        9,
        "steps[0].expect.relations[0].sorted.order",
        "asc or desc, got str 'up'",
        id="bad-relation",
    ),
    pytest.param(
        GET + "    expect:\n      relations:\n        - etag_same: {from: never_saved}\n",
        9,
        "steps[0].expect.relations[0]",
        "'never_saved' is not defined",
        id="relation-undefined-var",
    ),
    pytest.param(
        BASE + "title2: x\n", 4, "title2", "unknown key", id="missing-steps-after-unknown"
    ),
    pytest.param(
        "id: demo.x\ntitle: T\nclauses: [task.a]\n",
        1,
        "steps",
        "missing required field",
        id="missing-steps",
    ),
    pytest.param(
        BASE + "strength: inferred\nsteps: [{name: w, wait: 0}]\n",
        4,
        "note",
        "needs a note",
        id="inferred-without-note",
    ),
    pytest.param(
        BASE + "steps:\n  - name: s\n    request: {method: FETCH, path: /x}\n",
        6,
        "steps[0].request.method",
        "one of GET",
        id="bad-method",
    ),
    pytest.param(
        BASE + "steps:\n  - name: s\n    request: {method: GET, path: /x, auth: maybe}\n",
        6,
        "steps[0].request.auth",
        "one of default",
        id="bad-auth",
    ),
    pytest.param(
        GET + "    wait: 1\n",
        5,
        "steps[0]",
        "exactly one of request",
        id="two-kinds",
    ),
    pytest.param(
        BASE + "steps:\n  - name: s\n    request: {method: POST, path: /x}\n    paginate: true\n",
        7,
        "steps[0].paginate",
        "needs a GET",
        id="paginate-post",
    ),
    pytest.param(
        GET + "    expect:\n      json:\n        n: {range: {low: 1}}\n",
        9,
        "steps[0].expect.json.n.range.low",
        "unknown key (allowed: max, min)",
        id="bad-range",
    ),
    pytest.param(
        GET + "    expect:\n      json:\n        n: {equals_var: ghost}\n",
        9,
        "steps[0].expect.json.n",
        "'ghost' is not defined",
        id="equals-var-undefined",
    ),
    pytest.param("id: demo.x\nid: demo.y\n", 2, "id", "duplicate key", id="duplicate-key"),
    pytest.param("- just a list\n", 1, "", "a scenario is a mapping", id="not-a-mapping"),
    pytest.param(
        BASE + "tags: smoke\nsteps: [{name: w, wait: 0}]\n",
        4,
        "tags",
        "list of strings, got str 'smoke'",
        id="tags-not-list",
    ),
    pytest.param(
        GET + "    expect:\n      status: [200, '201']\n",
        8,
        "steps[0].expect.status[1]",
        "an HTTP status code (100-599), got str '201'",
        id="status-list-item",
    ),
    pytest.param(
        GET + "    expect:\n      status: 200.0\n",
        8,
        "steps[0].expect.status",
        "got float 200.0",
        id="float-is-not-integer",
    ),
    pytest.param(
        BASE + "steps:\n  - name: s\n    request:\n      method: GET\n      paht: /x\n",
        8,
        "steps[0].request.paht",
        "unknown key (allowed: auth, body, form, headers, method, path, query, tag, url)",
        id="typo-beats-missing-path",
    ),
    pytest.param(
        BASE + "steps:\n  - name: s\n    request:\n      path: /x\n",
        7,
        "steps[0].request.method",
        "missing required field",
        id="missing-nested-key",
    ),
    pytest.param(
        GET + "    expect:\n      json:\n        x:\n          not:\n            lenght: 1\n",
        11,
        "steps[0].expect.json.x.not.lenght",
        "unknown matcher 'lenght' (known: any, type,",
        id="nested-unknown-matcher",
    ),
    pytest.param(
        GET + "    expect:\n      json:\n        a: {json_string: {'b..c': 1}}\n",
        9,
        "steps[0].expect.json.a.json_string.b..c",
        "cannot parse path",
        id="json-string-path",
    ),
    pytest.param(
        GET + "    expect:\n      headers: {ETag: {matches: '('}}\n",
        8,
        "steps[0].expect.headers.ETag.matches",
        "invalid regex: missing ), unterminated subpattern",
        id="header-regex",
    ),
    pytest.param(
        BASE + "steps:\n  - name: s\n    wait: 1\n    expect: {status: 200}\n",
        7,
        "steps[0].expect",
        "not allowed on a wait step",
        id="expect-on-wait",
    ),
    pytest.param(
        BASE
        + "steps:\n  - name: s\n    request: {method: POST, path: /x, form: {a: 1}, body: x}\n",
        6,
        "steps[0].request.body",
        "give form or body, not both",
        id="form-and-body",
    ),
    pytest.param(
        GET + "    save: {ws: sid}\n",
        7,
        "steps[0].save.ws",
        "'ws' is a builtin variable",
        id="save-builtin",
    ),
    pytest.param(
        BASE + "steps:\n  - name: s\n    request: {method: GET, path: /x, query: {1: a}}\n",
        6,
        "steps[0].request.query.1",
        "parameter names are strings, got int 1",
        id="non-string-parameter-name",
    ),
]


@pytest.mark.parametrize(("text", "line", "field", "message"), ERRORS)
def test_loader_errors_name_file_line_and_field(
    write_yaml: Callable[..., Path], tmp_path: Path, text: str, line: int, field: str, message: str
) -> None:
    path = write_yaml(text, "broken.yaml")
    with pytest.raises(ScenarioLoadError) as caught:
        load_file_scenarios(path, tmp_path / "scenarios", CLAUSES)
    error = caught.value
    rendered = str(error)
    assert "broken.yaml" in rendered
    assert error.line == line, rendered
    assert field in (error.field or ""), rendered
    assert message in rendered, rendered
    assert rendered.startswith(f"{error.file}:{line}:")


def test_clause_ids_not_checked_without_registry(load_one: Callable[..., Scenario]) -> None:
    scenario = load_one(BASE.replace("task.a", "task.whatever") + "steps: [{name: w, wait: 0}]\n")
    assert scenario.clauses == ("task.whatever",)


def test_real_clause_catalogue_and_smoke_library_load() -> None:
    from harness.resources import scenarios_dir
    from harness.scenarios.discovery import discover, load_clause_registry

    clauses, warning = load_clause_registry()
    if clauses is None:
        pytest.skip(warning or "no clause catalogue")
    scenarios = discover(scenarios_dir() / "smoke", clauses)
    assert {s.id for s in scenarios} >= {"smoke.etag-if-match", "smoke.auth-required"}
    examples = discover(scenarios_dir() / "_examples", clauses)
    assert examples


def test_schema_is_valid_2020_12_and_matches_the_python_vocabulary() -> None:
    """The schema ships in the package and names the same matchers, relations, methods and auth
    modes the engine implements."""
    from jsonschema import Draft202012Validator

    from harness.scenarios.matchers import MATCHER_KEYS, TYPES
    from harness.scenarios.model import AUTH_MODES, METHODS
    from harness.scenarios.relations import RELATION_KEYS, SORT_BY
    from harness.scenarios.schema import scenario_schema

    schema = scenario_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    defs = schema["$defs"]
    assert tuple(defs["matcherMapping"]["properties"]) == MATCHER_KEYS
    assert tuple(defs["relation"]["properties"]) == RELATION_KEYS
    assert tuple(defs["typeName"]["enum"]) == tuple(TYPES)
    assert tuple(defs["sortBy"]["enum"]) == SORT_BY
    request = defs["request"]["properties"]
    assert tuple(request["auth"]["enum"]) == AUTH_MODES
    validator = Draft202012Validator({"pattern": request["method"]["pattern"]})
    for method in METHODS:
        assert validator.is_valid(method) and validator.is_valid(method.lower())
    assert not validator.is_valid("FETCH")


def test_editor_hint_comment_is_harmless(load_one: Callable[..., Scenario]) -> None:
    hint = "# yaml-language-server: $schema=../../harness/scenarios/scenario.schema.json\n"
    scenario = load_one(hint + BASE + "steps: [{name: w, wait: 0}]\n")
    assert scenario.id == "demo.x"


# -- files parsed once per process -----------------------------------------------------------

ONCE = """\
id: once.{name}
title: case {name}
clauses: [{clause}]
steps:
  - name: list
    request: {{method: GET, path: "/v1/Workspaces/{{ws}}/Tasks"}}
    expect: {{status: 200}}
"""


def test_a_file_parsed_again_is_the_same_until_its_text_changes(tmp_path: Path) -> None:
    path = tmp_path / "once" / "case.yaml"
    path.parent.mkdir()
    path.write_text(ONCE.format(name="aa", clause="task.a"))
    first = load_file_scenarios(path, tmp_path)
    again = load_file_scenarios(path, tmp_path)
    assert again == first and again[0] is first[0]  # kept, not parsed again
    again.clear()  # the caller's list is its own
    assert load_file_scenarios(path, tmp_path) == first
    # a new text of the same size, written at once: parsed anew
    path.write_text(ONCE.format(name="bb", clause="task.a"))
    assert [s.id for s in load_file_scenarios(path, tmp_path)] == ["once.bb"]
    # the same file seen from another library root is in another category
    nested = tmp_path / "outer" / "inner" / "case.yaml"
    nested.parent.mkdir(parents=True)
    nested.write_text(path.read_text())
    assert load_file_scenarios(nested, tmp_path)[0].category == "outer"
    assert load_file_scenarios(nested, tmp_path / "outer")[0].category == "inner"


def test_what_the_clause_catalogue_decides_is_decided_again_for_another_catalogue(
    tmp_path: Path,
) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(ONCE.format(name="cc", clause="task.b"))
    assert load_file_scenarios(path, tmp_path, {"task.b": {}})[0].id == "once.cc"
    with pytest.raises(ScenarioLoadError, match=r"unknown clause id 'task\.b'"):
        load_file_scenarios(path, tmp_path, {"task.a": {}})


def test_a_file_that_fails_fails_every_time_and_is_never_kept(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(ONCE.format(name="dd", clause="task.a").replace("status: 200", "stats: 200"))
    for _ in range(2):
        with pytest.raises(ScenarioLoadError, match=r"case\.yaml:7: steps\[0\]\.expect"):
            load_file_scenarios(path, tmp_path)
    path.write_text(ONCE.format(name="dd", clause="task.a"))
    assert load_file_scenarios(path, tmp_path)[0].id == "once.dd"
