"""`kneechain demo`: the main journey on embedded defaults, one stage after another.

knowledge -> assessment of an example case -> its program (handout, PDF, calendar) -> stored in
a tracking database with its re-test schedule -> a real walking clip measured by the gait
protocol, with the frames that prove each value. Every file it writes goes under the output folder
(the demo database included); the user's own data folder is never touched.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.rule import Rule

if TYPE_CHECKING:
    from kneechain.program.models import Program
    from kneechain.services.context import ServiceContext

console = Console()

DEFAULT_CASE = Path("examples/runner_right_valgus_pelvic_drop.json")
EXAMPLE_PERSON = "Example (demo)"


def show_knowledge(ctx: ServiceContext) -> None:
    """One line on what the tool knows; `kneechain knowledge list ...` shows it all."""

    kb = ctx.domain.knowledge
    main = len(kb.primary_exercises())
    console.print(Rule("1. What kneechain knows"))
    console.print(
        f"{len(kb.tests)} tests, {len(kb.findings)} findings, "
        f"{main} exercises (+{len(kb.exercises) - main} easier/harder variants), "
        f"{len(kb.red_flags)} red flags, {len(kb.sources)} sources. "
        "Try `kneechain knowledge list exercises`."
    )


def track_example(ctx: ServiceContext, case_file: Path, program: Program) -> None:
    """Store the example in the demo database and show which re-tests are due."""
    from kneechain.services import assessment, people, tracking
    from kneechain.track.cli_views import print_due

    if any(p.name == EXAMPLE_PERSON for p in people.list_all(ctx)):
        people.delete(ctx, EXAMPLE_PERSON)  # a re-run starts the example person afresh
    people.add(ctx, EXAMPLE_PERSON)
    assessment.record(ctx, EXAMPLE_PERSON, assessment.read_case(case_file, ctx), program=program)
    print_due(console, tracking.retests(ctx, EXAMPLE_PERSON, program.start_date))
    console.print(f"Stored in {ctx.store.settings.database_url}")


def measure_video(ctx: ServiceContext, out: Path) -> None:
    """The gait protocol on the demo clip's walker (found locally or in a pinned wheel), run
    as a job like every clip, and kept with the example person's records."""
    from kneechain.assess.protocols.cli_render import report as protocol_report
    from kneechain.assess.protocols.walker_clip import WALKER_BOX
    from kneechain.services import video as clips
    from kneechain.vision.sample_data import demo_video, last_failure

    found = demo_video()
    if found is None:
        console.print(f"[yellow]No demo clip available, video step skipped:[/] {last_failure()}")
        return
    console.print(
        f"{found.name}: two people in view; following the walker in the box {WALKER_BOX}."
    )
    request = clips.ClipAnalysisRequest(
        video=found,
        test_id="gait",
        person=WALKER_BOX,
        clip=False,
        evidence_dir=out / "gait-evidence",
    )
    analysis = clips.analyse_clip(ctx, request)
    for warning in analysis.pose_warnings:
        console.print(f"[yellow]Warning:[/] {warning}", highlight=False)
    console.print(
        protocol_report(analysis.result, ctx.domain.knowledge.tests[analysis.result.test_id])
    )
    clips.store_analysis(ctx, analysis, EXAMPLE_PERSON)
    pictures = [f for f in analysis.evidence_files if f.suffix.lower() == ".png"]
    console.print(
        f"{len(pictures)} evidence pictures in {out / 'gait-evidence'}; "
        f"the clip and its pictures are kept with {EXAMPLE_PERSON}'s records."
    )


def demo(
    case: Path = typer.Option(DEFAULT_CASE, "--case", help="Example case to assess."),
    out: Path = typer.Option(Path("out/demo"), "--out", help="Folder for the files it writes."),
    video: bool = typer.Option(True, "--video/--no-video", help="Include the video step."),
) -> None:
    """Run the main journey on embedded defaults (no set-up, no network)."""
    from kneechain.assess.cli_render import report
    from kneechain.report.cli_render import program_view
    from kneechain.services import assessment, programs
    from kneechain.services.context import ServiceContext
    from kneechain.settings import Settings

    with ServiceContext.open(Settings(data_dir=out / "data", database_url=None)) as ctx:
        show_knowledge(ctx)
        console.print(Rule(f"2. Assessment of {case.name}"))
        loaded = assessment.read_case(case, ctx)
        result = assessment.assess_case(ctx, loaded)
        console.print(report(result))
        console.print(Rule("3. The corrective program"))
        program = programs.build(ctx, result, assessed_on=loaded.assessed_on)
        console.print(program_view(program))
        files = programs.handout_in(ctx, program, out)
        for path in files.written:
            console.print(f"wrote {path}")
        for path, why in files.skipped.items():
            console.print(f"[yellow]{path} skipped:[/] {why}")
        console.print(Rule("4. Tracking: stored, with the re-tests it schedules"))
        track_example(ctx, case, program)
        if video:
            console.print(Rule("5. Measuring from a phone video: walking, side view"))
            measure_video(ctx, out)
