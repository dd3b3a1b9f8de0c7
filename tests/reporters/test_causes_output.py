"""Root causes first in every report: report.md, report.html, the plain "Fix these first"
lines; not-configured cases listed with their key; clause URLs linked; the ring follows the
gate."""

from __future__ import annotations

from dataclasses import dataclass

from harness.report.model import Report
from harness.reporters.badge import LOW
from harness.reporters.causes_text import fix_these_first_lines
from harness.reporters.html import report_html
from harness.reporters.html.page import ring_colour
from harness.reporters.report_md import report_markdown
from harness.results.model import Failure, Status
from tests.report.helpers import document, exchange, record

URL = "https://www.twilio.com/docs/taskrouter/api/task#update-a-task-resource"


def status_failure(id: str, observed: int) -> object:
    return record(
        id,
        Status.FAIL,
        category="validation",
        clauses=("task.update.status",),
        failure=Failure("update", "status", 400, observed, f"expected status 400, got {observed}"),
        exchanges=[exchange("update", "POST", "/Tasks/WT1", observed)],
        curl=f"curl -X POST .../Tasks/WT1 # {id}",
    )


@dataclass
class RegistryClause:
    """A harness.clauses.Clause as it may be: with or without ``url``."""

    quote: str
    section: str
    strength: str
    category: str
    source: str
    assumption: str | None = None


@dataclass
class LinkedClause(RegistryClause):
    url: str | None = None


def sample(clause: RegistryClause | None = None) -> Report:
    clause = clause or LinkedClause(
        "Updates a Task", "Update", "documented", "lifecycle", "doc", url=URL
    )
    records = [
        status_failure("validation.a", 422),
        status_failure("validation.b", 422),
        status_failure("validation.c", 500),
        record(
            "workforce.sms",
            Status.NOT_CONFIGURED,
            reason="needs the profile key channels.sms (add it to the target profile)",
        ),
        record("lifecycle.ok", Status.PASS),
    ]
    return document({"t": records}, clauses={"task.update.status": clause})


def test_report_md_opens_with_the_causes_ranked_by_points_lost() -> None:
    md = report_markdown(sample())
    first = md.index("### Fix these first")
    assert first < md.index("### Parity") and first < md.index("### Failures")
    rows = [line for line in md.splitlines() if line.startswith(("| 1 |", "| 2 |"))]
    assert "422 where 400 is due (UpdateTask)" in rows[0] and "| 2 | 6 | documented |" in rows[0]
    assert "500 where 400 is due (UpdateTask)" in rows[1] and "| 1 | 3 |" in rows[1]
    assert "curl -X POST .../Tasks/WT1 # validation.a" in md  # the top cause's reproducer


def test_report_md_lists_not_configured_cases_with_the_key_and_links_clause_urls() -> None:
    md = report_markdown(sample())
    assert "### Not configured (1): add these profile keys to run them" in md
    assert "`workforce.sms` (t): needs the profile key channels.sms" in md
    assert f"> **task.update.status** (documented): Updates a Task ([source]({URL}))" in md


def test_a_registry_clause_without_url_still_reports() -> None:
    doc = sample(RegistryClause("Updates a Task", "Update", "documented", "lifecycle", "doc"))
    assert doc.clauses["task.update.status"].url is None
    assert "[source]" not in report_markdown(doc)
    assert ">source</a>" not in report_html(doc)


def test_report_html_opens_with_the_causes_and_keeps_cards_collapsed() -> None:
    doc = sample()
    html = report_html(doc)
    assert html.index('id="causes"') < html.index('id="matrix"') < html.index('id="cases"')
    causes = doc.targets[0].causes
    assert [c.points_lost for c in causes] == [6, 3]
    for cause in causes:
        assert f'data-cause="{cause.id}"' in html
    assert f'data-causes=" {causes[0].id} "' in html  # a case card knows its causes
    assert '<details class="case"' in html and " open>" not in html
    assert f'<a href="{URL}" rel="noreferrer">source</a>' in html
    assert 'id="not-configured"' in html and "channels.sms" in html


def test_the_score_ring_follows_the_gate() -> None:
    failed = sample()
    assert failed.gate.passed is False
    assert ring_colour(failed) == LOW
    assert 'data-gate="failed"' in report_html(failed)
    passed = document({"t": [record("ok", Status.PASS)]})
    assert passed.gate.passed and ring_colour(passed) != LOW
    assert 'data-gate="passed"' in report_html(passed)
    # a high score whose gate failed is still red
    many = document(
        {"t": [record(f"ok{n}", Status.PASS) for n in range(99)] + [status_failure("one", 422)]}
    )
    assert many.score.value and many.score.value > 95 and ring_colour(many) == LOW


def test_fix_these_first_lines_are_plain_ranked_lines() -> None:
    lines = fix_these_first_lines(sample())
    causes = sample().targets[0].causes
    assert lines[0] == "Fix these first: 2 cause(s) behind 3 failing case(s)"
    assert lines[1] == (
        f"  1. [{causes[0].id}] 422 where 400 is due (UpdateTask) · 2 case(s) · "
        "6 point(s) lost · documented"
    )
    assert lines[2].startswith(f"  2. [{causes[1].id}] 500 where 400 is due")
    assert fix_these_first_lines(document({"t": [record("ok", Status.PASS)]})) == []
