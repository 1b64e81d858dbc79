"""A scene-tree-like driver on the live device backend: 60 ticks a second, 256 moving 3D
players, each computing its state as SimVX's ``AudioPlayer3D`` does (SIMVX-ORIGINAL §5.5) and
pushing it with ``update_audio_3d`` every tick; the tree syncs the default bus layout at the
end of every tick (§15) and players poll for their natural end (§10.5)."""

from __future__ import annotations

import math
import time

import numpy as np
from simvx.core._audio_stream import AudioClip
from simvx.core.audio_bus import AudioBusLayout

TICK = 1.0 / 60.0


class Player3D:
    """The parts of ``AudioPlayer3D`` that talk to the backend."""

    def __init__(self, backend, clip, position, velocity, loop=True):
        self.backend, self.clip, self.loop = backend, clip, loop
        self.position = np.array(position, dtype=float)
        self.velocity = np.array(velocity, dtype=float)
        self.prev = self.position.copy()
        self.max_distance, self.attenuation, self.doppler_scale = 100.0, 1.0, 1.0
        self.channel = None

    def state(self, delta):
        to_source = self.position  # listener at the origin, facing -Z, up +Y
        distance = float(np.linalg.norm(to_source))
        if distance > self.max_distance:
            volume = -80.0
        else:
            volume = -80.0 * (max(distance, 0.1) / self.max_distance) ** self.attenuation
        pan = max(-1.0, min(1.0, to_source[0] / distance)) if distance > 0.01 else 0.0
        pitch = 1.0
        if delta > 0 and self.doppler_scale > 0:
            v = (self.position - self.prev) / delta
            towards = float(np.dot(v, -to_source)) / max(distance, 0.1)
            pitch = max(0.5, min(2.0, 1.0 + towards / 343.0 * self.doppler_scale))
        return volume, pan, pitch

    def play(self):
        volume, pan, pitch = self.state(0.0)
        self.channel = self.backend.play_audio(
            self.clip, mode="3d", position=tuple(self.position), volume_db=volume, pan=pan,
            pitch=pitch, loop=self.loop, bus="SFX", max_distance=self.max_distance)

    def on_update(self, delta):
        if self.channel is None:
            return 0
        if not self.loop and not self.backend.is_channel_active(self.channel):
            self.backend.stop_audio(self.channel)  # the natural-end poll releases the voice
            self.channel = None
            return 0
        self.prev = self.position.copy()
        self.position = self.position + self.velocity * delta
        volume, pan, pitch = self.state(delta)
        self.backend.update_audio_3d(self.channel, volume, pan, pitch)
        return 1


def test_256_moving_players_at_60_hz_on_a_live_device(device, capsys):
    rng = np.random.default_rng(7)
    t = np.arange(44100) / 44100
    loop_clip = AudioClip.from_pcm((0.1 * np.sin(2 * np.pi * 220 * t)).astype(np.float32),
                                   sample_rate=44100, channels=1, name="engine")
    blip = AudioClip.from_pcm((0.1 * np.sin(2 * np.pi * 880 * t[:2205])).astype(np.float32),
                              sample_rate=44100, channels=1, name="blip")  # 50 ms
    players = [Player3D(device, loop_clip, rng.uniform(-60, 60, 3), rng.uniform(-20, 20, 3))
               for _ in range(256)]
    for p in players:
        p.play()
    layout = AudioBusLayout.get_default()
    shots = []
    calls = 0
    call_ns = 0
    ticks = 120
    start = time.perf_counter()
    for tick in range(ticks):
        t0 = time.perf_counter_ns()
        for p in players:
            calls += p.on_update(TICK)
        call_ns += time.perf_counter_ns() - t0
        if tick % 10 == 0:  # a one-shot now and then, reaped by its natural-end poll
            shot = Player3D(device, blip, rng.uniform(-5, 5, 3), (0, 0, 0), loop=False)
            shot.play()
            shots.append(shot)
        for s in shots:
            s.on_update(TICK)
        device.sync_bus_layout(layout)
        next_tick = start + (tick + 1) * TICK
        time.sleep(max(0.0, next_tick - time.perf_counter()))
    elapsed = time.perf_counter() - start
    assert calls == 256 * ticks
    assert all(device.is_channel_active(p.channel) for p in players)
    finished = [s for s in shots if s.channel is None]
    assert len(finished) >= len(shots) - 2, "one-shots end by themselves and are reaped"
    assert device.layouts_applied == 1  # the same default layout every tick
    with capsys.disabled():
        print(f"\n  scene tree: {ticks} ticks in {elapsed:.2f} s, {calls} update_audio_3d calls, "
              f"{call_ns / calls:.0f} ns per player update (state + call), "
              f"device {device.info['device']!r} {device.info['buffer_frames']} frames/period")
