"""The `kneechain knowledge` commands, run through the real Typer app."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from typer.testing import CliRunner

from kneechain.cli import app
from kneechain.knowledge.loader import DATA_DIR, default_knowledge

runner = CliRunner()


def test_list_exercises_shows_all_thirteen_with_doses() -> None:
    result = runner.invoke(app, ["knowledge", "list", "exercises"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    kb = default_knowledge()
    for ex in kb.primary_exercises():
        assert ex.id in result.output
    assert "2-3 minutes each side" in result.output
    assert "variant of" not in result.output


def test_list_exercises_json_and_all_variants() -> None:
    plain = runner.invoke(app, ["knowledge", "list", "exercises", "--format", "json"])
    full = runner.invoke(app, ["knowledge", "list", "exercises", "--format", "json", "--all"])
    main_ids = {e["id"] for e in json.loads(plain.output)}
    all_ids = {e["id"] for e in json.loads(full.output)}
    assert len(main_ids) == len(default_knowledge().primary_exercises())
    assert main_ids < all_ids and "thigh_ball_release" in all_ids - main_ids


def test_list_tests_and_findings() -> None:
    for kind, ident in (("tests", "knee_to_wall"), ("findings", "pelvic_drop")):
        result = runner.invoke(app, ["knowledge", "list", kind], env={"COLUMNS": "200"})
        assert result.exit_code == 0 and ident in result.output


def test_show_exercise_and_test() -> None:
    result = runner.invoke(
        app, ["knowledge", "show", "hip_flexor_ball_release"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0
    assert "pubic bone" in result.output and "1-2 minutes each side" in result.output
    shown = runner.invoke(app, ["knowledge", "show", "thomas_test"], env={"COLUMNS": "200"})
    assert "67" in shown.output and "Peeler" in shown.output


def test_show_json_names_the_kind() -> None:
    result = runner.invoke(app, ["knowledge", "show", "hip_ir_deficit", "--format", "json"])
    assert json.loads(result.output)["kind"] == "findings"


def test_show_unknown_id_fails_clearly() -> None:
    result = runner.invoke(app, ["knowledge", "show", "no_such_thing"])
    assert result.exit_code == 2
    assert "no knowledge entry has id 'no_such_thing'" in result.output


def test_validate_passes_on_packaged_data() -> None:
    result = runner.invoke(app, ["knowledge", "validate"])
    assert result.exit_code == 0 and "consistent" in result.output
    assert "coached by the camera" in result.output


def test_validate_fails_on_broken_copy(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    exercises = yaml.safe_load((data / "exercises.yaml").read_text())
    exercises[0]["progression"] = "nowhere"
    (data / "exercises.yaml").write_text(yaml.safe_dump(exercises))
    result = runner.invoke(app, ["knowledge", "validate", "--data-dir", str(data)])
    assert result.exit_code == 1
    assert "unknown exercise 'nowhere'" in result.output


def test_validate_checks_the_coaching_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    coaching = yaml.safe_load((data / "coaching.yaml").read_text())
    coaching["exercises"][0]["exercise_id"] = "moonwalk"
    (data / "coaching.yaml").write_text(yaml.safe_dump(coaching))
    result = runner.invoke(app, ["knowledge", "validate", "--data-dir", str(data)])
    assert result.exit_code == 1
    assert "coaching.yaml: moonwalk: no such exercise in exercises.yaml" in result.output
    # a threshold with neither sources nor a product choice is refused
    coaching["exercises"][0]["exercise_id"] = "glute_bridge"
    coaching["exercises"][0]["basis"] = {"source_ids": []}
    (data / "coaching.yaml").write_text(yaml.safe_dump(coaching))
    result = runner.invoke(app, ["knowledge", "validate", "--data-dir", str(data)])
    assert result.exit_code == 2
    assert "coaching.yaml" in result.output and "product_choice" in result.output


def test_validate_reports_malformed_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    (data / "signs.yaml").write_text("- id: Bad Id\n")
    result = runner.invoke(app, ["knowledge", "validate", "--data-dir", str(data)])
    assert result.exit_code == 2
    assert "signs.yaml: entry 0 (id 'Bad Id')" in result.output


def test_committed_reference_doc_matches_the_data() -> None:
    from kneechain.knowledge.reference_doc import knowledge_markdown

    committed = Path(__file__).resolve().parents[2] / "docs" / "knowledge.md"
    assert committed.read_text(encoding="utf-8") == knowledge_markdown(default_knowledge()), (
        "docs/knowledge.md is stale: run `kneechain knowledge docs -o docs/knowledge.md`"
    )


def test_reference_doc_lists_every_threshold_with_its_source() -> None:
    result = runner.invoke(app, ["knowledge", "docs"])
    assert result.exit_code == 0
    assert "| `thomas_knee_flexion` | deg | threshold | < 67 deg |" in result.output
    assert "`peeler_2008`" in result.output
    for test in default_knowledge().tests.values():
        assert f"(`{test.id}`)" in result.output
