"""The one settings model: every setting documented, the generated page current, the environment
read once and explicit values winning."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kneechain.cli import app
from kneechain.settings import Settings, settings_reference, type_words

DOCS = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_says_what_it_sets(name: str) -> None:
    description = Settings.model_fields[name].description or ""
    assert len(description.split()) >= 4, f"{name} needs a description of what it sets"


def test_the_settings_page_is_generated_and_current() -> None:
    assert DOCS.read_text(encoding="utf-8") == settings_reference(), (
        "docs/settings.md is stale: run `kneechain settings --docs docs/settings.md`"
    )
    for name in Settings.model_fields:
        assert f"KNEECHAIN_{name.upper()}" in settings_reference()


def test_environment_is_read_and_explicit_values_win(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KNEECHAIN_DATA_DIR", str(tmp_path / "env"))
    monkeypatch.setenv("KNEECHAIN_DATABASE_URL", "postgresql://u@localhost/kc")
    from_env = Settings()
    assert from_env.data_dir == tmp_path / "env"
    assert from_env.resolved_database_url == "postgresql+psycopg://u@localhost/kc"
    explicit = Settings(data_dir=tmp_path / "mine", database_url=None)
    assert explicit.resolved_database_url == f"sqlite:///{tmp_path / 'mine' / 'kneechain.db'}"


def test_a_bad_value_in_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNEECHAIN_POSE_WORKERS", "-1")
    result = CliRunner().invoke(app, ["settings"])
    assert result.exit_code == 2
    assert "KNEECHAIN_POSE_WORKERS: -1 is out of range; allowed 0 to 64" in result.output
    assert "Traceback" not in result.output and "greater_than" not in result.output


def test_types_are_said_in_words() -> None:
    assert type_words(int) == "whole number"
    assert type_words(str | None) == "text (optional)"
    assert type_words(Settings.model_fields["job_runner"].annotation) == "one of: local, ray"
