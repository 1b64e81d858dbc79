"""sync_bus_layout with SimVX's layout and effect objects (SIMVX-ORIGINAL §7–§8, SPEC §5)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from simvx.core import audio_errors
from simvx.core._audio_stream import AudioClip
from simvx.core.audio_bus import AudioBusLayout
from simvx.core.audio_effect import (
    CompressorEffect,
    DelayEffect,
    EQBand,
    GainEffect,
    HighPassFilter,
    LowPassFilter,
    ParametricEQ,
    ReverbEffect,
    SoftClipEffect,
)

import simvx_audio_rs as sa
from conftest import rms


def loud_tone(freq):
    t = np.arange(48000) / 48000
    return AudioClip.from_pcm((0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32),
                              sample_rate=48000, channels=1)


def level(r, frames=9600):
    return rms(r.render(frames)[frames // 2:, 0])


def test_an_unchanged_layout_is_read_not_applied(offline):
    layout = AudioBusLayout.get_default()
    for _ in range(100):
        offline.sync_bus_layout(layout)
    assert offline.layouts_applied == 1
    layout.get_bus("SFX").volume_db = -6.0
    offline.sync_bus_layout(layout)
    offline.sync_bus_layout(layout)
    assert offline.layouts_applied == 2


def test_volume_mute_solo_and_routing_are_heard(offline):
    layout = AudioBusLayout.get_default()
    offline.play_audio(loud_tone(1000.0), bus="SFX", loop=True)
    base = level(offline)
    layout.get_bus("SFX").volume_db = -6.0206
    offline.sync_bus_layout(layout)
    assert abs(level(offline) / base - 0.5) < 1e-3
    layout.get_bus("Master").volume_db = -6.0206
    offline.sync_bus_layout(layout)
    assert abs(level(offline) / base - 0.25) < 1e-3
    layout.get_bus("Master").mute = True
    offline.sync_bus_layout(layout)
    assert level(offline) == 0.0
    layout.get_bus("Master").mute = False
    layout.get_bus("Music").solo = True  # a sibling is soloed: SFX falls silent
    offline.sync_bus_layout(layout)
    assert level(offline) == 0.0


def test_custom_buses_are_usable_and_removed_buses_rehome(offline):
    layout = AudioBusLayout.get_default()
    layout.add_bus("Ambience", volume_db=-6.0206, send_to="Music")
    with pytest.raises(audio_errors.UnknownBusError):
        offline.play_audio(loud_tone(500.0), bus="Ambience")
    offline.sync_bus_layout(layout)
    ch = offline.play_audio(loud_tone(500.0), bus="Ambience", loop=True)
    quiet = level(offline)
    layout.remove_bus("Ambience")
    offline.sync_bus_layout(layout)
    assert offline.is_channel_active(ch)
    assert abs(level(offline) / quiet - 2.0) < 1e-2  # now on Music at 0 dB
    with pytest.raises(audio_errors.UnknownBusError):
        offline.play_audio(loud_tone(500.0), bus="Ambience")


def test_effects_apply_and_retune_in_place(offline):
    layout = AudioBusLayout.get_default()
    lp = LowPassFilter(cutoff_hz=500.0)
    layout.get_bus("SFX").add_effect(lp)
    offline.sync_bus_layout(layout)
    offline.play_audio(loud_tone(4000.0), bus="SFX", loop=True)
    filtered = level(offline)
    assert filtered < 0.5 / math.sqrt(2) * 0.05  # 3 octaves above a 500 Hz cutoff
    lp.cutoff_hz = 20000.0
    offline.sync_bus_layout(layout)
    assert level(offline) > 0.5 / math.sqrt(2) * 0.9
    lp.enabled = False
    offline.sync_bus_layout(layout)
    assert abs(level(offline) - 0.5 / math.sqrt(2)) < 1e-3


def test_every_effect_type_is_accepted(offline):
    layout = AudioBusLayout.get_default()
    bus = layout.get_bus("Music")
    for e in (GainEffect(volume_db=-3.0), HighPassFilter(), DelayEffect(time_seconds=0.1),
              ReverbEffect(room_size=0.8, freeze=False), SoftClipEffect(drive=3.0),
              CompressorEffect(threshold_db=-12.0),
              ParametricEQ(bands=[EQBand("peaking", 1000.0, 1.0, -30.0), EQBand("lowshelf", 100.0, 1.0, 3.0)])):
        bus.add_effect(e)
    offline.sync_bus_layout(layout)
    offline.play_audio(loud_tone(1000.0), bus="Music", loop=True)
    assert np.isfinite(offline.render(9600)).all()
    assert offline.layouts_applied == 1


def test_every_eq_band_applies(offline):
    # The original applied only the first band (§17.2): here a -18 dB second band is heard.
    layout = AudioBusLayout.get_default()
    layout.get_bus("SFX").add_effect(ParametricEQ(bands=[
        EQBand("lowshelf", 100.0, 1.0, 0.0), EQBand("peaking", 1000.0, 1.0, -18.0)]))
    offline.sync_bus_layout(layout)
    offline.play_audio(loud_tone(1000.0), bus="SFX", loop=True)
    db = 20 * math.log10(level(offline) / (0.5 / math.sqrt(2)))
    assert abs(db + 18.0) < 0.5, db


def test_an_unknown_effect_class_is_skipped_with_one_warning(offline, caplog):
    class WobbleEffect:
        enabled = True

    layout = AudioBusLayout.get_default()
    layout.get_bus("SFX").add_effect(WobbleEffect())
    with caplog.at_level("WARNING", logger="simvx.audio"):
        offline.sync_bus_layout(layout)
        layout.get_bus("SFX").volume_db = -1.0
        offline.sync_bus_layout(layout)
        sa.flush_logs()
    warned = [r for r in caplog.records if "wobble" in r.getMessage()]
    assert len(warned) == 1 and warned[0].name == "simvx.audio"


def test_a_bad_layout_raises_once_then_waits_for_a_change(offline):
    layout = AudioBusLayout.get_default()
    for i in range(40):  # more buses than the engine has
        layout.add_bus(f"Extra{i}", send_to="Master")
    with pytest.raises(sa.InvalidLayoutError):
        offline.sync_bus_layout(layout)
    offline.sync_bus_layout(layout)  # the same layout: reported already
    for i in range(40):
        layout.remove_bus(f"Extra{i}")
    offline.sync_bus_layout(layout)
    assert offline.layouts_applied == 1
