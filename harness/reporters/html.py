"""``report.html``: one self-contained page (inline CSS and JS, no network, no external assets).

The page is rendered in full on the server side, so it reads without JavaScript; the small
inline script only adds the filters (status, feature/category, clause, operation, target, free
text; also settable from the address: ``report.html#status=fail,error&feature=etag``), matrix
cells that filter the case list, and copy buttons. Light and dark follow
``prefers-color-scheme``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from harness.reporters.badge import colour_for

MAX_BODY = 20_000
#: Badge colours light enough to need dark text on them.
LIGHT_COLOURS = frozenset({"#4c1", "#97ca00", "#dfb317"})
ORDER = {"fail": 0, "error": 1, "expected": 2, "skipped": 3, "unsupported": 4, "pass": 5}

CSS = """
:root {
  --bg:#fbfbfc; --fg:#1d2125; --muted:#5f6b76; --card:#fff; --line:#d9dee3; --code:#f3f5f7;
  --pass:#1f7a3a; --pass-bg:#e3f4e8; --fail:#b3261e; --fail-bg:#fde7e5; --error:#8e24aa;
  --error-bg:#f6e6fa; --dev:#9a6700; --dev-bg:#fff4d6; --unsup:#5f6b76; --unsup-bg:#eceff1;
  --skip:#5f6b76; --skip-bg:#f1f3f5; --link:#0b5cad; color-scheme:light dark;
}
@media (prefers-color-scheme:dark){
  :root {
    --bg:#15181b; --fg:#e6e9ec; --muted:#9aa5b1; --card:#1d2125; --line:#343a40; --code:#23282d;
    --pass:#6fd38b; --pass-bg:#173524; --fail:#ff8a80; --fail-bg:#3d1a18; --error:#e1a1f0;
    --error-bg:#33203a; --dev:#f2c14e; --dev-bg:#3a2f12; --unsup:#b0bac4; --unsup-bg:#2a3036;
    --skip:#b0bac4; --skip-bg:#262b30; --link:#8ab4f8;
  }
}
*{box-sizing:border-box}
body {
  margin:0; background:var(--bg); color:var(--fg);
  font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Ubuntu,sans-serif;
}
main{max-width:1280px;margin:0 auto;padding:16px 20px 48px}
a{color:var(--link)}
code,pre {
  font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;
  font-size:12.5px;
}
pre {
  background:var(--code); border:1px solid var(--line); border-radius:6px; padding:8px 10px;
  overflow:auto; white-space:pre-wrap; word-break:break-word; margin:4px 0 10px;
}
header.top {
  display:flex; gap:20px; align-items:center; padding:14px 0 10px;
  border-bottom:1px solid var(--line);
}
.score {
  min-width:120px; height:120px; border-radius:60px; display:flex; flex-direction:column;
  align-items:center; justify-content:center; color:#fff; font-weight:700;
}
.score .num{font-size:34px;line-height:1}
.score .of{font-size:12px;opacity:.9}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:18px;margin:26px 0 8px}
h3{font-size:15px;margin:16px 0 6px}
h4{font-size:13px;margin:10px 0 2px;color:var(--muted)}
.muted{color:var(--muted)}
.gate{display:inline-block;margin-top:6px;padding:3px 10px;border-radius:12px;font-weight:600}
.gate.ok{background:var(--pass-bg);color:var(--pass)}
.gate.bad{background:var(--fail-bg);color:var(--fail)}
nav.toc{margin:10px 0;display:flex;flex-wrap:wrap;gap:12px}
table {
  border-collapse:collapse; background:var(--card); border:1px solid var(--line);
  margin:6px 0 12px;
}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--code);font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.matrix td{text-align:center;min-width:64px;cursor:default}
.matrix td.has{cursor:pointer}
.st-pass,.pill.pass{background:var(--pass-bg);color:var(--pass)}
.st-fail,.pill.fail{background:var(--fail-bg);color:var(--fail);font-weight:600}
.pill.error{background:var(--error-bg);color:var(--error);font-weight:600}
.st-deviation,.pill.expected{background:var(--dev-bg);color:var(--dev)}
.st-incomplete,.pill.skipped{background:var(--skip-bg);color:var(--skip)}
.st-unsupported,.pill.unsupported{background:var(--unsup-bg);color:var(--unsup)}
.st-partial{background:var(--dev-bg);color:var(--dev)}
.pill {
  display:inline-block; min-width:84px; text-align:center; border-radius:10px; padding:1px 8px;
  font-size:12px; text-transform:uppercase; letter-spacing:.03em;
}
.filters {
  position:sticky; top:0; z-index:2; background:var(--bg); border-bottom:1px solid var(--line);
  padding:8px 0; display:flex; flex-wrap:wrap; gap:10px 16px; align-items:center;
}
.filters label{white-space:nowrap}
.filters select,.filters input[type=search] {
  background:var(--card); color:var(--fg); border:1px solid var(--line); border-radius:4px;
  padding:3px 6px; max-width:260px;
}
details.case{background:var(--card);border:1px solid var(--line);border-radius:6px;margin:6px 0}
details.case>summary {
  padding:6px 10px; cursor:pointer; display:flex; gap:10px; align-items:baseline;
  flex-wrap:wrap;
}
details.case>summary code{font-weight:600}
details.case .body{padding:4px 14px 10px;border-top:1px solid var(--line)}
blockquote {
  margin:6px 0; padding:4px 10px; border-left:4px solid var(--line); background:var(--code);
}
blockquote .cid{font-family:ui-monospace,monospace;font-weight:600}
.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px}
.kv dt{color:var(--muted)}
.kv dd{margin:0}
button.copy {
  float:right; font-size:12px; background:var(--card); color:var(--fg);
  border:1px solid var(--line); border-radius:4px; padding:1px 8px; cursor:pointer;
}
.warn{background:var(--dev-bg);color:var(--dev);padding:6px 10px;border-radius:6px;margin:6px 0}
footer{margin-top:30px;color:var(--muted);font-size:12px}
"""

JS = r"""
(function(){
  var list=document.getElementById('case-list'); if(!list) return;
  var cases=[].slice.call(list.querySelectorAll('details.case'));
  var boxes=[].slice.call(document.querySelectorAll('.filters input[type=checkbox]'));
  var sel=function(id){return document.getElementById(id)};
  var feature=sel('f-feature'),clause=sel('f-clause'),op=sel('f-op'),target=sel('f-target');
  var text=sel('f-text'),count=sel('f-count');
  function apply(){
    var on={};boxes.forEach(function(b){on[b.value]=b.checked});
    var q=(text.value||'').toLowerCase(),shown=0;
    cases.forEach(function(c){
      var ok=on[c.dataset.status];
      var f=feature.value;
      if(ok&&f)ok=c.dataset.feature===f||c.dataset.category===f;
      if(ok&&clause.value)ok=c.dataset.clauses.indexOf(' '+clause.value+' ')>=0;
      if(ok&&op.value)ok=c.dataset.ops.indexOf(' '+op.value+' ')>=0;
      if(ok&&target&&target.value)ok=c.dataset.target===target.value;
      if(ok&&q)ok=c.dataset.text.indexOf(q)>=0;
      c.hidden=!ok; if(ok)shown++;
    });
    count.textContent=shown+' of '+cases.length+' case(s) shown';
  }
  boxes.forEach(function(b){b.addEventListener('change',apply)});
  [feature,clause,op,target].forEach(function(s){if(s)s.addEventListener('change',apply)});
  text.addEventListener('input',apply);
  document.getElementById('f-reset').addEventListener('click',function(){
    boxes.forEach(function(b){b.checked=true});feature.value='';clause.value='';op.value='';
    if(target)target.value='';text.value='';apply();
  });
  [].slice.call(document.querySelectorAll('.matrix td.has')).forEach(function(td){
    td.addEventListener('click',function(){
      boxes.forEach(function(b){b.checked=true});clause.value='';text.value='';
      feature.value=td.dataset.feature;op.value=td.dataset.op;
      if(target)target.value=td.dataset.target||'';
      apply();document.getElementById('cases').scrollIntoView();
    });
  });
  [].slice.call(document.querySelectorAll('button.copy')).forEach(function(b){
    b.addEventListener('click',function(){
      var pre=b.nextElementSibling,t=pre.textContent;
      var done=function(){
        b.textContent='copied';setTimeout(function(){b.textContent='copy'},1200);
      };
      if(navigator.clipboard){navigator.clipboard.writeText(t).then(done,function(){});return}
      var r=document.createRange();r.selectNodeContents(pre);
      var s=getSelection();s.removeAllRanges();s.addRange(r);
    });
  });
  // Initial filters from the address: report.html#status=fail,error&feature=etag&q=stale
  var h=(location.hash||'').replace(/^#/,'');
  if(h.indexOf('=')>0){
    h.split('&').forEach(function(kv){
      var i=kv.indexOf('='),k=kv.slice(0,i),v=decodeURIComponent(kv.slice(i+1));
      if(k==='status'){var want=v.split(',');boxes.forEach(function(b){
        b.checked=want.indexOf(b.value)>=0})}
      else if(k==='feature')feature.value=v;else if(k==='clause')clause.value=v;
      else if(k==='op')op.value=v;else if(k==='target'&&target)target.value=v;
      else if(k==='q')text.value=v;
    });
  }
  apply();
})();
"""


def e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _json(value: Any) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    if len(text) > MAX_BODY:
        text = text[:MAX_BODY] + f"\n… [{len(text) - MAX_BODY} more characters]"
    return text


def _status_key(case: Mapping[str, Any]) -> str:
    return "expected" if case.get("expected_deviation") else str(case["status"])


def _request_text(request: Mapping[str, Any]) -> str:
    lines = [f"{request.get('method')} {request.get('url')}"]
    lines += [f"{k}: {v}" for k, v in (request.get("headers") or {}).items()]
    if request.get("body"):
        lines += ["", str(request["body"])[:MAX_BODY]]
    return "\n".join(lines)


def _response_text(response: Mapping[str, Any] | None, error: str | None = None) -> str:
    if not response:
        return f"(no response{': ' + error if error else ''})"
    lines = [f"HTTP {response.get('status')}"]
    lines += [f"{k}: {v}" for k, v in (response.get("headers") or {}).items()]
    body = response.get("body")
    if body is not None:
        lines += ["", body if isinstance(body, str) else _json(body)]
    return "\n".join(lines)


def _failing_exchange(case: Mapping[str, Any]) -> Mapping[str, Any] | None:
    exchanges = case.get("exchanges") or []
    if not exchanges:
        return None
    step = (case.get("failure") or {}).get("step")
    matching = [x for x in exchanges if x.get("step") == step]
    return matching[-1] if matching else exchanges[-1]


def _clause_quotes(case: Mapping[str, Any], clauses: Mapping[str, Any]) -> str:
    out = []
    for ref in case.get("clauses") or []:
        clause = clauses.get(ref["id"]) or {}
        quote = clause.get("quote")
        meta = " · ".join(
            e(x) for x in (ref.get("strength"), clause.get("section"), clause.get("source")) if x
        )
        body = (
            f"<div>“{e(quote)}”</div>"
            if quote
            else '<div class="muted">(quote not available)</div>'
        )
        if clause.get("assumption"):
            body += f'<div class="muted">Assumption: {e(clause["assumption"])}</div>'
        out.append(
            f'<blockquote><span class="cid">{e(ref["id"])}</span> '
            f'<span class="muted">{meta}</span>{body}</blockquote>'
        )
    return "".join(out)


def _case_html(
    case: Mapping[str, Any], clauses: Mapping[str, Any], several: bool, index: int
) -> str:
    key = _status_key(case)
    problem = case["status"] in ("fail", "error")
    ops = " ".join(o["operation"] for o in case.get("operations") or [])
    clause_ids = " ".join(c["id"] for c in case.get("clauses") or [])
    text = f"{case['id']} {case.get('title', '')}".lower()
    attrs = (
        f'data-status="{e(key)}" data-feature="{e(case.get("feature"))}" '
        f'data-category="{e(case.get("category"))}" data-clauses=" {e(clause_ids)} " '
        f'data-ops=" {e(ops)} " data-target="{e(case["target"])}" data-text="{e(text)}"'
    )
    label = "expected deviation" if key == "expected" else key
    target = f'<span class="muted">@ {e(case["target"])}</span>' if several else ""
    summary = (
        f'<summary><span class="pill {e(key)}">{e(label)}</span><code>{e(case["id"])}</code>'
        f"<span>{e(case.get('title'))}</span>{target}"
        f'<span class="muted">{e(case.get("phase"))} · {e(case.get("feature"))} · '
        f"{e(case.get('effective_strength'))} (×{e(case.get('weight'))}) · {e(ops)}"
        "</span></summary>"
    )
    body = []
    deviation = case.get("expected_deviation")
    if deviation:
        body.append(
            f'<div class="warn">Expected deviation ({e(deviation["match"])}): '
            f"{e(deviation['reason'])}</div>"
        )
    failure = case.get("failure") or {}
    if failure:
        body.append(
            '<h4>What went wrong</h4><dl class="kv">'
            f"<dt>step</dt><dd>{e(failure.get('step'))}</dd>"
            f"<dt>expectation</dt><dd><code>{e(failure.get('expectation'))}</code></dd>"
            f"<dt>expected</dt><dd><code>{e(_short(failure.get('expected')))}</code></dd>"
            f"<dt>actual</dt><dd><code>{e(_short(failure.get('actual')))}</code></dd>"
            f"<dt>message</dt><dd>{e(failure.get('message'))}</dd></dl>"
        )
    elif case.get("reason"):
        body.append(f'<p class="muted">{e(case["reason"])}</p>')
    if case.get("clauses"):
        body.append("<h4>Documentation</h4>" + _clause_quotes(case, clauses))
    exchange = _failing_exchange(case) if problem else None
    if exchange is not None:
        body.append(
            f"<h4>Request (step “{e(exchange.get('step'))}”)</h4>"
            f"<pre>{e(_request_text(exchange.get('request') or {}))}</pre>"
            "<h4>Response</h4>"
            f"<pre>{e(_response_text(exchange.get('response'), exchange.get('error')))}</pre>"
        )
    if case.get("curl"):
        body.append(
            '<h4>Reproduce</h4><div><button class="copy" type="button">copy</button>'
            f'<pre class="curl">{e(case["curl"])}</pre></div>'
        )
    others = [x for x in case.get("exchanges") or [] if x is not exchange]
    if others:
        items = "".join(
            f"<h4>{e(x.get('step'))}</h4><pre>{e(_request_text(x.get('request') or {}))}</pre>"
            f"<pre>{e(_response_text(x.get('response'), x.get('error')))}</pre>"
            for x in others
        )
        body.append(f"<details><summary>{len(others)} other exchange(s)</summary>{items}</details>")
    if case.get("fields"):
        rows = "".join(
            f"<tr><td>{e(f.get('operation'))}</td><td><code>{e(f.get('field'))}</code></td>"
            f"<td>{e(f.get('verdict'))}</td>"
            f"<td><code>{e(_short(f.get('expected'), 300))}</code></td>"
            f"<td><code>{e(_short(f.get('actual'), 300))}</code></td></tr>"
            for f in case["fields"]
        )
        body.append(
            "<h4>Fields</h4><table><tr><th>operation</th><th>field</th><th>verdict</th>"
            f"<th>recorded</th><th>candidate</th></tr>{rows}</table>"
        )
    meta = [
        f"source {e(case.get('source'))}" if case.get("source") else "",
        f"{e(case.get('exchange_count'))} request(s)" if case.get("exchange_count") else "",
        f"{float(case.get('duration_s') or 0):.2f}s",
        e(case.get("note")) if case.get("note") else "",
    ]
    body.append(f'<p class="muted">{" · ".join(m for m in meta if m)}</p>')
    opened = " open" if problem and not deviation else ""
    return (
        f'<details class="case" id="case-{index}" {attrs}{opened}>{summary}'
        f'<div class="body">{"".join(body)}</div></details>'
    )


def _matrix_html(target: Mapping[str, Any], several: bool) -> str:
    matrix = target["matrix"]
    head = "".join(f"<th>{e(c)}</th>" for c in matrix["columns"])
    rows = []
    for row in matrix["rows"]:
        cells = []
        for column in matrix["columns"]:
            c = matrix["cells"][row][column]
            if not c["cases"]:
                cells.append('<td class="st-none"></td>')
                continue
            counted = c["pass"] + c["fail"] + c["error"] + c["skipped"]
            text = f"{c['pass']}/{counted}" if counted else "unsup."
            if c["expected"]:
                text += f" ({c['expected']} exp.)"
            tip = (
                f"{row} × {column}: {c['pass']} pass, {c['fail']} fail, {c['error']} error, "
                f"{c['skipped']} could not run, {c['unsupported']} unsupported, "
                f"{c['expected']} expected deviation(s)\n" + "\n".join(c["ids"][:30])
            )
            cells.append(
                f'<td class="has st-{e(c["state"])}" title="{e(tip)}" data-op="{e(row)}" '
                f'data-feature="{e(column)}" data-target="{e(target["label"] if several else "")}">'
                f"{e(text)}</td>"
            )
        rows.append(f"<tr><th>{e(row)}</th>{''.join(cells)}</tr>")
    caption = f"<h3>{e(target['label'])}</h3>" if several else ""
    return (
        f'{caption}<table class="matrix"><tr><th>operation \\ feature</th>{head}</tr>'
        f"{''.join(rows)}</table>"
    )


def _field_matrix_html(target: Mapping[str, Any], several: bool) -> str:
    fm = target.get("field_matrix")
    if not fm:
        return ""
    head = "".join(f"<th><code>{e(c)}</code></th>" for c in fm["columns"])
    rows = []
    for row in fm["rows"]:
        cells = []
        for column in fm["columns"]:
            c = fm["cells"][row][column]
            counts = ", ".join(f"{k} {v}" for k, v in c.items() if k != "state" and v)
            mark = {"pass": "=", "partial": "≈", "fail": "≠", "none": ""}[c["state"]]
            cells.append(f'<td class="st-{e(c["state"])}" title="{e(counts)}">{mark}</td>')
        rows.append(f"<tr><th>{e(row)}</th>{''.join(cells)}</tr>")
    caption = f"<h3>{e(target['label'])}</h3>" if several else ""
    return (
        f'{caption}<table class="matrix"><tr><th>operation \\ field</th>{head}</tr>'
        f"{''.join(rows)}</table>"
    )


def _targets_html(document: Mapping[str, Any]) -> str:
    rows = []
    for t in document["targets"]:
        c = t["counts"]
        checks = "<br>".join(
            f"{'✔' if ch['passed'] else '✘'} <b>{e(ch['name'])}</b>: {e(ch['detail'])}"
            for ch in t["gate"]["checks"]
        )
        where = e(t.get("base_url") or "")
        faults = f"<br>faults: {e(', '.join(t['faults']))}" if t["faults"] else ""
        unreachable = (
            f'<br><span class="pill fail">unreachable</span> {e(t.get("error"))}'
            if not t["reachable"]
            else ""
        )
        rows.append(
            f"<tr><td><b>{e(t['label'])}</b><br><span class='muted'>{e(t['spec'])} {where}"
            f"{faults}</span>{unreachable}</td>"
            f"<td class='num'><b>{e(t['score']['display'])}</b><br><span class='muted'>"
            f"{e(t['score']['earned'])}/{e(t['score']['possible'])}</span></td>"
            f"<td class='num'>{c['pass']}</td><td class='num'>{c['fail']}</td>"
            f"<td class='num'>{c['error']}</td><td class='num'>{c['skipped']}</td>"
            f"<td class='num'>{c['unsupported']}</td><td class='num'>{c['expected_deviation']}</td>"
            f"<td class='{'st-pass' if t['gate']['passed'] else 'st-fail'}'>{checks}</td></tr>"
        )
    return (
        "<table><tr><th>target</th><th>score</th><th>pass</th><th>fail</th><th>error</th>"
        "<th>could not run</th><th>unsupported</th><th>expected deviations</th><th>gate</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _comparison_html(comparison: Mapping[str, Any]) -> str:
    labels = comparison["targets"]
    head = "".join(f"<th>{e(label)}</th>" for label in labels)
    rows = []
    for row in sorted(comparison["rows"], key=lambda r: (not r["differs"], r["id"])):
        cells = []
        for label in labels:
            status = row["statuses"].get(label)
            key = "expected" if row.get("expected", {}).get(label) else status
            cells.append(
                f'<td><span class="pill {e(key)}">{e(key or "not run")}</span></td>'
                if status
                else '<td class="muted">not run</td>'
            )
        mark = " ≠" if row["differs"] else ""
        rows.append(f"<tr><td><code>{e(row['id'])}</code>{mark}</td>{''.join(cells)}</tr>")
    return (
        f"<p>{comparison['differing']} of {len(comparison['rows'])} case(s) differ between "
        f"targets (listed first, marked ≠).</p><table><tr><th>case</th>{head}</tr>"
        f"{''.join(rows)}</table>"
    )


def _deviations_html(deviations: Mapping[str, Any] | None) -> str:
    if not deviations:
        return ""
    parts = [
        "<h2 id='deviations'>Expected deviations</h2>"
        f"<p class='muted'>From {e(deviations.get('file'))}</p>"
    ]
    if deviations["expected"]:
        rows = "".join(
            f"<tr><td><code>{e(i['id'])}</code></td><td>{e(i['target'])}</td><td>{e(i['match'])}</td>"
            f"<td>{e(i['reason'])}</td></tr>"
            for i in deviations["expected"]
        )
        parts.append(
            "<table><tr><th>case</th><th>target</th><th>matched</th><th>reason</th></tr>"
            f"{rows}</table>"
        )
    else:
        parts.append("<p>No failing case matched a listed deviation.</p>")
    for item in deviations["stale"]:
        parts.append(
            f"<div class='warn'>Listed deviation <b>{e(item['match'])}</b> now passes on "
            f"{e(item['target'])} ({e(', '.join(item['passing']))}): remove it from the file.</div>"
        )
    for item in deviations["unmatched"]:
        parts.append(
            f"<p class='muted'>Listed deviation {e(item['match'])} matched no case on "
            f"{e(item['target'])}.</p>"
        )
    return "".join(parts)


def _baseline_html(baseline: Mapping[str, Any] | None) -> str:
    if not baseline:
        return ""
    parts = [f"<h2 id='baseline'>Against baseline {e(baseline.get('run_id'))}</h2>"]
    for t in baseline["targets"]:
        parts.append(
            f"<h3>{e(t['target'])}: score {e(t['score_before'])} → {e(t['score_after'])}</h3>"
        )
        for title, key in (
            ("Regressions", "regressions"),
            ("Fixes", "fixes"),
            ("Other new failures", "new_failures"),
            ("Other changes", "changed"),
        ):
            items = t[key]
            if key == "new_failures":
                ids = {r["id"] for r in t["regressions"]}
                items = [i for i in items if i["id"] not in ids]
            if items:
                lis = "".join(
                    f"<li><code>{e(i['id'])}</code> {e(i['before'] or 'absent')} → "
                    f"{e(i['after'] or 'absent')} {e(i.get('message') or '')}</li>"
                    for i in items
                )
                parts.append(f"<h4>{title}</h4><ul>{lis}</ul>")
    return "".join(parts)


def _options(values: Sequence[str]) -> str:
    return "".join(f'<option value="{e(v)}">{e(v)}</option>' for v in values)


def _select(label: str, ident: str, values: Sequence[str]) -> str:
    return (
        f'<label>{e(label)} <select id="{e(ident)}"><option value="">all</option>'
        f"{_options(values)}</select></label>"
    )


def _short(value: Any, limit: int = 2000) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)[:limit]


def report_html(document: Mapping[str, Any]) -> str:
    run = document["run"]
    targets = document["targets"]
    several = len(targets) > 1
    score = document["score"]
    gate = document["gate"]
    clauses = document.get("clauses") or {}
    selection = document.get("selection") or {}
    cases = sorted(
        document["cases"],
        key=lambda c: (ORDER.get(_status_key(c), 9), c["target"] if several else "", c["id"]),
    )
    colour = colour_for(score.get("value"))
    ink = "#1d2125" if colour in LIGHT_COLOURS else "#fff"
    phases = ", ".join(
        p["name"] + ("" if p["status"] == "ran" else f" ({p['status']})")
        for p in document["phases"]
    )
    title = ", ".join(t["label"] for t in targets) or "(no target)"
    seed = document.get("seed")
    head = (
        f'<header class="top"><div class="score" style="background:{colour};color:{ink}" '
        f'title="{e(score.get("formula"))}"><span class="num">{e(score["display"])}</span>'
        f'<span class="of">{"score / 100" if score.get("value") is not None else "no score"}'
        "</span></div>"
        f"<div><h1>TaskRouter conformance: {e(title)}</h1>"
        f'<div class="muted">run {e(run["run_id"])} · '
        f"harness {e(document['harness']['version'])} · "
        f"started {e(run.get('started_at'))} · {float(run.get('duration_s') or 0):.1f}s · "
        f"phases: {e(phases)} · seed {e(seed if seed is not None else 'n/a (no fuzz phase)')}"
        f"{' · rerun of ' + e(run['rerun_of']) if run.get('rerun_of') else ''}"
        f"{' · <b>interrupted</b>' if run.get('interrupted') else ''}</div>"
        f'<div class="gate {"ok" if gate["passed"] else "bad"}">{e(gate["summary"])}</div>'
        "</div></header>"
    )
    toc = ['<a href="#targets">Targets</a>', '<a href="#matrix">Parity matrix</a>']
    if any(t.get("field_matrix") for t in targets):
        toc.append('<a href="#fields">Fields</a>')
    if document.get("comparison"):
        toc.append('<a href="#compare">Side by side</a>')
    if document.get("deviations"):
        toc.append('<a href="#deviations">Deviations</a>')
    if document.get("baseline"):
        toc.append('<a href="#baseline">Baseline</a>')
    toc += ['<a href="#cases">Cases</a>', '<a href="#config">Configuration</a>']
    problems = sum(
        1
        for c in document["cases"]
        if c["status"] in ("fail", "error") and not c.get("expected_deviation")
    )
    body = [head, f'<nav class="toc">{" · ".join(toc)}</nav>']
    for warning in document.get("warnings") or []:
        body.append(f'<div class="warn">{e(warning)}</div>')
    body.append(f'<h2 id="targets">Targets</h2>{_targets_html(document)}')
    body.append(
        f'<p class="muted">Score: {e(score.get("formula"))}. Excluded by selection: '
        f"{e(selection.get('excluded', 0))} case(s).</p>"
    )
    body.append(
        '<h2 id="matrix">Parity matrix: operation × feature</h2>'
        '<p class="muted">Each cell: passed / counted cases that exercise the operation in that '
        "feature. Click a cell to list its cases.</p>"
        + "".join(_matrix_html(t, several) for t in targets)
    )
    if any(t.get("field_matrix") for t in targets):
        body.append(
            '<h2 id="fields">Operation × response field (replay)</h2>'
            '<p class="muted">= equal (or equal after normalising) · ≈ type only · '
            "≠ missing, extra or different</p>"
            + "".join(_field_matrix_html(t, several) for t in targets)
        )
    if document.get("comparison"):
        body.append(f'<h2 id="compare">Side by side</h2>{_comparison_html(document["comparison"])}')
    body.append(_deviations_html(document.get("deviations")))
    body.append(_baseline_html(document.get("baseline")))
    features = sorted(
        {c["feature"] for c in document["cases"]} | {c["category"] for c in document["cases"]}
    )
    clause_ids = sorted({r["id"] for c in document["cases"] for r in c.get("clauses") or []})
    ops = sorted({o["operation"] for c in document["cases"] for o in c.get("operations") or []})
    boxes = "".join(
        f'<label><input type="checkbox" value="{s}" checked> '
        f"{s.replace('expected', 'expected deviation')}</label>"
        for s in ("fail", "error", "expected", "skipped", "unsupported", "pass")
    )
    target_filter = (
        f'<label>target <select id="f-target"><option value="">all</option>'
        f"{_options([t['label'] for t in targets])}</select></label>"
        if several
        else ""
    )
    body.append(
        f'<h2 id="cases">Cases ({len(document["cases"])}; {problems} failing)</h2>'
        f'<div class="filters">{boxes}'
        f"{_select('feature/category', 'f-feature', features)}"
        f"{_select('clause', 'f-clause', clause_ids)}"
        f"{_select('operation', 'f-op', ops)}"
        f'{target_filter}<input type="search" id="f-text" placeholder="search id or title">'
        f'<button type="button" id="f-reset">reset</button>'
        f'<span class="muted" id="f-count">{len(document["cases"])} case(s)</span></div>'
        '<div id="case-list">'
        + "".join(_case_html(c, clauses, several, i) for i, c in enumerate(cases))
        + "</div>"
    )
    body.append(
        '<h2 id="config">Configuration (redacted)</h2>'
        f"<pre>{e(_json(document.get('config')))}</pre>"
        f"<pre>{e(_json({'selection': selection, 'phases': document.get('phases')}))}</pre>"
    )
    body.append(
        f"<footer>taskrouter-conformance {e(document['harness']['version'])} · report format "
        f"{e(document['format'])} v{e(document['schema_version'])} · this file is self-contained "
        "and loads nothing from the network.</footer>"
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        f"<title>TaskRouter conformance: {e(title)} — {e(score['display'])}</title>"
        f"<style>{CSS}</style></head><body><main>{''.join(body)}</main>"
        f"<script>{JS}</script></body></html>\n"
    )


def write_report_html(path: Path, document: Mapping[str, Any]) -> Path:
    path.write_text(report_html(document), encoding="utf-8")
    return path
