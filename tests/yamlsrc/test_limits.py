"""harness.yamlsrc reads YAML within limits, with the C and the pure-Python parser alike."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from harness.yamlsrc import (
    Limits,
    SourceError,
    load_documents,
    load_file,
    load_plain_file,
    read_source,
)
from harness.yamlsrc import limits as limits_module
from tests.yamlsrc.bombs import alias_bomb, deep_nesting, oversized

PARSERS = {"pure-python": yaml.SafeLoader}
if getattr(yaml, "CSafeLoader", None) is not None:
    PARSERS["libyaml"] = yaml.CSafeLoader


@pytest.fixture(params=sorted(PARSERS))
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setattr(limits_module, "_Loader", PARSERS[request.param])
    yield request.param


def test_libyaml_is_used_when_available() -> None:
    expected = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    assert limits_module._Loader is expected


def error_of(text: str, limits: Limits | None = None) -> SourceError:
    with pytest.raises(SourceError) as caught:
        load_documents(text, "bomb.yaml", limits)
    return caught.value


def test_an_alias_bomb_stops_at_the_alias_that_breaks_the_budget(parser: str) -> None:
    error = error_of(alias_bomb())
    assert error.file == "bomb.yaml"
    # aliases l1..l4 add 90 + 819 + 7,380 + 66,429 nodes; the first alias of l5 (line 6) adds
    # another 66,430, over 100,000
    assert error.line == 6
    assert "aliases expand to more than 100000 values" in str(error)
    assert "\n" not in str(error)


def test_the_plain_loader_has_the_same_limits(parser: str, tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb())
    with pytest.raises(SourceError, match=r"bomb.yaml:6: YAML aliases expand"):
        load_plain_file(path)


def test_too_many_aliases(parser: str) -> None:
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * 11) + "]\n"
    error = error_of(text, Limits(max_aliases=10))
    assert (error.line, error.message) == (2, "too many YAML aliases (limit 10)")
    assert load_documents(text, "ok.yaml", Limits(max_aliases=11))[0]["b"] == [1] * 11


def test_deep_nesting_is_refused_at_the_level_that_is_too_deep(parser: str) -> None:
    error = error_of(deep_nesting())
    assert (error.line, error.message) == (1, "nested too deeply (more than 64 levels)")
    nested = "x: " + "[" * 63 + "]" * 63 + "\n"
    assert load_documents(nested, "ok.yaml")[0]["x"] is not None


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: &a [1, *a]\n", 1, "alias *a is inside its own anchor"),
        ("a: &a {b: {c: *a}}\n", 1, "alias *a is inside its own anchor"),
        ("a: 1\nb: *nowhere\n", 2, "alias *nowhere is undefined"),
        ("a: &x 1\nb: &x 2\n", 2, "duplicate anchor &x (first on line 1)"),
    ],
)
def test_broken_aliases(parser: str, text: str, line: int, message: str) -> None:
    error = error_of(text)
    assert (error.line, error.message) == (line, message)


def test_anchors_in_one_document_are_not_seen_in_the_next(parser: str) -> None:
    error = error_of("a: &a 1\n---\nb: *a\n")
    assert (error.line, error.message) == (3, "alias *a is undefined")


def test_legitimate_anchors_and_aliases_load_with_lines(parser: str) -> None:
    text = (
        "defaults: &defaults\n"
        "  headers: {X-Test: '1'}\n"
        "  status: 200\n"
        "steps:\n"
        "  - *defaults\n"
        "  - {name: two, extra: &two [a, b]}\n"
        "  - *two\n"
        "when: 2024-01-02\n"
    )
    (document,) = load_documents(text, "ok.yaml")
    assert document["steps"][0] == {"headers": {"X-Test": "1"}, "status": 200}
    assert document["steps"][2] == ["a", "b"]
    assert document["when"] == "2024-01-02"  # dates stay text
    assert document.line_of("steps") == 4
    assert document["steps"].line_of(1) == 6
    assert document["steps"][1].line_of("extra") == 6
    # an alias is a copy: changing one does not change the other
    document["steps"][0]["status"] = 500
    assert document["defaults"]["status"] == 200


def test_syntax_errors_still_name_file_and_line(parser: str) -> None:
    error = error_of("a: 1\nb: [1, 2\n")
    assert error.file == "bomb.yaml" and error.line in (2, 3)
    assert error.message.startswith("YAML syntax error:")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = oversized(tmp_path / "big.yaml", 5 * 1024 * 1024 + 1)
    with pytest.raises(SourceError) as caught:
        load_file(path)
    assert str(caught.value) == (
        f"{path}: file too large ({5 * 1024 * 1024 + 1} bytes; the limit is 5 MB)"
    )
    with pytest.raises(SourceError, match="file too large"):
        load_plain_file(path)


def test_a_file_at_the_size_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "edge.yaml"
    path.write_text("a: 1\n" + "#" * 95 + "\n")
    assert read_source(path, "edge.yaml", Limits(max_bytes=101)).startswith("a: 1")
    with pytest.raises(SourceError, match=r"edge.yaml: file too large \(101 bytes"):
        read_source(path, "edge.yaml", Limits(max_bytes=100))


def test_a_stream_that_never_ends_is_read_only_up_to_the_limit() -> None:
    # /dev/zero is not a regular file: it has no size, and reading it whole never ends
    zero = Path("/dev/zero")
    if not zero.exists():
        pytest.skip("no /dev/zero here")
    with pytest.raises(SourceError, match=r"more than 1000 bytes; the limit is 1000 bytes"):
        read_source(zero, "zero", Limits(max_bytes=1000))


def test_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="cannot read"):
        load_file(tmp_path / "missing.yaml")
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"a: \xe9\n")
    with pytest.raises(SourceError, match="cannot read"):
        load_file(path)


def test_plain_loading_refuses_a_second_document(parser: str, tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text("a: 1\n---\nb: 2\n")
    with pytest.raises(SourceError, match=r"two.yaml:3: expected a single YAML document"):
        load_plain_file(path)
    path.write_text("")
    assert load_plain_file(path) is None
    path.write_text("a: &a {b: 1}\nc: *a\n")
    assert load_plain_file(path) == {"a": {"b": 1}, "c": {"b": 1}}
