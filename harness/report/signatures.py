"""Root-cause signatures of failing cases, stable and phase-independent.

One signature names one way a target breaks an expectation, whatever case or phase saw it:

- ``status:<OperationId>:<observed>!=<expected>``: the wrong status (``status:CreateTask:
  422!=400``); the fuzz phase, a scenario's ``status:`` expectation and replay's ``status``
  field all give it;
- ``field:<path>:<observed>``: a body field with the wrong value, or none (``field:links.
  task_queue:missing``, ``field:ignore_capacity:null``); list items are folded
  (``tasks[0].x`` is ``x``), values that differ per case (SIDs, dates, long strings) are their
  kind (``<sid>``, ``<string>``);
- ``header:<OperationId>:<Name>:<observed>``, ``schema:<problem>`` (an off-spec response),
  ``relation:<kind>:<OperationId>``, ``no-response:<OperationId>:<error>``,
  ``harness:<message>``, ``check:<check>:<OperationId>`` (fuzz);
- whatever a runner sets in ``CaseRecord.cause`` (``state.sids-reused``, ``accepted:...``,
  ``server-error:...``), taken as it is; a replay case's ``replay-field:...`` gives way to the
  signatures of its field verdicts, which are the ones above (so a replayed 422 is the
  scenario's and the fuzz phase's ``status:`` cause), and a fuzz
  ``check:response_schema_conformance:...`` whose message names the property gives way to
  the ``field:`` signature of that property;
- schema problems that are a missing key, a number sent as a string or a null are that
  ``field:`` signature too, so the spec check, a body check and replay agree.
"""

from __future__ import annotations

import json
import re
from typing import Any

from harness.report.model import Case
from harness.results.model import FieldVerdict
from harness.results.vocab import Operation, Verdict

INFERRED_SCHEMA_PREFIX = "schema (inferred): "
REPLAY_FIELD = "replay-field:"
SCHEMA_CHECK = "check:response_schema_conformance:"
_FUZZ_SCHEMA = re.compile(r"^Response violates schema: (?P<message>[^\n]+)")
_FUZZ_AT = re.compile(r"Schema at #?/components/schemas/\w+(?P<path>(/properties/[\w-]+)*)")
MISSING_TEXT = "<missing>"
_SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")
_SIDS = re.compile(r"\b[A-Z]{2}[0-9a-fA-F]{32}\b")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_INDEX = re.compile(r"\[\d+\]")
_SPEC_PREFIX = re.compile(r"^\S+ \d{3}: ")
_SCHEMA_INDEX = re.compile(r"\.\d+(?=[.:]|$)")
_NUMERIC = re.compile(r"^-?\d+(\.\d+)?$")
#: a JSON Schema message about a value: "<where>: <value> is not of type 'integer'"
_VALUE_MESSAGE = re.compile(
    r"^(?P<where>.*?: )?(?P<value>.+?) (?P<rest>is (not|too|less|greater) .*)$"
)
_NUMBERS = re.compile(r"\d{4,}")
MAX_TEXT = 100


def observed_text(value: Any) -> str:
    """A value as a signature shows it: literal when it says something, its kind otherwise."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value) if abs(value) < 10**6 else "<number>"
    if isinstance(value, str):
        if value in (MISSING_TEXT, "missing"):
            return "missing"
        if _SID.match(value):
            return "<sid>"
        if _NUMERIC.match(value):
            return "<numeric string>"
        if _DATE.match(value) or len(value) > 40:
            return "<string>"
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "<object>" if value else "{}"
    if isinstance(value, list):
        return "<array>" if value else "[]"
    return "missing" if str(value) == MISSING_TEXT else "<value>"


def field_path(path: str) -> str:
    """``tasks[0].links.task_queue`` -> ``links.task_queue``; other indexes become ``[]``."""
    path = _INDEX.sub("[]", path.strip())
    if path.startswith("tasks[]."):
        path = path[len("tasks[].") :]
    return path


def plain(text: str) -> str:
    """A message fit for a signature: SIDs and long numbers folded, whitespace squeezed."""
    text = _NUMBERS.sub("<n>", _SIDS.sub("<sid>", " ".join(str(text).split())))
    return text[:MAX_TEXT]


def _value_kind(text: str) -> str:
    """The kind of a value as jsonschema prints it (``'0'``, ``None``, ``5``, ``{...}``)."""
    if text.startswith(("'", '"')):
        return "a numeric string" if _NUMERIC.match(text[1:-1]) else "a string"
    if text == "None":
        return "null"
    if text in ("True", "False"):
        return "a boolean"
    if _NUMERIC.match(text):
        return "a number"
    return {"{": "an object", "[": "an array"}.get(text[:1], "a value")


def schema_text(problem: str) -> str:
    """A schema problem without its operation, status and the value that broke it:
    ``CreateTask 201: body.priority: '0' is not of type 'integer'`` -> ``body.priority: a
    numeric string is not of type 'integer'`` (the same on every case)."""
    text = _SPEC_PREFIX.sub("", " ".join(problem.split()))
    text = _INDEX.sub("[]", _SCHEMA_INDEX.sub("[]", text)).replace("body.tasks[].", "body.")
    match = _VALUE_MESSAGE.match(text)
    if match and "required property" not in text:
        text = f"{match['where'] or ''}{_value_kind(match['value'])} {match['rest']}"
    return plain(text)


_REQUIRED = re.compile(
    r"^body(?P<path>[.\w\[\]]*): ['\"](?P<key>[\w-]+)['\"] is a required property$"
)
_TYPED = re.compile(r"^body\.(?P<path>[.\w\[\]]+): (?P<kind>a numeric string|null) is not of type")
_KIND_OBSERVED = {"a numeric string": "<numeric string>", "null": "null"}


def schema_field(text: str) -> tuple[str, str] | None:
    """The field signature a schema problem amounts to, when it is one a body check or replay
    also sees (a missing key, a number sent as a string, a null): so that the same root cause
    is one cause whichever phase found it."""
    required = _REQUIRED.match(text)
    if required:
        path = required["path"].lstrip(".")
        return _field(f"{path}.{required['key']}" if path else required["key"], "missing")
    typed = _TYPED.match(text)
    if typed:
        return _field(typed["path"], _KIND_OBSERVED[typed["kind"]])
    return None


def fuzz_schema_field(message: str) -> tuple[str, str] | None:
    """The field signature of a schemathesis ``response_schema_conformance`` failure whose
    message names the property (``Schema at /components/schemas/Task/properties/priority``),
    when it is one ``schema_field`` knows; None otherwise."""
    found, at = _FUZZ_SCHEMA.match(message or ""), _FUZZ_AT.search(message or "")
    if found is None or at is None:
        return None
    path = ".".join(p for p in at["path"].split("/") if p and p != "properties")
    return schema_field(schema_text(f"body{'.' + path if path else ''}: {found['message']}"))


def _expected_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "/".join(str(v) for v in value)
    return str(value)


def _wanted(expected: Any) -> str:
    """`` where 20404 is due`` for a plain expected value (or ``{"eq": ...}``); else ""."""
    if isinstance(expected, dict) and len(expected) == 1 and "eq" in expected:
        expected = expected["eq"]
    if isinstance(expected, bool | int | float) or (
        isinstance(expected, str) and len(expected) <= 40 and "{" not in expected
    ):
        return f" where {json.dumps(expected)} is due"
    return ""


def failing_operation(case: Case) -> str:
    """The operation the case failed at (its first with a problem status), else its first."""
    for item in case.operations:
        if item.status.is_problem:
            return item.operation
    return case.operations[0].operation if case.operations else Operation.SUPPORT


def _status(op: str, observed: Any, expected: Any) -> tuple[str, str]:
    due = _expected_text(expected)
    return f"status:{op}:{observed}!={due}", f"{observed} where {due} is due ({op})"


_KIND_TITLES = {
    "<numeric string>": "a numeric string",
    "<sid>": "a SID",
    "<string>": "a string",
    "<object>": "an object",
    "<array>": "an array",
    "<number>": "a large number",
}


def _field(path: str, observed: str) -> tuple[str, str]:
    path = field_path(path)
    shown = (
        observed
        if observed in ("missing", "null")
        else "is " + _KIND_TITLES.get(observed, observed)
    )
    return f"field:{path}:{observed}", f"{path} {shown}"


def _verdict(value: str) -> Verdict:
    try:
        return Verdict(value)
    except ValueError:
        return Verdict.DIFFERENT


def verdict_signature(verdict: FieldVerdict) -> tuple[str, str]:
    """The signature of one replay field difference."""
    op, name = verdict.operation or Operation.SUPPORT, verdict.field
    kind = _verdict(verdict.verdict)
    if name == "status":
        return _status(op, verdict.actual, verdict.expected)
    if name == "response":
        return f"no-response:{op}", f"no response ({op})"
    if kind is Verdict.MISSING:
        observed = "missing"
    elif kind is Verdict.EXTRA:
        observed = "extra"
    else:
        observed = observed_text(verdict.actual)
    if name.startswith("header:"):
        header = name.split(":", 1)[1]
        return f"header:{op}:{header}:{observed}", f"{header} header {observed} ({op})"
    if kind is Verdict.EXTRA:
        return f"field:{field_path(name)}:extra", f"{field_path(name)} not in the recording"
    return _field(name, observed)


def failure_signature(case: Case) -> tuple[str, str]:
    """The signature derived from the case's failure (or its status and reason)."""
    failure, op = case.failure, failing_operation(case)
    if failure is None:
        reason = plain(case.reason or str(case.status))
        return f"{case.status}:{reason}", reason
    expectation, actual = failure.expectation or "", failure.actual
    if expectation == "status":
        return _status(op, actual, failure.expected)
    if expectation.startswith(("json.", "body.")):
        signature, title = _field(expectation.split(".", 1)[1], observed_text(actual))
        return signature, title + _wanted(failure.expected)
    if expectation == "spec":
        problems = actual if isinstance(actual, list) else [failure.message]
        text = schema_text(str(problems[0] if problems else failure.message))
        return schema_field(text) or (f"schema:{text}", f"off-spec response: {text}")
    if expectation.startswith("headers."):
        header = expectation.split(".", 1)[1]
        observed = observed_text(actual)
        return f"header:{op}:{header}:{observed}", f"{header} header {observed} ({op})"
    if expectation.startswith("relations["):
        kind = expectation.rsplit(".", 1)[-1]
        return f"relation:{kind}:{op}", f"{kind} does not hold ({op})"
    if expectation.startswith("save."):
        wanted = str(failure.expected or "")
        if wanted.startswith("a value at "):
            return _field(wanted[len("a value at ") :], "missing")
        header = wanted.removeprefix("a ").removesuffix(" header")
        return f"header:{op}:{header}:missing", f"{header} header missing ({op})"
    if expectation == "response":
        return f"no-response:{op}:{plain(str(actual))}", f"no response ({op}): {actual}"
    if expectation == "callbacks":  # the push channel could not be set up: one cause per run
        text = plain(failure.message)
        return f"callbacks:{text}", text
    if expectation == "harness":
        text = plain(failure.message)
        return f"harness:{text}", f"the harness could not run the case: {text}"
    if case.phase == "fuzz":
        return f"check:{expectation}:{op}", f"{expectation} fails ({op})"
    observed = observed_text(actual)
    return f"{plain(expectation)}:{op}:{observed}", plain(failure.message or expectation)


def case_signatures(case: Case) -> list[tuple[str, str]]:
    """The (signature, title) pairs of a failing case, its first cause first."""
    if case.cause and case.cause.startswith(SCHEMA_CHECK) and case.failure is not None:
        found = fuzz_schema_field(case.failure.message)
        if found is not None:
            return [found]
    if case.cause and not (case.cause.startswith(REPLAY_FIELD) and case.fields):
        return [(case.cause, title_of(case.cause, case))]
    # a replay case's differences, one cause each: the same signatures the other phases give
    # (``status:...``, ``field:...``), also when the runner named only its first difference
    out: list[tuple[str, str]] = []
    for verdict in case.fields:
        kind = _verdict(verdict.verdict)
        if kind.is_match or kind.is_partial:
            continue
        found = verdict_signature(verdict)
        if found not in out:
            out.append(found)
    return out or [failure_signature(case)]


def inferred_schema_signature(warning: str) -> tuple[str, str] | None:
    """The signature of a ``schema (inferred): ...`` warning; None for other warnings."""
    if not warning.startswith(INFERRED_SCHEMA_PREFIX):
        return None
    text = schema_text(warning[len(INFERRED_SCHEMA_PREFIX) :])
    return f"schema-inferred:{text}", f"{text} (the schema rule is inferred)"


_STATE_TITLES = {
    "state.sids-reused": "the target reuses SIDs: it does not keep state",
    "state.foreign-tasks": "the target returns other cases' tasks: it does not keep state",
    "state.not-kept": "the target does not keep state",
}


def title_of(signature: str, case: Case | None = None) -> str:
    """A one-line title of a runner-given signature (the conventions of CaseRecord.cause)."""
    if signature in _STATE_TITLES:
        return _STATE_TITLES[signature]
    kind, _, rest = signature.partition(":")
    parts = rest.split(":")
    if kind == "status" and len(parts) == 2 and "!=" in parts[1]:
        observed, due = parts[1].split("!=", 1)
        return f"{observed} where {due} is due ({parts[0]})"
    if kind == "accepted" and parts:
        return f"a schema-violating request is accepted ({parts[0]})"
    if kind == "server-error" and parts:
        return f"a server error, 5xx ({parts[0]})"
    if kind == "check" and len(parts) >= 2:
        return f"{parts[0]} fails ({parts[1]})"
    if kind == "replay-field" and len(parts) >= 3:
        # the field may hold a colon itself (header:ETag): operation first, verdict last
        field_path = ":".join(parts[1:-1])
        return f"{field_path} {parts[-1]} against the recording ({parts[0]})"
    if kind == "field" and len(parts) >= 2:
        return _field(parts[0], ":".join(parts[1:]))[1]
    if case is not None and case.failure is not None and case.failure.message:
        return plain(case.failure.message)
    return signature
