"""The case list of report.html: filters, and one folding entry per case with its evidence."""

from __future__ import annotations

from harness.report.causes import cause_id
from harness.report.model import Case, Clause, Report
from harness.reporters.html.common import (
    EXPECTED,
    MAX_BODY,
    ORDER,
    as_json,
    e,
    options,
    select,
    short,
    status_key,
)
from harness.results.model import Exchange, RecordedRequest, RecordedResponse
from harness.results.vocab import Status, Verdict

#: field verdicts that are no difference (equal, or equal once normalised)
MATCHING_VERDICTS = frozenset(v for v in Verdict if v.is_match)

#: the status checkboxes of the filter bar, in order
FILTER_STATUSES = (
    Status.FAIL,
    Status.ERROR,
    EXPECTED,
    Status.SKIPPED,
    Status.NOT_CONFIGURED,
    Status.UNSUPPORTED,
    Status.NOT_APPLICABLE,
    Status.PASS,
)


def request_text(request: RecordedRequest) -> str:
    lines = [f"{request.method} {request.url}"]
    lines += [f"{k}: {v}" for k, v in (request.headers or {}).items()]
    if request.body:
        lines += ["", str(request.body)[:MAX_BODY]]
    return "\n".join(lines)


def response_text(response: RecordedResponse | None, error: str | None = None) -> str:
    if not response:
        return f"(no response{': ' + error if error else ''})"
    lines = [f"HTTP {response.status}"]
    lines += [f"{k}: {v}" for k, v in (response.headers or {}).items()]
    if response.body is not None:
        body = response.body
        lines += ["", body if isinstance(body, str) else as_json(body)]
    return "\n".join(lines)


def failing_exchange(case: Case) -> Exchange | None:
    if not case.exchanges:
        return None
    step = case.failure.step if case.failure else None
    matching = [x for x in case.exchanges if x.step == step]
    return matching[-1] if matching else case.exchanges[-1]


def clause_quotes(case: Case, clauses: dict[str, Clause]) -> str:
    out = []
    for ref in case.clauses:
        clause = clauses.get(ref.id) or Clause()
        meta = " · ".join(e(x) for x in (ref.strength, clause.section, clause.source) if x)
        if clause.url:
            meta += f' · <a href="{e(clause.url)}" rel="noreferrer">source</a>'

        body = (
            f"<div>“{e(clause.quote)}”</div>"
            if clause.quote
            else '<div class="muted">(quote not available)</div>'
        )
        if clause.assumption:
            body += f'<div class="muted">Assumption: {e(clause.assumption)}</div>'
        out.append(
            f'<blockquote><span class="cid">{e(ref.id)}</span> '
            f'<span class="muted">{meta}</span>{body}</blockquote>'
        )
    return "".join(out)


def _summary(case: Case, key: str, ops: str, several: bool) -> str:
    label = "expected deviation" if key == EXPECTED else key
    target = f'<span class="muted">@ {e(case.target)}</span>' if several else ""
    return (
        f'<summary><span class="pill {e(key)}">{e(label)}</span><code>{e(case.id)}</code>'
        f"<span>{e(case.title)}</span>{target}"
        f'<span class="muted">{e(case.phase)} · {e(case.feature)} · '
        f"{e(case.effective_strength)} (×{e(case.weight)}) · {e(ops)}"
        "</span></summary>"
    )


def _evidence(case: Case, clauses: dict[str, Clause]) -> list[str]:
    body = []
    deviation = case.expected_deviation
    if deviation:
        body.append(
            f'<div class="warn">Expected deviation ({e(deviation.match)}): '
            f"{e(deviation.reason)}</div>"
        )
    failure = case.failure
    if failure:
        body.append(
            '<h4>What went wrong</h4><dl class="kv">'
            f"<dt>step</dt><dd>{e(failure.step)}</dd>"
            f"<dt>expectation</dt><dd><code>{e(failure.expectation)}</code></dd>"
            f"<dt>expected</dt><dd><code>{e(short(failure.expected))}</code></dd>"
            f"<dt>actual</dt><dd><code>{e(short(failure.actual))}</code></dd>"
            f"<dt>message</dt><dd>{e(failure.message)}</dd></dl>"
        )
    elif case.reason:
        body.append(f'<p class="muted">{e(case.reason)}</p>')
    if case.clauses:
        body.append("<h4>Documentation</h4>" + clause_quotes(case, clauses))
    exchange = failing_exchange(case) if case.status.is_problem else None
    if exchange is not None:
        body.append(
            f"<h4>Request (step “{e(exchange.step)}”)</h4>"
            f"<pre>{e(request_text(exchange.request))}</pre>"
            "<h4>Response</h4>"
            f"<pre>{e(response_text(exchange.response, exchange.error))}</pre>"
        )
    if case.curl:
        body.append(
            '<h4>Reproduce</h4><div><button class="copy" type="button">copy</button>'
            f'<pre class="curl">{e(case.curl)}</pre></div>'
        )
    if case.exchanges_dropped or case.cut:
        cut = ", ".join(f"#{c.exchange} {c.part} ({c.size} characters)" for c in case.cut)
        body.append(
            '<p class="muted">Evidence bounded: '
            + (
                f"{e(case.exchanges_dropped)} other exchange(s) not kept"
                if case.exchanges_dropped
                else ""
            )
            + ("; " if case.exchanges_dropped and cut else "")
            + (f"bodies cut: {e(cut)}" if cut else "")
            + "</p>"
        )
    others = [x for x in case.exchanges if x is not exchange]
    if others:
        items = "".join(
            f"<h4>{e(x.step)}</h4><pre>{e(request_text(x.request))}</pre>"
            f"<pre>{e(response_text(x.response, x.error))}</pre>"
            for x in others
        )
        body.append(f"<details><summary>{len(others)} other exchange(s)</summary>{items}</details>")
    if case.fields:
        rows = "".join(
            f"<tr><td>{e(f.operation)}</td><td><code>{e(f.field)}</code></td>"
            f"<td>{e(f.verdict)}</td>"
            f"<td><code>{e(short(f.expected, 300))}</code></td>"
            f"<td><code>{e(short(f.actual, 300))}</code></td></tr>"
            for f in case.fields
        )
        body.append(
            "<h4>Fields</h4><table><tr><th>operation</th><th>field</th><th>verdict</th>"
            f"<th>recorded</th><th>candidate</th></tr>{rows}</table>"
        )
    meta = [
        f"source {e(case.source)}" if case.source else "",
        f"{e(case.exchange_count)} request(s)" if case.exchange_count else "",
        f"{float(case.duration_s or 0):.2f}s",
        e(case.note) if case.note else "",
    ]
    body.append(f'<p class="muted">{" · ".join(m for m in meta if m)}</p>')
    return body


def case_html(case: Case, clauses: dict[str, Clause], several: bool, index: int) -> str:
    key = status_key(case)
    ops = " ".join(o.operation for o in case.operations)
    clause_ids = " ".join(c.id for c in case.clauses)
    text = f"{case.id} {case.title or ''}".lower()
    attrs = (
        f'data-status="{e(key)}" data-feature="{e(case.feature)}" '
        f'data-category="{e(case.category)}" data-clauses=" {e(clause_ids)} " '
        f'data-ops=" {e(ops)} " data-target="{e(case.target)}" data-text="{e(text)}"'
    )
    fields = " ".join(f"{f.operation}|{f.field}" for f in case.fields)
    bad = " ".join(
        f"{f.operation}|{f.field}" for f in case.fields if f.verdict not in MATCHING_VERDICTS
    )
    causes = " ".join(cause_id(signature) for signature in case.causes)
    attrs += f' data-fields=" {e(fields)} " data-badfields=" {e(bad)} " data-causes=" {e(causes)} "'
    # collapsed by default: a run with hundreds of failures stays a list one can scan
    return (
        f'<details class="case" id="case-{index}" {attrs}>'
        f"{_summary(case, key, ops, several)}"
        f'<div class="body">{"".join(_evidence(case, clauses))}</div></details>'
    )


def cases_section(report: Report) -> str:
    """The heading, the filter bar and every case, failing ones first."""
    several = report.several
    # failing cases grouped by their first cause, in the order of "Fix these first"
    rank = {(t.label, c.signature): i for t in report.targets for i, c in enumerate(t.causes)}
    cases = sorted(
        report.cases,
        key=lambda c: (
            ORDER.get(status_key(c), 9),
            rank.get((c.target, c.causes[0] if c.causes else ""), len(rank)),
            c.target if several else "",
            c.id,
        ),
    )
    features = sorted({c.feature for c in report.cases} | {c.category for c in report.cases})
    clause_ids = sorted({r.id for c in report.cases for r in c.clauses})
    ops = sorted({o.operation for c in report.cases for o in c.operations})
    boxes = "".join(
        f'<label><input type="checkbox" value="{s}" checked> '
        f"{s.replace(EXPECTED, 'expected deviation')}</label>"
        for s in FILTER_STATUSES
    )
    target_filter = (
        f'<label>target <select id="f-target"><option value="">all</option>'
        f"{options([t.label for t in report.targets])}</select></label>"
        if several
        else ""
    )
    total = len(report.cases)
    return (
        f'<h2 id="cases">Cases ({total}; {len(report.unexpected)} failing)</h2>'
        f'<div class="filters">{boxes}'
        f"{select('feature/category', 'f-feature', features)}"
        f"{select('clause', 'f-clause', clause_ids)}"
        f"{select('operation', 'f-op', ops)}"
        f'{target_filter}<input type="search" id="f-text" placeholder="search id or title">'
        f'<button type="button" id="f-reset">reset</button>'
        f'<span class="muted" id="f-count">{total} case(s)</span></div>'
        '<div id="case-list">'
        + "".join(case_html(c, report.clauses, several, i) for i, c in enumerate(cases))
        + "</div>"
    )
