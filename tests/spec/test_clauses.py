"""The clause catalogue: it loads, it is well formed, and its quotes are honest."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.clauses import (
    CATEGORIES,
    ID_PATTERN,
    SOURCES,
    STRENGTHS,
    Clause,
    ClauseFileError,
    load_clauses,
)
from harness.resources import clauses_file
from tests.shared import SHARED, shared_file

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED_PATH = SHARED / "seed/task-resource.md"
FACTS_PATH = SHARED / "notes/twilio-facts.md"

REQUIRED_CATEGORIES = {
    "lifecycle",
    "filtering",
    "ordering",
    "paging",
    "etag",
    "validation",
    "auth",
    "retention",
}
FACTS_SECTION = re.compile(r"^facts (§[1-7]|Still open)$")

_LINK = re.compile(r"\[([^\[\]]*)\]\([^)\s]*\)")
_ESCAPE = re.compile(r"\\(.)")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Reduce markdown to comparable plain text.

    Markdown links become their text, backslash escapes (markdown ``\\*`` and JSON ``\\"``)
    are dropped, backticks and ``**`` emphasis are removed and whitespace is collapsed.
    """
    text = _LINK.sub(r"\1", text)
    text = _ESCAPE.sub(r"\1", text)
    text = text.replace("`", "").replace("**", "")
    return _SPACE.sub(" ", text).strip()


def _read_or_skip(path: Path) -> str:
    if not path.is_file():
        shared_file(str(path.relative_to(SHARED)))
    return path.read_text(encoding="utf-8")


def _headings(markdown: str) -> set[str]:
    """Headings of a markdown document, ignoring '#' lines inside fenced code."""
    found: set[str] = set()
    fenced = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (match := re.match(r"^#{1,6}\s+(.+?)\s*$", line)):
            found.add(match.group(1))
    return found


@pytest.fixture(scope="module")
def clauses() -> dict[str, Clause]:
    return load_clauses()


@pytest.fixture(scope="module")
def seed_text() -> str:
    return _read_or_skip(SEED_PATH)


@pytest.fixture(scope="module")
def facts_text() -> str:
    return _read_or_skip(FACTS_PATH)


# --------------------------------------------------------------------------- real file


def test_default_path_is_repo_spec() -> None:
    assert clauses_file() == REPO_ROOT / "spec" / "clauses.yaml"
    assert clauses_file().is_file()


def test_real_file_loads(clauses: dict[str, Clause]) -> None:
    assert len(clauses) >= 50
    assert all(isinstance(c, Clause) for c in clauses.values())
    assert load_clauses(clauses_file()) == clauses


def test_ids_unique_in_raw_file() -> None:
    raw = yaml.safe_load(clauses_file().read_text(encoding="utf-8"))
    ids = [entry["id"] for entry in raw["clauses"]]
    duplicates = sorted(i for i, n in Counter(ids).items() if n > 1)
    assert not duplicates, f"duplicate clause ids: {duplicates}"


def test_every_entry_valid(clauses: dict[str, Clause]) -> None:
    problems: list[str] = []
    for key, c in clauses.items():
        if key != c.id or not ID_PATTERN.fullmatch(c.id):
            problems.append(f"{c.id}: bad id")
        if c.strength not in STRENGTHS:
            problems.append(f"{c.id}: strength {c.strength!r}")
        if c.source not in SOURCES:
            problems.append(f"{c.id}: source {c.source!r}")
        if c.category not in CATEGORIES:
            problems.append(f"{c.id}: category {c.category!r}")
        if not c.quote.strip() or not c.section.strip():
            problems.append(f"{c.id}: empty quote or section")
        if c.strength == "inferred" and not (c.assumption and c.assumption.strip()):
            problems.append(f"{c.id}: inferred without assumption")
        if c.source == "facts" and not FACTS_SECTION.match(c.section):
            problems.append(f"{c.id}: facts section {c.section!r} is not 'facts §N'")
    assert not problems, "\n".join(problems)


def test_categories_cover_required_areas(clauses: dict[str, Clause]) -> None:
    present = {c.category for c in clauses.values()}
    assert present >= REQUIRED_CATEGORIES, f"missing: {sorted(REQUIRED_CATEGORIES - present)}"


def test_both_strengths_and_sources_used(clauses: dict[str, Clause]) -> None:
    assert {c.strength for c in clauses.values()} == set(STRENGTHS)
    assert {c.source for c in clauses.values()} == set(SOURCES)


# --------------------------------------------------------------------------- honest quotes


def test_seed_quotes_occur_in_seed(clauses: dict[str, Clause], seed_text: str) -> None:
    """Every seed quote (documented ones above all) is a verbatim sentence of the seed."""
    haystack = normalise(seed_text)
    missing = [
        f"{c.id} ({c.strength}): {c.quote!r}"
        for c in clauses.values()
        if c.source == "seed" and normalise(c.quote) not in haystack
    ]
    documented = [c for c in clauses.values() if c.source == "seed" and c.documented]
    assert documented, "no documented seed clauses at all"
    assert not missing, "quotes not found in the seed:\n" + "\n".join(missing)


def test_facts_quotes_occur_in_facts_note(clauses: dict[str, Clause], facts_text: str) -> None:
    haystack = normalise(facts_text)
    missing = [
        f"{c.id}: {c.quote!r}"
        for c in clauses.values()
        if c.source == "facts" and normalise(c.quote) not in haystack
    ]
    assert not missing, "quotes not found in the facts note:\n" + "\n".join(missing)


def test_seed_sections_are_seed_headings(clauses: dict[str, Clause], seed_text: str) -> None:
    headings = _headings(seed_text)
    wrong = [
        f"{c.id}: {c.section!r}"
        for c in clauses.values()
        if c.source == "seed" and not set(c.section.split(" / ")) <= headings
    ]
    assert not wrong, "sections that are not seed headings:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a  `b`\n c", "a b c"),
        (r"is \* contained", "is * contained"),
        ('{ \\"task_type\\": \\"call\\" }', '{ "task_type": "call" }'),
        ("in [ISO 8601](https://en.wikipedia.org/wiki/ISO_8601) format", "in ISO 8601 format"),
        ("only **201** with", "only 201 with"),
        ('[{"d":"if the [ETag](https://x/ETag) header"}]', '[{"d":"if the ETag header"}]'),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


# --------------------------------------------------------------------------- malformed input


def _entry(**overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": "task.etag.if-match-mismatch",
        "section": "Task Version",
        "quote": "If the ETag does not match the provided version, the operation will fail.",
        "strength": "documented",
        "source": "seed",
        "assumption": None,
        "category": "etag",
    }
    entry.update(overrides)
    return entry


def _write(tmp_path: Path, entries: list[Any], version: Any = 1) -> Path:
    path = tmp_path / "clauses.yaml"
    path.write_text(
        yaml.safe_dump({"version": version, "source": "x", "clauses": entries}, sort_keys=False),
        encoding="utf-8",
    )
    return path


def test_minimal_valid_file(tmp_path: Path) -> None:
    inferred = _entry(id="task.x.y", strength="inferred", assumption="because", source="facts")
    loaded = load_clauses(_write(tmp_path, [_entry(), inferred]))
    assert list(loaded) == ["task.etag.if-match-mismatch", "task.x.y"]
    assert loaded["task.x.y"].assumption == "because"
    assert loaded["task.etag.if-match-mismatch"].documented


def _without(field: str) -> dict[str, Any]:
    entry = _entry()
    del entry[field]
    return entry


@pytest.mark.parametrize(
    ("entries", "field"),
    [
        pytest.param([_without("quote")], "quote", id="missing-quote"),
        pytest.param([_without("assumption")], "assumption", id="missing-assumption"),
        pytest.param([_without("category")], "category", id="missing-category"),
        pytest.param([_entry(strength="maybe")], "strength", id="bad-strength"),
        pytest.param([_entry(category="errors")], "category", id="bad-category"),
        pytest.param([_entry(source="blog")], "source", id="bad-source"),
        pytest.param([_entry(), _entry(quote="other")], "id", id="duplicate-id"),
        pytest.param([_entry(strength="inferred")], "assumption", id="inferred-no-assumption"),
        pytest.param(
            [_entry(strength="inferred", assumption="  ")], "assumption", id="blank-assumption"
        ),
        pytest.param([_entry(id="Task.Etag.X")], "id", id="id-uppercase"),
        pytest.param([_entry(id="etag.if-match")], "id", id="id-no-task-prefix"),
        pytest.param([_entry(id="task")], "id", id="id-bare-task"),
        pytest.param([_entry(id="task.etag_x")], "id", id="id-underscore"),
        pytest.param([_entry(id="task..x")], "id", id="id-empty-part"),
        pytest.param([_entry(id=42)], "id", id="id-not-string"),
        pytest.param([_entry(quote="")], "quote", id="empty-quote"),
        pytest.param([_entry(section=None)], "section", id="null-section"),
        pytest.param([_entry(extra="x")], "extra", id="unknown-field"),
    ],
)
def test_malformed_entry_names_field(tmp_path: Path, entries: list[Any], field: str) -> None:
    path = _write(tmp_path, entries)
    with pytest.raises(ClauseFileError) as info:
        load_clauses(path)
    message = str(info.value)
    assert f"'{field}'" in message
    assert str(path) in message
    index = len(entries) - 1
    assert f"clauses[{index}]" in message


def test_error_names_index_and_id(tmp_path: Path) -> None:
    entries = [_entry(), _entry(id="task.b.c", category="nope")]
    with pytest.raises(ClauseFileError, match=r"clauses\[1\] \(id 'task\.b\.c'\).*'category'"):
        load_clauses(_write(tmp_path, entries))


def test_duplicate_names_first_use(tmp_path: Path) -> None:
    entries = [_entry(), _entry(id="task.other.one"), _entry()]
    with pytest.raises(ClauseFileError, match=r"clauses\[2\].*duplicate.*clauses\[0\]"):
        load_clauses(_write(tmp_path, entries))


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        pytest.param("clauses: [\n  - id: x\n", "YAML", id="bad-yaml"),
        pytest.param("- just\n- a list\n", "mapping", id="not-a-mapping"),
        pytest.param("version: 1\nclauses: {}\n", "'clauses'", id="clauses-not-list"),
        pytest.param("version: 2\nclauses: []\n", "'version'", id="wrong-version"),
        pytest.param("version: 1\nclauses:\n  - just a string\n", "clauses[0]", id="entry-scalar"),
    ],
)
def test_malformed_file(tmp_path: Path, content: str, needle: str) -> None:
    path = tmp_path / "clauses.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ClauseFileError) as info:
        load_clauses(path)
    assert needle in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(ClauseFileError, match=r"absent\.yaml"):
        load_clauses(path)


def test_error_is_value_error() -> None:
    assert issubclass(ClauseFileError, ValueError)
