"""Helpers start without importing kneechain's terminal front end (the parent's main module)."""

from __future__ import annotations

import importlib.machinery
import multiprocessing.spawn
import sys
import types

import pytest

import kneechain.cli
from kneechain.vision.parallel import _bare_main, _our_front_end


def _module(spec_name: str | None = None, **names: object) -> types.ModuleType:
    module = types.ModuleType("__main__")
    module.__spec__ = (
        importlib.machinery.ModuleSpec(spec_name, None) if spec_name is not None else None
    )
    module.__file__ = "/somewhere/script.py"
    module.__dict__.update(names)
    return module


def test_kneechain_entry_points_are_recognised() -> None:
    assert _our_front_end(_module("kneechain.__main__"))  # python -m kneechain
    assert _our_front_end(_module(main=kneechain.cli.main))  # the `kneechain` script
    assert not _our_front_end(_module())  # somebody's script
    assert not _our_front_end(_module("tool.__main__", main=print))
    assert not _our_front_end(None)


@pytest.mark.parametrize(
    ("main", "hidden"), [(_module("kneechain.__main__"), True), (_module(), False)]
)
def test_only_our_main_module_is_hidden_from_a_starting_helper(
    main: types.ModuleType, hidden: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "__main__", main)
    with _bare_main():
        data = multiprocessing.spawn.get_preparation_data("helper")
    assert sys.modules["__main__"] is main  # put back at once
    imports_main = "init_main_from_name" in data or "init_main_from_path" in data
    assert imports_main is not hidden
