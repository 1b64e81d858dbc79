"""Shared set-up for the Python tests of the simvx-audio-rs wheel.

* SimVX's stand-ins (``standin/``, from SIMVX-ORIGINAL §1–§9) are importable as ``simvx.core``.
* Every backend of this process opens ALSA through a configuration of the tests' own
  (``ALSA_CONFIG_PATH``, set before anything opens a device): the default PCM is the ``file``
  plugin over ``null``, a real ALSA device path with no sound card, as in the Rust device tests.
  Tests that need another device (a capture, none at all, the paced device) run a child process
  with its own configuration (:func:`run_child`).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
STANDIN = HERE / "standin"
FIXTURES = HERE.parents[1] / "tests" / "fixtures"
sys.path.insert(0, str(STANDIN))

_ALSA_DIR = Path(tempfile.mkdtemp(prefix="simvx-audio-rs-alsa-"))


def alsa_config(name: str, body: str) -> Path:
    """Write an ALSA configuration file of the tests' own and return its path."""
    path = _ALSA_DIR / f"{name}.conf"
    path.write_text(body)
    return path


def null_device_config() -> Path:
    return alsa_config(
        "null",
        'pcm.!default {\n type file\n slave.pcm "nullsink"\n file "/dev/null"\n format "raw"\n}\n'
        "pcm.nullsink { type null }\n",
    )


def capture_device_config(capture: Path) -> Path:
    return alsa_config(
        "capture",
        f'pcm.!default {{\n type file\n slave.pcm "nullsink"\n file "{capture}"\n format "raw"\n}}\n'
        "pcm.nullsink { type null }\n",
    )


def no_device_config() -> Path:
    return alsa_config("none", "# no PCM is defined: the default device does not exist\n")


os.environ["ALSA_CONFIG_PATH"] = str(null_device_config())


def run_child(code: str, *, alsa: Path | None = None, env: dict | None = None,
              path_first: list[Path] = (), timeout: float = 120.0) -> dict:
    """Run ``code`` in a fresh interpreter (this venv's) and return the JSON it prints last.

    ``path_first`` directories go at the front of ``sys.path`` (before site-packages), as a
    directory earlier on ``sys.path`` would be."""
    full_env = dict(os.environ)
    if alsa is not None:
        full_env["ALSA_CONFIG_PATH"] = str(alsa)
    full_env.update(env or {})
    prelude = "import sys\n" + "".join(
        f"sys.path.insert(0, {str(p)!r})\n" for p in [STANDIN, *path_first][::-1]
    )
    proc = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        capture_output=True, text=True, env=full_env, timeout=timeout,
    )
    assert proc.returncode == 0, f"child failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert lines, f"child printed no JSON:\n{proc.stdout}\n{proc.stderr}"
    result = json.loads(lines[-1])
    result["_stderr"] = proc.stderr
    return result


def dominant_frequency(x: np.ndarray, rate: float) -> float:
    """The strongest frequency of ``x`` (Hann window, parabolic peak interpolation)."""
    x = np.asarray(x, dtype=np.float64)
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    k = int(np.argmax(spec[1:])) + 1
    a, b, c = np.log(spec[k - 1 : k + 2] + 1e-30)
    shift = 0.5 * (a - c) / (a - 2 * b + c)
    return (k + shift) * rate / len(x)


def rms(x) -> float:
    x = np.asarray(x, dtype=np.float64)
    return float(math.sqrt(np.mean(x * x)))


@pytest.fixture(autouse=True)
def _fresh_default_layout():
    from simvx.core.audio_bus import AudioBusLayout

    AudioBusLayout.reset()
    yield
    AudioBusLayout.reset()


@pytest.fixture
def offline():
    import simvx_audio_rs as sa

    r = sa.OfflineRenderer(sample_rate=48000, nchannels=2)
    yield r
    r.shutdown()


@pytest.fixture
def device():
    import simvx_audio_rs as sa

    b = sa.open_device()
    yield b
    b.shutdown()


@pytest.fixture
def tone():
    """A 1 kHz tone at amplitude 0.5, 1 s, 48 kHz mono: SimVX's own ``AudioClip.from_pcm``."""
    from simvx.core._audio_stream import AudioClip

    t = np.arange(48000) / 48000
    return AudioClip.from_pcm((0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32),
                              sample_rate=48000, channels=1, name="tone1k")
