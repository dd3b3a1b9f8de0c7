"""Each named fault really changes the reference server's behaviour (and only when on)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from harness.reference.app import create_app
from harness.reference.config import ServerConfig
from harness.reference.faults import FAULTS
from tests.reference.support import Api


@pytest.fixture
def faulty(config: ServerConfig, request: pytest.FixtureRequest) -> Iterator[Api]:
    config.faults = frozenset([request.param])
    with TestClient(create_app(config)) as http:
        yield Api(http, config.fixture, config.fixture.single.sid)


def _with(name: str):
    return pytest.mark.parametrize("faulty", [name], indirect=True)


def test_registry_has_at_least_twelve_faults_with_descriptions() -> None:
    assert len(FAULTS) >= 12 and all(FAULTS.values())


def test_unknown_fault_is_refused(config: ServerConfig) -> None:
    config.faults = frozenset(["no-such-fault"])
    with pytest.raises(ValueError, match="no-such-fault"):
        create_app(config)


@_with("etag-ignored")
def test_etag_ignored(faulty: Api) -> None:
    sid = faulty.created()["sid"]
    faulty.update(sid, Priority="1")
    assert faulty.update(sid, if_match="0", Priority="2").status_code == 200


@_with("if-match-ignored-on-delete")
def test_if_match_ignored_on_delete(faulty: Api) -> None:
    sid = faulty.created()["sid"]
    faulty.update(sid, Priority="1")
    assert faulty.delete(sid, if_match="0").status_code == 204


@_with("etag-frozen")
def test_etag_frozen(faulty: Api) -> None:
    sid = faulty.created()["sid"]
    assert faulty.update(sid, Priority="1").headers["ETag"] == "0"


@_with("ordering-desc-ignored")
def test_ordering_desc_ignored(faulty: Api, clock) -> None:
    sids = []
    for _ in range(3):
        sids.append(faulty.created()["sid"])
        clock.advance(1)
    listed = faulty.list({"Ordering": "DateCreated:desc"}).json()["tasks"]
    assert [t["sid"] for t in listed] == sids


@_with("page-size-off-by-one")
def test_page_size_off_by_one(faulty: Api) -> None:
    for _ in range(4):
        faulty.created()
    assert len(faulty.list({"PageSize": 2}).json()["tasks"]) == 1


@_with("has-as-equality")
def test_has_as_equality(faulty: Api) -> None:
    faulty.created(Attributes='{"skills": ["a", "b"]}')
    assert faulty.list({"EvaluateTaskAttributes": "skills HAS 'a'"}).json()["tasks"] == []


@_with("wrong-error-code")
def test_wrong_error_code(faulty: Api) -> None:
    assert faulty.fetch("WT" + "0" * 32).json()["code"] == 20001


@_with("reason-not-required")
def test_reason_not_required(faulty: Api) -> None:
    sid = faulty.created()["sid"]
    assert faulty.update(sid, AssignmentStatus="canceled").status_code == 200


@_with("ttl-never-fires")
def test_ttl_never_fires(faulty: Api, clock) -> None:
    sid = faulty.created(Timeout="5")["sid"]
    clock.advance(60)
    assert faulty.fetch(sid).json()["assignment_status"] == "pending"


@_with("attributes-as-object")
def test_attributes_as_object(faulty: Api) -> None:
    assert faulty.created(Attributes='{"a": 1}')["attributes"] == {"a": 1}


@_with("foreign-task-touched")
def test_foreign_task_touched(faulty: Api) -> None:
    bystander = faulty.created()["sid"]
    target = faulty.created()["sid"]
    faulty.delete(target)
    assert faulty.fetch(bystander).status_code == 404


@_with("auth-ignored")
def test_auth_ignored(faulty: Api) -> None:
    assert faulty.http.get(faulty.base).status_code == 200


@_with("server-error-on-bad-priority")
def test_server_error(faulty: Api) -> None:
    assert faulty.create(Priority="high").status_code == 500


@_with("wrong-content-type")
def test_wrong_content_type(faulty: Api) -> None:
    assert faulty.create().headers["content-type"].startswith("text/plain")


@_with("created-task-unfetchable")
def test_created_task_unfetchable(faulty: Api) -> None:
    assert faulty.fetch(faulty.created()["sid"]).status_code == 404


def test_auth_fault_does_not_leak_into_other_apps(config: ServerConfig) -> None:
    config.faults = frozenset(["auth-ignored"])
    create_app(config)
    with TestClient(create_app(ServerConfig())) as http:
        fixture = ServerConfig().fixture
        assert http.get(f"/v1/Workspaces/{fixture.single.sid}/Tasks").status_code == 401


@_with("page-size-off-by-one")
def test_faults_leave_error_bodies_alone(faulty: Api) -> None:
    response = faulty.list({"PageSize": "0"})
    assert response.status_code == 400 and response.json()["code"] == 20001
