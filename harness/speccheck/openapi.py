"""Check any response against ``spec/taskrouter-tasks.yaml`` (OpenAPI 3.0).

The operation is found by method and path template; the body is validated against the schema
declared for the status (``$ref``s resolved, ``nullable`` turned into JSON Schema), and
headers declared ``required: true`` (the ETag) must be present.

``check_problems`` returns each problem as a ``SpecProblem``: the sentence, the rule it broke
(a JSON pointer into the document plus the keyword) and that rule's ``Strength``. A rule is
``inferred`` when the schema path of the error passes through or ends at a schema object
carrying ``x-trc-strength: inferred`` (its ``x-trc-assumption`` says why), or when it is a
``required`` error for a key listed in the object's ``x-trc-inferred-required``; everything
else is ``documented``. ``check`` returns the sentences only.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import fastjsonschema
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from harness.results.vocab import Strength
from harness.speccheck.strength import SpecProblem, error_strength, marked_inferred
from harness.yamlsrc import load_plain_file

SPEC_URI = "urn:trc:spec"
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _is_date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(_DATE_TIME.match(value))


def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and (parts.netloc or parts.path))


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checks("date-time")(_is_date_time)
    checker.checks("uri")(_is_uri)
    return checker


def _yes_or_no(compiled: Callable[[Any], Any]) -> Callable[[Any], bool]:
    def fits(document: Any) -> bool:
        try:
            compiled(document)
        except Exception:  # JsonSchemaValueException, or a body the generated code trips on
            return False  # either way jsonschema judges it
        return True

    return fits


def _resolve_pointer(document: Any, pointer: str) -> Any:
    """The node of ``document`` at the JSON pointer ``pointer`` (``/paths/~1v1~1Tasks/get``)."""
    node = document
    for token in pointer.lstrip("/").split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


class _Cycle(Exception):
    """A schema that refers to itself: it cannot be inlined."""


def _inline_refs(document: Any, node: Any, stack: tuple[str, ...] = ()) -> Any:
    """``node`` with each local ``$ref`` replaced by what it points at (Draft 4 ignores a
    ``$ref``'s siblings, so the whole object is replaced); raises ``_Cycle`` on a cycle."""
    if isinstance(node, list):
        return [_inline_refs(document, item, stack) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        if ref in stack:
            raise _Cycle(ref)
        return _inline_refs(document, _resolve_pointer(document, ref[1:]), (*stack, ref))
    return {key: _inline_refs(document, value, stack) for key, value in node.items()}


def convert_nullable(node: Any) -> Any:
    """OpenAPI 3.0 ``nullable: true`` -> JSON Schema that also accepts null (deep copy)."""
    if isinstance(node, list):
        return [convert_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: convert_nullable(value) for key, value in node.items()}
    if out.get("nullable") is True:
        out.pop("nullable")
        if "$ref" in out or any(k in out for k in ("allOf", "anyOf", "oneOf")):
            marks = {k: v for k, v in out.items() if k.startswith("x-trc-")}
            return {**marks, "anyOf": [out, {"type": "null"}]}
        if "type" in out:
            types = out["type"] if isinstance(out["type"], list) else [out["type"]]
            out["type"] = [*types, "null"] if "null" not in types else types
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    return out


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    pattern = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{pattern}/?$")


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    operation_id: str
    pointer: str  # JSON pointer of the operation object


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


class SpecChecker:
    """Validates responses against one OpenAPI document."""

    def __init__(self, document: dict[str, Any], source: str = "spec") -> None:
        self.source = source
        self.raw = document
        self.doc = convert_nullable(document)
        resource = Resource.from_contents(self.doc, default_specification=DRAFT4)
        self.registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
        self.format_checker = _format_checker()
        self.operations: list[tuple[re.Pattern[str], Operation]] = []
        for template, item in (self.doc.get("paths") or {}).items():
            for method, op in item.items():
                if method in HTTP_METHODS and isinstance(op, dict):
                    pointer = f"/paths/{_escape(template)}/{method}"
                    operation = Operation(
                        method.upper(), template, op.get("operationId", ""), pointer
                    )
                    self.operations.append((_template_regex(template), operation))
        self._validators: dict[str, Draft4Validator] = {}
        self._fast: dict[str, Callable[[Any], bool] | None] = {}

    @classmethod
    def from_path(cls, path: Path) -> SpecChecker:
        # the limits of harness.yamlsrc: an alias bomb or a huge file is a one-line error
        return cls(load_plain_file(path, str(path)), str(path))

    def operation(self, method: str, url_path: str) -> Operation | None:
        for regex, operation in self.operations:
            if operation.method == method.upper() and regex.match(url_path):
                return operation
        return None

    def _resolve(self, node: Any) -> Any:
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 20:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                return node
            target: Any = self.doc
            for token in ref[2:].split("/"):
                target = target[token.replace("~1", "/").replace("~0", "~")]
            node = target
            seen += 1
        return node

    def _pointer(self, pointer: str) -> Any:
        return _resolve_pointer(self.doc, pointer)

    def _fast_validator(self, pointer: str) -> Callable[[Any], bool] | None:
        """Whether a body fits the schema at ``pointer``: the schema with every local ``$ref``
        inlined, compiled to Python by fastjsonschema (tens of times cheaper than jsonschema on
        a page of tasks). It only answers yes or no, and only its yes is trusted: on a no,
        jsonschema walks the references so each error names its rule in the document. None
        when the schema cannot be inlined (it refers to itself) or compiled."""
        if pointer not in self._fast:
            try:
                inlined = _inline_refs(self.doc, self._pointer(pointer))
                compiled = fastjsonschema.compile(
                    {"$schema": "http://json-schema.org/draft-04/schema#", **inlined}
                    if isinstance(inlined, dict)
                    else inlined,
                    formats={"date-time": _is_date_time, "uri": _is_uri},
                    use_default=False,
                )
            except (_Cycle, fastjsonschema.JsonSchemaDefinitionException, RecursionError):
                self._fast[pointer] = None
            else:
                self._fast[pointer] = _yes_or_no(compiled)
        return self._fast[pointer]

    def _validator(self, pointer: str) -> Draft4Validator:
        if pointer not in self._validators:
            schema = {"$ref": f"{SPEC_URI}#{pointer}"}
            self._validators[pointer] = Draft4Validator(
                schema, registry=self.registry, format_checker=self.format_checker
            )
        return self._validators[pointer]

    def check(
        self, method: str, url: str, status: int, headers: dict[str, str], body: bytes | str
    ) -> list[str]:
        """Problems with this response (empty: on spec, or no operation to judge by)."""
        return [p.message for p in self.check_problems(method, url, status, headers, body)]

    def check_problems(
        self, method: str, url: str, status: int, headers: dict[str, str], body: bytes | str
    ) -> list[SpecProblem]:
        """Each problem with this response, with the rule it broke and that rule's strength."""
        operation = self.operation(method, urlsplit(url).path)
        if operation is None:
            return []
        op = self._pointer(operation.pointer)
        responses = op.get("responses") or {}
        key = next(
            (k for k in (str(status), f"{str(status)[0]}XX", "default") if k in responses), None
        )
        name = operation.operation_id or f"{operation.method} {operation.template}"
        if key is None:
            declared = ", ".join(sorted(str(k) for k in responses))
            message = f"{name}: status {status} is not declared (declared: {declared})"
            return [SpecProblem(message, f"#{operation.pointer}/responses")]
        response = self._resolve(responses[key])
        problems = self._check_headers(name, status, response, headers, operation, key)
        problems += self._check_body(name, status, operation, key, response, headers, body)
        return problems

    def _check_headers(
        self,
        name: str,
        status: int,
        response: dict[str, Any],
        headers: dict[str, str],
        operation: Operation,
        key: str,
    ) -> list[SpecProblem]:
        present = {k.lower() for k in headers}
        problems = []
        for header, spec in (response.get("headers") or {}).items():
            spec = self._resolve(spec)
            if spec.get("required") and header.lower() not in present:
                rule = f"#{operation.pointer}/responses/{_escape(key)}/headers/{_escape(header)}"
                assumption = marked_inferred(spec)
                strength = Strength.DOCUMENTED if assumption is None else Strength.INFERRED
                message = f"{name} {status}: required header {header} is missing"
                problems.append(SpecProblem(message, rule, strength, assumption or None))
        return problems

    def _check_body(
        self,
        name: str,
        status: int,
        operation: Operation,
        key: str,
        response: dict[str, Any],
        headers: dict[str, str],
        body: bytes | str,
    ) -> list[SpecProblem]:
        content = response.get("content") or {}
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        where_response = f"#{operation.pointer}/responses/{_escape(key)}"
        if not content:
            if status == 204 and text.strip():
                message = f"{name} {status}: expected no body, got {len(text)} characters"
                return [SpecProblem(message, where_response)]
            return []
        media = next((m for m in content if "json" in m), None)
        if media is None:
            return []
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        if "json" not in content_type.lower():
            message = f"{name} {status}: Content-Type is {content_type or 'missing'}, not JSON"
            return [SpecProblem(message, f"{where_response}/content")]
        try:
            document = json.loads(text)
        except ValueError:
            message = f"{name} {status}: the body is not JSON: {text[:120]!r}"
            return [SpecProblem(message, f"{where_response}/content")]
        if "schema" not in content[media]:
            return []
        # The schema may sit under a $ref'd response object; point at the resolved one.
        pointer = self._schema_pointer(operation, key, media)
        fast = self._fast_validator(pointer)
        if fast is not None and fast(document):
            return []
        # the slow validator walks the references, so each error names its rule in the document
        validator = self._validator(pointer)
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        problems = []
        for error in errors[:5]:
            where = "".join(
                f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path
            )
            strength, rule, assumption = error_strength(self.doc, pointer, error)
            problems.append(
                SpecProblem(
                    f"{name} {status}: body{where}: {_short(error.message)}",
                    rule,
                    strength,
                    assumption,
                )
            )
        if len(errors) > 5:
            rest = errors[5:]
            strengths = {error_strength(self.doc, pointer, e)[0] for e in rest}
            strongest = (
                Strength.DOCUMENTED if Strength.DOCUMENTED in strengths else Strength.INFERRED
            )
            problems.append(
                SpecProblem(f"... and {len(rest)} more schema violations", pointer, strongest)
            )
        return problems

    def _schema_pointer(self, operation: Operation, key: str, media: str) -> str:
        base = f"{operation.pointer}/responses/{_escape(key)}"
        node = self._pointer(base)
        hops = 0
        while isinstance(node, dict) and "$ref" in node and hops < 20:
            base = node["$ref"][1:]
            node = self._pointer(base)
            hops += 1
        return f"{base}/content/{_escape(media)}/schema"


def _short(message: str) -> str:
    return message if len(message) <= 240 else message[:237] + "..."


@lru_cache(maxsize=4)
def load_checker(path: str) -> SpecChecker:
    return SpecChecker.from_path(Path(path))


def copy_document(document: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(document)
