"""Checks of ``spec/taskrouter-tasks.yaml``, the OpenAPI capture of the TaskRouter Task resource.

Groups:

1. the document is valid OpenAPI 3.0;
2. it agrees with the Twilio documentation page (the seed), parsed from its JSON blocks;
3. the numeric limits the seed states only in prose;
4. ETag / If-Match, error responses, security, links, operation ids, ``x-trc`` notes;
5. schemathesis 4 loads it and builds a state machine from its links.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.shared import shared_file
from tests.spec.openapi_refs import deref, json_pointer, resolve

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO_ROOT / "spec" / "taskrouter-tasks.yaml"

LIST_PATH = "/v1/Workspaces/{WorkspaceSid}/Tasks"
INSTANCE_PATH = "/v1/Workspaces/{WorkspaceSid}/Tasks/{Sid}"

# Twilio's operation ids (twilio-oai), keyed by where they live.
TWILIO_OPERATION_IDS = {
    ("post", LIST_PATH): "CreateTask",
    ("get", LIST_PATH): "ListTask",
    ("get", INSTANCE_PATH): "FetchTask",
    ("post", INSTANCE_PATH): "UpdateTask",
    ("delete", INSTANCE_PATH): "DeleteTask",
}
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
TASK_STATUSES = {"pending", "reserved", "assigned", "canceled", "completed", "wrapping"}

# Schema keywords whose value, when the seed states it, must be identical in our document.
COMPARED_KEYWORDS = (
    "type",
    "format",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "enum",
)


# --------------------------------------------------------------------------------------------
# Loading and $ref resolution
# --------------------------------------------------------------------------------------------


@cache
def _load_spec() -> dict[str, Any]:
    with SPEC_PATH.open(encoding="utf-8") as fd:
        return yaml.safe_load(fd)


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return copy.deepcopy(_load_spec())


def operation(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    return spec["paths"][path][method]


def operations(spec: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """operationId -> (method, path, operation object)."""
    result = {}
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                result[item[method]["operationId"]] = (method, path, item[method])
    return result


def parameters(spec: dict[str, Any], method: str, path: str) -> dict[tuple[str, str], dict]:
    """(in, name) -> resolved parameter, path-item parameters overridden by operation ones."""
    merged: dict[tuple[str, str], dict] = {}
    for raw in spec["paths"][path].get("parameters", []) + operation(spec, method, path).get(
        "parameters", []
    ):
        param = resolve(spec, raw)
        merged[(param["in"], param["name"])] = param
    return merged


def body_schema(spec: dict[str, Any], op: dict[str, Any], media_type: str) -> dict[str, Any]:
    body = resolve(spec, op["requestBody"])
    return resolve(spec, body["content"][media_type]["schema"])


def response(spec: dict[str, Any], op: dict[str, Any], status: str) -> dict[str, Any]:
    return resolve(spec, op["responses"][status])


def response_schema(spec: dict[str, Any], op: dict[str, Any], status: str) -> dict[str, Any]:
    return resolve(spec, response(spec, op, status)["content"]["application/json"]["schema"])


def header(spec: dict[str, Any], op: dict[str, Any], status: str, name: str) -> dict | None:
    headers = response(spec, op, status).get("headers", {})
    return resolve(spec, headers[name]) if name in headers else None


# --------------------------------------------------------------------------------------------
# Seed (Twilio documentation page) parsing
# --------------------------------------------------------------------------------------------

ENDPOINT_LINE = re.compile(r"^`(GET|POST|DELETE|PUT|PATCH) https://taskrouter\.twilio\.com(/\S+)`$")
FENCE = re.compile(r"^```(\w*)\s*$")
# The first JSON block after one of these sub-headings is that sub-section's definition.
DEFINITION_SUBSECTIONS = {
    "Path parameters": "path",
    "Query parameters": "query",
    "Headers": "header",
    "Request body parameters": "body",
}


@dataclass
class SeedOperation:
    title: str
    method: str = ""
    path: str = ""
    parameters: list[dict[str, Any]] = field(default_factory=list)
    body: dict[str, Any] | None = None
    response_examples: list[Any] = field(default_factory=list)


@dataclass
class Seed:
    task_schema: dict[str, Any]
    operations: list[SeedOperation]
    text: str

    def operation(self, method: str, path: str) -> SeedOperation:
        found = [op for op in self.operations if (op.method, op.path) == (method.upper(), path)]
        assert len(found) == 1, f"seed documents {method.upper()} {path} {len(found)} times"
        return found[0]


def parse_seed(text: str) -> Seed:
    """Extract the definition JSON blocks of the documentation page, section by section."""
    task_schema: dict[str, Any] | None = None
    seed_operations: list[SeedOperation] = []
    current: SeedOperation | None = None
    pending_definition: str | None = None
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        fence = FENCE.match(line)
        if fence:
            end = index + 1
            while end < len(lines) and not lines[end].startswith("```"):
                end += 1
            block = "\n".join(lines[index + 1 : end])
            index = end + 1
            if fence.group(1) != "json":
                continue
            value = json.loads(block)
            if isinstance(value, dict) and value.get("refName") == "taskrouter.v1.workspace.task":
                task_schema = value
            elif current is not None and pending_definition is not None:
                if pending_definition == "body":
                    current.body = value
                else:
                    assert isinstance(value, list), f"{current.title}: {pending_definition} block"
                    for param in value:
                        assert param["in"] == pending_definition, (current.title, param)
                    current.parameters.extend(value)
                pending_definition = None
            elif current is not None and isinstance(value, dict):
                current.response_examples.append(value)
            continue
        if line.startswith("## "):
            title = line[3:].strip()
            current = None
            pending_definition = None
            if title.endswith("resource") or title.endswith("resources"):
                current = SeedOperation(title=title)
                seed_operations.append(current)
        elif line.startswith("### "):
            pending_definition = DEFINITION_SUBSECTIONS.get(line[4:].strip())
        elif current is not None and (endpoint := ENDPOINT_LINE.match(line.strip())):
            current.method, current.path = endpoint.group(1), endpoint.group(2)
        index += 1
    assert task_schema is not None, "the seed's Task JSON schema was not found"
    return Seed(task_schema=task_schema, operations=seed_operations, text=text)


@pytest.fixture(scope="module")
def seed() -> Seed:
    return parse_seed(shared_file("seed/task-resource.md").read_text(encoding="utf-8"))


def assert_schema_matches(
    seed_schema: dict[str, Any], ours: dict[str, Any], spec: dict[str, Any], where: str
) -> None:
    """Every constraint the seed states must be stated identically by our (resolved) schema."""
    ours = resolve(spec, ours)
    for keyword in COMPARED_KEYWORDS:
        if keyword in seed_schema:
            assert ours.get(keyword) == seed_schema[keyword], (
                f"{where}: {keyword} is {ours.get(keyword)!r}, "
                f"the seed says {seed_schema[keyword]!r}"
            )
    assert bool(ours.get("nullable")) == bool(seed_schema.get("nullable")), (
        f"{where}: nullable is {ours.get('nullable')!r}, "
        f"the seed says {seed_schema.get('nullable')!r}"
    )
    if "items" in seed_schema:
        assert "items" in ours, f"{where}: the seed gives array items, we do not"
        assert_schema_matches(seed_schema["items"], ours["items"], spec, f"{where}[]")


def seed_operation_ids() -> list[str]:
    return list(TWILIO_OPERATION_IDS.values())


# --------------------------------------------------------------------------------------------
# 1. OpenAPI validity
# --------------------------------------------------------------------------------------------


def test_document_is_valid_openapi_3_0(spec: dict[str, Any]) -> None:
    from openapi_spec_validator import validate

    assert spec["openapi"] == "3.0.3"
    validate(spec)


def test_info_servers_and_version(spec: dict[str, Any]) -> None:
    info = spec["info"]
    assert info["version"] == "1.0.0"
    assert "conformance capture" in info["description"].lower()
    assert "Task resource" in info["description"]
    source = info["x-source"]
    assert source["docs"]["url"] == "https://www.twilio.com/docs/taskrouter/api/task"
    official = source["official-spec"]
    assert re.fullmatch(r"[0-9a-f]{40}", official["commit"])
    assert official["url"] == (
        f"{official['repository']}/blob/{official['commit']}/{official['path']}"
    )
    assert spec["servers"] == [{"url": "https://taskrouter.twilio.com"}]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}\.\d+", spec["x-trc-spec-version"])


def test_every_ref_resolves(spec: dict[str, Any]) -> None:
    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                json_pointer(spec, node["$ref"])
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for position, value in enumerate(node):
                walk(value, f"{where}/{position}")

    walk(spec, "#")


# --------------------------------------------------------------------------------------------
# 2. Agreement with the parsed seed
# --------------------------------------------------------------------------------------------


def test_seed_documents_exactly_our_operations(spec: dict[str, Any], seed: Seed) -> None:
    documented = {(op.method.lower(), op.path) for op in seed.operations}
    ours = {(method, path) for method, path, _ in operations(spec).values()}
    assert documented == ours
    for op in seed.operations:
        assert any(param["in"] == "path" for param in op.parameters), op.title


def test_task_properties_match_seed(spec: dict[str, Any], seed: Seed) -> None:
    task = resolve(spec, spec["components"]["schemas"]["Task"])
    seed_properties = seed.task_schema["properties"]
    assert task["type"] == seed.task_schema["type"] == "object"
    assert set(task["properties"]) == set(seed_properties)
    for name, seed_property in seed_properties.items():
        ours = resolve(spec, task["properties"][name])
        assert_schema_matches(seed_property, ours, spec, f"Task.{name}")
        if "default" in seed_property:
            # A deliberate override must record the official value it replaces.
            official = ours.get("x-trc-official-default", ours.get("default"))
            assert official == seed_property["default"], f"Task.{name}: default"
        if "x-twilio" in seed_property:
            assert ours.get("x-twilio") == seed_property["x-twilio"], f"Task.{name}: x-twilio"


@pytest.mark.parametrize("operation_id", seed_operation_ids())
def test_operation_parameters_match_seed(
    spec: dict[str, Any], seed: Seed, operation_id: str
) -> None:
    method, path, _ = operations(spec)[operation_id]
    documented = seed.operation(method, path)
    ours = parameters(spec, method, path)
    seen = set()
    for seed_param in documented.parameters:
        key = (seed_param["in"], seed_param["name"])
        seen.add(key)
        assert key in ours, f"{operation_id}: {key} is documented but not declared"
        param = ours[key]
        assert bool(param.get("required")) == bool(seed_param.get("required")), (
            f"{operation_id}: {key} required"
        )
        assert_schema_matches(seed_param["schema"], param["schema"], spec, f"{operation_id} {key}")
    assert set(ours) == seen, f"{operation_id}: declared but not documented: {set(ours) - seen}"


@pytest.mark.parametrize("operation_id", seed_operation_ids())
def test_request_bodies_match_seed(spec: dict[str, Any], seed: Seed, operation_id: str) -> None:
    method, path, op = operations(spec)[operation_id]
    documented = seed.operation(method, path)
    if documented.body is None:
        assert "requestBody" not in op, f"{operation_id}: the seed documents no body"
        return
    media_type = documented.body["encodingType"]
    ours = body_schema(spec, op, media_type)
    seed_schema = documented.body["schema"]
    assert ours.get("title") == seed_schema["title"]
    assert set(ours["properties"]) == set(seed_schema["properties"]), operation_id
    for name, seed_property in seed_schema["properties"].items():
        prop = resolve(spec, ours["properties"][name])
        assert_schema_matches(seed_property, prop, spec, f"{operation_id} body {name}")
        if "x-twilio" in seed_property:
            assert prop.get("x-twilio") == seed_property["x-twilio"], f"{operation_id} {name}"
    assert sorted(seed_schema.get("required", [])) == sorted(ours.get("required", []))


def _nullable_aware_validator(spec: dict[str, Any], schema: dict[str, Any]):
    from openapi_schema_validator import OAS30Validator, oas30_format_checker

    return OAS30Validator(deref(spec, schema), format_checker=oas30_format_checker)


DOC_PLACEHOLDER_SID = re.compile(r"^[A-Z]{2}X{32}$")


def test_seed_response_examples_conform(spec: dict[str, Any], seed: Seed) -> None:
    """The documented response bodies are valid against our schemas.

    The only tolerated violation is a documentation placeholder SID (``WSXXXX…``), which is not
    hexadecimal (the create example's workspace_sid and workflow_sid).
    """
    checked = 0
    for method, path, op in operations(spec).values():
        documented = seed.operation(method, path)
        success = next(code for code in op["responses"] if code.startswith("2"))
        if not documented.response_examples:
            assert "content" not in response(spec, op, success), f"{method} {path}: no body"
            continue
        validator = _nullable_aware_validator(spec, response_schema(spec, op, success))
        for example in documented.response_examples:
            checked += 1
            for error in validator.iter_errors(example):
                assert error.validator == "pattern" and DOC_PLACEHOLDER_SID.match(error.instance), (
                    f"{method.upper()} {path}: {error.message} at {list(error.absolute_path)}"
                )
    assert checked >= 5


# --------------------------------------------------------------------------------------------
# 3. Numeric constraints stated only in prose
# --------------------------------------------------------------------------------------------


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def test_prose_numeric_constraints(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    create = schemas["CreateTaskRequest"]["properties"]
    update = schemas["UpdateTaskRequest"]["properties"]
    list_params = parameters(spec, "get", LIST_PATH)
    for priority in (
        create["Priority"],
        update["Priority"],
        list_params[("query", "Priority")]["schema"],
    ):
        assert priority["type"] == "integer"
        assert priority["minimum"] == 0
        assert priority["maximum"] == 2147483647 == 2**31 - 1
    assert create["Timeout"]["maximum"] == 1209600
    assert create["Timeout"]["minimum"] == create["Timeout"]["x-trc-minimum-assumed"] == 1
    assert create["Timeout"]["default"] == 86400
    assert schemas["Task"]["properties"]["timeout"]["default"] == 86400
    page_size = list_params[("query", "PageSize")]["schema"]
    assert (page_size["minimum"], page_size["maximum"], page_size["default"]) == (1, 1000, 50)
    assert list_params[("query", "Page")]["schema"]["minimum"] == 0
    assert list_params[("query", "PageToken")]["schema"]["type"] == "string"
    for attributes in (create["Attributes"], update["Attributes"]):
        assert attributes["maxLength"] == 4096
        assert attributes["x-trc-strength"] == "inferred"
        assert attributes["x-trc-assumption"].strip()


def test_prose_numbers_agree_with_seed(spec: dict[str, Any], seed: Seed) -> None:
    """The same numbers, read from the seed's descriptions rather than restated."""
    schemas = spec["components"]["schemas"]
    create_body = seed.operation("POST", LIST_PATH).body["schema"]["properties"]
    update_body = seed.operation("POST", INSTANCE_PATH).body["schema"]["properties"]
    list_query = {p["name"]: p for p in seed.operation("GET", LIST_PATH).parameters}

    timeout = create_body["Timeout"]["description"]
    maximum = re.search(r"maximum of [^(]*\(([\d,]+) seconds\)", timeout)
    default = re.search(r"default value is [^(]*\(([\d,]+) seconds\)", timeout)
    assert maximum and default, timeout
    ours = schemas["CreateTaskRequest"]["properties"]["Timeout"]
    assert ours["maximum"] == _number(maximum.group(1))
    assert ours["default"] == _number(default.group(1))

    for name, seed_body in (("CreateTaskRequest", create_body), ("UpdateTaskRequest", update_body)):
        text = seed_body["Priority"]["description"]
        bounds = re.search(r"Value can be ([\d,]+) to [^(]*\(([\d,]+)\)", text)
        assert bounds, text
        ours = schemas[name]["properties"]["Priority"]
        assert (ours["minimum"], ours["maximum"]) == (
            _number(bounds.group(1)),
            _number(bounds.group(2)),
        )

    page_size_text = list_query["PageSize"]["description"]
    page_size = re.search(r"default is (\d+), and the maximum is (\d+)", page_size_text)
    assert page_size, page_size_text
    ours = parameters(spec, "get", LIST_PATH)[("query", "PageSize")]["schema"]
    assert ours["default"] == int(page_size.group(1))
    assert ours["maximum"] == int(page_size.group(2)) == list_query["PageSize"]["schema"]["maximum"]
    assert re.search(r"return the first (\d+) Tasks", seed.text).group(1) == str(ours["default"])


# --------------------------------------------------------------------------------------------
# 4. Headers, errors, security, links, operation ids, notes
# --------------------------------------------------------------------------------------------


def test_operation_ids_are_twilios(spec: dict[str, Any]) -> None:
    found = {(method, path): op_id for op_id, (method, path, _) in operations(spec).items()}
    assert found == TWILIO_OPERATION_IDS
    for op_id, (_, _, op) in operations(spec).items():
        assert op["tags"] == ["TaskrouterV1Task"], op_id
    assert set(spec["paths"]) == {LIST_PATH, INSTANCE_PATH}


@pytest.mark.parametrize(
    ("operation_id", "status"), [("CreateTask", "201"), ("FetchTask", "200"), ("UpdateTask", "200")]
)
def test_etag_required_on_create_fetch_update(
    spec: dict[str, Any], operation_id: str, status: str
) -> None:
    _, _, op = operations(spec)[operation_id]
    etag = header(spec, op, status, "ETag")
    assert etag is not None, f"{operation_id} {status} lacks ETag"
    assert etag["required"] is True
    schema = etag["schema"]
    assert schema["type"] == "string"
    pattern = re.compile(schema["pattern"])
    for value in ("0", "1", "42", '"1"', 'W/"1"'):
        assert pattern.search(value), value
    for value in ("", "a b", "1,2"):
        assert not pattern.search(value), value


def test_etag_optional_on_list_and_absent_on_delete(spec: dict[str, Any]) -> None:
    ops = operations(spec)
    list_etag = header(spec, ops["ListTask"][2], "200", "ETag")
    assert list_etag is not None and list_etag.get("required", False) is False
    deleted = response(spec, ops["DeleteTask"][2], "204")
    assert "ETag" not in deleted.get("headers", {})
    assert "content" not in deleted


def test_if_match_on_update_and_delete_only(spec: dict[str, Any]) -> None:
    for operation_id, (method, path, _) in operations(spec).items():
        if_match = parameters(spec, method, path).get(("header", "If-Match"))
        if operation_id in {"UpdateTask", "DeleteTask"}:
            assert if_match is not None, operation_id
            assert if_match.get("required", False) is False
            assert if_match["schema"] == {"type": "string"}
        else:
            assert if_match is None, operation_id


EXPECTED_ERRORS = {
    "CreateTask": {"400", "401", "404", "429"},
    "ListTask": {"400", "401", "404", "429"},
    "FetchTask": {"401", "404", "429"},
    "UpdateTask": {"400", "401", "404", "412", "429"},
    "DeleteTask": {"401", "404", "412", "429"},
}
EXPECTED_CODES = {
    "400": 20001,
    "401": 20003,
    "404": 20404,
    "405": 20004,
    "412": 20412,
    "429": 20429,
}


def test_error_schema(spec: dict[str, Any]) -> None:
    error = spec["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "message", "more_info", "status"}
    props = error["properties"]
    assert props["code"]["type"] == "integer"
    assert props["status"]["type"] == "integer"
    assert props["message"]["type"] == "string"
    assert (props["more_info"]["type"], props["more_info"]["format"]) == ("string", "uri")
    assert props["details"]["type"] == "object"
    assert "details" not in error["required"]


@pytest.mark.parametrize("operation_id", list(EXPECTED_ERRORS))
def test_error_responses(spec: dict[str, Any], operation_id: str) -> None:
    _, _, op = operations(spec)[operation_id]
    declared = {code for code in op["responses"] if code[0] in "45"}
    assert declared == EXPECTED_ERRORS[operation_id]
    error_schema = spec["components"]["schemas"]["Error"]
    for code in declared:
        assert op["responses"][code]["$ref"].startswith("#/components/responses/"), code
        resp = response(spec, op, code)
        assert response_schema(spec, op, code) is error_schema, f"{operation_id} {code}"
        assert resp["x-trc-error-code"] == EXPECTED_CODES[code]
        example = resp["content"]["application/json"]["example"]
        assert example["code"] == EXPECTED_CODES[code]
        assert example["status"] == int(code)


def test_reusable_error_responses_validate(spec: dict[str, Any]) -> None:
    responses = spec["components"]["responses"]
    assert responses["MethodNotAllowed"]["x-trc-error-code"] == 20004
    for name, resp in responses.items():
        media = resp["content"]["application/json"]
        validator = _nullable_aware_validator(spec, media["schema"])
        assert not list(validator.iter_errors(media["example"])), name
        assert media["example"]["more_info"].endswith(str(media["example"]["code"]))
    for path in (LIST_PATH, INSTANCE_PATH):
        note = spec["paths"][path]["x-trc-unsupported-methods"]
        assert json_pointer(spec, note["response"]) is responses["MethodNotAllowed"]


def test_security_is_http_basic(spec: dict[str, Any]) -> None:
    scheme = spec["components"]["securitySchemes"]["accountSid_authToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "basic")
    assert spec["security"] == [{"accountSid_authToken": []}]
    for operation_id, (_, _, op) in operations(spec).items():
        assert op.get("security", spec["security"]) == spec["security"], operation_id


def _links(spec: dict[str, Any], operation_id: str, status: str) -> dict[str, dict[str, Any]]:
    _, _, op = operations(spec)[operation_id]
    return {
        name: resolve(spec, link)
        for name, link in response(spec, op, status).get("links", {}).items()
    }


def test_links_reference_real_operations_and_parameters(spec: dict[str, Any]) -> None:
    ops = operations(spec)
    total = 0
    for source_id, (method, path, op) in ops.items():
        source_params = parameters(spec, method, path)
        for status in op["responses"]:
            for name, link in _links(spec, source_id, status).items():
                total += 1
                target_id = link["operationId"]
                assert target_id in ops, f"{source_id} {status} {name}: unknown {target_id}"
                target_params = parameters(spec, ops[target_id][0], ops[target_id][1])
                for key, expression in link["parameters"].items():
                    location, _, pname = key.rpartition(".")
                    matches = [
                        k
                        for k in target_params
                        if k[1] == pname and (not location or k[0] == location)
                    ]
                    assert matches, f"{source_id} {name}: {key} is not a {target_id} parameter"
                    request_ref = re.fullmatch(r"\$request\.(path|query|header)\.(.+)", expression)
                    if request_ref:
                        assert (request_ref.group(1), request_ref.group(2)) in source_params
                    else:
                        assert expression in {"$response.body#/sid", "$response.header.ETag"}
    assert total >= 8


@pytest.mark.parametrize(
    ("source", "status", "targets"),
    [
        ("CreateTask", "201", {"FetchTask", "UpdateTask", "DeleteTask"}),
        ("FetchTask", "200", {"UpdateTask", "DeleteTask"}),
        ("UpdateTask", "200", {"UpdateTask", "DeleteTask"}),
    ],
)
def test_links_carry_sid_and_etag(
    spec: dict[str, Any], source: str, status: str, targets: set[str]
) -> None:
    links = _links(spec, source, status)
    sid_expression = "$response.body#/sid" if source == "CreateTask" else "$request.path.Sid"
    for target in targets:
        candidates = [link for link in links.values() if link["operationId"] == target]
        assert candidates, f"{source} {status} has no link to {target}"
        for link in candidates:
            params = link["parameters"]
            assert params["WorkspaceSid"] == "$request.path.WorkspaceSid"
            assert params["Sid"] == sid_expression
            if target in {"UpdateTask", "DeleteTask"}:
                assert params["header.If-Match"] == "$response.header.ETag"


#: Documented properties absent from the newest SDK mocks (tests/spec/test_documented_bodies.py).
NOT_IN_NEWEST_SDK_MOCKS = {"virtual_start_time", "ignore_capacity", "routing_target"}


def test_task_schema_requires_21_properties_all_inferred(spec: dict[str, Any]) -> None:
    task = spec["components"]["schemas"]["Task"]
    assert len(task["properties"]) == 24
    assert set(task["required"]) == set(task["properties"]) - NOT_IN_NEWEST_SDK_MOCKS
    assert len(task["required"]) == 21
    # Twilio requires nothing in words: every required key is an inferred rule.
    assert task["x-trc-inferred-required"] == task["required"]
    assert "required" in task["x-trc-note"] and "official" in task["x-trc-note"]
    links = task["properties"]["links"]
    assert (
        set(links["properties"])
        == set(links["required"])
        == set(links["x-trc-inferred-required"])
        == {"task_queue", "workflow", "workspace", "reservations"}
    )
    for member in links["properties"].values():
        assert (member["type"], member["format"]) == ("string", "uri")
        assert member["x-trc-strength"] == "inferred" and member["x-trc-assumption"]
    assert set(resolve(spec, task["properties"]["assignment_status"])["enum"]) == TASK_STATUSES


def test_task_list_envelope(spec: dict[str, Any]) -> None:
    task_list = spec["components"]["schemas"]["TaskList"]
    assert set(task_list["required"]) == {"tasks", "meta"}
    assert (
        resolve(spec, task_list["properties"]["tasks"]["items"])
        is spec["components"]["schemas"]["Task"]
    )
    meta = resolve(spec, task_list["properties"]["meta"])
    expected = {
        "first_page_url",
        "key",
        "next_page_url",
        "page",
        "page_size",
        "previous_page_url",
        "url",
    }
    assert set(meta["properties"]) == set(meta["required"]) == expected
    assert set(task_list["x-trc-inferred-required"]) == {"tasks", "meta"}
    assert set(meta["x-trc-inferred-required"]) == expected
    nullable = {name for name, prop in meta["properties"].items() if prop.get("nullable")}
    assert nullable == {"next_page_url", "previous_page_url"}


def test_request_bodies_are_open_form_bodies(spec: dict[str, Any]) -> None:
    for operation_id in ("CreateTask", "UpdateTask"):
        _, _, op = operations(spec)[operation_id]
        assert list(op["requestBody"]["content"]) == ["application/x-www-form-urlencoded"]
        schema = body_schema(spec, op, "application/x-www-form-urlencoded")
        assert schema.get("additionalProperties", True) is not False, operation_id
        assert "additionalProperties" in schema["x-trc-note"]
        assert "RequiredAttention" not in schema["properties"]
    update = spec["components"]["schemas"]["UpdateTaskRequest"]["properties"]
    assert set(resolve(spec, update["AssignmentStatus"])["enum"]) == TASK_STATUSES
    create = spec["components"]["schemas"]["CreateTaskRequest"]["properties"]
    assert create["IgnoreCapacity"]["type"] == "string"
    assert create["IgnoreCapacity"]["x-trc-truthy-values"] == ["true", "1", "yes"]
    assert create["VirtualStartTime"]["format"] == "date-time"


def test_list_filters(spec: dict[str, Any]) -> None:
    params = parameters(spec, "get", LIST_PATH)
    status = params[("query", "AssignmentStatus")]
    assert (status["style"], status["explode"]) == ("form", True)
    assert status["schema"]["type"] == "array"
    assert set(resolve(spec, status["schema"]["items"])["enum"]) == TASK_STATUSES
    assert "pending,reserved" in status["x-trc-note"]
    assert params[("query", "HasAddons")]["schema"]["type"] == "boolean"
    assert "expression" in params[("query", "EvaluateTaskAttributes")]["x-trc-note"]

    ordering = params[("query", "Ordering")]
    pattern = re.compile(ordering["schema"]["pattern"])
    for good in (
        "Priority:desc",
        "DateCreated:asc",
        "VirtualStartTime:desc",
        "Priority:desc,DateCreated:asc",
        "VirtualStartTime:asc,Priority:asc",
    ):
        assert pattern.search(good), good
    for bad in (
        "",
        "Priority",
        "priority:desc",
        "Priority:down",
        "Priority:desc,",
        "Priority:desc;DateCreated:asc",
        "Priority:asc,DateCreated:asc,Priority:desc",
        "Age:asc",
    ):
        assert not pattern.search(bad), bad
    assert ordering["x-trc-forbidden-pairings"] == [["DateCreated", "VirtualStartTime"]]
    assert "DateCreated" in ordering["x-trc-note"] and "VirtualStartTime" in ordering["x-trc-note"]


def test_spec_examples_validate_against_their_schemas(spec: dict[str, Any]) -> None:
    checked = 0
    for _, _, op in operations(spec).values():
        media_objects = []
        if "requestBody" in op:
            media_objects.extend(resolve(spec, op["requestBody"])["content"].values())
        for status in op["responses"]:
            media_objects.extend(response(spec, op, status).get("content", {}).values())
        for media in media_objects:
            validator = _nullable_aware_validator(spec, media["schema"])
            examples = [e["value"] for e in media.get("examples", {}).values()]
            if "example" in media:
                examples.append(media["example"])
            for example in examples:
                checked += 1
                assert not [e.message for e in validator.iter_errors(example)], example
    assert checked >= 4


REQUIRED_NOTES = {
    "attributes-visibility",
    "page-parameter",
    "required-attention",
    "timeout-default",
    "not-in-alias",
    "status-and-attributes",
    "ignore-capacity-type",
    "priority-range",
}


def test_trc_notes(spec: dict[str, Any]) -> None:
    notes = spec["x-trc-notes"]
    assert set(notes) >= REQUIRED_NOTES
    for note_id, note in notes.items():
        assert {"topic", "seed", "assumption", "strength", "applies-to"} <= set(note), note_id
        assert note["strength"] in {"documented", "inferred", "unverified"}, note_id
        for pointer in note["applies-to"]:
            json_pointer(spec, pointer)  # raises if the pointer is stale
    evaluate = json_pointer(spec, notes["not-in-alias"]["applies-to"][0])
    assert evaluate["name"] == "EvaluateTaskAttributes"


# --------------------------------------------------------------------------------------------
# 5. schemathesis 4
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def st_schema():
    schemathesis = pytest.importorskip("schemathesis")
    from schemathesis.config import SchemathesisConfig

    # An explicit default config: a schemathesis.toml elsewhere in the tree (with ${VARS} for a
    # target) must not decide whether the document itself loads.
    return schemathesis.openapi.from_path(SPEC_PATH, config=SchemathesisConfig())


def test_schemathesis_loads_five_operations(st_schema) -> None:
    from schemathesis.core.result import Ok

    results = list(st_schema.get_all_operations())
    errors = [result.err() for result in results if not isinstance(result, Ok)]
    assert not errors
    labels = sorted(result.ok().label for result in results)
    assert labels == sorted(
        [
            f"POST {LIST_PATH}",
            f"GET {LIST_PATH}",
            f"GET {INSTANCE_PATH}",
            f"POST {INSTANCE_PATH}",
            f"DELETE {INSTANCE_PATH}",
        ]
    )


def test_schemathesis_state_machine_follows_links(st_schema) -> None:
    machine = st_schema.as_state_machine()
    assert machine is not None
    transitions = getattr(machine, "_transitions", None)
    if transitions is None:  # private detail of schemathesis 4.x; the build itself is the check
        return
    declared = {
        name
        for _, _, op in operations(_load_spec()).values()
        for resp in op["responses"].values()
        for name in resp.get("links", {})
    }
    built = {link.name for item in transitions.operations.values() for link in item.outgoing}
    assert declared <= built
    etag_links = [
        link
        for item in transitions.operations.values()
        for link in item.outgoing
        if any(p.name == "If-Match" for p in link.parameters)
    ]
    assert etag_links
    for link in etag_links:
        parameter = next(p for p in link.parameters if p.name == "If-Match")
        assert parameter.container_name == "headers"
