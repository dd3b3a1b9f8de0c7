"""The wheel, installed anywhere: built from this checkout, installed into a fresh venv, and
run from a folder that is not the checkout.

One wheel and one venv serve every test of the module (and every xdist worker: the first one
builds, under a lock, and the others reuse it). The venv sees the current interpreter's site
packages (``--system-site-packages``) so the dependencies need no download, but ``harness``
itself comes from the wheel: the tests check that it imports from the venv and reads its data
from the package's ``harness/_data``, never from the checkout.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from harness.reference.fixture import default_fixture

pytestmark = pytest.mark.wheel

REPO = Path(__file__).resolve().parents[2]
DATA = "harness/_data"
# what the wheel must carry besides the .py files: package data and the force-included data
REQUIRED = (
    "harness/py.typed",
    "harness/reference/expression/grammar.lark",
    "harness/scenarios/scenario.schema.json",
    "harness/reporters/html/assets/report.css",
    "harness/reporters/html/assets/report.js",
    f"{DATA}/spec/taskrouter-tasks.yaml",
    f"{DATA}/spec/taskrouter-support.yaml",
    f"{DATA}/spec/clauses.yaml",
    f"{DATA}/spec/untestable.yaml",
    f"{DATA}/scenarios/smoke/etag.yaml",
    f"{DATA}/cassettes/reference/etag.yaml",
    f"{DATA}/cassettes/reference/smoke.yaml",
)


@dataclass(frozen=True)
class Installed:
    """The built wheel and the venv it is installed in."""

    wheel: Path
    venv: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def trc(self) -> Path:
        return self.venv / "bin" / "trc"

    def env(self) -> dict[str, str]:
        """The environment of a user's shell with the venv active: no PYTHONPATH (nor any
        other PYTHON*/PYTEST*/TRC_*/TWILIO_* setting of this test run)."""
        drop = ("PYTHON", "PYTEST", "TRC_", "TWILIO_", "VIRTUAL_ENV", "PIP_REQUIRE")
        env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.venv)
        return env

    def run(
        self, args: Sequence[str | Path], cwd: Path, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(a) for a in args],
            cwd=cwd,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def trc_run(
        self, args: Sequence[str | Path], cwd: Path, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        return self.run([self.trc, *args], cwd, timeout)


def _shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every xdist worker of this session sees (the parent of the workers' own)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _build(root: Path) -> Installed:
    dist, venv = root / "dist", root / "venv"
    pip = ["-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [sys.executable, *pip, "wheel", "--no-deps", "-w", str(dist), str(REPO)],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    (wheel,) = dist.glob("taskrouter_conformance-*.whl")
    # --without-pip: the venv uses the interpreter's own pip (a system site package), which
    # installs into the venv; the dependencies are found among the system site packages.
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
        check=True,
        timeout=120,
    )
    subprocess.run(
        [str(venv / "bin" / "python"), *pip, "install", "--no-deps", "--force-reinstall", wheel],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=root,
    )
    return Installed(wheel, venv)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = _shared_root(tmp_path_factory) / "trc-wheel"
    root.mkdir(exist_ok=True)
    ready = root / "ready.json"
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if ready.exists():
            data = json.loads(ready.read_text())
            return Installed(Path(data["wheel"]), Path(data["venv"]))
        try:
            built = _build(root)
        except subprocess.CalledProcessError as exc:
            pytest.fail(f"building/installing the wheel failed:\n{exc.stdout}\n{exc.stderr}")
        ready.write_text(json.dumps({"wheel": str(built.wheel), "venv": str(built.venv)}))
        return built


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A user's folder somewhere else: not the checkout, nothing in it."""
    folder = tmp_path / "somewhere"
    folder.mkdir()
    assert REPO not in folder.parents
    return folder


def _latest_report(folder: Path) -> dict:
    return json.loads((folder / "latest" / "report.json").read_text(encoding="utf-8"))


def _site_harness(installed: Installed, cwd: Path) -> Path:
    probe = installed.run(
        [installed.python, "-c", "import harness, os; print(os.path.dirname(harness.__file__))"],
        cwd,
    )
    assert probe.returncode == 0, probe.stderr
    return Path(probe.stdout.strip())


def test_the_wheel_carries_the_package_its_data_and_nothing_else(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    missing = [name for name in REQUIRED if name not in names]
    assert not missing, f"missing from {installed.wheel.name}: {missing}"
    # every file of spec/, scenarios/ and cassettes/reference/ is in harness/_data/
    for folder, packaged in (
        ("spec", f"{DATA}/spec"),
        ("scenarios", f"{DATA}/scenarios"),
        ("cassettes/reference", f"{DATA}/cassettes/reference"),
    ):
        for path in (REPO / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                rel = path.relative_to(REPO / folder).as_posix()
                assert f"{packaged}/{rel}" in names, f"{folder}/{rel} is not in the wheel"
    tops = {name.split("/")[0] for name in names}
    assert tops == {"harness", "taskrouter_conformance-0.1.0.dist-info"}, tops
    assert not [n for n in names if n.startswith(("tests/", "reports/", "harness/reports/"))]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    entry_points = zipfile.ZipFile(installed.wheel).read(
        "taskrouter_conformance-0.1.0.dist-info/entry_points.txt"
    )
    assert b"trc = harness.cli:main" in entry_points
    assert b"[pytest11]" in entry_points and b"trc = harness.pytest_plugin" in entry_points


def test_harness_and_its_data_come_from_the_venv(installed: Installed, workdir: Path) -> None:
    code = (
        "import json, harness\n"
        "from harness import resources as r\n"
        "print(json.dumps({'file': harness.__file__, 'root': str(r.data_root()),\n"
        "    'spec': str(r.spec_file()), 'scenarios': str(r.scenarios_dir()),\n"
        "    'cassettes': str(r.cassettes_dir()), 'reports': str(r.default_report_dir())}))\n"
    )
    result = installed.run([installed.python, "-c", code], workdir)
    assert result.returncode == 0, result.stderr
    where = json.loads(result.stdout)
    venv = installed.venv.resolve()
    for key in ("file", "root", "spec", "scenarios", "cassettes"):
        path = Path(where[key]).resolve()
        assert venv in path.parents, f"{key} = {path}: not from the venv"
        assert REPO not in path.parents, f"{key} = {path}: from the checkout"
    site = Path(where["file"]).resolve().parent
    assert Path(where["root"]).resolve() == site / "_data"
    assert (site / "_data" / "spec" / "taskrouter-tasks.yaml").is_file()
    assert Path(where["reports"]).resolve() == workdir.resolve() / "reports"
    assert installed.trc.is_file()


def test_trc_run_from_another_folder_writes_reports_there(
    installed: Installed, workdir: Path
) -> None:
    result = installed.trc_run(["run", "--phases", "scenarios,replay"], workdir, timeout=240)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    reports = workdir / "reports"
    (folder,) = [p for p in reports.iterdir() if p.name != "latest"]
    assert (folder / "report.json").is_file()
    report = _latest_report(reports)
    assert report["run"]["run_id"] == folder.name
    assert report["gate"]["passed"] is True
    ran = {row["name"] for row in report["phases"] if row["status"] == "ran"}
    assert ran == {"scenarios", "replay"}, report["phases"]
    phases = {case["phase"] for case in report["cases"]}
    assert phases == {"scenarios", "replay"}
    assert len(report["cases"]) > 200
    # nothing written into the installation
    site = _site_harness(installed, workdir)
    assert not (site / "reports").exists() and not (site / "_data" / "reports").exists()


def test_trc_run_selects_one_replayed_case(installed: Installed, workdir: Path) -> None:
    result = installed.trc_run(
        ["run", "--phases", "replay", "-k", "etag.stale-if-match-update"], workdir
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    cases = _latest_report(workdir / "reports")["cases"]
    assert len(cases) == 1, [c["id"] for c in cases]
    assert cases[0]["id"].endswith("etag.stale-if-match-update")
    assert cases[0]["phase"] == "replay" and cases[0]["status"] == "pass"


def test_trc_replay_of_a_shipped_cassette(installed: Installed, workdir: Path) -> None:
    cassette = _site_harness(installed, workdir) / "_data" / "cassettes" / "reference" / "etag.yaml"
    result = installed.trc_run(["replay", cassette, "--report-dir", "replayed"], workdir)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " 0 difference(s)" in result.stdout
    assert (workdir / "replayed").is_dir()


def test_trc_record_writes_a_cassette(installed: Installed, workdir: Path) -> None:
    out = workdir / "cassettes" / "smoke.yaml"
    result = installed.trc_run(["record", "-k", "smoke", "--out", out], workdir)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    text = out.read_text(encoding="utf-8")
    cassette = yaml.safe_load(text)
    assert cassette["interactions"], "no interactions recorded"
    assert default_fixture().auth_token not in text


def test_trc_fuzz_with_a_tiny_budget(installed: Installed, workdir: Path) -> None:
    result = installed.trc_run(
        ["fuzz", "--fuzz-budget", "2:30", "--json", "fuzz.json"], workdir, timeout=180
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (workdir / "fuzz.json").is_file()
    assert "reproduce with --seed 0" in " ".join(result.stdout.split())


SMOKE = ("--trc-target", "embedded", "-k", "smoke")


def test_the_pytest_plugin_runs_the_smoke_scenarios(installed: Installed, workdir: Path) -> None:
    result = installed.run(
        [installed.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SMOKE],
        workdir,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "4 passed" in result.stdout, result.stdout[-2000:]
