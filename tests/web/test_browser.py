"""End to end in a real browser: Debian's Chromium driven by Playwright (never a downloaded
browser) against the app served by uvicorn on loopback. The person's journey with a real clip
uploaded and analysed by the job runner, then the clinician's; a screenshot of every step (desktop
and phone width) is saved under test-artifacts/web/, with a contact sheet of them all."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kneechain.services.context import ServiceContext
from kneechain.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
DEMO_CLIP = Path("/work/shared/data/walk_and_jump_sports2d_demo.mp4")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
PASSWORD = "a long enough password"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a loopback port, over its own data folder, with a local job runner."""
    if not CHROMIUM.is_file():
        pytest.skip("Debian chromium is not installed (scripts/system-deps.sh test installs it)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    import uvicorn

    from kneechain.web.app import create_app

    data = tmp_path_factory.mktemp("web-e2e")
    ctx = ServiceContext.open(Settings(data_dir=data, job_workers=1, pose_workers=1))
    port = _free_port()
    config = uvicorn.Config(create_app(ctx), host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert uv.started, "the server did not start"
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=30)
    ctx.close()


@pytest.fixture(scope="module")
def chromium(server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


class Shots:
    """Numbered screenshots of a page, at desktop and (when asked) phone width."""

    def __init__(self, page: object, prefix: str) -> None:
        self.page, self.prefix, self.count = page, prefix, 0

    def __call__(self, name: str, phone: bool = False) -> None:
        page = self.page
        self.count += 1
        stem = f"{self.prefix}-{self.count:02d}-{name}"
        page.screenshot(path=str(ARTIFACTS / f"{stem}.png"), full_page=True)  # type: ignore[attr-defined]
        if phone:
            page.set_viewport_size(PHONE)  # type: ignore[attr-defined]
            page.screenshot(path=str(ARTIFACTS / f"{stem}-phone.png"), full_page=True)  # type: ignore[attr-defined]
            page.set_viewport_size(DESKTOP)  # type: ignore[attr-defined]


def walker_clip(folder: Path) -> Path:
    """A short real clip: the demo video's walker, cut to her 5 seconds of walking."""
    if not DEMO_CLIP.is_file():
        pytest.skip(f"the demo clip {DEMO_CLIP} is not available")
    from kneechain.assess.protocols.walker_clip import cut_walker

    return cut_walker(DEMO_CLIP, folder / "walking-side-view.mp4")


def sign_up(page: object, server: str, name: str, email: str, role: str) -> None:
    page.goto(f"{server}/signup" + ("?role=clinician" if role == "clinician" else ""))  # type: ignore[attr-defined]
    page.fill("#name", name)  # type: ignore[attr-defined]
    page.fill("#email", email)  # type: ignore[attr-defined]
    page.fill("#password", PASSWORD)  # type: ignore[attr-defined]
    page.click("form button[type=submit]")  # type: ignore[attr-defined]


def answer_current(page: object, film: str) -> str:
    """Answer the question on the page the way a careful person would; returns its kind."""
    card = page.locator(".question-card")  # type: ignore[attr-defined]
    if card.locator("input[type=file]").count():
        return "clip"
    text = card.locator("h1.question").inner_text()
    radios = card.locator("input[type=radio]")
    if card.locator("input#answer").count():
        value = "34" if "old" in text else ("6" if "weeks" in text else "3")
        card.locator("input#answer").fill(value)
        if "pain" in text.lower() and "worst" not in text.lower():
            card.locator("input#answer").fill("2")
        card.locator("button[value=answer]").click()
        return "number"
    if radios.count():
        labels = [
            radios.nth(i).locator("xpath=..").inner_text().strip() for i in range(radios.count())
        ]
        wanted = None
        films = [label for label in labels if label.startswith("Film")]
        skips = [label for label in labels if label.startswith("Skip")]
        hands = [label for label in labels if label.startswith("Type a value")]
        if films and film in text:
            wanted = films[0]
        elif hands and "Lying leg-turn" in text:
            wanted = hands[0]  # typed by hand: 3 degrees each side, a clear deficit
        elif skips:
            wanted = skips[0]
        elif any("Done" in label or "next test" in label.lower() for label in labels):
            wanted = next(x for x in labels if "Done" in x or "next test" in x.lower())
        elif "No" in labels:
            wanted = "No"
        choice = labels.index(wanted) if wanted in labels else 0
        radios.nth(choice).check()
        card.locator("button[value=answer]").click()
        return "choice"
    boxes = card.locator("input[type=checkbox]")
    if boxes.count():
        boxes.nth(0).check()
        card.locator("button[value=answer]").click()
        return "multi"
    card.locator("button[value=skip]").click()
    return "skip"


def test_person_journey_with_a_real_clip(server: str, chromium: object, tmp_path: Path) -> None:
    clip = walker_clip(tmp_path)
    context = chromium.new_context(viewport=DESKTOP)  # type: ignore[attr-defined]
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status == 404 else None,
    )
    shot = Shots(page, "person")
    page.goto(server)
    shot("welcome", phone=True)
    page.goto(f"{server}/signup")
    shot("sign-up", phone=True)
    sign_up(page, server, "Dana", "dana@example.org", "person")
    assert "Hello, Dana" in page.content()
    shot("start-page", phone=True)

    page.click("text=Start your check-up")
    shot("safety-question", phone=True)
    filmed = False
    for _ in range(150):
        if "Ready for your results" in page.content():
            break
        kind = answer_current(page, film="Walking" if not filmed else "-")
        if kind == "clip":
            shot("film-the-test", phone=True)
            page.set_input_files("input[type=file]", str(clip))
            page.click("text=Upload and measure")
            page.wait_for_selector("#clip-progress")
            shot("clip-being-analysed", phone=True)
            page.reload()  # the analysis survives a reload
            assert page.locator("#clip-progress").count() == 1
            # htmx polls the job and moves on to the next question when it is done
            page.wait_for_selector("#clip-progress", state="detached", timeout=300_000)
            assert "could not be measured" not in page.content()
            filmed = True
            shot("after-the-clip")
    else:
        pytest.fail("the check-up did not end")
    assert filmed, "no clip question was reached"
    shot("ready", phone=True)
    page.click("text=See my results and program")
    page.wait_for_selector("text=Results of")
    assert "from your clip" in page.content()
    assert page.locator(".frames img").count() >= 1
    player = page.locator(".annotated-clip video")
    assert player.count() == 1, "the annotated clip is shown"
    player.first.evaluate(
        "v => new Promise(done => v.readyState >= 1 ? done() :"
        " v.addEventListener('loadedmetadata', () => done(), {once: true}))"
    )
    assert player.first.evaluate("v => v.videoWidth") > 0  # Chromium decodes it
    shot("results", phone=True)

    page.click("text=Go to your program")
    shot("program", phone=True)
    if page.locator("text=Too hard or too painful?").count():
        page.locator("text=Too hard or too painful?").first.click()
        assert "easier version" in page.content()
        shot("easier-version")
    if page.locator("[data-hold-timer] [data-start]").count():
        page.locator("[data-hold-timer] [data-start]").first.click()
        page.wait_for_timeout(1500)
        assert page.locator("[data-hold-timer] [data-display]").first.inner_text() != ""
    for box in page.locator("input[type=checkbox][name^=done_]").all():
        box.check()
    page.select_option("#pain_before", "4")
    page.select_option("#pain_after", "3")
    page.fill("#note", "Easier than I thought")
    page.click("text=Save session")
    assert "Session saved" in page.content()
    shot("session-saved")
    page.goto(page.url.split("/program")[0] + "/progress")
    assert "Easier than I thought" in page.content()
    shot("progress", phone=True)

    # no script, style or request was blocked by the Content-Security-Policy, no script
    # failed and nothing the pages asked for was missing
    assert problems == []
    page.goto(f"{server}/account")
    page.fill("#clinician_email", "dr.ola@example.org")
    page.click("text=Share my record")
    assert "No clinician has an account" in page.content()
    shot("share-unknown-clinician")
    context.close()


def test_clinician_journey(server: str, chromium: object) -> None:
    clinician = chromium.new_context(viewport=DESKTOP)  # type: ignore[attr-defined]
    page = clinician.new_page()
    shot = Shots(page, "clinician")
    sign_up(page, server, "Dr Ola", "dr.ola@example.org", "clinician")
    shot("empty-caseload")

    person = chromium.new_context(viewport=DESKTOP)  # type: ignore[attr-defined]
    own = person.new_page()
    own.goto(f"{server}/login")
    own.fill("#email", "dana@example.org")
    own.fill("#password", PASSWORD)
    own.click("form button[type=submit]")
    own.goto(f"{server}/account")
    own.fill("#clinician_email", "dr.ola@example.org")
    own.click("text=Share my record")
    assert "Dr Ola" in own.content()
    Shots(own, "person-account")("shared", phone=True)
    person.close()

    page.goto(f"{server}/caseload")
    assert "Dana" in page.content()
    shot("caseload", phone=True)
    page.click("text=Dana")
    shot("client-record")
    page.locator("table a").first.click()
    assert "Results of" in page.content()
    shot("client-results")
    record = page.url.split("/checkups")[0]
    page.goto(record + "/progress")
    shot("client-progress")
    page.goto(record)
    page.click("text=Edit the program")
    page.locator("details summary").first.click()
    page.locator("input[name=dose]").first.fill("hold 30 seconds, twice a day")
    page.locator("input[name=note]").first.fill("Tolerating it well")
    page.locator("button:has-text('Re-dose')").first.click()
    assert "Saved as version 2" in page.content() and "Tolerating it well" in page.content()
    shot("program-edited")
    status = page.evaluate(f"fetch('{record}/report.pdf').then(r => r.status)")
    assert status in (200, 503)
    clinician.close()


def contact_sheet(folder: Path, out: Path) -> Path:
    """Every screenshot in `folder` as a thumbnail (the person's journey first), labelled."""
    from PIL import Image, ImageDraw

    shots = sorted(
        (p for p in folder.glob("*.png") if p.name != out.name),
        key=lambda p: (not p.name.startswith("person"), p.name),
    )
    thumb_w, thumb_h, label_h, columns = 320, 400, 22, 5
    rows = -(-len(shots) // columns)
    sheet = Image.new("RGB", (columns * thumb_w, rows * (thumb_h + label_h)), "white")
    draw = ImageDraw.Draw(sheet)
    for i, path in enumerate(shots):
        image = Image.open(path).convert("RGB")
        width = thumb_w if image.width > 600 else thumb_w // 2  # phone shots at phone scale
        scale = width / image.width
        image = image.resize((width, max(1, int(image.height * scale))))
        image = image.crop((0, 0, width, min(thumb_h, image.height)))
        x, y = (i % columns) * thumb_w, (i // columns) * (thumb_h + label_h)
        sheet.paste(image, (x + (thumb_w - width) // 2, y + label_h))
        draw.text((x + 6, y + 4), path.stem, fill="black")
    sheet.save(out, optimize=True)
    return out


def test_contact_sheet(server: str, chromium: object) -> None:
    """All screenshots of this run on one sheet (docs/web-screens.png is a copy)."""
    assert len(list(ARTIFACTS.glob("*.png"))) >= 10
    sheet = contact_sheet(ARTIFACTS, ARTIFACTS / "contact-sheet.png")
    assert sheet.stat().st_size > 0
