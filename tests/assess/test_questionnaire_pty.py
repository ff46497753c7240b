"""`kneechain assess --interactive` in a real pseudo-terminal, as a person types it: prompts
appear before input is read, `b` goes back, Ctrl-D stops and keeps the answers, and the next
run continues from there. Standard library `pty` only."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.assess.test_cli_questionnaire import INTERNAL, typed

pytestmark = [
    pytest.mark.slow,  # two real processes, each importing kneechain (about 12 s)
    pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal"),
]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    """One command run in a pseudo-terminal; `expect` waits for text on its screen."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        self.fd, child = pty.openpty()
        fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))  # 200 columns
        env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "xterm"}
        self.proc = subprocess.Popen(
            args, stdin=child, stdout=child, stderr=child, cwd=cwd, env=env, close_fds=True
        )
        os.close(child)
        self.screen = ""
        self.cursor = 0

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # the child closed the terminal
            return False
        self.screen += ANSI.sub("", data.decode("utf-8", "replace")).replace("\r\n", "\n")
        return bool(data)

    def expect(self, text: str, timeout: float = 60) -> None:
        """Wait until `text` appears after what the last `expect` matched."""
        end = time.monotonic() + timeout
        while (found := self.screen.find(text, self.cursor)) < 0:
            alive = self._read(0.2) or self.proc.poll() is None
            if time.monotonic() > end or not alive:
                raise AssertionError(
                    f"{text!r} never appeared; screen ends:\n{self.screen[-2000:]}"
                )
        self.cursor = found + len(text)

    def send(self, line: str) -> None:
        os.write(self.fd, line.encode() + b"\n")

    def end_of_input(self) -> None:
        os.write(self.fd, b"\x04")

    def finish(self, timeout: float = 120) -> int:
        end = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < end:
            self._read(0.2)
        while self._read(0.1):
            pass
        os.close(self.fd)
        return self.proc.wait(timeout=5)


def _kneechain() -> str:
    return str(Path(sys.executable).with_name("kneechain"))


def test_in_a_terminal_back_stop_and_resume(tmp_path: Path) -> None:
    out = tmp_path / "case.json"
    term = Terminal([_kneechain(), "assess", "--interactive", "--output", str(out)], tmp_path)
    term.expect("Type b (or <) to go back one question.")
    term.expect("How old are you?")
    term.expect("> ")
    term.send("38")
    term.expect("Did the knee pain start with a fall")
    term.send("b")
    term.expect("Back one question.")
    term.expect("How old are you?")
    term.send("36")
    term.expect("Did the knee pain start with a fall")
    term.send("n")
    term.expect("Does your knee lock")
    term.end_of_input()
    assert term.finish() == 1
    assert "Stopped. Your answers are kept in" in term.screen
    assert "Traceback" not in term.screen
    assert json.loads((tmp_path / "case.answers.json").read_text())["answers"] == {
        "age": 36,
        "injury": False,
    }

    lines = typed({"age": ["36"], "side": ["3"], "pain_worst": ["4"]}, out)[2:]
    again = Terminal([_kneechain(), "assess", "--interactive", "--output", str(out)], tmp_path)
    again.expect("You started this questionnaire before (2 answers saved).")
    again.send("y")
    for line in lines:
        again.expect("> ")
        again.send(line)
    assert again.finish() == 0, again.screen[-3000:]
    seen = again.screen.split("Case saved to")[0]
    assert not INTERNAL.search(seen), INTERNAL.search(seen)
    assert "How old are you?" not in seen
    case = json.loads(out.read_text())
    assert case["person"]["age"] == 36 and case["complaint"]["side"] == "both"
    assert case["complaint"]["nprs_worst"] == 4
    assert not (tmp_path / "case.answers.json").exists()
