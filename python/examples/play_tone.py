"""Find simvx-audio-rs through SimVX's entry-point group, let SimVX pick it, play a tone.

    python examples/play_tone.py [--seconds 1.0] [--frequency 1000] [--volume-db -6.0206]

What a SimVX game does at start-up, step by step: the entry points of group
``simvx.audio.backends`` are listed and ours is loaded and called (it registers its factory
with ``simvx.core.audio_backend``); SimVX's ``make_backend()`` then returns our backend, which
plays a sine through the default output device until it ends. Prints one JSON line: the
entry point, the backend's report and when the tone started and ended.
"""

from __future__ import annotations

import argparse
import json
import time
from importlib.metadata import entry_points

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--frequency", type=float, default=1000.0)
    ap.add_argument("--volume-db", type=float, default=-6.0206)
    args = ap.parse_args()

    from simvx.core import audio_backend
    from simvx.core._audio_stream import AudioClip

    [ep] = [e for e in entry_points(group="simvx.audio.backends") if e.name == "simvx-audio-rs"]
    ep.load()()  # register(): our factory goes into SimVX's registry, first
    backend = audio_backend.make_backend(sample_rate=48000, nchannels=2)

    rate = 44100  # the clip's own rate: the backend resamples it
    t = np.arange(int(args.seconds * rate)) / rate
    clip = AudioClip.from_pcm(np.sin(2 * np.pi * args.frequency * t).astype(np.float32),
                              sample_rate=rate, channels=1, name="tone")
    started = time.time()
    ch = backend.play_audio(clip, volume_db=args.volume_db)
    while backend.is_channel_active(ch):
        time.sleep(0.001)
    ended = time.time()
    info = backend.info
    backend.shutdown()
    print(json.dumps({"entry_point": f"{ep.name} = {ep.value}", "dist": ep.dist.name,
                      "backend": type(backend).__name__, "info": info,
                      "started": started, "ended": ended}))


if __name__ == "__main__":
    main()
