"""Shared test set-up: a predictable terminal and no settings leaking in from the shell."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

# Typer reads these once, when its Rich helpers are first imported.
os.environ["TERMINAL_WIDTH"] = "80"
os.environ["_TYPER_FORCE_DISABLE_TERMINAL"] = "1"

import pytest
from hypothesis import settings
from typer.testing import CliRunner

FIXTURES = Path(__file__).parent / "fixtures"

# A shared, noisy machine must not fail a property test on time alone.
settings.register_profile("trialcli", deadline=None, print_blob=True)
settings.load_profile("trialcli")


@pytest.fixture(autouse=True)
def _clean_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    for name in (
        "NO_COLOR",
        "FORCE_COLOR",
        "TRIALCLI_PATH",
        "TRIALCLI_MAX_FILE_BYTES",
        "TRIALCLI_STORE",
        "GITHUB_ACTIONS",
        "PY_COLORS",
        "TTY_COMPATIBLE",
        "TTY_INTERACTIVE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "80")
    # Its own folder, so tests that look inside tmp_path never see the cache.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    yield


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def minimal_text() -> str:
    return (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")


@pytest.fixture
def write(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write a study file into a fresh folder and return its path."""

    def _write(text: str, name: str = "example.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write
