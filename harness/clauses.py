"""Load and validate ``spec/clauses.yaml``: the catalogue of documented behaviour.

Every check the harness makes cites a clause id from this file, so a report can say
which sentence of which public Twilio source a clone breaks, with a ``url`` a reader can
follow (a Twilio documentation page and section, or the official OpenAPI at a commit).

A clause is either ``documented`` (the quoted words are Twilio's own, on ``url``) or
``inferred`` (Twilio implies it, is silent or contradicts itself, or the basis is an SDK,
the error dictionary or a user report); an inferred clause must carry an ``assumption``
saying what the harness assumes and why.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal, cast, get_args
from urllib.parse import urlsplit

import yaml

from harness.resources import clauses_file

__all__ = [
    "CATEGORIES",
    "ID_PATTERN",
    "SOURCES",
    "SOURCE_HOSTS",
    "STRENGTHS",
    "Category",
    "Clause",
    "ClauseFileError",
    "Source",
    "Strength",
    "load_clauses",
]

Strength = Literal["documented", "inferred"]
#: The kind of public source a clause cites (a short label; ``url`` says where exactly).
Source = Literal[
    "twilio-docs",  # a page of https://www.twilio.com/docs
    "twilio-oai",  # Twilio's official OpenAPI, github.com/twilio/twilio-oai at a commit
    "twilio-sdk",  # an official SDK's code or tests, github.com/twilio/...
    "twilio-errors",  # the error dictionary, https://www.twilio.com/docs/api/errors/<code>
    "twilio-changelog",  # a Twilio changelog entry
    "community",  # public user reports (GitHub issues)
]
Category = Literal[
    "lifecycle",
    "filtering",
    "ordering",
    "paging",
    "etag",
    "validation",
    "auth",
    "retention",
    "schema",
    "limits",
    "events",  # the Events resource, Event callbacks and assignment callbacks
]

STRENGTHS: frozenset[str] = frozenset(get_args(Strength))
SOURCES: frozenset[str] = frozenset(get_args(Source))
CATEGORIES: frozenset[str] = frozenset(get_args(Category))
#: Where each kind of source lives: the URL's host, and the path it starts with.
SOURCE_HOSTS: dict[str, tuple[str, str]] = {
    "twilio-docs": ("www.twilio.com", "/docs/"),
    "twilio-oai": ("github.com", "/twilio/twilio-oai/"),
    "twilio-sdk": ("github.com", "/twilio/"),
    "twilio-errors": ("www.twilio.com", "/docs/api/errors/"),
    "twilio-changelog": ("www.twilio.com", "/"),
    "community": ("github.com", "/"),
}
ID_PATTERN: re.Pattern[str] = re.compile(r"^task(\.[a-z0-9-]+)+$")
SUPPORTED_VERSION = 1


class ClauseFileError(ValueError):
    """The clause file is missing, unparsable, or holds a malformed entry."""


@dataclass(frozen=True)
class Clause:
    """One normative statement, quoted from (or summarising) a public source at ``url``."""

    id: str
    section: str
    quote: str
    strength: Strength
    source: Source
    #: The public page or file cited (https), with a section anchor where the page has one.
    url: str
    assumption: str | None
    category: Category

    @property
    def documented(self) -> bool:
        return self.strength == "documented"


_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Clause))


def load_clauses(path: Path | None = None) -> dict[str, Clause]:
    """Read the clause file and return its clauses keyed by id, in file order.

    Raises :class:`ClauseFileError` naming the file, the entry (index and id) and the
    field for anything malformed.
    """
    file = Path(path) if path is not None else clauses_file()
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ClauseFileError(f"{file}: cannot read clause file: {exc}") from exc
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ClauseFileError(f"{file}: not valid YAML: {exc}") from exc

    if not isinstance(document, Mapping):
        raise ClauseFileError(f"{file}: top level must be a mapping with a 'clauses' list")
    version = document.get("version")
    if version != SUPPORTED_VERSION:
        raise ClauseFileError(
            f"{file}: field 'version': expected {SUPPORTED_VERSION}, got {version!r}"
        )
    entries = document.get("clauses")
    if not isinstance(entries, list):
        raise ClauseFileError(f"{file}: field 'clauses': expected a list, got {entries!r}")

    clauses: dict[str, Clause] = {}
    first_index: dict[str, int] = {}
    for index, entry in enumerate(entries):
        clause = _parse_entry(file, index, entry)
        if clause.id in clauses:
            raise ClauseFileError(
                _where(file, index, clause.id)
                + f": field 'id': duplicate id (first used by clauses[{first_index[clause.id]}])"
            )
        clauses[clause.id] = clause
        first_index[clause.id] = index
    return clauses


def _where(file: Path, index: int, clause_id: object) -> str:
    shown = repr(clause_id) if isinstance(clause_id, str) else "<no id>"
    return f"{file}: clauses[{index}] (id {shown})"


def _parse_entry(file: Path, index: int, entry: Any) -> Clause:
    if not isinstance(entry, Mapping):
        raise ClauseFileError(f"{_where(file, index, None)}: entry must be a mapping")
    clause_id = entry.get("id")
    where = _where(file, index, clause_id)

    def fail(field: str, problem: str) -> ClauseFileError:
        return ClauseFileError(f"{where}: field '{field}': {problem}")

    for name in _FIELDS:
        if name not in entry:
            raise fail(name, "missing")
    unknown = sorted(str(key) for key in entry if key not in _FIELDS)
    if unknown:
        raise fail(unknown[0], f"unknown field (allowed: {', '.join(_FIELDS)})")

    if not isinstance(clause_id, str) or not ID_PATTERN.fullmatch(clause_id):
        raise fail("id", f"must match {ID_PATTERN.pattern}, got {clause_id!r}")
    for name in ("section", "quote"):
        value = entry[name]
        if not isinstance(value, str) or not value.strip():
            raise fail(name, f"must be a non-empty string, got {value!r}")

    strength = entry["strength"]
    if strength not in STRENGTHS:
        raise fail("strength", f"must be one of {sorted(STRENGTHS)}, got {strength!r}")
    source = entry["source"]
    if source not in SOURCES:
        raise fail("source", f"must be one of {sorted(SOURCES)}, got {source!r}")
    problem = _url_problem(entry["url"], source)
    if problem:
        raise fail("url", problem)
    category = entry["category"]
    if category not in CATEGORIES:
        raise fail("category", f"must be one of {sorted(CATEGORIES)}, got {category!r}")

    assumption = entry["assumption"]
    if assumption is not None and (not isinstance(assumption, str) or not assumption.strip()):
        raise fail("assumption", f"must be null or a non-empty string, got {assumption!r}")
    if strength == "inferred" and assumption is None:
        raise fail("assumption", "required for an inferred clause (say what is assumed and why)")

    return Clause(
        id=clause_id,
        section=entry["section"],
        quote=entry["quote"],
        strength=cast(Strength, strength),
        source=cast(Source, source),
        url=entry["url"],
        assumption=assumption,
        category=cast(Category, category),
    )


def _url_problem(url: Any, source: str) -> str | None:
    """Why ``url`` cannot be followed as a citation of kind ``source`` (None: it can)."""
    if not isinstance(url, str) or not url.strip():
        return f"must be a non-empty https URL, got {url!r}"
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc or any(c.isspace() for c in url):
        return f"must be an https URL a reader can follow, got {url!r}"
    if "/../" in f"{parts.path}/" or "/./" in f"{parts.path}/":
        return f"must not contain relative path segments, got {url!r}"
    host, prefix = SOURCE_HOSTS[source]
    if parts.netloc != host or not parts.path.startswith(prefix):
        return f"a {source} source lives under https://{host}{prefix}, got {url!r}"
    return None
