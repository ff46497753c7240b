"""`kneechain assess --interactive`: the questionnaire in the terminal.

One renderer of the flow in `kneechain.assess.flow` (the web wizard is the other): it prints each
question with its choices by number and label, reads the answer, and says in plain words what is
wrong when the flow refuses one. `b` or `<` goes back one question. The answers are saved after
each one beside the case file (`case.answers.json` for `case.json`); running the same command
again offers to continue from there, and the file is removed once the case is saved. For a test,
a person can give a clip (analysed at once: values, quality and proof pictures are shown), type a
value measured by hand, or skip it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.console import Console

from kneechain.assess.case import Case
from kneechain.assess.caseio import save_case
from kneechain.assess.flow import (
    FlowState,
    apply_answer,
    build_case,
    choices,
    clip_summary,
    go_back,
    load_state,
    next_question,
    parse_answer,
    referral,
    save_state,
    start,
)
from kneechain.assess.questionnaire import Question, Questionnaire, load_questionnaire
from kneechain.assess.rules import default_rules
from kneechain.errors import KneechainError
from kneechain.knowledge.loader import default_knowledge

BACK = {"b", "<"}


def answers_path(output: Path) -> Path:
    """Where the answers so far are kept while the questionnaire for `output` is under way."""
    return output.with_name(f"{output.stem}.answers.json")


def _say(console: Console, text: str, style: str | None = None) -> None:
    console.print(text, style=style, markup=False, highlight=False)


def _read(prompt: str = ">") -> str:
    try:
        return typer.prompt(prompt, default="", show_default=False, prompt_suffix=" ")
    except typer.Abort:
        raise _Stopped() from None


class _Stopped(Exception):
    """The person ended the input (Ctrl-D / Ctrl-C)."""


def _show_error(console: Console, err: KneechainError) -> None:
    _say(console, f"  {err.message}", "red")
    for problem in err.problems:
        _say(console, f"    - {problem}", "red")
    if err.hint:
        _say(console, f"  {err.hint}", "yellow")


def _show_question(console: Console, question: Question) -> None:
    _say(console, "")
    _say(console, question.text, "bold")
    for line in question.help:
        _say(console, f"  {line}", "dim")
    if question.kind in ("choice", "multi_choice"):
        options = choices(question)
        for i, option in enumerate(options, start=1):
            _say(console, f"  {i}. {option.label}")
        if question.none_option:
            _say(console, f"  {len(options) + 1}. {question.none_option}")
        if question.kind == "multi_choice":
            _say(console, "  (several: separate the numbers with commas, e.g. 1,3)", "dim")
    elif question.kind == "yes_no":
        _say(console, "  y = yes, n = no" + ("" if question.required else ", Enter = skip"))
    elif question.kind in ("number", "integer") and question.minimum is not None:
        unit = f" {question.unit}" if question.unit else ""
        low, high = f"{question.minimum:g}", f"{question.maximum:g}"
        _say(console, f"  (a number from {low} to {high}{unit})", "dim")


def _clip_value(
    console: Console, qn: Questionnaire, question: Question, text: str, output: Path
) -> object:
    """Analyse the clip named by `text` and show what it gave (KneechainError when it cannot)."""
    from kneechain.assess.protocols.casevideo import film_clip  # vision: loaded only when used
    from kneechain.assess.protocols.config import default_config

    clip = Path(text.strip().strip("'\"")).expanduser()
    number = question.id.rsplit("clip", 1)[-1]
    folder = output.parent / f"{output.stem}-evidence" / f"{question.test_id}-clip{number}"
    _say(console, "  Measuring the clip (this can take a minute)...", "dim")
    answer = film_clip(clip, question.test_id or "", default_config(), folder)
    for line in clip_summary(qn, answer):
        _say(console, f"  {line}", "green")
    if not answer.evidence:
        _say(console, "  (no proof pictures: the input is not a video)", "dim")
    return answer


def _ask(
    console: Console, qn: Questionnaire, state: FlowState, question: Question, output: Path
) -> FlowState:
    """Ask until the answer is accepted (or the person goes back); the new state."""
    _show_question(console, question)
    while True:
        text = _read()
        if text.strip().casefold() in BACK:
            try:
                state = go_back(qn, state)
            except KneechainError as err:
                _show_error(console, err)
                continue
            _say(console, "  Back one question.", "dim")
            return state
        try:
            value = parse_answer(question, text)
            if question.kind == "clip" and value is not None:
                value = _clip_value(console, qn, question, str(value), output)
            return apply_answer(qn, state, question.id, value)
        except KneechainError as err:
            _show_error(console, err)


def _resume_or_start(console: Console, qn: Questionnaire, path: Path) -> FlowState:
    try:
        saved = load_state(qn, path)
    except KneechainError as err:
        _say(console, f"{err.message} Starting again.", "yellow")
        return start(qn)
    if saved is None or not saved.order:
        return start(qn)
    _say(console, f"You started this questionnaire before ({len(saved.order)} answers saved).")
    while True:
        text = _read("Continue where you stopped? [Y/n]").strip().casefold()
        if text in ("", "y", "yes"):
            return saved
        if text in ("n", "no"):
            return start(qn)
        _say(console, "  Answer y or n.", "red")


def interview(output: Path, console: Console | None = None) -> Case:
    """Run the questionnaire in the terminal, save the case to `output` and return it.

    Interrupted (end of input or Ctrl-C), it says where the answers are kept and exits with
    code 1; the same command continues from there.
    """
    console = console or Console()
    if not output.parent.is_dir():
        _say(console, f"The folder {output.parent} does not exist: create it first.", "red")
        raise typer.Exit(code=2)
    qn = load_questionnaire(default_knowledge(), default_rules())
    path = answers_path(output)
    _say(console, qn.spec.title, "bold underline")
    _say(console, qn.spec.intro)
    _say(console, qn.spec.controls, "cyan")
    try:
        state = _resume_or_start(console, qn, path)
        section = None
        while (question := next_question(qn, state)) is not None:
            if question.section != section:
                section = question.section
                heading = qn.section(section)
                _say(console, "")
                _say(console, heading.title, "bold underline")
                if heading.intro:
                    _say(console, heading.intro)
            state = _ask(console, qn, state, question, output)
            save_state(state, path)
    except (_Stopped, KeyboardInterrupt):
        _say(console, "")
        _say(console, f"Stopped. Your answers are kept in {path}.", "yellow")
        _say(console, "Run the same command again to continue where you stopped.", "yellow")
        raise typer.Exit(code=1) from None
    hits = referral(qn, state)
    if hits:
        _say(console, "")
        _say(console, qn.spec.referral.title, "bold red")
        _say(console, qn.spec.referral.text)
        for hit in hits:
            when = qn.spec.referral.when[hit.urgency]
            _say(console, f"  - {hit.reason} See: {hit.refer_to}, {when}.", "red")
    case = build_case(qn, state, assessed_on=date.today())
    try:
        save_case(case, output)
    except OSError as exc:
        _say(console, f"Cannot save the case to {output}: {exc.strerror}.", "red")
        _say(console, f"Your answers are kept in {path}.", "yellow")
        raise typer.Exit(code=2) from None
    path.unlink(missing_ok=True)
    _say(console, f"\nCase saved to {output}")
    return case
