"""What the terminal can take: no escape code under NO_COLOR or TERM=dumb (in a real pseudo-terminal),
and no traceback, nor exit 1, on a console whose encoding is not UTF-8 (cp1252, ASCII)."""

import os
import pty
import subprocess
import sys

import pytest
from conftest import ROOT

BOTTLENECK = "specs/bottleneck_5x5.yaml"
COMMANDS = [
    ["compare", BOTTLENECK],
    ["report", "specs/googlenet_3a.yaml", "--design", "reduced"],
    ["explain", BOTTLENECK, "--design", "bottleneck"],
    ["diff", BOTTLENECK, "--design", "standard", "--design", "bottleneck"],
    ["check", BOTTLENECK, "--design", "bottleneck"],
    ["conventions"],
    ["--help"],
]


def environment(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TERM")}
    env.update({"COLUMNS": "200", **settings})
    return env


def in_terminal(args: list[str], **settings: str) -> tuple[int, bytes]:
    """Run costcalc with a pseudo-terminal as its stdin, stdout and stderr; its exit status and all it wrote."""
    main, sub = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "costcalc", *args], stdin=sub, stdout=sub, stderr=sub,
                               cwd=ROOT, env=environment(**settings))
    os.close(sub)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the child has closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    return process.wait(), b"".join(chunks)


def test_a_terminal_gets_bold_otherwise():
    code, out = in_terminal(["compare", BOTTLENECK], TERM="xterm-256color")
    assert code == 0
    assert b"\x1b[1m" in out


@pytest.mark.parametrize("setting", [{"NO_COLOR": "1", "TERM": "xterm-256color"}, {"TERM": "dumb"}])
@pytest.mark.parametrize("args", COMMANDS, ids=lambda args: args[0])
def test_no_escape_code_at_all_under_no_color_or_a_dumb_terminal(args, setting):
    code, out = in_terminal(args, **setting)
    assert code == 0
    assert b"\x1b" not in out
    assert len(out) > 200


def run_encoded(args: list[str], encoding: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "costcalc", *args], cwd=ROOT, capture_output=True,
                          env=environment(PYTHONIOENCODING=encoding))


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
@pytest.mark.parametrize("args", COMMANDS + [["report", "specs/zoo/mobilenet_v2_keras.yaml", "--depth", "0"],
                                             ["compare", BOTTLENECK, "--format", "markdown"],
                                             ["check", BOTTLENECK, "--design", "bottleneck", "--format", "junit"]],
                         ids=lambda args: "-".join(args[:1] + args[-1:]))
def test_a_console_that_is_not_utf8_never_crashes(args, encoding):
    done = run_encoded(args, encoding)
    assert (done.returncode, done.stderr) == (0, b"")
    assert done.stdout


def test_characters_cp1252_lacks_are_written_as_stand_ins():
    out = run_encoded(["compare", BOTTLENECK], "cp1252").stdout.decode("cp1252").splitlines()
    assert out[0] == "5x5 conv on 28x28x192, with and without a 1x1 bottleneck: designs on 28×28×192"
    assert out[1].startswith("+---------------------+----------+")
    assert out[2].startswith("| design              | output   |  params | × standard |")
    assert "* best in its column; ratios are to standard; activations are the bytes of every layer's output" in out[8]
    assert out[-5] == "| standard   | ############ | ############ | #+           |"
    assert "?" not in "".join(out)


def test_every_character_costcalc_prints_has_a_stand_in_or_is_in_cp1252():
    from costcalc.show.terminal import STAND_INS

    sources = [p for p in (ROOT / "costcalc").rglob("*.py") if "draw" not in p.parts]  # draw writes files, in UTF-8
    characters = {c for path in sources for c in path.read_text(encoding="utf-8") if ord(c) > 127}
    lacking = set()
    for character in characters - set(STAND_INS):
        try:
            character.encode("cp1252")
        except UnicodeEncodeError:
            lacking.add(character)
    assert lacking == set()


def test_a_bad_spec_on_a_cp1252_console_is_one_line_and_exit_2(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("input: [8, 8, 3]\nlayers:\n  - conv: {filters→: 3}\n", encoding="utf-8")
    done = run_encoded(["report", str(spec)], "cp1252")
    assert (done.returncode, done.stdout) == (2, b"")
    assert done.stderr.decode("cp1252") == (f"{spec}:3:12: unknown option 'filters->' for conv; "
                                            "did you mean 'filters'?\n")


def test_over_budget_on_a_cp1252_console_is_still_exit_1():
    done = run_encoded(["check", BOTTLENECK, "--design", "standard"], "cp1252")
    assert (done.returncode, done.stderr) == (1, b"")
    assert b"over" in done.stdout
