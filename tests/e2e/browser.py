"""Headless Chromium for tests: found, or installed from Debian's packages when missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def chromium_binary() -> str:
    """Path of Chromium; installs Debian's `chromium` package when running as root without it."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env, capture_output=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "chromium"],
            check=True,
            env=env,
            capture_output=True,
        )
        found = shutil.which("chromium")
        if found:
            return found
    raise RuntimeError(
        "Chromium is missing: install Debian's chromium package (apt-get install chromium)"
    )


def run_chromium(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium with a fresh profile and the given extra arguments."""
    with tempfile.TemporaryDirectory(prefix="okrsync-chromium-") as profile:
        return subprocess.run(
            [chromium_binary(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def file_url(path: Path) -> str:
    return path.resolve().as_uri()


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
"""Where tests leave screenshots for a person to look at."""


def save_screenshot(page: Path, name: str, *, height: int = 2000) -> Path:
    """Chromium's picture of `page` (1280 px wide) as test-artifacts/`name`; a PNG or a failure."""
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / name
    shot.unlink(missing_ok=True)
    proc = run_chromium(f"--window-size=1280,{height}", f"--screenshot={shot}", file_url(page))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert shot.read_bytes()[:4] == b"\x89PNG" and shot.stat().st_size > 10_000
    return shot
