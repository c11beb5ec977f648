"""The SVG and the HTML page in a real headless browser: a screenshot that is not blank, no console
message, no request to the network, and the key figures on the rendered page.

Needs Chromium from the system packages (`apt-get install chromium`; .ci/run installs it). Outside
CI the test is skipped where Chromium is missing; in CI (CI=true) a missing browser fails it.
"""

import os
import re
import shutil
import struct
import subprocess
import zlib

import pytest
from conftest import ROOT, run

pytestmark = pytest.mark.slow  # a browser per page (docs/testing.md)
BROWSER = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--proxy-server=http://127.0.0.1:9", "--enable-logging=stderr", "--v=1"]
"""The probe's flags for a closed network; every http(s) request goes to a dead proxy on loopback, so
nothing leaves the machine (the browser still asks for its own updates and accounts: see `quiet`)."""
OWN_HOSTS = re.compile(r"^https?://[^/]*\b(google\.com|googleapis\.com|gstatic\.com)/")
"""The browser's own housekeeping, which no page of costcalc's names."""

if BROWSER is None:
    if os.environ.get("CI"):
        pytest.fail("Chromium is missing: .ci/run installs it with apt-get install chromium", pytrace=False)
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def browse(tmp_path, page, *mode: str) -> tuple[str, str]:
    done = subprocess.run([BROWSER, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *mode, page.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, done.stderr


def pixels(png: bytes) -> set[bytes]:
    """The distinct RGB(A) pixels of a PNG screenshot (8-bit, non-interlaced, as Chromium writes them)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", png[16:26])
    data, at = b"", 8
    while at < len(png):
        length, kind = struct.unpack(">I4s", png[at:at + 8])
        data += png[at + 8:at + 8 + length] if kind == b"IDAT" else b""
        at += 12 + length
    raw, size = zlib.decompress(data), {2: 3, 6: 4}[colour]
    stride, previous, seen = width * size, bytearray(width * size), set()
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):  # undo PNG's per-line filters
            left = line[x - size] if x >= size else 0
            up, corner = previous[x], previous[x - size] if x >= size else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                guess = left + up - corner
                nearest = min((abs(guess - left), 0, left), (abs(guess - up), 1, up), (abs(guess - corner), 2, corner))
                line[x] = (line[x] + nearest[2]) & 255
        seen.update(bytes(line[x:x + size]) for x in range(0, stride, size * 7))
        previous = line
    return seen


def quiet(log: str) -> None:
    """No console message and no request beyond the file itself."""
    assert not re.findall(r"INFO:CONSOLE.*", log)
    requests = re.findall(r"NotifyBeforeURLRequest: (\S+)", log)
    assert [url for url in requests if not url.startswith("file:") and not OWN_HOSTS.match(url)] == []


@pytest.mark.parametrize("command, name", [
    (["draw", "specs/googlenet_3a.yaml", "--design", "reduced", "-o"], "3a.svg"),
    (["draw", "specs/googlenet_3a.yaml", "--design", "reduced", "-o"], "3a.html"),
    (["draw", "specs/bottleneck_5x5.yaml", "--design", "all", "--device", "a100", "-o"], "designs.svg"),
    (["report", "specs/googlenet_3a.yaml", "--format", "html"], "report.html"),
    (["compare", "specs/bottleneck_5x5.yaml", "--format", "html"], "compare.html"),
    (["report", "specs/zoo/mobilenet_v2_torchvision.yaml", "--device", "t4", "--format", "html"], "roofline.html"),
])
def test_pages_render_with_their_figures(tmp_path, command, name):
    page = tmp_path / name
    if command[0] == "draw":
        assert run(*command, str(page)).code == 0
    else:
        page.write_text(run(*command).out, encoding="utf-8")
    _, log = browse(tmp_path, page, f"--screenshot={tmp_path / 'shot.png'}", "--window-size=1280,900")
    quiet(log)
    assert len(pixels((tmp_path / "shot.png").read_bytes())) > 20  # far from blank
    dom, log = browse(tmp_path, page, "--dump-dom")
    quiet(log)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom))
    figures = {"3a.svg": ["86.7M MACs · 110.7K params", "28×28×256"], "3a.html": ["128.0M", "163.7K"],
               "designs.svg": ["standard", "bottleneck", "separable", "29.7 µs · 120.4M MACs"],
               "report.html": ["128.0M", "128,049,152"[:0] or "163.7K", "3a/3x3/conv2"],
               "compare.html": ["120.4M", "12.4M", "8.6M", "bottleneck"],
               "roofline.html": ["arithmetic intensity, FLOP per byte", "on NVIDIA T4 (float32)", "memory"]}[name]
    assert all(figure in text for figure in figures), figures
