"""Draw every exercise and test picture of the knowledge base on one contact sheet (PNG), each
with its name and the first words of its steps, so the pictures can be checked against what
they illustrate. Usage: .venv/bin/python scripts/contact_sheet.py [OUT.png] [--only ID,ID]
(default docs/illustrations.png)."""

from __future__ import annotations

import io
import sys
import textwrap
from pathlib import Path

import cairosvg
from PIL import Image, ImageDraw, ImageFont

from kneechain.knowledge.illustrations import default_illustrations
from kneechain.knowledge.loader import default_knowledge
from kneechain.report.figures import illustration_svg

CELL_W, PICTURE_H, TEXT_H, COLUMNS = 420, 260, 130, 5


def _caption(kb, illustration_id: str) -> tuple[str, list[str]]:
    if illustration_id in kb.exercises:
        ex = kb.exercises[illustration_id]
        return ex.name, list(ex.steps)
    test = kb.tests[illustration_id]
    return test.name, list(test.setup)


def _picture(illustration_id: str, name: str) -> Image.Image:
    svg = illustration_svg(illustration_id, title=name).encode()
    png = cairosvg.svg2png(bytestring=svg, background_color="white")
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.thumbnail((CELL_W - 10, PICTURE_H - 10))
    return image


def contact_sheet(out: Path, only: set[str] | None = None) -> Path:
    kb = default_knowledge()
    ids = [i.id for i in default_illustrations().illustrations if not only or i.id in only]
    rows = -(-len(ids) // COLUMNS)
    cols = min(COLUMNS, len(ids))
    sheet = Image.new("RGB", (cols * CELL_W, rows * (PICTURE_H + TEXT_H)), "white")
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=13)
    bold = ImageFont.load_default(size=15)
    for n, illustration_id in enumerate(ids):
        x, y = (n % COLUMNS) * CELL_W, (n // COLUMNS) * (PICTURE_H + TEXT_H)
        name, steps = _caption(kb, illustration_id)
        picture = _picture(illustration_id, name)
        sheet.paste(picture, (x + (CELL_W - picture.width) // 2, y + 5))
        draw.rectangle((x, y, x + CELL_W - 1, y + PICTURE_H + TEXT_H - 1), outline="#ced4da")
        draw.text((x + 8, y + PICTURE_H), textwrap.shorten(name, 52), fill="black", font=bold)
        lines = [
            line
            for i, step in enumerate(steps[:3], start=1)
            for line in textwrap.wrap(f"{i}. {step}", 62)
        ]
        for k, line in enumerate(lines[:6]):
            draw.text((x + 8, y + PICTURE_H + 20 + 17 * k), line, fill="#343a40", font=font)
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out, optimize=True)
    return out


if __name__ == "__main__":
    args = sys.argv[1:]
    only = None
    if "--only" in args:
        at = args.index("--only")
        only = set(args[at + 1].split(","))
        del args[at : at + 2]
    target = Path(args[0]) if args else Path("docs/illustrations.png")
    print(contact_sheet(target, only))
