"""Must-show: found through the entry point, picked by SimVX, heard through ALSA's file device.

A child interpreter runs ``examples/play_tone.py`` (the wheel installed in this fresh venv,
SimVX's stand-in registry) with ALSA's default PCM set to the ``file`` plugin over ``null``
(TESTING-NOTES §1); the capture, the raw samples the device was given, must hold the tone at
the right pitch and level.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np

from conftest import HERE, STANDIN, capture_device_config, dominant_frequency, rms


def test_a_tone_through_the_alsa_file_device(tmp_path):
    import json
    import os

    capture = tmp_path / "capture.raw"
    env = dict(os.environ, ALSA_CONFIG_PATH=str(capture_device_config(capture)),
               PYTHONPATH=str(STANDIN))
    script = HERE.parent / "examples" / "play_tone.py"
    proc = subprocess.run([sys.executable, str(script), "--seconds", "1.0"], env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["entry_point"] == "simvx-audio-rs = simvx_audio_rs:register"
    assert out["dist"] == "simvx-audio-rs"
    assert out["backend"] == "StreamingAudioBackend" and out["info"]["kind"] == "native"
    info = out["info"]
    dtype = {"f32": "<f4", "i16": "<i2"}[info["sample_format"]]
    raw = np.frombuffer(capture.read_bytes(), dtype=dtype).astype(np.float64)
    if dtype == "<i2":
        raw /= 32768.0
    frames = raw.reshape(-1, info["channels"])
    rate = info["sample_rate"]
    onset = int(np.argmax(np.abs(frames[:, 0]) > 1e-3))
    assert np.abs(frames[onset, 0]) > 1e-3, "the tone never reached the device"
    body = frames[onset + 480 : onset + rate - 480]  # 1 s of tone, ends trimmed
    for channel in range(2):
        assert abs(dominant_frequency(body[:, channel], rate) - 1000.0) < 0.5
        # -6.02 dB of a full-scale sine: amplitude 0.5, RMS 0.3536.
        assert abs(rms(body[:, channel]) - 0.5 / math.sqrt(2)) < 0.5 / math.sqrt(2) * 0.005
    tail = frames[onset + rate + 480 : onset + rate + 4800]
    assert len(tail) and np.abs(tail).max() < 1e-3, "the tone should end after 1 s"
