"""The clause catalogue: it loads, it is well formed, its quotes are honest and its citations
can be followed (an https URL of a public source, never a path outside the repository)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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
from tests.spec.openapi_refs import json_pointer
from tests.spec.twilio_data import DATA, oai_excerpt

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED_PATH = SHARED / "seed/task-resource.md"
FACTS_PATH = SHARED / "notes/twilio-facts.md"
#: The Task resource page; the maintainers' copy of it is SEED_PATH.
SEED_URL = "https://www.twilio.com/docs/taskrouter/api/task"
DOC_QUOTES_PATH = DATA / "twilio-doc-quotes.json"
#: Only these kinds of source can carry Twilio's own words for a documented clause.
WORDS_SOURCES = {"twilio-docs", "twilio-oai"}

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


def _page(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _on_seed_page(clause: Clause) -> bool:
    return _page(clause.url) == SEED_URL


def slug(heading: str) -> str:
    """Twilio's page anchor for a heading: ``Task Version`` -> ``task-version``."""
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")


def _compact(node: Any) -> str:
    return json.dumps(node, separators=(",", ":"), ensure_ascii=False)


def oai_text(clause: Clause) -> str | None:
    """The official OpenAPI text at the clause's section (a JSON pointer), at its commit."""
    excerpt = oai_excerpt()
    commit = urlsplit(clause.url).path.split("/")[4]
    if commit == excerpt["provenance"]["commit"]:
        try:
            return _compact(json_pointer(excerpt, clause.section))
        except (KeyError, IndexError):
            return None
    earlier = excerpt["earlier"]
    if commit == earlier["provenance"]["commit"] and clause.section == earlier["pointer"]:
        return _compact(earlier["value"])
    return None


def doc_quotes(url: str) -> list[str]:
    """Verbatim sentences kept for a Twilio page other than the Task page."""
    pages = json.loads(DOC_QUOTES_PATH.read_text(encoding="utf-8"))["pages"]
    return list(pages.get(_page(url), {}).get("quotes", []))


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
        if c.source == "twilio-oai" and not c.section.startswith("#/"):
            problems.append(f"{c.id}: twilio-oai section {c.section!r} is not a JSON pointer")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- citations


def test_every_clause_cites_an_https_url(clauses: dict[str, Clause]) -> None:
    bad = [
        f"{c.id}: {c.url!r}"
        for c in clauses.values()
        if urlsplit(c.url).scheme != "https" or not urlsplit(c.url).netloc
    ]
    assert not bad, "clauses without a followable URL:\n" + "\n".join(bad)


def test_twilio_oai_citations_name_a_commit(clauses: dict[str, Clause]) -> None:
    known = {
        oai_excerpt()["provenance"]["commit"],
        oai_excerpt()["earlier"]["provenance"]["commit"],
    }
    for c in clauses.values():
        if c.source == "twilio-oai":
            parts = urlsplit(c.url).path.split("/")
            assert parts[1:4] == ["twilio", "twilio-oai", "blob"], c.id
            assert parts[4] in known, f"{c.id}: commit {parts[4]} is not in tests/data"
            assert "/".join(parts[5:]) == "spec/json/twilio_taskrouter_v1.json", c.id


def test_task_page_anchors_follow_the_section(clauses: dict[str, Clause]) -> None:
    wrong = [
        f"{c.id}: {c.url} for section {c.section!r}"
        for c in clauses.values()
        if _on_seed_page(c) and urlsplit(c.url).fragment != slug(c.section.split(" / ")[0])
    ]
    assert not wrong, "anchors that are not the section's:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Task Version", "task-version"),
        ("Read multiple Task resources", "read-multiple-task-resources"),
        ("Create a Task resource", "create-a-task-resource"),
    ],
)
def test_slug(heading: str, anchor: str) -> None:
    assert slug(heading) == anchor


_OUTSIDE = re.compile(
    r"(?<![.\w])\.\./|(?<![\w.:/])/(work|home|tmp|Users|root|mnt|opt)/|file://|\bshared/"
)


def test_no_path_in_spec_leaves_the_repository() -> None:
    """spec/ ships in the wheel: nothing in it may point outside a user's checkout."""
    found = [
        f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()[:120]}"
        for path in sorted((REPO_ROOT / "spec").rglob("*"))
        if path.is_file()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _OUTSIDE.search(line)
    ]
    assert not found, "paths outside the repository:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "line",
    [
        "file: ../shared/seed/task-resource.md",
        "see /work/shared/notes/x.md",
        "shared/notes/f.md",
        "(../notes/twilio-facts.md)",
    ],
)
def test_outside_path_pattern_catches(line: str) -> None:
    assert _OUTSIDE.search(line)


@pytest.mark.parametrize(
    "line",
    [
        "url: https://www.twilio.com/docs/taskrouter/api/task#task-version",
        "Example meta URL: `https://taskrouter.twilio.com/v1/Workspaces/WS.../Tasks?A=1`",
    ],
)
def test_outside_path_pattern_spares_urls(line: str) -> None:
    assert not _OUTSIDE.search(line)


def test_categories_cover_required_areas(clauses: dict[str, Clause]) -> None:
    present = {c.category for c in clauses.values()}
    assert present >= REQUIRED_CATEGORIES, f"missing: {sorted(REQUIRED_CATEGORIES - present)}"


def test_both_strengths_and_sources_used(clauses: dict[str, Clause]) -> None:
    assert {c.strength for c in clauses.values()} == set(STRENGTHS)
    assert {c.source for c in clauses.values()} == set(SOURCES)


# --------------------------------------------------------------------------- honest quotes


def test_documented_only_on_twilios_words(clauses: dict[str, Clause]) -> None:
    """SDK tests, the error dictionary, the changelog and user reports make a clause inferred."""
    wrong = [c.id for c in clauses.values() if c.documented and c.source not in WORDS_SOURCES]
    assert not wrong, f"documented on a source that is not Twilio's words: {wrong}"


def test_seed_quotes_occur_in_seed(clauses: dict[str, Clause], seed_text: str) -> None:
    """Every documented quote citing the Task page is a verbatim sentence of the page."""
    haystack = normalise(seed_text)
    documented = [c for c in clauses.values() if _on_seed_page(c) and c.documented]
    missing = [f"{c.id}: {c.quote!r}" for c in documented if normalise(c.quote) not in haystack]
    assert documented, "no documented clause cites the Task page at all"
    assert not missing, "quotes not found on the Task page:\n" + "\n".join(missing)


def test_documented_oai_quotes_occur_at_their_pointer(clauses: dict[str, Clause]) -> None:
    """A documented twilio-oai quote is verbatim at its JSON pointer, at its commit."""
    cited = [c for c in clauses.values() if c.source == "twilio-oai" and c.documented]
    missing = [
        f"{c.id}: {c.quote!r} at {c.section}"
        for c in cited
        if normalise(c.quote) not in normalise(oai_text(c) or "")
    ]
    assert cited
    assert not missing, "quotes not found in the official OpenAPI:\n" + "\n".join(missing)


def test_documented_quotes_of_other_twilio_pages(clauses: dict[str, Clause]) -> None:
    """Other Twilio pages: the quote is one of the sentences kept verbatim in tests/data."""
    cited = [
        c
        for c in clauses.values()
        if c.source == "twilio-docs" and c.documented and not _on_seed_page(c)
    ]
    missing = [
        f"{c.id}: {c.quote!r} ({c.url})"
        for c in cited
        if normalise(c.quote) not in {normalise(q) for q in doc_quotes(c.url)}
    ]
    assert cited
    assert not missing, "quotes not kept for their page:\n" + "\n".join(missing)


def test_inferred_quotes_have_a_source(
    clauses: dict[str, Clause], seed_text: str, facts_text: str
) -> None:
    """An inferred quote is Twilio's words (Task page, OpenAPI, a kept sentence) or the facts
    note's summary of the public source its URL names."""
    homes = [normalise(seed_text), normalise(facts_text)]
    missing = []
    for c in clauses.values():
        if c.documented:
            continue
        quote = normalise(c.quote)
        own = normalise(oai_text(c) or "") if c.source == "twilio-oai" else ""
        kept = {normalise(q) for q in doc_quotes(c.url)}
        if not (quote in kept or (own and quote in own) or any(quote in h for h in homes)):
            missing.append(f"{c.id}: {c.quote!r}")
    assert not missing, "inferred quotes with no source:\n" + "\n".join(missing)


def test_seed_sections_are_seed_headings(clauses: dict[str, Clause], seed_text: str) -> None:
    headings = _headings(seed_text)
    wrong = [
        f"{c.id}: {c.section!r}"
        for c in clauses.values()
        if _on_seed_page(c) and not set(c.section.split(" / ")) <= headings
    ]
    assert not wrong, "sections that are not Task page headings:\n" + "\n".join(wrong)


def test_documented_quote_check_can_fail(clauses: dict[str, Clause]) -> None:
    clause = next(c for c in clauses.values() if c.source == "twilio-oai" and c.documented)
    assert normalise("not Twilio's words") not in normalise(oai_text(clause) or "")


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
        "source": "twilio-docs",
        "url": "https://www.twilio.com/docs/taskrouter/api/task#task-version",
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
    inferred = _entry(
        id="task.x.y",
        strength="inferred",
        assumption="because",
        source="twilio-sdk",
        url="https://github.com/twilio/twilio-python/blob/main/twilio/base/page.py",
    )
    loaded = load_clauses(_write(tmp_path, [_entry(), inferred]))
    assert list(loaded) == ["task.etag.if-match-mismatch", "task.x.y"]
    assert loaded["task.x.y"].assumption == "because"
    assert loaded["task.x.y"].url.endswith("/page.py")
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
        pytest.param([_entry(source="seed")], "source", id="old-source-seed"),
        pytest.param([_without("url")], "url", id="missing-url"),
        pytest.param([_entry(url=None)], "url", id="null-url"),
        pytest.param(
            [_entry(url="../shared/seed/task-resource.md")], "url", id="url-relative-path"
        ),
        pytest.param([_entry(url="/work/shared/notes/f.md")], "url", id="url-absolute-path"),
        pytest.param(
            [_entry(url="http://www.twilio.com/docs/taskrouter/api/task")], "url", id="url-http"
        ),
        pytest.param([_entry(url="https://www.twilio.com/docs/../x")], "url", id="url-dot-dot"),
        pytest.param(
            [_entry(source="twilio-oai", url="https://www.twilio.com/docs/taskrouter/api/task")],
            "url",
            id="url-not-where-source-lives",
        ),
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
