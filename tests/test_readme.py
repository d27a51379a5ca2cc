"""The README's two set-up commands, run as written in a fresh copy of the repository."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIP = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.db", "*.egg-info", ".pytest_cache", ".hypothesis")


def setup_commands() -> list[str]:
    section = ROOT.joinpath("README.md").read_text(encoding="utf-8").split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_the_readme_has_exactly_two_setup_commands_and_ci_runs_the_second():
    demo, tests = setup_commands()
    assert demo.endswith("captable demo")
    assert "pytest" in tests
    assert ROOT.joinpath(".ci/run").read_text(encoding="utf-8").rstrip().splitlines()[-1] == tests


@pytest.fixture(scope="module")
def fresh_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("checkout") / "captable"
    shutil.copytree(ROOT, copy, ignore=SKIP)
    return copy


def run(command: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    return subprocess.run(["bash", "-c", command], cwd=cwd, env={**environment, **env}, capture_output=True,
                          text=True, timeout=900)


def test_the_main_command_installs_and_runs_the_juniper_demo(fresh_copy):
    demo, _ = setup_commands()
    result = run(demo, fresh_copy)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "All checkpoints as expected." in result.stdout
    assert "183,429 common at 893/900" in result.stdout


def test_the_test_command_installs_the_test_extras_and_finds_the_suite(fresh_copy):
    _, tests = setup_commands()
    # Collect only: running the suite from inside itself would recurse.
    result = run(tests, fresh_copy, PYTEST_ADDOPTS="--collect-only -q")
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(r"\d+ tests collected", result.stdout), result.stdout[-2000:]
