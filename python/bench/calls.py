"""Per-call cost of the game-thread API, from Python, on the live device backend.

What: with 256 looping voices playing (the scenario of the original's figures),
  (a) ``update_audio_3d`` per call: one repetition = 50 ticks x 256 voices, each call with
      new volume/pan/pitch values; 20 repetitions -> median and mean per call;
  (b) ``play_audio`` + ``stop_audio`` per pair, while the 256 loops play: one repetition =
      2000 pairs timed together; 10 repetitions -> median and mean per pair.
How: ``time.perf_counter_ns``, after a warm-up of each loop. The device is ALSA's ``file``
  plugin over ``null`` (no sound card needed), chosen with ``ALSA_CONFIG_PATH`` (written to
  a temp dir unless already set) before the backend opens. That device is not paced: its
  callback renders the voices as fast as the CPU allows (one core busy), as in the Rust tests.
  Prints a table next to the original (miniaudio) backend's figures, then one JSON line.
Run:  python python/bench/calls.py [--reps-update 20] [--ticks 50] [--reps-play 10] [--pairs 2000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time

import numpy as np

ALSA_NULL = ('pcm.!default {\n type file\n slave.pcm "nullsink"\n file "/dev/null"\n'
             ' format "raw"\n}\npcm.nullsink { type null }\n')
# The original backend (miniaudio), same machine class, Python 3.13.
ORIGINAL = {"update_audio_3d_us": 5.7, "play_stop_pair_us": 770.0}
VOICES = 256


class Clip:
    """1 s of a 440 Hz sine, 44.1 kHz stereo, amplitude 0.3 (the AudioClip attributes)."""

    def __init__(self, name="sine440"):
        t = np.arange(44100) / 44100.0
        mono = (0.3 * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32)
        self.path = f"bench://{name}"
        self.container = "pcm"
        self.backend_data = np.repeat(mono[:, None], 2, axis=1)  # (frames, channels)
        self.sample_rate = 44100
        self.channels = 2


def bench_update(be, ids, ticks, reps):
    """ns per update_audio_3d call, one figure per repetition of `ticks` x len(ids) calls."""
    upd = be.update_audio_3d
    per_call = []
    for r in range(reps + 1):  # repetition 0 is the warm-up
        t0 = time.perf_counter_ns()
        for k in range(ticks):
            vol = -6.0 - (k % 10) * 0.5
            for i, cid in enumerate(ids):
                upd(cid, vol, ((i + k) % 21 - 10) / 10.0, 0.9 + ((i + k) % 5) * 0.05)
        dt = time.perf_counter_ns() - t0
        if r:
            per_call.append(dt / (ticks * len(ids)))
    return per_call


def bench_play_stop(be, clip, pairs, reps):
    """ns per play_audio + stop_audio pair, one figure per repetition of `pairs` pairs."""
    play, stop, clock = be.play_audio, be.stop_audio, time.perf_counter_ns
    per_pair = []
    for r in range(reps + 1):  # repetition 0 is the warm-up
        t0 = clock()
        for _ in range(pairs):
            stop(play(clip, volume_db=-12.0))
        dt = clock() - t0
        if r:
            per_pair.append(dt / pairs)
    return per_pair


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps-update", type=int, default=20)
    ap.add_argument("--ticks", type=int, default=50)
    ap.add_argument("--reps-play", type=int, default=10)
    ap.add_argument("--pairs", type=int, default=2000)
    args = ap.parse_args()

    if "ALSA_CONFIG_PATH" not in os.environ:
        conf = os.path.join(tempfile.mkdtemp(prefix="bench-alsa-"), "null.conf")
        with open(conf, "w") as f:
            f.write(ALSA_NULL)
        os.environ["ALSA_CONFIG_PATH"] = conf
    import simvx_audio_rs as sa  # after ALSA_CONFIG_PATH

    be = sa.open_device()
    info = dict(be.info)
    loop_clip, shot = Clip("loop"), Clip("shot")
    ids = [be.play_audio(loop_clip, volume_db=-30.0, loop=True, pan=(i % 21 - 10) / 10.0)
           for i in range(VOICES)]
    time.sleep(0.2)
    active = sum(bool(be.is_channel_active(i)) for i in ids)
    upd = bench_update(be, ids, args.ticks, args.reps_update)
    pst = bench_play_stop(be, shot, args.pairs, args.reps_play)
    active_after = sum(bool(be.is_channel_active(i)) for i in ids)
    be.shutdown()

    res = {
        "python": platform.python_version(),
        "native_sha256": hashlib.sha256(open(sa._native.__file__, "rb").read()).hexdigest()[:12],
        "backend_info": info,
        "voices_active": [active, active_after],
        "update_audio_3d_us": {"median": statistics.median(upd) / 1e3, "mean": statistics.fmean(upd) / 1e3,
                               "min": min(upd) / 1e3, "calls_per_rep": args.ticks * VOICES, "reps": len(upd)},
        "play_stop_pair_us": {"median": statistics.median(pst) / 1e3, "mean": statistics.fmean(pst) / 1e3,
                              "min": min(pst) / 1e3, "pairs_per_rep": args.pairs, "reps": len(pst),
                              "loops_playing": VOICES},
        "original_us": ORIGINAL,
    }
    print(f"Python {res['python']}  device {info.get('device')!r}  kind {info.get('kind')}  "
          f"buffer_frames {info.get('buffer_frames')}  loops active {active} (a), {active_after} (b)")
    print(f"{'call':<22}{'median us':>11}{'mean us':>10}{'min us':>9}{'original us':>13}{'ours/orig':>11}")
    for key, name in (("update_audio_3d_us", "update_audio_3d"), ("play_stop_pair_us", "play+stop pair")):
        m = res[key]
        print(f"{name:<22}{m['median']:>11.3f}{m['mean']:>10.3f}{m['min']:>9.3f}"
              f"{ORIGINAL[key]:>13.1f}{m['median'] / ORIGINAL[key]:>11.4f}")
    print(json.dumps(res))
    return 0 if active == VOICES and active_after == VOICES else 1


if __name__ == "__main__":
    sys.exit(main())
