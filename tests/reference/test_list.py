"""List: every filter, ordering, paging and the meta envelope."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.reference.support import Api, assert_error


def _sids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [t["sid"] for t in response.json()["tasks"]]


def _walk(api: Api, params) -> list[str]:
    seen: list[str] = []
    response = api.list(params)
    while True:
        body = response.json()
        seen += [t["sid"] for t in body["tasks"]]
        if not body["meta"]["next_page_url"]:
            return seen
        url = urlsplit(body["meta"]["next_page_url"])
        response = api.http.get(f"{url.path}?{url.query}", auth=api.auth)


@pytest.fixture
def population(api: Api, clock) -> dict[str, str]:
    made = {}
    for name, form in [
        (
            "sales_p1",
            {"Attributes": json.dumps({"type": "sales", "lang": "en", "n": 1}), "Priority": "1"},
        ),
        (
            "support_p5",
            {
                "Attributes": json.dumps(
                    {"type": "support", "lang": "fr", "n": 5, "skills": ["a", "b"]}
                ),
                "Priority": "5",
            },
        ),
        (
            "other_p5",
            {
                "Attributes": json.dumps({"type": "other", "n": 3}),
                "Priority": "5",
                "VirtualStartTime": "2020-01-01T00:00:00Z",
            },
        ),
        ("routed", {"RoutingTarget": api.fixture.single.workers[0].sid, "Priority": "2"}),
    ]:
        made[name] = api.created(**form)["sid"]
        clock.advance(1)
    api.update(made["other_p5"], AssignmentStatus="canceled", Reason="x")
    return made


def test_default_order_is_date_created_ascending(api: Api, population) -> None:
    assert _sids(api.list()) == list(population.values())


def test_filters(api: Api, population) -> None:
    ws = api.fixture.single
    sales = next(q for q in ws.task_queues if q.friendly_name == "Sales Queue")
    p = population
    assert _sids(api.list({"Priority": 5})) == [p["support_p5"], p["other_p5"]]
    assert _sids(api.list({"AssignmentStatus": "canceled"})) == [p["other_p5"]]
    # The task routed to a Worker (IgnoreCapacity defaults to true) is reserved at once.
    assert _sids(api.list({"AssignmentStatus": "reserved"})) == [p["routed"]]
    assert set(_sids(api.list({"AssignmentStatus": "pending,canceled"}))) == set(p.values()) - {
        p["routed"]
    }
    assert set(
        _sids(
            api.list(
                [
                    ("AssignmentStatus", "pending"),
                    ("AssignmentStatus", "reserved"),
                    ("AssignmentStatus", "canceled"),
                ]
            )
        )
    ) == set(p.values())
    assert _sids(api.list({"TaskQueueSid": sales.sid})) == [p["sales_p1"]]
    assert _sids(api.list({"TaskQueueName": "Support Queue"})) == [p["support_p5"]]
    assert _sids(api.list({"TaskQueueName": "No Such Queue"})) == []
    assert len(_sids(api.list({"WorkflowSid": ws.workflows[0].sid}))) == 4
    assert len(_sids(api.list({"WorkflowName": "Default Workflow"}))) == 4
    assert _sids(api.list({"WorkflowName": "Nope"})) == []
    assert _sids(api.list({"RoutingTarget": ws.workers[0].sid})) == [p["routed"]]
    assert len(_sids(api.list({"HasAddons": "false"}))) == 4
    assert _sids(api.list({"HasAddons": "true"})) == []
    assert _sids(api.list({"EvaluateTaskAttributes": 'type == "sales" OR lang == "fr"'})) == [
        p["sales_p1"],
        p["support_p5"],
    ]
    assert _sids(api.list({"EvaluateTaskAttributes": "skills HAS 'b'"})) == [p["support_p5"]]
    assert _sids(api.list({"EvaluateTaskAttributes": "n >= 3", "Priority": 5})) == [
        p["support_p5"],
        p["other_p5"],
    ]


def test_lists_are_per_workspace(api: Api, multi: Api, population) -> None:
    assert _sids(multi.list()) == []


@pytest.mark.parametrize(
    ("query", "word"),
    [
        ({"AssignmentStatus": "lost"}, "AssignmentStatus"),
        ({"AssignmentStatus": "pending,"}, "AssignmentStatus"),
        ({"AssignmentStatus": ""}, "AssignmentStatus"),
        ({"Priority": "x"}, "Priority"),
        ({"WorkflowSid": "WW1"}, "WorkflowSid"),
        ({"TaskQueueSid": "bad"}, "TaskQueueSid"),
        ({"HasAddons": "maybe"}, "HasAddons"),
        ({"EvaluateTaskAttributes": "type == "}, "position"),
        ({"EvaluateTaskAttributes": "customer-value == 'gold'"}, "position"),
        ({"Ordering": "Priority"}, "Ordering"),
        ({"Ordering": ""}, "Ordering"),
        ({"Ordering": "Priority:up"}, "Ordering"),
        ({"Ordering": "Age:asc"}, "Ordering"),
        ({"Ordering": "DateCreated:asc,VirtualStartTime:desc"}, "VirtualStartTime"),
        ({"Ordering": "Priority:asc,Priority:desc"}, "Priority"),
        ({"PageSize": "0"}, "PageSize"),
        ({"PageSize": "1001"}, "PageSize"),
        ({"PageToken": "garbage"}, "PageToken"),
        ({"Page": "-1"}, "Page"),
    ],
)
def test_list_validation(api: Api, query, word) -> None:
    assert_error(api.list(query), 400, 20001, word)


def test_ordering(api: Api, population) -> None:
    p = population
    assert _sids(api.list({"Ordering": "DateCreated:desc"})) == list(reversed(p.values()))
    assert _sids(api.list({"Ordering": "Priority:desc"})) == [
        p["support_p5"],
        p["other_p5"],
        p["routed"],
        p["sales_p1"],
    ]
    assert _sids(api.list({"Ordering": "Priority:asc"})) == [
        p["sales_p1"],
        p["routed"],
        p["support_p5"],
        p["other_p5"],
    ]
    assert _sids(api.list({"Ordering": "Priority:desc,DateCreated:desc"})) == [
        p["other_p5"],
        p["support_p5"],
        p["routed"],
        p["sales_p1"],
    ]
    assert _sids(api.list({"Ordering": "VirtualStartTime:asc"}))[0] == p["other_p5"]
    assert _sids(api.list({"Ordering": "VirtualStartTime:desc"}))[-1] == p["other_p5"]
    assert _sids(api.list({"Ordering": "Priority:asc,VirtualStartTime:asc"}))[2:] == [
        p["other_p5"],
        p["support_p5"],
    ]


def test_paging_meta_and_walk(api: Api) -> None:
    made = [api.created()["sid"] for _ in range(7)]
    first = api.list({"PageSize": 3}).json()
    meta = first["meta"]
    assert meta["key"] == "tasks" and meta["page"] == 0 and meta["page_size"] == 3
    assert meta["previous_page_url"] is None
    assert meta["next_page_url"].startswith(f"http://testserver/v1/Workspaces/{api.ws}/Tasks?")
    query = parse_qs(urlsplit(meta["next_page_url"]).query)
    assert query["PageSize"] == ["3"] and query["Page"] == ["1"] and "PageToken" in query
    assert meta["first_page_url"].endswith("PageSize=3&Page=0")
    assert _walk(api, {"PageSize": 3}) == made
    assert _walk(api, {"PageSize": 3, "Ordering": "DateCreated:desc"}) == made[::-1]


def test_default_page_size_is_50(api: Api) -> None:
    for _ in range(55):
        api.created()
    body = api.list().json()
    assert len(body["tasks"]) == 50 and body["meta"]["page_size"] == 50
    assert len(api.list({"PageSize": 1000}).json()["tasks"]) == 55


def test_previous_page_url_goes_back(api: Api) -> None:
    made = [api.created()["sid"] for _ in range(5)]
    page1 = api.list({"PageSize": 2}).json()
    url = urlsplit(page1["meta"]["next_page_url"])
    page2 = api.http.get(f"{url.path}?{url.query}", auth=api.auth).json()
    assert [t["sid"] for t in page2["tasks"]] == made[2:4]
    back = urlsplit(page2["meta"]["previous_page_url"])
    page1_again = api.http.get(f"{back.path}?{back.query}", auth=api.auth).json()
    assert [t["sid"] for t in page1_again["tasks"]] == made[:2]
    assert page1_again["meta"]["previous_page_url"] is None


def test_filters_carry_into_next_page_url(api: Api) -> None:
    for i in range(5):
        api.created(Attributes=json.dumps({"i": i}), Priority=str(i % 2))
    walked = _walk(api, {"PageSize": 1, "Priority": 1, "EvaluateTaskAttributes": "i >= 0"})
    assert len(walked) == 2


def test_walk_sees_every_task_once_while_tasks_are_created(api: Api, clock) -> None:
    before = [api.created()["sid"] for _ in range(10)]
    seen: list[str] = []
    response = api.list({"PageSize": 3})
    created_during: list[str] = []
    while True:
        body = response.json()
        seen += [t["sid"] for t in body["tasks"]]
        created_during.append(api.created()["sid"])
        if not body["meta"]["next_page_url"]:
            break
        url = urlsplit(body["meta"]["next_page_url"])
        response = api.http.get(f"{url.path}?{url.query}", auth=api.auth)
    assert len(seen) == len(set(seen))
    assert seen[:10] == before
    assert set(seen) <= set(before) | set(created_during)
