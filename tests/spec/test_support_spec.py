"""Checks of ``spec/taskrouter-support.yaml``, the supporting part of the OpenAPI capture.

Activities, Workers and Task Reservations are not the subject of the conformance report (the
Task resource in ``taskrouter-tasks.yaml`` is); they are what a Task's lifecycle needs. This
module checks that the document is valid OpenAPI 3.0, that it is shaped like its Task sibling
(server, security, Error schema and error responses), that it uses Twilio's operation ids and
the twilio SDK's parameter names, that its schemas require every field the reference renders,
and that every response of the running reference server, driven through a real lifecycle
(worker available -> task reserved -> accept / reject -> complete / cancel), validates against
the schema the document declares for that operation and status.
"""

from __future__ import annotations

import copy
import inspect
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.spec.openapi_refs import json_pointer, resolve
from tests.spec.spec_parts import (
    body_schema,
    check_declared_responses,
    check_unsupported_methods,
    load_yaml,
    operations,
    parameters,
    schema_errors,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO_ROOT / "spec" / "taskrouter-support.yaml"
TASK_SPEC_PATH = REPO_ROOT / "spec" / "taskrouter-tasks.yaml"

WS = "/v1/Workspaces/{WorkspaceSid}"
ACTIVITIES = f"{WS}/Activities"
ACTIVITY = f"{WS}/Activities/{{Sid}}"
WORKERS = f"{WS}/Workers"
WORKER = f"{WS}/Workers/{{Sid}}"
RESERVATIONS = f"{WS}/Tasks/{{TaskSid}}/Reservations"
RESERVATION = f"{WS}/Tasks/{{TaskSid}}/Reservations/{{Sid}}"

# Twilio's operation ids (twilio-oai), keyed by where they live.
TWILIO_OPERATION_IDS = {
    ("get", ACTIVITIES): "ListActivity",
    ("get", ACTIVITY): "FetchActivity",
    ("get", WORKERS): "ListWorker",
    ("post", WORKERS): "CreateWorker",
    ("get", WORKER): "FetchWorker",
    ("post", WORKER): "UpdateWorker",
    ("delete", WORKER): "DeleteWorker",
    ("get", RESERVATIONS): "ListTaskReservation",
    ("get", RESERVATION): "FetchTaskReservation",
    ("post", RESERVATION): "UpdateTaskReservation",
}

# Declared responses per operation: the success status, and which errors the reference gives.
DECLARED_STATUSES = {
    "ListActivity": {"200", "400", "401", "404"},
    "FetchActivity": {"200", "401", "404"},
    "ListWorker": {"200", "400", "401", "404"},
    "CreateWorker": {"201", "400", "401", "404"},
    "FetchWorker": {"200", "401", "404"},
    "UpdateWorker": {"200", "400", "401", "404"},
    "DeleteWorker": {"204", "400", "401", "404"},
    "ListTaskReservation": {"200", "400", "401", "404"},
    "FetchTaskReservation": {"200", "401", "404"},
    "UpdateTaskReservation": {"200", "400", "401", "404"},
}

# Non-path parameters the reference implements (query parameters, or form fields of the body).
IMPLEMENTED_PARAMETERS = {
    "ListActivity": {"FriendlyName", "Available", "PageSize"},
    "FetchActivity": set(),
    "ListWorker": {"ActivityName", "ActivitySid", "Available", "FriendlyName", "PageSize"},
    "CreateWorker": {"FriendlyName", "ActivitySid", "Attributes"},
    "FetchWorker": set(),
    "UpdateWorker": {"ActivitySid", "Attributes", "FriendlyName"},
    "DeleteWorker": set(),
    "ListTaskReservation": {"ReservationStatus", "WorkerSid", "PageSize"},
    "FetchTaskReservation": set(),
    "UpdateTaskReservation": {"ReservationStatus", "WorkerActivitySid"},
}

# Twilio parameters the reference does not implement: each must be named in the x-trc-note.
OMITTED_PARAMETERS = {
    "ListActivity": ["Page", "PageToken"],
    "ListWorker": [
        "TargetWorkersExpression",
        "TaskQueueName",
        "TaskQueueSid",
        "Ordering",
        "Page",
        "PageToken",
    ],
    "UpdateWorker": ["RejectPendingReservations", "If-Match"],
    "DeleteWorker": ["If-Match"],
    "ListTaskReservation": ["Page", "PageToken"],
    "UpdateTaskReservation": ["Instruction", "If-Match"],
}

# Which twilio SDK module names each operation's parameters.
SDK_MODULES = {
    "Activity": "twilio.rest.taskrouter.v1.workspace.activity",
    "Worker": "twilio.rest.taskrouter.v1.workspace.worker",
    "TaskReservation": "twilio.rest.taskrouter.v1.workspace.task.reservation",
}


# --------------------------------------------------------------------------------------------
# Loading and $ref resolution
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return copy.deepcopy(load_yaml(SPEC_PATH))


@pytest.fixture(scope="module")
def task_spec() -> dict[str, Any]:
    return copy.deepcopy(load_yaml(TASK_SPEC_PATH))


# --------------------------------------------------------------------------------------------
# 1. The document itself
# --------------------------------------------------------------------------------------------


def test_document_is_valid_openapi_3_0(spec: dict[str, Any]) -> None:
    from openapi_spec_validator import validate

    assert spec["openapi"] == "3.0.3"
    validate(spec)


def test_info_marks_the_supporting_part(spec: dict[str, Any]) -> None:
    title = spec["info"]["title"]
    assert "supporting" in title.lower()
    assert "not the subject of the conformance report" in title
    assert "the Task resource in taskrouter-tasks.yaml is" in title
    assert spec["x-trc-part"] == "supporting"
    assert spec["info"]["version"] == "1.0.0"
    assert spec["info"]["x-source"]["subject"] == "taskrouter-tasks.yaml"
    assert spec["info"]["x-source"]["official-spec"]["repository"].endswith("/twilio-oai")


def test_same_server_and_basic_security_as_the_task_spec(
    spec: dict[str, Any], task_spec: dict[str, Any]
) -> None:
    assert spec["servers"] == task_spec["servers"] == [{"url": "https://taskrouter.twilio.com"}]
    assert spec["security"] == task_spec["security"]
    schemes = spec["components"]["securitySchemes"]
    assert schemes == task_spec["components"]["securitySchemes"]
    assert schemes["accountSid_authToken"]["type"] == "http"
    assert schemes["accountSid_authToken"]["scheme"] == "basic"
    for _, _, op in operations(spec).values():
        assert "security" not in op  # the document-wide Basic requirement applies


def test_every_ref_resolves(spec: dict[str, Any]) -> None:
    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                json_pointer(spec, node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)


def test_operation_ids_are_twilios(spec: dict[str, Any], task_spec: dict[str, Any]) -> None:
    found = {(method, path): op_id for op_id, (method, path, _) in operations(spec).items()}
    assert found == TWILIO_OPERATION_IDS
    assert not set(operations(spec)) & set(operations(task_spec)), "no Task operation here"


def test_tags_are_twilios(spec: dict[str, Any]) -> None:
    for op_id, (_, _, op) in operations(spec).items():
        resource = (
            "TaskReservation"
            if "Reservation" in op_id
            else op_id.removeprefix("List")
            .removeprefix("Fetch")
            .removeprefix("Create")
            .removeprefix("Update")
            .removeprefix("Delete")
        )
        assert op["tags"] == [f"TaskrouterV1{resource}"], op_id


def test_error_schema_and_responses_are_the_task_specs(
    spec: dict[str, Any], task_spec: dict[str, Any]
) -> None:
    assert spec["components"]["schemas"]["Error"] == task_spec["components"]["schemas"]["Error"]
    ours, theirs = spec["components"]["responses"], task_spec["components"]["responses"]
    assert set(ours) == {"BadRequest", "Unauthorized", "NotFound", "MethodNotAllowed"}
    for name, response in ours.items():
        assert response["x-trc-error-code"] == theirs[name]["x-trc-error-code"], name
        assert response["content"] == {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/Error"},
                "example": response["content"]["application/json"]["example"],
            }
        }, name
        example = response["content"]["application/json"]["example"]
        assert example["code"] == response["x-trc-error-code"]
        assert not schema_errors(spec, {"$ref": "#/components/schemas/Error"}, example)


def test_declared_responses(spec: dict[str, Any]) -> None:
    check_declared_responses(spec, DECLARED_STATUSES)


def test_unsupported_methods_are_listed_on_every_path(spec: dict[str, Any]) -> None:
    check_unsupported_methods(spec)


def test_request_bodies_are_form_encoded(spec: dict[str, Any]) -> None:
    with_body = set()
    for op_id, (_, _, op) in operations(spec).items():
        if "requestBody" in op:
            with_body.add(op_id)
            assert set(op["requestBody"]["content"]) == {"application/x-www-form-urlencoded"}
            schema = body_schema(spec, op)
            assert schema["type"] == "object"
            assert "additionalProperties" not in schema, "unknown parameters are ignored"
            for name, example in (
                op["requestBody"]["content"]["application/x-www-form-urlencoded"]
                .get("examples", {})
                .items()
            ):
                assert not schema_errors(spec, schema, example["value"]), (op_id, name)
    assert with_body == {"CreateWorker", "UpdateWorker", "UpdateTaskReservation"}
    create = body_schema(spec, operations(spec)["CreateWorker"][2])
    assert create["required"] == ["FriendlyName"]


def test_parameters_are_the_implemented_subset(spec: dict[str, Any]) -> None:
    for op_id, (_, path, op) in operations(spec).items():
        params = parameters(spec, op)
        path_names = {p["name"] for p in params if p["in"] == "path"}
        assert path_names == {seg[1:-1] for seg in path.split("/") if seg.startswith("{")}
        assert all(p["required"] for p in params if p["in"] == "path")
        assert not [p for p in params if p["in"] == "header"], f"{op_id}: If-Match not implemented"
        names = {p["name"] for p in params if p["in"] == "query"}
        body = body_schema(spec, op)
        names |= set(body["properties"]) if body else set()
        assert names == IMPLEMENTED_PARAMETERS[op_id], op_id
    for op_id, omitted in OMITTED_PARAMETERS.items():
        note = operations(spec)[op_id][2]["x-trc-note"]
        for name in omitted:
            assert name in note, f"{op_id}: x-trc-note should say {name} is not implemented"
        assert "x-trc-notes.parameters-subset" in note, op_id
    covered = {
        json_pointer(spec, pointer)["operationId"]
        for pointer in spec["x-trc-notes"]["parameters-subset"]["applies-to"]
    }
    assert covered == set(OMITTED_PARAMETERS)


def test_parameter_names_are_the_sdks(spec: dict[str, Any]) -> None:
    """Every query/form parameter is one the twilio SDK sends for that resource."""
    import importlib

    pytest.importorskip("twilio")
    for op_id in operations(spec):
        resource = next(r for r in ("TaskReservation", "Activity", "Worker") if r in op_id)
        source = inspect.getsource(importlib.import_module(SDK_MODULES[resource]))
        for name in IMPLEMENTED_PARAMETERS[op_id]:
            assert f'"{name}":' in source, f"{op_id}: {name} is not a {resource} SDK parameter"


def test_list_envelopes(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    meta = schemas["ListMeta"]
    assert meta["required"] == [
        "first_page_url",
        "key",
        "next_page_url",
        "page",
        "page_size",
        "previous_page_url",
        "url",
    ]
    for name, key, item in (
        ("ActivityList", "activities", "Activity"),
        ("WorkerList", "workers", "Worker"),
        ("TaskReservationList", "reservations", "TaskReservation"),
    ):
        envelope = schemas[name]
        assert envelope["required"] == [key, "meta"]
        assert envelope["properties"][key]["items"] == {"$ref": f"#/components/schemas/{item}"}
        parts = envelope["properties"]["meta"]["allOf"]
        assert parts[0] == {"$ref": "#/components/schemas/ListMeta"}
        assert parts[1]["properties"]["key"]["enum"] == [key]


def test_schemas_require_every_field_the_reference_renders(spec: dict[str, Any]) -> None:
    from harness.reference.fixture import default_fixture
    from harness.reference.render_workforce import activity_json, reservation_json, worker_json
    from harness.reference.workforce_store import ReservationRow, WorkerRow

    fixture = default_fixture()
    ws = fixture.single
    base = "https://taskrouter.twilio.com"
    worker = ws.workers[0]
    activity = ws.activity("Available")
    assert activity is not None
    row = WorkerRow(
        worker.sid, ws.sid, worker.friendly_name, worker.attributes, activity.sid, 1.0, 2.0, 3.0
    )
    reservation = ReservationRow(
        "WR" + "0" * 32, ws.sid, "WT" + "0" * 32, worker.sid, "pending", 1.0, 2.0, 3.0
    )
    rendered = {
        "Activity": activity_json(activity, ws, fixture.account_sid, base),
        "Worker": worker_json(row, ws, fixture.account_sid, base),
        "TaskReservation": reservation_json(
            reservation, worker.friendly_name, fixture.account_sid, base
        ),
    }
    for name, body in rendered.items():
        schema = spec["components"]["schemas"][name]
        assert set(schema["required"]) == set(body) == set(schema["properties"]), name
        assert len(schema["required"]) == len(set(schema["required"])), name
        links = schema["properties"]["links"]
        assert set(links["required"]) == set(body["links"]) == set(links["properties"]), name
        assert not schema_errors(spec, schema, body), name


def test_x_trc_notes_point_at_real_objects(spec: dict[str, Any]) -> None:
    for key, note in spec["x-trc-notes"].items():
        assert {"topic", "twilio", "reference", "strength", "applies-to"} <= set(note), key
        assert note["strength"] in ("documented", "inferred", "unverified"), key
        for pointer in note["applies-to"]:
            json_pointer(spec, pointer)
    available = json_pointer(spec, spec["x-trc-notes"]["worker-available-filter"]["applies-to"][0])
    assert available["name"] == "Available"


# --------------------------------------------------------------------------------------------
# 2. The running reference server, response by response
# --------------------------------------------------------------------------------------------


@dataclass
class Exchange:
    op_id: str
    status: int
    method: str
    url: str
    body: bytes
    content_type: str
    headers: dict[str, str]


@dataclass
class Flow:
    """Drives the reference and records every response with the operation it answers."""

    client: Any
    auth: tuple[str, str]
    ws: str
    exchanges: list[Exchange] = field(default_factory=list)

    def call(
        self, op_id: str, expected: int, method: str, path: str, *, auth: bool = True, **kwargs: Any
    ) -> Any:
        response = self.client.request(method, path, auth=self.auth if auth else None, **kwargs)
        assert response.status_code == expected, (op_id, method, path, response.text)
        self.exchanges.append(
            Exchange(
                op_id,
                response.status_code,
                method,
                path,
                response.content,
                response.headers.get("content-type", ""),
                dict(response.headers),
            )
        )
        return response.json() if response.content else None

    def task(self, method: str, path: str, expected: int, **kwargs: Any) -> Any:
        """A Task API call (the report's subject, checked elsewhere): not recorded here."""
        response = self.client.request(method, path, auth=self.auth, **kwargs)
        assert response.status_code == expected, (method, path, response.text)
        return response.json()


NO_SUCH = {
    "WS": "WS" + "0" * 32,
    "WA": "WA" + "0" * 32,
    "WK": "WK" + "0" * 32,
    "WT": "WT" + "0" * 32,
    "WR": "WR" + "0" * 32,
}


def _run_lifecycle(flow: Flow, fixture: Any) -> dict[str, str]:
    ws = fixture.single
    base = f"/v1/Workspaces/{ws.sid}"
    available = ws.activity("Available").sid
    offline = ws.activity("Offline").sid
    alice = ws.workers[0].sid

    # Activities
    listed = flow.call("ListActivity", 200, "GET", f"{base}/Activities")
    assert {a["friendly_name"] for a in listed["activities"]} == {
        "Offline",
        "Available",
        "Unavailable",
    }
    flow.call("ListActivity", 400, "GET", f"{base}/Activities", params={"PageSize": "0"})
    fetched = flow.call("FetchActivity", 200, "GET", f"{base}/Activities/{available}")
    assert fetched["available"] is True
    flow.call("FetchActivity", 404, "GET", f"{base}/Activities/{NO_SUCH['WA']}")

    # Workers: create one that can take sales tasks, then make it available
    flow.call("ListWorker", 200, "GET", f"{base}/Workers")
    flow.call("CreateWorker", 400, "POST", f"{base}/Workers", data={"Attributes": "{}"})
    dana = flow.call(
        "CreateWorker",
        201,
        "POST",
        f"{base}/Workers",
        data={"FriendlyName": "Dana", "Attributes": '{"skills": ["sales"]}'},
    )
    assert dana["activity_name"] == "Offline" and dana["available"] is False
    dana_sid = dana["sid"]
    flow.call("CreateWorker", 400, "POST", f"{base}/Workers", data={"FriendlyName": "Dana"})
    assert flow.call("FetchWorker", 200, "GET", f"{base}/Workers/{dana_sid}")["sid"] == dana_sid
    flow.call("FetchWorker", 404, "GET", f"{base}/Workers/{NO_SUCH['WK']}")
    flow.call("FetchWorker", 404, "GET", f"{base}/Workers/WKnotasid")
    now_available = flow.call(
        "UpdateWorker", 200, "POST", f"{base}/Workers/{dana_sid}", data={"ActivitySid": available}
    )
    assert now_available["available"] is True and now_available["activity_sid"] == available
    flow.call("UpdateWorker", 400, "POST", f"{base}/Workers/{dana_sid}", data={"FriendlyName": ""})
    flow.call(
        "UpdateWorker",
        400,
        "POST",
        f"{base}/Workers/{dana_sid}",
        data={"ActivitySid": NO_SUCH["WA"]},
    )
    flow.call(
        "UpdateWorker",
        404,
        "POST",
        f"{base}/Workers/{NO_SUCH['WK']}",
        data={"FriendlyName": "Nobody"},
    )
    for query, expected in (
        ({"Available": "true"}, [dana_sid]),
        ({"ActivityName": "Available"}, [dana_sid]),
        ({"ActivitySid": available, "FriendlyName": "Dana"}, [dana_sid]),
        ({"FriendlyName": "Nobody"}, []),
    ):
        page = flow.call("ListWorker", 200, "GET", f"{base}/Workers", params=query)
        assert [w["sid"] for w in page["workers"]] == expected, query
    unavailable = flow.call(
        "ListWorker", 200, "GET", f"{base}/Workers", params={"Available": "maybe"}
    )  # any other value means false
    assert dana_sid not in [w["sid"] for w in unavailable["workers"]]
    flow.call("ListWorker", 400, "GET", f"{base}/Workers", params={"PageSize": "0"})

    # A sales task: Dana (skills sales, available) is offered it
    task = flow.task("POST", f"{base}/Tasks", 201, data={"Attributes": '{"type": "sales"}'})
    task_sid = task["sid"]
    reservations = f"{base}/Tasks/{task_sid}/Reservations"
    page = flow.call("ListTaskReservation", 200, "GET", reservations)
    assert [(r["worker_sid"], r["reservation_status"]) for r in page["reservations"]] == [
        (dana_sid, "pending")
    ]
    reservation_sid = page["reservations"][0]["sid"]
    page = flow.call(
        "ListTaskReservation",
        200,
        "GET",
        reservations,
        params={"ReservationStatus": "pending", "WorkerSid": dana_sid},
    )
    assert [r["sid"] for r in page["reservations"]] == [reservation_sid]
    flow.call(
        "ListTaskReservation", 400, "GET", reservations, params={"ReservationStatus": "bogus"}
    )
    flow.call("ListTaskReservation", 404, "GET", f"{base}/Tasks/{NO_SUCH['WT']}/Reservations")
    fetched = flow.call("FetchTaskReservation", 200, "GET", f"{reservations}/{reservation_sid}")
    assert fetched["worker_name"] == "Dana" and fetched["task_sid"] == task_sid
    flow.call("FetchTaskReservation", 404, "GET", f"{reservations}/{NO_SUCH['WR']}")
    flow.call(
        "UpdateTaskReservation",
        400,
        "POST",
        f"{reservations}/{reservation_sid}",
        data={"ReservationStatus": "canceled"},
    )
    accepted = flow.call(
        "UpdateTaskReservation",
        200,
        "POST",
        f"{reservations}/{reservation_sid}",
        data={"ReservationStatus": "accepted"},
    )
    assert accepted["reservation_status"] == "accepted"
    assert flow.task("GET", f"{base}/Tasks/{task_sid}", 200)["assignment_status"] == "assigned"
    flow.call(
        "UpdateTaskReservation",
        400,
        "POST",
        f"{reservations}/{reservation_sid}",
        data={"ReservationStatus": "accepted"},
    )
    flow.call(
        "UpdateTaskReservation",
        404,
        "POST",
        f"{reservations}/{NO_SUCH['WR']}",
        data={"ReservationStatus": "accepted"},
    )
    flow.call("DeleteWorker", 400, "DELETE", f"{base}/Workers/{dana_sid}")

    # A second sales task while Dana is busy: Alice becomes available, is offered it, rejects
    task2 = flow.task("POST", f"{base}/Tasks", 201, data={"Attributes": '{"type": "sales"}'})
    task2_sid = task2["sid"]
    reservations2 = f"{base}/Tasks/{task2_sid}/Reservations"
    flow.call(
        "UpdateWorker", 200, "POST", f"{base}/Workers/{alice}", data={"ActivitySid": available}
    )
    page = flow.call("ListTaskReservation", 200, "GET", reservations2, params={"WorkerSid": alice})
    assert [r["reservation_status"] for r in page["reservations"]] == ["pending"]
    rejected = flow.call(
        "UpdateTaskReservation",
        200,
        "POST",
        f"{reservations2}/{page['reservations'][0]['sid']}",
        data={"ReservationStatus": "rejected", "WorkerActivitySid": offline},
    )
    assert rejected["reservation_status"] == "rejected"
    assert (
        flow.call("FetchWorker", 200, "GET", f"{base}/Workers/{alice}")["activity_name"]
        == "Offline"
    )

    # Completing the first task completes its reservation and frees Dana, who gets task 2;
    # canceling task 2 cancels that reservation.
    flow.task(
        "POST",
        f"{base}/Tasks/{task_sid}",
        200,
        data={"AssignmentStatus": "completed", "Reason": "done"},
    )
    completed = flow.call("FetchTaskReservation", 200, "GET", f"{reservations}/{reservation_sid}")
    assert completed["reservation_status"] == "completed"
    page = flow.call("ListTaskReservation", 200, "GET", reservations2)
    assert [(r["worker_sid"], r["reservation_status"]) for r in page["reservations"]] == [
        (alice, "rejected"),
        (dana_sid, "pending"),
    ]
    flow.task(
        "POST",
        f"{base}/Tasks/{task2_sid}",
        200,
        data={"AssignmentStatus": "canceled", "Reason": "no longer needed"},
    )
    page = flow.call(
        "ListTaskReservation", 200, "GET", reservations2, params={"ReservationStatus": "canceled"}
    )
    assert [r["worker_sid"] for r in page["reservations"]] == [dana_sid]

    # Dana has no work left and can go
    flow.call("DeleteWorker", 204, "DELETE", f"{base}/Workers/{dana_sid}")
    flow.call("DeleteWorker", 404, "DELETE", f"{base}/Workers/{dana_sid}")
    flow.call("FetchWorker", 404, "GET", f"{base}/Workers/{dana_sid}")
    return {"WA": available, "WK": alice, "WT": task_sid, "WR": reservation_sid}


def _path_for(path: str, sids: dict[str, str], ws_sid: str) -> str:
    """Fill a spec path with real SIDs; ``Sid`` takes the SID the path's resource uses."""
    resource_prefix = {ACTIVITY: "WA", WORKER: "WK", RESERVATION: "WR"}
    filled = path.replace("{WorkspaceSid}", ws_sid).replace("{TaskSid}", sids["WT"])
    if "{Sid}" in filled:
        filled = filled.replace("{Sid}", sids[resource_prefix[path]])
    return filled


def _run_auth_and_workspace_errors(
    flow: Flow, spec: dict[str, Any], sids: dict[str, str], ws_sid: str
) -> None:
    """Every operation: 401 without credentials, 404 on a workspace that does not exist."""
    for op_id, (method, path, _) in operations(spec).items():
        flow.call(op_id, 401, method.upper(), _path_for(path, sids, ws_sid), auth=False)
        flow.call(op_id, 404, method.upper(), _path_for(path, sids, NO_SUCH["WS"]))


def _run_unsupported_methods(
    flow: Flow, spec: dict[str, Any], sids: dict[str, str], ws_sid: str
) -> None:
    for path, item in spec["paths"].items():
        for method in item["x-trc-unsupported-methods"]["methods"]:
            flow.call(f"{method} {path}", 405, method, _path_for(path, sids, ws_sid))


@pytest.fixture(scope="module")
def flow(spec: dict[str, Any]) -> Flow:
    from starlette.testclient import TestClient

    from harness.reference.app import create_app
    from harness.reference.config import ServerConfig
    from harness.reference.fixture import default_fixture

    fixture = default_fixture()
    client = TestClient(create_app(ServerConfig()), base_url="https://taskrouter.twilio.com")
    with client:
        recorder = Flow(client, (fixture.account_sid, fixture.auth_token), fixture.single.sid)
        sids = _run_lifecycle(recorder, fixture)
        _run_auth_and_workspace_errors(recorder, spec, sids, fixture.single.sid)
        _run_unsupported_methods(recorder, spec, sids, fixture.single.sid)
    return recorder


def _check(spec: dict[str, Any], exchange: Exchange) -> list[str]:
    """Problems of one response against the spec, as readable lines (empty when it conforms)."""
    where = f"{exchange.op_id} {exchange.method} {exchange.url} -> {exchange.status}"
    if exchange.status == 405:
        declared = resolve(spec, {"$ref": "#/components/responses/MethodNotAllowed"})
    else:
        _, _, op = operations(spec)[exchange.op_id]
        if str(exchange.status) not in op["responses"]:
            return [f"{where}: status not declared"]
        declared = resolve(spec, op["responses"][str(exchange.status)])
    problems = []
    for name, raw in declared.get("headers", {}).items():
        header = resolve(spec, raw)
        if header.get("required") and name.lower() not in {h.lower() for h in exchange.headers}:
            problems.append(f"{where}: missing header {name}")
    if "content" not in declared:
        if exchange.body:
            problems.append(f"{where}: a body where none is declared")
        return problems
    if exchange.method == "HEAD":
        return problems  # no body on HEAD by definition
    if not exchange.content_type.startswith("application/json"):
        return [*problems, f"{where}: content-type {exchange.content_type!r}"]
    schema = declared["content"]["application/json"]["schema"]
    body = json.loads(exchange.body)
    problems += [f"{where}: {error}" for error in schema_errors(spec, schema, body)]
    code = declared.get("x-trc-error-code")
    if code is not None and body.get("code") != code:
        problems.append(f"{where}: code {body.get('code')} instead of {code}")
    return problems


def test_every_reference_response_validates(spec: dict[str, Any], flow: Flow) -> None:
    problems = [line for exchange in flow.exchanges for line in _check(spec, exchange)]
    assert not problems, "\n".join(problems)


def test_every_declared_response_is_exercised(spec: dict[str, Any], flow: Flow) -> None:
    seen = {(e.op_id, str(e.status)) for e in flow.exchanges}
    declared = {
        (op_id, status)
        for op_id, (_, _, op) in operations(spec).items()
        for status in op["responses"]
    }
    assert declared - seen == set(), "declared but never produced by the reference"


def test_unsupported_methods_answer_405(spec: dict[str, Any], flow: Flow) -> None:
    answered = {e.op_id for e in flow.exchanges if e.status == 405}
    listed = {
        f"{method} {path}"
        for path, item in spec["paths"].items()
        for method in item["x-trc-unsupported-methods"]["methods"]
    }
    assert answered == listed


def test_error_bodies_carry_the_declared_codes(flow: Flow) -> None:
    codes = {400: 20001, 401: 20003, 404: 20404, 405: 20004}
    for exchange in flow.exchanges:
        if exchange.status in codes and exchange.method != "HEAD":
            body = json.loads(exchange.body)
            assert body["code"] == codes[exchange.status], exchange
            assert body["status"] == exchange.status, exchange
            assert body["more_info"] == f"https://www.twilio.com/docs/errors/{body['code']}"
