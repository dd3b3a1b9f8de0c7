"""Specificity against Twilio's own bodies: spec/ must not reject what Twilio documents.

``tests/data/twilio-documented-examples.json`` holds the 50 response bodies Twilio documents
for the Task resource (the SDKs' integration-test mocks across their history, the official
OpenAPI examples, the doc page), each with its provenance. Every body the official schema
(``tests/data/twilio-oai-task.json``, twilio/twilio-oai at a named commit) accepts must pass
spec/taskrouter-tasks.yaml through the harness's own checker; the bodies the official schema
rejects too are listed below with the reason, and the test proves the official schema does
reject each of them for that reason.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.speccheck.openapi import SpecChecker
from tests.spec.twilio_data import documented_examples, exchange_for, oai_excerpt, tasks_of

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO_ROOT / "spec" / "taskrouter-tasks.yaml"

_OLD_WF_PREFIX = (
    "workflow_sid uses the SDKs' old 'WF…' workflow prefix; the official schema requires ^WW "
    "(as it does for every Workflow SID)"
)
#: Bodies the official schema rejects as well, with the reason and the field it rejects.
OFFICIAL_REJECTS: dict[str, tuple[str, str]] = {
    **{
        example_id: (_OLD_WF_PREFIX, "workflow_sid")
        for example_id in [f"E{n:02d}" for n in (0, 1, 3, 4, 6, 11, 13, 14, 15, 18, 19, 20)]
        + [f"E{n:02d}" for n in (22, 23, 25, 26, 30, 31, 32, 33, 34, 35, 37, 38)]
    },
    "E45": (
        "the doc page's first example uses 'WWXXXX…'/'WSXXXX…' placeholders, which are not "
        "hexadecimal SIDs",
        "workspace_sid",
    ),
}

_HEADERS = {"Content-Type": "application/json", "ETag": "0"}


@pytest.fixture(scope="module")
def ours() -> SpecChecker:
    return SpecChecker.from_path(SPEC_PATH)


@pytest.fixture(scope="module")
def official() -> SpecChecker:
    return SpecChecker(copy.deepcopy(oai_excerpt()), "twilio-oai")


def _bodies() -> list[dict[str, Any]]:
    return [e for e in documented_examples()["examples"] if e["kind"] != "delete"]


def _problems(checker: SpecChecker, example: dict[str, Any]) -> list[Any]:
    method, url, status = exchange_for(example)
    return list(checker.check(method, url, status, _HEADERS, json.dumps(example["body"])))


def _accepted(official: SpecChecker) -> list[dict[str, Any]]:
    return [e for e in _bodies() if not _problems(official, e)]


# --------------------------------------------------------------------------- the fixture


def test_fixture_keeps_provenance() -> None:
    data = documented_examples()
    examples = data["examples"]
    assert len(examples) == 50
    assert len({e["id"] for e in examples}) == 50
    origins = set(data["origins"])
    for example in examples:
        assert set(example["origin"].split("+")) <= origins, example["id"]
        if example["origin"] != "seed-doc":
            assert example["commits"], f"{example['id']}: no commit named"
    provenance = oai_excerpt()["provenance"]
    assert provenance["repository"] == "https://github.com/twilio/twilio-oai"
    assert provenance["path"] == "spec/json/twilio_taskrouter_v1.json"
    assert len(provenance["commit"]) == 40
    assert provenance["commit"] in provenance["url"]


def test_official_excerpt_is_twilios_task_schema() -> None:
    schemas = oai_excerpt()["components"]["schemas"]
    task = schemas["taskrouter.v1.workspace.task"]
    assert "required" not in task  # Twilio requires nothing
    assert len(task["properties"]) == 24


# --------------------------------------------------------------------------- the check


def test_every_body_the_official_schema_accepts_passes_our_spec(
    ours: SpecChecker, official: SpecChecker
) -> None:
    accepted = _accepted(official)
    assert len(accepted) >= 20  # the newest SDK mocks, the OAI examples, most doc blocks
    failures = {e["id"]: _problems(ours, e) for e in accepted}
    failures = {k: v for k, v in failures.items() if v}
    assert not failures, "spec/ rejects bodies Twilio documents:\n" + yaml.safe_dump(
        {k: [str(p) for p in v] for k, v in failures.items()}, width=200
    )


def test_the_newest_sdk_mocks_are_among_them(official: SpecChecker) -> None:
    """The 8 bodies issue 12 names (newest create/fetch/update/list mocks of both SDKs)."""
    newest = {e["id"] for e in _bodies() if e["latest_sdk"]}
    assert len(newest) >= 6
    assert newest <= {e["id"] for e in _accepted(official)}


def test_official_rejections_are_exactly_the_listed_ones(official: SpecChecker) -> None:
    rejected = {e["id"]: _problems(official, e) for e in _bodies()}
    rejected = {k: v for k, v in rejected.items() if v}
    assert set(rejected) == set(OFFICIAL_REJECTS)
    for example_id, problems in rejected.items():
        reason, field = OFFICIAL_REJECTS[example_id]
        assert any(field in str(p) for p in problems), (example_id, reason, problems)


def test_required_is_what_every_accepted_body_shows(official: SpecChecker) -> None:
    """Task.required is reduced to the keys every accepted body carries, and no further."""
    spec = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    task = spec["components"]["schemas"]["Task"]
    shown: set[str] | None = None
    for example in _accepted(official):
        for body in tasks_of(example):
            shown = set(body) if shown is None else shown & set(body)
    assert shown is not None
    assert set(task["required"]) == shown & set(task["properties"])
    links = task["properties"]["links"]
    for example in _accepted(official):
        for body in tasks_of(example):
            assert set(links["required"]) <= set(body["links"] or {}), example["id"]
    meta = spec["components"]["schemas"]["ListMeta"]
    for example in _accepted(official):
        if example["kind"] == "list":
            assert set(meta["required"]) <= set(example["body"]["meta"]), example["id"]


def test_deletes_are_bodiless_204s() -> None:
    deletes = [e for e in documented_examples()["examples"] if e["kind"] == "delete"]
    assert deletes
    for example in deletes:
        assert example["status"] == 204 and not example["body"], example["id"]


# --------------------------------------------------------------------------- it can fail


@pytest.mark.parametrize("missing", ["sid", "links", "assignment_status"])
def test_a_body_missing_a_required_key_is_still_rejected(
    ours: SpecChecker, official: SpecChecker, missing: str
) -> None:
    """The check is not vacuous: our spec rejects what it should, the official one does not."""
    example = copy.deepcopy(next(e for e in _accepted(official) if e["kind"] == "task"))
    del example["body"][missing]
    assert not _problems(official, example)
    assert any(missing in str(p) for p in _problems(ours, example))


def test_a_wrong_type_is_rejected_by_both(ours: SpecChecker, official: SpecChecker) -> None:
    example = copy.deepcopy(next(e for e in _accepted(official) if e["kind"] == "task"))
    example["body"]["priority"] = "high"
    assert _problems(official, example) and _problems(ours, example)
