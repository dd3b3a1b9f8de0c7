"""Workers, Activities, Reservations and the full lifecycle through them."""

from __future__ import annotations

import json

import pytest

from tests.reference.support import Api, assert_error


class Workforce:
    def __init__(self, api: Api) -> None:
        self.api = api
        self.ws = api.fixture.single
        self.base = f"/v1/Workspaces/{api.ws}"

    def activity(self, name: str) -> str:
        return self.ws.activity(name).sid

    def set_activity(self, worker: str, name: str):
        return self.api.http.post(
            f"{self.base}/Workers/{worker}",
            auth=self.api.auth,
            data={"ActivitySid": self.activity(name)},
        )

    def reservations(self, task: str, **query):
        response = self.api.http.get(
            f"{self.base}/Tasks/{task}/Reservations", params=query, auth=self.api.auth
        )
        assert response.status_code == 200, response.text
        return response.json()["reservations"]

    def resolve(self, task: str, reservation: str, status: str):
        return self.api.http.post(
            f"{self.base}/Tasks/{task}/Reservations/{reservation}",
            data={"ReservationStatus": status},
            auth=self.api.auth,
        )

    def status(self, task: str) -> str:
        return self.api.fetch(task).json()["assignment_status"]


@pytest.fixture
def wf(api: Api) -> Workforce:
    return Workforce(api)


def test_activities_and_seeded_workers(api: Api, wf: Workforce) -> None:
    activities = api.http.get(f"{wf.base}/Activities", auth=api.auth).json()["activities"]
    assert {(a["friendly_name"], a["available"]) for a in activities} == {
        ("Offline", False),
        ("Available", True),
        ("Unavailable", False),
    }
    workers = api.http.get(f"{wf.base}/Workers", auth=api.auth).json()
    assert workers["meta"]["key"] == "workers"
    assert {w["friendly_name"] for w in workers["workers"]} == {"Alice", "Bob"}
    assert all(w["activity_name"] == "Offline" and not w["available"] for w in workers["workers"])


def test_worker_crud(api: Api, wf: Workforce) -> None:
    created = api.http.post(
        f"{wf.base}/Workers",
        auth=api.auth,
        data={"FriendlyName": "Carol", "Attributes": '{"skills": []}'},
    )
    assert created.status_code == 201
    sid = created.json()["sid"]
    assert sid.startswith("WK") and created.json()["activity_name"] == "Offline"
    assert_error(
        api.http.post(f"{wf.base}/Workers", auth=api.auth, data={"FriendlyName": "Carol"}),
        400,
        20001,
        "Carol",
    )
    assert_error(api.http.post(f"{wf.base}/Workers", auth=api.auth), 400, 20001, "FriendlyName")
    updated = wf.set_activity(sid, "Available").json()
    assert updated["available"] is True and updated["activity_name"] == "Available"
    available = api.http.get(
        f"{wf.base}/Workers", params={"Available": "true"}, auth=api.auth
    ).json()["workers"]
    assert [w["sid"] for w in available] == [sid]
    assert api.http.delete(f"{wf.base}/Workers/{sid}", auth=api.auth).status_code == 204
    assert_error(api.http.get(f"{wf.base}/Workers/{sid}", auth=api.auth), 404, 20404)


def test_available_matching_worker_reserves_then_accept_assigns(api: Api, wf: Workforce):
    alice = wf.ws.workers[0].sid
    task = api.created(Attributes='{"type": "sales"}')
    etag0 = api.fetch(task["sid"]).headers["ETag"]
    assert wf.status(task["sid"]) == "pending"
    wf.set_activity(alice, "Available")
    fetched = api.fetch(task["sid"])
    assert fetched.json()["assignment_status"] == "reserved"
    assert fetched.headers["ETag"] != etag0
    [reservation] = wf.reservations(task["sid"])
    assert reservation["reservation_status"] == "pending"
    assert reservation["worker_sid"] == alice and reservation["worker_name"] == "Alice"
    assert reservation["sid"].startswith("WR")
    accepted = wf.resolve(task["sid"], reservation["sid"], "accepted")
    assert accepted.json()["reservation_status"] == "accepted"
    assert wf.status(task["sid"]) == "assigned"
    assert_error(
        api.update(task["sid"], AssignmentStatus="canceled", Reason="x"),
        400,
        20001,
        "not pending or reserved",
    )
    api.update(task["sid"], AssignmentStatus="wrapping")
    assert wf.reservations(task["sid"])[0]["reservation_status"] == "wrapping"
    api.update(task["sid"], AssignmentStatus="completed", Reason="done")
    assert wf.reservations(task["sid"])[0]["reservation_status"] == "completed"


def test_only_matching_workers_are_offered(api: Api, wf: Workforce) -> None:
    bob = wf.ws.workers[1].sid  # skills: support only
    task = api.created(Attributes='{"type": "sales"}')
    wf.set_activity(bob, "Available")
    assert wf.status(task["sid"]) == "pending"
    support = api.created(Attributes='{"type": "support"}')
    assert wf.status(support["sid"]) == "reserved"


def test_highest_priority_then_oldest_first(api: Api, wf: Workforce, clock) -> None:
    alice = wf.ws.workers[0].sid
    old_low = api.created(Attributes='{"type": "sales"}', Priority="1")["sid"]
    clock.advance(1)
    new_high = api.created(Attributes='{"type": "sales"}', Priority="5")["sid"]
    clock.advance(1)
    older_vst_high = api.created(
        Attributes='{"type": "sales"}', Priority="5", VirtualStartTime="2020-01-01T00:00:00Z"
    )["sid"]
    wf.set_activity(alice, "Available")
    assert wf.status(older_vst_high) == "reserved"
    assert wf.status(new_high) == "pending" and wf.status(old_low) == "pending"


def test_reject_returns_to_pending_and_offers_elsewhere(api: Api, wf: Workforce) -> None:
    alice, bob = (w.sid for w in wf.ws.workers)
    task = api.created(Attributes='{"type": "support"}')["sid"]
    wf.set_activity(alice, "Available")
    [reservation] = wf.reservations(task)
    wf.resolve(task, reservation["sid"], "rejected")
    assert wf.status(task) == "pending"
    assert wf.reservations(task, ReservationStatus="rejected")[0]["worker_sid"] == alice
    wf.set_activity(bob, "Available")
    assert wf.status(task) == "reserved"
    assert wf.reservations(task, ReservationStatus="pending")[0]["worker_sid"] == bob


def test_reservation_timeout(api: Api, wf: Workforce, clock) -> None:
    alice = wf.ws.workers[0].sid
    task = api.created(Attributes='{"type": "sales"}')["sid"]
    wf.set_activity(alice, "Available")
    assert wf.status(task) == "reserved"
    clock.advance(api.http.app.state.reference.config.reservation_timeout_seconds)
    assert wf.status(task) == "pending"
    assert wf.reservations(task)[0]["reservation_status"] == "timeout"
    worker = api.http.get(f"{wf.base}/Workers/{alice}", auth=api.auth).json()
    assert worker["activity_name"] == "Offline"


def test_cancel_reserved_task_cancels_reservation(api: Api, wf: Workforce) -> None:
    alice = wf.ws.workers[0].sid
    task = api.created(Attributes='{"type": "sales"}')["sid"]
    wf.set_activity(alice, "Available")
    api.update(task, AssignmentStatus="canceled", Reason="caller hung up")
    assert wf.reservations(task)[0]["reservation_status"] == "canceled"


def test_delete_removes_reservations(api: Api, wf: Workforce) -> None:
    alice = wf.ws.workers[0].sid
    task = api.created(Attributes='{"type": "sales"}')["sid"]
    wf.set_activity(alice, "Available")
    [reservation] = wf.reservations(task)
    api.delete(task)
    store = api.http.app.state.reference.service.workforce.store
    assert store.reservations("sid = ?", [reservation["sid"]]) == []


def test_routing_target_with_capacity_check(api: Api, wf: Workforce) -> None:
    alice = wf.ws.workers[0].sid
    respects = api.created(
        RoutingTarget=alice, IgnoreCapacity="false", Attributes=json.dumps({"type": "support"})
    )["sid"]
    assert wf.status(respects) == "pending"  # Alice is offline
    ignores = api.created(RoutingTarget=alice)["sid"]
    assert wf.status(ignores) == "reserved"  # offline, but capacity/availability ignored


def test_resolved_reservation_cannot_change(api: Api, wf: Workforce) -> None:
    alice = wf.ws.workers[0].sid
    task = api.created(Attributes='{"type": "sales"}')["sid"]
    wf.set_activity(alice, "Available")
    [reservation] = wf.reservations(task)
    wf.resolve(task, reservation["sid"], "accepted")
    assert_error(wf.resolve(task, reservation["sid"], "rejected"), 400, 20001, "not pending")
    assert_error(wf.resolve(task, reservation["sid"], "bogus"), 400, 20001, "ReservationStatus")


def test_worker_names_unique_case_insensitively_on_create_and_rename(api: Api, wf: Workforce):
    bob = wf.ws.workers[1].sid
    assert_error(
        api.http.post(f"{wf.base}/Workers", auth=api.auth, data={"FriendlyName": "alice"}),
        400,
        20001,
        "already exists",
    )
    assert_error(
        api.http.post(f"{wf.base}/Workers/{bob}", auth=api.auth, data={"FriendlyName": "ALICE"}),
        400,
        20001,
        "already exists",
    )
    renamed = api.http.post(
        f"{wf.base}/Workers/{bob}", auth=api.auth, data={"FriendlyName": "Bobby"}
    )
    assert renamed.status_code == 200 and renamed.json()["friendly_name"] == "Bobby"


def test_assigned_task_is_deleted_after_24_hours(api: Api, wf: Workforce, clock) -> None:
    alice = wf.ws.workers[0].sid
    task = api.created(Attributes='{"type": "sales"}')["sid"]
    wf.set_activity(alice, "Available")
    [reservation] = wf.reservations(task)
    wf.resolve(task, reservation["sid"], "accepted")
    clock.advance(86_399)
    assert wf.status(task) == "assigned"  # the TTL (Timeout) no longer applies once assigned
    clock.advance(1)
    assert_error(api.fetch(task), 404, 20404)


def test_activity_list_filters(api: Api, wf: Workforce) -> None:
    def names(**query):
        body = api.http.get(f"{wf.base}/Activities", params=query, auth=api.auth).json()
        return [a["friendly_name"] for a in body["activities"]]

    assert names(FriendlyName="Available") == ["Available"]
    assert names(Available="true") == ["Available"]
    assert names(Available="no") == ["Offline", "Unavailable"]
