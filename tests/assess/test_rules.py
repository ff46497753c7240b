"""The rules file: validated, checked against the knowledge base, and thresholds read from data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from kneechain.assess.engine import assess
from kneechain.assess.rules import RULES_PATH, RulesError, check_rules, default_rules, load_rules
from kneechain.knowledge.loader import DATA_DIR, default_knowledge, load_knowledge
from kneechain.knowledge.models import Outcome
from tests import packaged
from tests.assess.helpers import case, m


def test_packaged_rules_fit_the_knowledge_base() -> None:
    assert check_rules(default_rules(), default_knowledge()) == []
    assert set(default_rules().findings) == set(default_knowledge().findings)


def _write_rules(tmp_path: Path, edit) -> Path:
    raw = yaml.safe_load(RULES_PATH.read_text())
    edit(raw)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_unknown_reference_and_measure_are_reported(tmp_path: Path) -> None:
    def edit(raw: dict) -> None:
        raw["findings"]["hip_ir_deficit"]["criteria"][0]["references"] = ["no_such_ref"]
        raw["findings"]["pelvic_drop"]["criteria"][0]["measure"] = "pelvis_wobble"

    with pytest.raises(RulesError) as info:
        load_rules(_write_rules(tmp_path, edit), packaged.kb)
    text = str(info.value)
    assert "findings.hip_ir_deficit: hip_ir_supine has no threshold 'no_such_ref'" in text
    assert "findings.pelvic_drop: unknown measure 'pelvis_wobble'" in text


def test_missing_finding_rule_and_bad_field_are_reported(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match=r"findings\.overstride: no rule decides it"):
        load_rules(
            _write_rules(tmp_path, lambda raw: raw["findings"].pop("overstride")), packaged.kb
        )
    with pytest.raises(RulesError, match="field min_quality"):
        load_rules(_write_rules(tmp_path, lambda raw: raw.update(min_quality=2)), packaged.kb)


def test_thresholds_come_from_the_knowledge_data(tmp_path: Path) -> None:
    """Moving the hip IR threshold in tests.yaml moves the engine's decision; no code change."""
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    tests_yaml = data / "tests.yaml"
    text = tests_yaml.read_text()
    old = 'value: 25, comparator: "<", severe_value: 15'
    assert old in text
    tests_yaml.write_text(text.replace(old, 'value: 20, comparator: "<", severe_value: 15'))
    kb = load_knowledge(data)
    c = case(measurements=[m("hip_ir_supine", 22, "left")])
    assert assess(c, packaged.rules, packaged.kb).finding("hip_ir_deficit") is not None
    assert assess(c, load_rules(RULES_PATH, kb), kb).finding("hip_ir_deficit") is None


def test_questionnaire_items_must_add_up_to_the_score_range() -> None:
    kujala = default_knowledge().outcomes["kujala"].model_dump()
    kujala["items"][0]["options"][0]["points"] = 6
    with pytest.raises(ValidationError, match="items score 0-101"):
        Outcome.model_validate(kujala)
