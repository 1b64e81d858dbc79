"""The null backend (no device): the engine on a clock, so sounds end on time (SPEC §6)."""

from __future__ import annotations

import numpy as np
import pytest
from simvx.core._audio_stream import AudioClip
from simvx.core.audio_protocol import (
    AudioBusBackend,
    AudioPlaybackBackend,
    AudioStreamingBackend,
    Capability,
    TreeBoundAudioBackend,
)

import simvx_audio_rs as sa
from conftest import no_device_config, run_child


def one_second():
    return AudioClip.from_pcm(np.zeros(48000, dtype=np.float32), sample_rate=48000, channels=1)


class Tree:
    """SimVX's scene tree, as the null backend sees it: a clock in ``now``."""

    def __init__(self):
        self.now = 0.0


@pytest.fixture
def null():
    b = sa.null_backend()
    yield b
    b.shutdown()


def test_null_has_playback_and_bus_but_no_streaming(null):
    assert isinstance(null, sa.NullAudioBackend)
    assert isinstance(null, AudioPlaybackBackend) and isinstance(null, AudioBusBackend)
    assert isinstance(null, TreeBoundAudioBackend)
    assert not isinstance(null, AudioStreamingBackend)
    assert null.list_capabilities() == frozenset({Capability.PLAY_BASIC})


def test_sounds_end_on_the_tree_clock(null):
    tree = Tree()
    null.bind_tree(tree)
    clip = one_second()
    ch = null.play_audio(clip, pitch=2.0)  # 0.5 s at pitch 2
    loop = null.play_audio(clip, loop=True)
    tree.now = 0.4
    assert null.is_channel_active(ch)
    null.pause_audio(ch)  # 0.1 s left (less the pause's few-ms fade-out)
    tree.now = 5.0  # paused: the countdown is frozen
    assert null.is_channel_active(ch)
    null.resume_audio(ch)
    tree.now = 5.08
    assert null.is_channel_active(ch)
    tree.now = 5.11
    assert not null.is_channel_active(ch)
    assert null.is_channel_active(loop)
    assert null.get_playback_position(loop) > 0.0  # the true cursor (the original said 0)


def test_advance_and_from_position(null):
    ch = null.play_audio(one_second(), from_position=0.75)
    null.advance(0.24)
    assert null.is_channel_active(ch)
    null.advance(0.02)
    assert not null.is_channel_active(ch)
    assert null.now == pytest.approx(0.26)
    with pytest.raises(ValueError):
        null.advance(-1.0)


def test_make_backend_falls_back_to_null_with_a_warning():
    code = """
    import json, logging, simvx_audio_rs as sa
    records = []
    class H(logging.Handler):
        def emit(self, r): records.append((r.name, r.levelname, r.getMessage()))
    logging.getLogger("simvx.audio").addHandler(H())
    b = sa.make_backend()
    print(json.dumps({"cls": type(b).__name__, "kind": b.kind, "records": records}))
    """
    out = run_child(code, alsa=no_device_config())
    assert out["cls"] == "NullAudioBackend" and out["kind"] == "null"
    [(name, level, msg)] = out["records"]
    assert (name, level) == ("simvx.audio", "WARNING")
    assert "AUDIO IS SILENT" in msg


def test_make_backend_with_fallback_disabled_raises():
    code = """
    import json, simvx_audio_rs as sa
    try:
        sa.make_backend()
        print(json.dumps({"raised": None}))
    except sa.AudioBackendUnavailable as e:
        print(json.dumps({"raised": type(e).__name__, "msg": str(e)}))
    """
    out = run_child(code, alsa=no_device_config(), env={"SIMVX_ALLOW_LEGACY_AUDIO": "0"})
    assert out["raised"] == "AudioBackendUnavailable"
    assert "SIMVX_ALLOW_LEGACY_AUDIO=0" in out["msg"]


def test_without_simvx_the_package_has_its_own_types():
    code = """
    import json, sys
    sys.path.remove(sys.path[0])  # no stand-in: simvx.core is not importable
    import simvx_audio_rs as sa
    r = sa.OfflineRenderer()
    try:
        r.play_audio("/no/such/file.wav")
    except FileNotFoundError:
        pass
    try:
        r.play_audio(sa.Capability, bus="x")
    except sa.InvalidStreamError as e:
        kind = type(e).__module__
    try:
        r.open_stream(bus="Nope")
    except sa.UnknownBusError as e:
        bus = (e.name, e.available)
    caps = sorted(str(c) for c in r.list_capabilities())
    print(json.dumps({"simvx": sa.USING_SIMVX, "module": kind, "bus": bus, "caps": caps}))
    """
    out = run_child(code)
    assert out["simvx"] is False
    assert out["module"] == "simvx_audio_rs._compat"
    assert out["bus"] == ["Nope", ["Master", "Music", "SFX", "UI", "Voice"]]
    assert "streaming.ogg" in out["caps"]
