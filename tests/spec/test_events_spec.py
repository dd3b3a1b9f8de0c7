"""Checks of ``spec/taskrouter-events.yaml``, the events part of the OpenAPI capture.

The Events resource, the callback settings of the Workspace and Workflows and the callbacks
TaskRouter POSTs (Event and assignment callbacks) are not the subject of the conformance report
(the Task resource in ``taskrouter-tasks.yaml`` is); they are how a Task's life is observed from
outside. This module checks the document alone, never the reference server: it is valid OpenAPI
3.0, shaped like its Task sibling (server, security, Error schema and error responses), uses
Twilio's operation ids, parameter names and property names (against an excerpt of the official
spec kept in ``tests/data/twilio-oai-task.json``), every example in it validates against its
schema (and so does every official example against the schema declared here), every clause it
links with ``x-trc-clauses`` exists, and the quotes of the ``events`` clauses are Twilio's words.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from harness.clauses import Clause, load_clauses
from tests.spec.openapi_refs import json_pointer, resolve
from tests.spec.spec_parts import (
    HTTP_METHODS,
    body_schema,
    check_declared_responses,
    check_unsupported_methods,
    load_yaml,
    operations,
    parameters,
    schema_errors,
)
from tests.spec.test_clauses import normalise
from tests.spec.twilio_data import DATA, oai_excerpt

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO_ROOT / "spec" / "taskrouter-events.yaml"
TASK_SPEC_PATH = REPO_ROOT / "spec" / "taskrouter-tasks.yaml"
SUPPORT_SPEC_PATH = REPO_ROOT / "spec" / "taskrouter-support.yaml"
#: The official paths and schemas this part covers, copied unchanged from twilio-oai.
OFFICIAL_PATH = DATA / "twilio-oai-task.json"
#: Sentences kept verbatim for the Twilio pages the events clauses cite.
KEPT_QUOTES_PATHS = (DATA / "twilio-doc-quotes.json",)
TASK_PAGE = "https://www.twilio.com/docs/taskrouter/api/task"

WS = "/v1/Workspaces/{WorkspaceSid}"
EVENTS = f"{WS}/Events"
EVENT = f"{WS}/Events/{{Sid}}"
WORKSPACE = "/v1/Workspaces/{Sid}"
WORKFLOWS = f"{WS}/Workflows"
WORKFLOW = f"{WS}/Workflows/{{Sid}}"

# Twilio's operation ids (twilio-oai), keyed by where they live.
TWILIO_OPERATION_IDS = {
    ("get", EVENTS): "ListEvent",
    ("get", EVENT): "FetchEvent",
    ("get", WORKSPACE): "FetchWorkspace",
    ("post", WORKSPACE): "UpdateWorkspace",
    ("get", WORKFLOWS): "ListWorkflow",
    ("get", WORKFLOW): "FetchWorkflow",
    ("post", WORKFLOW): "UpdateWorkflow",
}
DECLARED_STATUSES = {
    "ListEvent": {"200", "400", "401", "404"},
    "FetchEvent": {"200", "401", "404"},
    "FetchWorkspace": {"200", "401", "404"},
    "UpdateWorkspace": {"200", "400", "401", "404"},
    "ListWorkflow": {"200", "400", "401", "404"},
    "FetchWorkflow": {"200", "401", "404"},
    "UpdateWorkflow": {"200", "400", "401", "404"},
}
# Which of our schemas is which official one.
OFFICIAL_SCHEMAS = {
    "Event": "taskrouter.v1.workspace.event",
    "Workspace": "taskrouter.v1.workspace",
    "Workflow": "taskrouter.v1.workspace.workflow",
}
# The callback parameters, as Twilio's pages list them.
EVENT_CALLBACK_BASE = [
    "EventType",
    "AccountSid",
    "WorkspaceSid",
    "WorkspaceName",
    "EventDescription",
    "ResourceType",
    "ResourceSid",
    "Timestamp",
]
TASK_EVENT_FIELDS = [
    "TaskSid",
    "TaskAttributes",
    "TaskAge",
    "TaskPriority",
    "TaskAssignmentStatus",
    "TaskCanceledReason",
    "TaskCompletedReason",
]
ASSIGNMENT_CALLBACK = [
    "AccountSid",
    "WorkspaceSid",
    "WorkflowSid",
    "TaskQueueSid",
    "WorkerSid",
    "WorkerAttributes",
    "TaskSid",
    "TaskAttributes",
    "TaskAge",
    "TaskPriority",
    "ReservationSid",
    "Timestamp",
]
# Which twilio SDK module sends each operation's parameters.
SDK_MODULES = {
    "Event": "twilio.rest.taskrouter.v1.workspace.event",
    "Workspace": "twilio.rest.taskrouter.v1.workspace",
    "Workflow": "twilio.rest.taskrouter.v1.workspace.workflow",
}


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


@cache
def _official() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(OFFICIAL_PATH.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return copy.deepcopy(load_yaml(SPEC_PATH))


@pytest.fixture(scope="module")
def task_spec() -> dict[str, Any]:
    return copy.deepcopy(load_yaml(TASK_SPEC_PATH))


@pytest.fixture(scope="module")
def official() -> dict[str, Any]:
    return copy.deepcopy(_official())


@pytest.fixture(scope="module")
def clauses() -> dict[str, Clause]:
    return load_clauses()


def callback_operations(doc: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """operationId -> (runtime expression, operation) of every callback declared."""
    found = {}
    for _, _, op in operations(doc).values():
        for callback in op.get("callbacks", {}).values():
            for expression, item in callback.items():
                for method in HTTP_METHODS:
                    if method in item:
                        found[item[method]["operationId"]] = (expression, item[method])
    return found


def walk(node: Any, pointer: str = "#") -> Iterator[tuple[str, Any]]:
    """Every (JSON pointer, node) of a document, depth first."""
    yield pointer, node
    if isinstance(node, dict):
        for key, value in node.items():
            token = str(key).replace("~", "~0").replace("/", "~1")
            yield from walk(value, f"{pointer}/{token}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{pointer}/{index}")


def _page(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def kept_quotes(url: str) -> set[str]:
    """The sentences kept verbatim for a page, from every kept-quotes file (normalised)."""
    found: set[str] = set()
    for path in KEPT_QUOTES_PATHS:
        if path.is_file():
            pages = json.loads(path.read_text(encoding="utf-8"))["pages"]
            found |= {normalise(q) for q in pages.get(_page(url), {}).get("quotes", [])}
    return found


def official_text(pointer: str) -> str | None:
    """The official OpenAPI text at a JSON pointer, from either kept excerpt (compact JSON)."""
    for excerpt in (_official(), oai_excerpt()):
        try:
            node = json_pointer(excerpt, pointer)
        except (KeyError, IndexError):
            continue
        return json.dumps(node, separators=(",", ":"), ensure_ascii=False)
    return None


# --------------------------------------------------------------------------------------------
# 1. The document itself
# --------------------------------------------------------------------------------------------


def test_document_is_valid_openapi_3_0(spec: dict[str, Any]) -> None:
    from openapi_spec_validator import validate

    assert spec["openapi"] == "3.0.3"
    validate(spec)


def test_info_marks_the_events_part(spec: dict[str, Any]) -> None:
    title = spec["info"]["title"]
    assert "events" in title.lower()
    assert "not the subject of the conformance report" in title
    assert "the Task resource in taskrouter-tasks.yaml is" in title
    assert spec["x-trc-part"] == "events"
    assert load_yaml(SUPPORT_SPEC_PATH)["x-trc-part"] == "supporting", "a part of its own"
    assert spec["info"]["version"] == "1.0.0"
    source = spec["info"]["x-source"]
    assert source["subject"] == "taskrouter-tasks.yaml"
    official_spec = source["official-spec"]
    assert official_spec["repository"] == "https://github.com/twilio/twilio-oai"
    assert official_spec["path"] == "spec/json/twilio_taskrouter_v1.json"


def test_official_excerpt_provenance(spec: dict[str, Any], official: dict[str, Any]) -> None:
    """The excerpt (the Task excerpt, which also keeps the Events, Workspace and Workflow
    paths) is of the commit twilio-oai clauses cite; the document names it as the last commit
    it was checked against."""
    provenance = official["provenance"]
    assert provenance["path"] == "spec/json/twilio_taskrouter_v1.json"
    official_spec = spec["info"]["x-source"]["official-spec"]
    assert official_spec["unchanged-through"] == provenance["commit"]
    assert official_spec["path"] == provenance["path"]
    assert {EVENTS, EVENT, WORKSPACE, WORKFLOWS, WORKFLOW} <= set(official["paths"])


def test_same_server_security_and_errors_as_the_task_spec(
    spec: dict[str, Any], task_spec: dict[str, Any]
) -> None:
    assert spec["servers"] == task_spec["servers"] == [{"url": "https://taskrouter.twilio.com"}]
    assert spec["security"] == task_spec["security"]
    assert spec["components"]["securitySchemes"] == task_spec["components"]["securitySchemes"]
    for _, _, op in operations(spec).values():
        assert "security" not in op  # the document-wide Basic requirement applies
    for _, op in callback_operations(spec).values():
        assert op["security"] == []  # Twilio calls the application: signed, not Basic
    assert spec["components"]["schemas"]["Error"] == task_spec["components"]["schemas"]["Error"]
    ours, theirs = spec["components"]["responses"], task_spec["components"]["responses"]
    assert set(ours) == {"BadRequest", "Unauthorized", "NotFound", "MethodNotAllowed"}
    for name, response in ours.items():
        assert response["x-trc-error-code"] == theirs[name]["x-trc-error-code"], name
        example = response["content"]["application/json"]["example"]
        assert example["code"] == response["x-trc-error-code"], name
        assert not schema_errors(spec, {"$ref": "#/components/schemas/Error"}, example), name


def test_every_ref_resolves(spec: dict[str, Any]) -> None:
    for _, node in walk(spec):
        if isinstance(node, dict) and "$ref" in node:
            json_pointer(spec, node["$ref"])


def test_operation_ids_are_twilios(spec: dict[str, Any], official: dict[str, Any]) -> None:
    found = {(method, path): op_id for op_id, (method, path, _) in operations(spec).items()}
    assert found == TWILIO_OPERATION_IDS
    for (method, path), op_id in TWILIO_OPERATION_IDS.items():
        assert official["paths"][path][method]["operationId"] == op_id
        ours = spec["paths"][path][method]
        assert ours["tags"] == official["paths"][path][method]["tags"], op_id
    for path, item in spec["paths"].items():
        assert item["x-twilio"] == {
            k: v
            for k, v in official["paths"][path]["x-twilio"].items()
            if k != "dependentProperties"
        }, path
    others = {*operations(load_yaml(TASK_SPEC_PATH)), *operations(load_yaml(SUPPORT_SPEC_PATH))}
    assert not set(operations(spec)) & others, "no operation of another part here"


def test_declared_responses(spec: dict[str, Any]) -> None:
    check_declared_responses(spec, DECLARED_STATUSES)


def test_unsupported_methods_are_listed_on_every_path(spec: dict[str, Any]) -> None:
    check_unsupported_methods(spec)


# --------------------------------------------------------------------------------------------
# 2. Twilio's names and shapes (the official excerpt)
# --------------------------------------------------------------------------------------------


def _same_constraints(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """Where our schema contradicts the official one (type, format, pattern, lengths)."""
    return [
        f"{key}: {ours[key]!r} vs {theirs[key]!r}"
        for key in ("type", "format", "pattern", "minLength", "maxLength", "minimum", "maximum")
        if key in ours and key in theirs and ours[key] != theirs[key]
    ]


def test_parameters_are_twilios(spec: dict[str, Any], official: dict[str, Any]) -> None:
    for op_id, (method, path, op) in operations(spec).items():
        theirs_op = official["paths"][path][method]
        theirs = {p["name"]: p for p in theirs_op.get("parameters", [])}
        ours = parameters(spec, op)
        assert [p["name"] for p in ours if p["in"] == "path"] == [
            p["name"] for p in theirs.values() if p["in"] == "path"
        ], op_id
        for param in ours:
            assert param["name"] in theirs, f"{op_id}: {param['name']} is not Twilio's"
            official_param = theirs[param["name"]]
            assert param["in"] == official_param["in"], (op_id, param["name"])
            schema = resolve(spec, param["schema"])
            problems = _same_constraints(schema, official_param["schema"])
            assert not problems, (op_id, param["name"], problems)
        body = body_schema(spec, op)
        if body is not None:
            official_body = theirs_op["requestBody"]["content"][
                "application/x-www-form-urlencoded"
            ]["schema"]["properties"]
            for name, prop in body["properties"].items():
                assert name in official_body, f"{op_id}: {name} is not Twilio's"
                assert not _same_constraints(prop, official_body[name]), (op_id, name)
    list_event = operations(spec)["ListEvent"][2]
    assert [p["name"] for p in parameters(spec, list_event)] == [
        p["name"] for p in official["paths"][EVENTS]["get"]["parameters"]
    ], "ListEvent declares every official parameter, in Twilio's order"


def test_request_bodies_are_form_encoded(spec: dict[str, Any]) -> None:
    with_body = set()
    for op_id, (_, _, op) in operations(spec).items():
        if "requestBody" in op:
            with_body.add(op_id)
            assert set(op["requestBody"]["content"]) == {"application/x-www-form-urlencoded"}
            schema = body_schema(spec, op)
            assert schema is not None and schema["type"] == "object"
            assert "additionalProperties" not in schema, "unknown parameters are ignored"
            assert "required" not in schema, "Twilio requires none of them"
    assert with_body == {"UpdateWorkspace", "UpdateWorkflow"}
    workspace = body_schema(spec, operations(spec)["UpdateWorkspace"][2])
    workflow = body_schema(spec, operations(spec)["UpdateWorkflow"][2])
    assert workspace is not None and workflow is not None
    assert set(workspace["properties"]) == {"EventCallbackUrl", "EventsFilter", "FriendlyName"}
    assert set(workflow["properties"]) == {
        "AssignmentCallbackUrl",
        "FallbackAssignmentCallbackUrl",
        "TaskReservationTimeout",
        "FriendlyName",
    }
    timeout = workflow["properties"]["TaskReservationTimeout"]
    assert (timeout["minimum"], timeout["maximum"]) == (1, 86400)


def test_parameter_names_are_the_sdks(spec: dict[str, Any]) -> None:
    """Every query/form parameter is one the twilio SDK sends for that resource."""
    import importlib
    import inspect

    pytest.importorskip("twilio")
    for op_id, (_, _, op) in operations(spec).items():
        resource = next(r for r in SDK_MODULES if op_id.endswith(r))
        source = inspect.getsource(importlib.import_module(SDK_MODULES[resource]))
        names = [p["name"] for p in parameters(spec, op) if p["in"] == "query"]
        body = body_schema(spec, op)
        names += list(body["properties"]) if body else []
        for name in names:
            assert f'"{name}":' in source, f"{op_id}: {name} is not a {resource} SDK parameter"


def test_resource_schemas_are_twilios(spec: dict[str, Any], official: dict[str, Any]) -> None:
    """Our Event, Workspace and Workflow have exactly Twilio's properties, with Twilio's
    constraints, and require every one of them (an inferred requirement, listed as such)."""
    schemas = spec["components"]["schemas"]
    for ours_name, theirs_name in OFFICIAL_SCHEMAS.items():
        ours = schemas[ours_name]
        theirs = official["components"]["schemas"][theirs_name]
        assert ours["title"] == theirs_name
        assert set(ours["properties"]) == set(theirs["properties"]), ours_name
        assert set(ours["required"]) == set(ours["properties"]), ours_name
        assert ours["x-trc-inferred-required"] == ours["required"], ours_name
        for name, prop in ours["properties"].items():
            official_prop = resolve(official, theirs["properties"][name])
            assert not _same_constraints(resolve(spec, prop), official_prop), (ours_name, name)
            if "description" in prop:
                assert normalise(prop["description"]) in normalise(
                    official_prop.get("description", "")
                ), f"{ours_name}.{name}: description is not Twilio's"
    event = schemas["Event"]["properties"]
    assert event["sid"]["pattern"] == "^EV[0-9a-fA-F]{32}$"
    assert event["event_data"]["additionalProperties"]["type"] == "string"
    assert schemas["Workspace"]["properties"]["sid"]["pattern"] == "^WS[0-9a-fA-F]{32}$"
    assert schemas["Workflow"]["properties"]["sid"]["pattern"] == "^WW[0-9a-fA-F]{32}$"
    assert schemas["EventList"]["properties"]["meta"]["allOf"][1]["properties"]["key"] == {
        "type": "string",
        "enum": ["events"],
    }
    workflows_meta = schemas["WorkflowList"]["properties"]["meta"]["allOf"][1]
    assert workflows_meta["properties"]["key"]["enum"] == ["workflows"]


def test_official_examples_validate(spec: dict[str, Any], official: dict[str, Any]) -> None:
    """Every example body of the official spec for these operations fits our schema."""
    checked = 0
    for op_id, (method, path, op) in operations(spec).items():
        for status, response in official["paths"][path][method]["responses"].items():
            content = response.get("content", {}).get("application/json")
            if not content:
                continue
            schema = resolve(spec, op["responses"][status])["content"]["application/json"]["schema"]
            for name, example in content.get("examples", {}).items():
                errors = schema_errors(spec, schema, example["value"])
                assert not errors, (op_id, name, errors)
                checked += 1
    assert checked >= 7


# --------------------------------------------------------------------------------------------
# 3. Examples
# --------------------------------------------------------------------------------------------


def test_every_schema_example_validates(spec: dict[str, Any]) -> None:
    checked = []
    for name, schema in spec["components"]["schemas"].items():
        if "example" in schema:
            errors = schema_errors(
                spec, {"$ref": f"#/components/schemas/{name}"}, schema["example"]
            )
            assert not errors, (name, errors)
            checked.append(name)
    assert {"Event", "Workspace", "Workflow", "EventCallback", "AssignmentCallback"} <= set(checked)
    for pointer, node in walk(spec):
        if not isinstance(node, dict) or "schema" not in node:
            continue
        for name, example in node.get("examples", {}).items():
            errors = schema_errors(spec, node["schema"], example["value"])
            assert not errors, (pointer, name, errors)
        if "example" in node:
            assert not schema_errors(spec, node["schema"], node["example"]), pointer


@pytest.mark.parametrize(
    ("answer", "valid"),
    [
        ({"instruction": "accept"}, True),
        ({"instruction": "reject"}, True),
        ({"instruction": "reject", "activity_sid": "WA" + "a" * 32}, True),
        ({"instruction": "redirect", "call_sid": "CA123", "url": "https://x.example/r"}, True),
        ({"instruction": "call", "from": "+15558675309", "url": "https://x.example/a"}, True),
        ({"instruction": "dequeue"}, True),
        ({}, True),
        ({"activity_sid": "WA" + "a" * 32}, False),  # error 40005: JSON without instruction
        ({"instruction": "conference"}, False),  # not an assignment-callback instruction
        ({"instruction": "redirect", "url": "https://x.example/r"}, False),  # no call_sid
        ({"instruction": "call", "url": "https://x.example/a"}, False),  # no from
        ({"instruction": "redirect", "call_sid": "CA1", "url": "u", "accept": "yes"}, False),
    ],
)
def test_assignment_instruction(spec: dict[str, Any], answer: dict[str, Any], valid: bool) -> None:
    schema = {"$ref": "#/components/schemas/AssignmentInstruction"}
    assert (not schema_errors(spec, schema, answer)) is valid


# --------------------------------------------------------------------------------------------
# 4. Callbacks
# --------------------------------------------------------------------------------------------


def test_callbacks_are_declared_where_their_url_is_set(spec: dict[str, Any]) -> None:
    found = callback_operations(spec)
    assert {op_id: expression for op_id, (expression, _) in found.items()} == {
        "EventCallback": "{$request.body#/EventCallbackUrl}",
        "AssignmentCallback": "{$request.body#/AssignmentCallbackUrl}",
        "FallbackAssignmentCallback": "{$request.body#/FallbackAssignmentCallbackUrl}",
    }
    for op_id, (_, op) in found.items():
        assert parameters(spec, op)[0]["name"] == "X-Twilio-Signature", op_id
        assert parameters(spec, op)[0]["in"] == "header" and parameters(spec, op)[0]["required"]
        body = op["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
        expected = "EventCallback" if op_id == "EventCallback" else "AssignmentCallback"
        assert body == {"$ref": f"#/components/schemas/{expected}"}, op_id
    assert set(found["EventCallback"][1]["responses"]) == {"204"}
    for op_id in ("AssignmentCallback", "FallbackAssignmentCallback"):
        answer = found[op_id][1]["responses"]["200"]["content"]["application/json"]["schema"]
        assert answer == {"$ref": "#/components/schemas/AssignmentInstruction"}
    block = spec["x-trc-callbacks"]
    assert block["EventCallback"]["body"] == "#/components/schemas/EventCallback"
    assert block["EventCallback"]["expected-answer"] == {
        "status": 204,
        "content-type": "application/json",
        "within-seconds": 15,
    }
    assert block["AssignmentCallback"]["body"] == "#/components/schemas/AssignmentCallback"
    assert block["AssignmentCallback"]["expected-answer"]["status"] == 200
    assert block["AssignmentCallback"]["expected-answer"]["within-seconds"] == 5
    for name in ("EventCallback", "AssignmentCallback"):
        json_pointer(spec, block[name]["body"])
        json_pointer(spec, block[name]["expected-answer"].get("body", block[name]["body"]))


def test_callback_parameters_are_the_documented_ones(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    event = schemas["EventCallback"]
    assert event["required"] == EVENT_CALLBACK_BASE
    assert set(TASK_EVENT_FIELDS) <= set(event["properties"])
    assert {
        "TaskQueueSid",
        "WorkflowSid",
        "ReservationSid",
        "WorkerSid",
        "WorkerName",
        "WorkerAttributes",
        "WorkerActivitySid",
        "WorkerActivityName",
    } <= set(event["properties"])
    assignment = schemas["AssignmentCallback"]
    assert assignment["required"] == ASSIGNMENT_CALLBACK
    assert list(assignment["properties"]) == ASSIGNMENT_CALLBACK
    for schema in (event, assignment):
        assert schema["additionalProperties"] == {"type": "string"}
        for name, prop in schema["properties"].items():
            assert resolve(spec, prop.get("allOf", [prop])[0])["type"] == "string", name
    missing_base = {k: v for k, v in event["example"].items() if k != "EventType"}
    assert schema_errors(spec, {"$ref": "#/components/schemas/EventCallback"}, missing_base)
    numeric = dict(assignment["example"], TaskAge=3)
    assert schema_errors(spec, {"$ref": "#/components/schemas/AssignmentCallback"}, numeric)


def _signature(token: str, url: str, params: dict[str, str]) -> str:
    data = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def test_signature_example_is_twilios_worked_example(spec: dict[str, Any]) -> None:
    example = spec["x-trc-callbacks"]["signature"]["example"]
    params = {name: str(value) for name, value in example["params"].items()}
    signed = example["url"] + "".join(name + params[name] for name in sorted(params))
    assert signed == example["signed-string"]
    assert _signature(example["auth-token"], example["url"], params) == example["signature"]
    assert _signature("54321", example["url"], params) != example["signature"]
    header = resolve(spec, {"$ref": "#/components/parameters/XTwilioSignature"})
    assert header["name"] == spec["x-trc-callbacks"]["signature"]["header"]
    assert not schema_errors(spec, header["schema"], example["signature"])


def test_signature_example_agrees_with_the_sdk(spec: dict[str, Any]) -> None:
    pytest.importorskip("twilio")
    from twilio.request_validator import RequestValidator

    example = spec["x-trc-callbacks"]["signature"]["example"]
    params = {name: str(value) for name, value in example["params"].items()}
    validator = RequestValidator(example["auth-token"])
    assert validator.compute_signature(example["url"], params) == example["signature"]
    assert validator.validate(example["url"], params, example["signature"])


# --------------------------------------------------------------------------------------------
# 5. Clauses and notes
# --------------------------------------------------------------------------------------------


def test_every_linked_clause_exists(spec: dict[str, Any], clauses: dict[str, Clause]) -> None:
    linked = [(pointer, node) for pointer, node in walk(spec) if pointer.endswith("/x-trc-clauses")]
    assert linked
    for pointer, ids in linked:
        assert isinstance(ids, list) and ids, pointer
        assert len(ids) == len(set(ids)), f"{pointer}: listed twice"
        unknown = [i for i in ids if i not in clauses]
        assert not unknown, f"{pointer}: unknown clauses {unknown}"


def test_every_operation_links_its_clauses(spec: dict[str, Any]) -> None:
    for op_id, (_, _, op) in operations(spec).items():
        assert op.get("x-trc-clauses"), op_id
    for op_id, (_, op) in callback_operations(spec).items():
        assert op.get("x-trc-clauses"), op_id
    for name in ("EventCallback", "AssignmentCallback", "signature"):
        assert spec["x-trc-callbacks"][name]["x-trc-clauses"], name


def test_every_events_clause_is_linked(spec: dict[str, Any], clauses: dict[str, Clause]) -> None:
    linked = {
        clause_id
        for pointer, ids in walk(spec)
        if pointer.endswith("/x-trc-clauses")
        for clause_id in ids
    }
    events = {c.id for c in clauses.values() if c.category == "events"}
    assert events, "the events clauses are in clauses.yaml"
    assert events - linked == set(), "events clauses no part of the document answers to"
    assert linked - events == set(), "the document links only events clauses"


def test_event_types_name_their_clauses(spec: dict[str, Any], clauses: dict[str, Clause]) -> None:
    event_type = spec["components"]["schemas"]["EventType"]
    mapping = event_type["x-trc-event-types"]
    for name, clause_id in mapping.items():
        assert clause_id == "task.event.type." + name.replace(".", "-"), name
        assert normalise(clauses[clause_id].quote).startswith(f"| {name} |"), clause_id
        assert not schema_errors(spec, {"$ref": "#/components/schemas/EventType"}, name)
    typed = {c for c in clauses if c.startswith("task.event.type.")}
    assert set(mapping.values()) == typed == set(event_type["x-trc-clauses"])
    assert schema_errors(spec, {"$ref": "#/components/schemas/EventType"}, "Task Created")


def test_events_clauses_quote_twilio(clauses: dict[str, Clause]) -> None:
    """The quote of every events clause is Twilio's words: a sentence kept verbatim for its
    page, or the official OpenAPI text at its JSON pointer. (Task page quotes are compared with
    the page itself by test_clauses.)"""
    events = [c for c in clauses.values() if c.category == "events"]
    missing = []
    for c in events:
        if _page(c.url) == TASK_PAGE:
            continue
        if c.source == "twilio-oai":
            assert c.section.startswith("#/"), c.id
            found = normalise(c.quote) in normalise(official_text(c.section) or "")
        else:
            found = normalise(c.quote) in kept_quotes(c.url)
        if not found:
            missing.append(f"{c.id}: {c.quote!r}")
    assert not missing, "quotes not found in their kept source:\n" + "\n".join(missing)


def test_events_clauses_cite_the_known_commit(clauses: dict[str, Clause]) -> None:
    commit = _official()["provenance"]["commit"]
    for c in clauses.values():
        if c.category == "events" and c.source == "twilio-oai":
            assert urlsplit(c.url).path.split("/")[4] == commit, c.id


def test_x_trc_notes_point_at_real_objects(spec: dict[str, Any]) -> None:
    for key, note in spec["x-trc-notes"].items():
        assert {"topic", "twilio", "reference", "strength", "applies-to"} <= set(note), key
        assert note["strength"] in ("documented", "inferred", "unverified"), key
        for pointer in note["applies-to"]:
            json_pointer(spec, pointer)
    referenced = {
        word.rstrip(".,;:)")
        for _, node in walk(spec)
        if isinstance(node, str)
        for word in node.replace("(", " ").split()
        if word.startswith("x-trc-notes.")
    }
    for reference in referenced:
        assert reference.removeprefix("x-trc-notes.") in spec["x-trc-notes"], reference
    paging = spec["x-trc-notes"]["event-list-paging"]["applies-to"]
    names = [resolve(spec, json_pointer(spec, p))["name"] for p in paging]
    assert names == ["PageSize", "Page", "PageToken"]
    window = spec["x-trc-notes"]["event-window"]["applies-to"]
    names = [resolve(spec, json_pointer(spec, p))["name"] for p in window]
    assert names == ["EndDate", "Minutes", "StartDate"]
