"""The playback facet, call by call (SIMVX-ORIGINAL §3.1, SPEC §3), measured in rendered audio."""

from __future__ import annotations

import math

import numpy as np
import pytest
from simvx.core._audio_stream import AudioClip
from simvx.core.audio_protocol import (
    AudioBusBackend,
    AudioPlaybackBackend,
    AudioStreamDraining,
    AudioStreamingBackend,
    AudioStreamPacing,
    Capability,
    TreeBoundAudioBackend,
)

import simvx_audio_rs as sa
from conftest import dominant_frequency, rms


def sine(freq, seconds, rate, channels=1, amp=0.5, dtype=np.float32):
    t = np.arange(int(seconds * rate)) / rate
    x = amp * np.sin(2 * np.pi * freq * t)
    if channels == 2:
        x = np.repeat(x, 2)
    if dtype == np.int16:
        return (x * 32767).astype(np.int16)
    return x.astype(dtype)


def test_facets_are_those_simvx_probes_for(offline, device):
    for b in (offline, device):
        for facet in (AudioPlaybackBackend, AudioStreamingBackend, AudioStreamPacing,
                      AudioStreamDraining, AudioBusBackend):
            assert isinstance(b, facet), facet
        assert not isinstance(b, TreeBoundAudioBackend)


def test_capabilities_are_simvx_members(device):
    caps = device.list_capabilities()
    assert isinstance(caps, frozenset)
    assert all(isinstance(c, Capability) for c in caps)
    assert {Capability.PLAY_BASIC, Capability.PLAY_2D, Capability.PLAY_3D, Capability.STREAMING,
            Capability.STREAMING_WAV, Capability.STREAMING_OGG, Capability.STREAMING_MP3,
            Capability.STREAMING_FLAC, Capability.SPATIAL_DOPPLER, Capability.EFFECT_REVERB,
            Capability.EFFECT_COMPRESSOR, Capability.EFFECT_PARAMETRIC_EQ} <= caps
    assert Capability.SPATIAL_HRTF not in caps
    assert "play.basic" in caps  # members compare equal to their strings


def test_ids_are_positive_ints_and_the_first_frame_has_gain_and_pan(offline, tone):
    ch = offline.play_audio(tone, volume_db=-6.0206, pan=0.5)
    assert isinstance(ch, int) and ch > 0
    out = offline.render(4800)
    # Balance law: pan 0.5 -> left 0.5, right 1.0, on top of -6.02 dB (0.5) and amplitude 0.5.
    assert abs(rms(out[:, 0]) - 0.125 / math.sqrt(2)) < 1e-3
    assert abs(rms(out[:, 1]) - 0.25 / math.sqrt(2)) < 1e-3
    first = np.abs(out[:48]).max(axis=0)
    assert abs(first[0] - 0.125) < 1e-3 and abs(first[1] - 0.25) < 1e-3  # the first cycle


@pytest.mark.parametrize("rate,channels,dtype", [
    (44100, 1, np.float32), (44100, 2, np.float32), (22050, 1, np.int16), (48000, 2, np.int16),
    (32000, 1, np.float64)])
def test_pcm_clips_play_at_their_own_rate(offline, rate, channels, dtype):
    data = sine(1000.0, 1.0, rate, channels, dtype=dtype)
    clip = AudioClip._synthetic("pcm", "pcm")
    clip.backend_data, clip.sample_rate, clip.channels = data, rate, channels
    offline.play_audio(clip)
    out = offline.render(24000)
    assert abs(dominant_frequency(out[2400:, 0], 48000) - 1000.0) < 1.0
    assert abs(rms(out[2400:, 0]) - 0.5 / math.sqrt(2)) < 5e-3


def test_two_dimensional_and_strided_pcm(offline):
    frames = sine(500.0, 0.5, 48000, 2).reshape(-1, 2)
    clip = AudioClip.from_pcm(frames, sample_rate=48000, channels=2)
    offline.play_audio(clip)
    a = offline.render(4800)
    strided = AudioClip.from_pcm(sine(500.0, 1.0, 96000, 1)[::2], sample_rate=48000, channels=1)
    assert not strided.backend_data.flags["C_CONTIGUOUS"]
    offline.play_audio(strided)
    b = offline.render(4800)
    assert abs(dominant_frequency(b[:, 0] - a[:, 0], 48000) - 500.0) < 2.0


def test_simvx_tone_plays_at_pitch_on_a_48k_backend(offline):
    # AudioClip.tone defaults to 44.1 kHz: the original played it 8.8 % sharp (§17.1).
    clip = AudioClip.tone(440.0, duration=1.0, volume=0.3)
    offline.play_audio(clip)
    out = offline.render(48000)
    assert abs(dominant_frequency(out[4800:43200, 0], 48000) - 440.0) < 0.5


def test_pitch_gain_db_and_loop(offline, tone):
    ch = offline.play_audio(tone, pitch=1.5, gain_db=-6.0206, loop=True)
    out = offline.render(96000)  # 2 s of a 1 s clip at pitch 1.5: it loops
    assert abs(dominant_frequency(out[4800:, 0], 48000) - 1500.0) < 1.0
    assert abs(rms(out[4800:, 0]) - 0.25 / math.sqrt(2)) < 2e-3
    assert offline.is_channel_active(ch)


def test_priority_is_a_byte(offline, tone):
    ch = offline.play_audio(tone, priority=255, loop=True)
    assert offline.is_channel_active(ch)
    with pytest.raises(OverflowError):
        offline.play_audio(tone, priority=256)
    offline.play_audio(tone, priority=0)


def test_stop_pause_resume_and_position(offline, tone):
    ch = offline.play_audio(tone, from_position=0.25)
    offline.render(4800)
    assert abs(offline.get_playback_position(ch) - 0.35) < 1e-3
    offline.pause_audio(ch)
    offline.render(4800)
    assert offline.is_channel_active(ch)
    held = offline.get_playback_position(ch)
    assert 0.35 <= held <= 0.356  # a fade of at most 6 ms, so the pause does not click
    assert rms(offline.render(4800)) == 0.0
    assert offline.get_playback_position(ch) == held
    offline.resume_audio(ch)
    offline.render(4800)
    assert abs(offline.get_playback_position(ch) - (held + 0.1)) < 1e-3
    offline.stop_audio(ch)
    offline.render(4800)
    assert not offline.is_channel_active(ch)
    assert offline.get_playback_position(ch) == 0.0
    assert rms(offline.render(4800)) == 0.0


def test_a_one_shot_ends_by_itself(offline, tone):
    ch = offline.play_audio(tone, from_position=0.5)
    offline.render(23000)
    assert offline.is_channel_active(ch)
    offline.render(2000)
    assert not offline.is_channel_active(ch)


def test_update_2d_3d_and_set_pitch(offline, tone):
    ch = offline.play_audio(tone, loop=True)
    offline.update_audio_2d(ch, -6.0206, -1.0)
    out = offline.render(9600)[4800:]
    assert rms(out[:, 1]) == 0.0
    assert abs(rms(out[:, 0]) - 0.25 / math.sqrt(2)) < 1e-3
    offline.update_audio_3d(ch, 0.0, 0.0, 2.0)
    out = offline.render(9600)[4800:]
    assert abs(dominant_frequency(out[:, 0], 48000) - 2000.0) < 2.0
    offline.set_pitch(ch, 0.5)
    out = offline.render(9600)[4800:]
    assert abs(dominant_frequency(out[:, 0], 48000) - 500.0) < 1.0


def test_listener_setters_and_modes(offline, tone):
    for setter in (offline.set_listener_position, offline.set_listener_velocity,
                   offline.set_listener_direction, offline.set_listener_world_up):
        setter(1.0, 2.0, 3.0)
    ch2 = offline.play_audio(tone, mode="2d", position=(10.0, 5.0), volume_db=-3.0, pan=0.2)
    ch3 = offline.play_audio(tone, mode="3d", position=[1.0, 2.0, 3.0], max_distance=50.0)
    assert offline.is_channel_active(ch2) and offline.is_channel_active(ch3)
    with pytest.raises(ValueError, match="mode"):
        offline.play_audio(tone, mode="4d")

    class Vec2:  # SimVX's 2D players pass their world position as a vector
        x, y = 3.0, -4.0

    assert offline.is_channel_active(offline.play_audio(tone, mode="2d", position=Vec2()))
    with pytest.raises(TypeError, match="position"):
        offline.play_audio(tone, mode="3d", position="here")


def test_a_decoded_file_is_decoded_once_per_clip(offline, tmp_path):
    import shutil

    from conftest import FIXTURES

    path = tmp_path / "step.ogg"
    shutil.copy(FIXTURES / "vorbis_stereo_44100.ogg", path)
    clip = AudioClip(str(path))
    assert clip.container == "ogg"
    offline.play_audio(clip)
    first = offline.render(4800)
    path.unlink()  # the clip keeps its decoded sound: no second decode, no file needed
    offline.play_audio(clip)
    assert rms(offline.render(4800)) > rms(first) * 0.5 > 0


def test_shutdown_is_idempotent_and_final(device, tone):
    ch = device.play_audio(tone, loop=True)
    device.shutdown()
    device.shutdown()
    assert device.is_shut_down
    assert not device.is_channel_active(ch)
    assert device.get_playback_position(ch) == 0.0
    device.stop_audio(ch)  # controls on a shut-down backend are no-ops, as on stale ids
    device.update_audio_3d(ch, 0.0, 0.0, 1.0)
    device.sync_bus_layout(__import__("simvx.core.audio_bus").core.audio_bus.AudioBusLayout.get_default())
    with pytest.raises(sa.BackendShutdownError):
        device.play_audio(tone)
    with pytest.raises(sa.BackendShutdownError):
        device.open_stream()
    assert isinstance(sa.BackendShutdownError("x"), sa.AudioError)


def test_context_manager_shuts_down(tone):
    with sa.OfflineRenderer() as r:
        ch = r.play_audio(tone)
    assert r.is_shut_down and not r.is_channel_active(ch)


def test_the_gil_is_released_while_rendering(offline, tone):
    import threading

    offline.play_audio(tone, loop=True)
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(1)

    t = threading.Thread(target=count)
    t.start()
    try:
        # The counter runs before the render starts (on a loaded machine it may take a
        # moment to be scheduled at all).
        while not ticks:
            pass
        before = len(ticks)
        offline.render(48000 * 60)  # a minute of audio: tens of milliseconds of work in Rust
        during = len(ticks) - before
    finally:
        stop.set()
        t.join()
    # With the GIL held for the whole render the other thread could not run at all: any tick
    # counted during it proves the GIL was released.
    assert during > 0, during
