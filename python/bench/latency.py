"""Latency from a Python call (``play_audio``) to the sound being heard, on a paced fake device.

What: wall time from the call to the first sample of the tone at the fake DAC, in ms, over
  N runs (default 5): min / median / max, with the backend's buffer_frames and
  latency_seconds. The original's native backend measured 42-52 ms this way, its legacy
  backend 372-377 ms; the goal here is <= 30 ms.
How: per run (TESTING-NOTES section 8), in a temp dir: mkfifo, start
  /work/shared/tools/paced-device.py on it with --ready (a DAC that drains the FIFO at exactly
  48 kHz S16_LE stereo, 192000 bytes/s), then a child Python (this script, --child) with
  ALSA_CONFIG_PATH pointing to plug -> file (into the FIFO) -> null. The child opens
  simvx_audio_rs.open_device(), lets ~0.5 s of silence run, takes time.time() just before
  play_audio(1 kHz tone, amplitude 0.5) (the 0.5 s gets 0-20 ms of random jitter, so the
  call lands at a random phase of the device's render cycle), waits ~0.5 s, shuts down and
  prints JSON; it also notes when the device thread first rendered the voice (its playback
  position moves), which splits the latency into "wait for the render" + "queued downstream".
  The parent then stops the pacer (SIGTERM), finds the first sample with |s| > 100 in the
  capture (byte b), and heard = stats["first_byte_wall"] + b / 192000. A run is flagged if
  the pacer recorded an underrun before b (the mapping from bytes to wall time would be off).
Run:  python python/bench/latency.py [--runs 5] [--pacer ../shared/tools/paced-device.py]
      [--pipe-size 4096] [--extra-buffer-ms 0]   (pacer knobs, to check the breakdown)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

#: The paced fake device, beside the repository (../shared/tools, TESTING-NOTES section 8).
PACER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared",
                     "tools", "paced-device.py")
BPS = 48000 * 2 * 2  # bytes per second of the capture: S16_LE stereo 48 kHz
THRESHOLD = 100  # of 32767
CONF = ('pcm.!default {{ type plug slave {{ pcm "paced" format S16_LE rate 48000 channels 2 }} }}\n'
        'pcm.paced {{ type file slave.pcm "nullsink" file "{fifo}" format "raw" }}\n'
        'pcm.nullsink {{ type null }}\n')


def child() -> None:
    """The player: silence, one timed play_audio, then shut down; JSON on stdout."""
    import simvx_audio_rs as sa

    class Tone:  # 0.3 s of 1 kHz, amplitude 0.5, 48 kHz stereo (no resampling)
        t = np.arange(14400) / 48000.0
        backend_data = np.repeat((0.5 * np.sin(2 * np.pi * 1000.0 * t)).astype(np.float32)[:, None],
                                 2, axis=1)
        path, container, sample_rate, channels = "bench://tone1k", "pcm", 48000, 2

    be = sa.open_device()
    time.sleep(0.5 + random.uniform(0.0, 0.02))  # jitter: a random phase of the render cycle
    tone = Tone()
    call_wall = time.time()
    cid = be.play_audio(tone)
    # When the device thread first renders the voice (its position moves): splits the latency
    # into "waiting for the next render" and "queued in the device's buffers".
    while not be.get_playback_position(cid) and time.time() - call_wall < 0.3:
        time.sleep(0.0001)
    render_wall = time.time()
    time.sleep(0.5)
    info = dict(be.info)
    be.shutdown()
    build = hashlib.sha256(open(sa._native.__file__, "rb").read()).hexdigest()[:12]
    print(json.dumps({"call_wall": call_wall, "render_wall": render_wall, "info": info, "native_sha256": build}))


def run_once(pacer: str, workdir: str, pacer_args: list) -> dict:
    fifo, out, stats_path, ready, conf = (os.path.join(workdir, n) for n in
                                          ("device.fifo", "out.raw", "stats.json", "ready", "alsa.conf"))
    os.mkfifo(fifo)
    with open(conf, "w") as f:
        f.write(CONF.format(fifo=fifo))
    pp = subprocess.Popen([sys.executable, pacer, fifo, out, stats_path, "--ready", ready, *pacer_args])
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(ready):
            if time.monotonic() > deadline or pp.poll() is not None:
                raise RuntimeError("pacer did not get ready")
            time.sleep(0.01)
        env = dict(os.environ, ALSA_CONFIG_PATH=conf)
        cp = subprocess.run([sys.executable, os.path.abspath(__file__), "--child"], env=env,
                            capture_output=True, text=True, timeout=30)
    finally:
        pp.send_signal(signal.SIGTERM)
        pp.wait(timeout=10)
    if cp.returncode:
        raise RuntimeError(f"player failed ({cp.returncode}): {cp.stderr.strip()}")
    player = json.loads(cp.stdout.strip().splitlines()[-1])
    with open(stats_path) as f:
        stats = json.load(f)
    samples = np.fromfile(out, dtype="<i2")
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > THRESHOLD)
    if not loud.size:
        raise RuntimeError("the tone was not found in the capture")
    b = int(loud[0]) // 2 * 4  # byte offset of the frame holding the first loud sample
    heard = stats["first_byte_wall"] + b / BPS
    early_underruns = [u for u in stats["underruns"] if u[0] < b / BPS]
    return {"latency_ms": (heard - player["call_wall"]) * 1e3, "info": player["info"],
            "native_sha256": player["native_sha256"],
            "call_to_render_ms": (player["render_wall"] - player["call_wall"]) * 1e3,
            "render_to_heard_ms": (heard - player["render_wall"]) * 1e3,
            "first_byte_after_call_s": stats["first_byte_wall"] - player["call_wall"],
            "tone_at_capture_s": b / BPS, "underruns_before_tone": early_underruns,
            "underrun_total_s": stats["underrun_total_s"], "pacer_late_max_ms": stats["pacer_late_max_s"] * 1e3,
            "pipe_size": stats["pipe_size"], "player_stderr": cp.stderr.strip()[-2000:]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pacer", default=PACER)
    ap.add_argument("--pipe-size", type=int, default=4096, help="pacer FIFO size in bytes (4096 = 21.3 ms)")
    ap.add_argument("--extra-buffer-ms", type=float, default=0.0, help="pacer read-ahead beyond the pipe")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child()
        return 0
    runs = []
    for i in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="bench-latency-") as d:
            r = run_once(args.pacer, d, ["--pipe-size", str(args.pipe_size),
                                         "--extra-buffer-ms", str(args.extra_buffer_ms)])
        runs.append(r)
        print(f"run {i + 1}: {r['latency_ms']:5.1f} ms = {r['call_to_render_ms']:4.1f} to the render"
              f" + {r['render_to_heard_ms']:4.1f} queued | underruns before tone {len(r['underruns_before_tone'])},"
              f" total {r['underrun_total_s'] * 1e3:.1f} ms | pacer late max {r['pacer_late_max_ms']:.1f} ms")
    lat = [r["latency_ms"] for r in runs]
    info = runs[0]["info"]
    res = {"python": platform.python_version(), "native_sha256": runs[0]["native_sha256"],
           "latency_ms": {"min": min(lat), "median": statistics.median(lat), "max": max(lat), "runs": lat},
           "buffer_frames": info.get("buffer_frames"), "latency_seconds": info.get("latency_seconds"),
           "pipe_size": runs[0]["pipe_size"], "backend_info": info, "details": runs}
    print(f"Python {res['python']}  kind {info.get('kind')}  buffer_frames {res['buffer_frames']}  "
          f"latency_seconds {res['latency_seconds']}  pacer pipe {res['pipe_size']} B")
    print(f"latency ms: min {min(lat):.1f}  median {statistics.median(lat):.1f}  max {max(lat):.1f}"
          f"   (original native 42-52, legacy 372-377; goal <= 30)")
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
