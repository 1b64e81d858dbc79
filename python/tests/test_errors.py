"""SIMVX-ORIGINAL §3.6's edge-behaviour matrix, as SPEC §3 resolves it, on every backend kind
this package makes (device, offline, null). Errors are SimVX's own classes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from simvx.core import audio_errors
from simvx.core._audio_stream import AudioClip

import simvx_audio_rs as sa
from conftest import FIXTURES, rms


@pytest.fixture(params=["device", "offline", "null"])
def backend(request):
    make = {"device": sa.open_device, "offline": sa.OfflineRenderer, "null": sa.null_backend}
    b = make[request.param]()
    yield b
    b.shutdown()


def test_unknown_bus_is_simvx_unknown_bus_error_everywhere(backend, tone):
    with pytest.raises(audio_errors.UnknownBusError) as e:
        backend.play_audio(tone, bus="Musik")
    assert e.value.name == "Musik"
    assert sorted(e.value.available) == ["Master", "Music", "SFX", "UI", "Voice"]
    assert "Musik" in str(e.value)


def test_unknown_bus_at_open_stream(backend):
    if backend.kind == "null":
        assert not hasattr(backend, "open_stream")  # null has no streaming facet
        return
    with pytest.raises(audio_errors.UnknownBusError):
        backend.open_stream(bus="Musik")


def test_missing_file_is_file_not_found(backend, tmp_path):
    missing = tmp_path / "gone.ogg"
    with pytest.raises(FileNotFoundError) as e:
        backend.play_audio(AudioClip(str(missing)))
    assert str(missing) in str(e.value)
    with pytest.raises(FileNotFoundError):
        backend.play_audio(str(missing))


@pytest.mark.parametrize("name", ["garbage_ogg.ogg", "garbage_riff.wav", "garbage_flac.flac",
                                  "empty.wav"])
def test_undecodable_file_is_invalid_stream(backend, name):
    with pytest.raises(audio_errors.InvalidStreamError):
        backend.play_audio(AudioClip(str(FIXTURES / name)))


def test_unknown_container_is_invalid_stream(backend, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("not audio at all")
    clip = AudioClip(str(junk))
    assert clip.container == "unknown"
    with pytest.raises(audio_errors.InvalidStreamError):
        backend.play_audio(clip)


def test_empty_clip_is_invalid_stream_on_every_backend(backend):
    # The original: error (native), None (legacy), an endless channel (null). One answer here.
    with pytest.raises(audio_errors.InvalidStreamError, match="no audio"):
        backend.play_audio(AudioClip.empty())


def test_bad_pcm_is_invalid_stream(backend):
    clip = AudioClip._synthetic("pcm", "pcm")
    clip.sample_rate, clip.channels = 48000, 1
    clip.backend_data = np.array([0.0, float("nan"), 0.0], dtype=np.float32)
    with pytest.raises(audio_errors.InvalidStreamError, match="not finite"):
        backend.play_audio(clip)
    clip.backend_data = np.zeros(10, dtype=np.int32)
    with pytest.raises(audio_errors.InvalidStreamError, match="dtype"):
        backend.play_audio(clip)


def test_stale_ids_are_no_ops(backend):
    for stale in (0, -1, 7, 2**62):
        backend.stop_audio(stale)
        backend.pause_audio(stale)
        backend.resume_audio(stale)
        backend.update_audio_2d(stale, 0.0, 0.0)
        backend.update_audio_3d(stale, 0.0, 0.0, 1.0)
        backend.set_pitch(stale, 2.0)
        assert backend.get_playback_position(stale) == 0.0
        assert backend.is_channel_active(stale) is False


@pytest.mark.parametrize("kw", [{"volume_db": math.nan}, {"pan": math.nan},
                                {"pitch": math.nan}, {"gain_db": math.nan},
                                {"from_position": math.nan}, {"position": (math.nan, 0.0, 0.0)}])
def test_nan_is_rejected_and_changes_nothing(backend, tone, kw):
    with pytest.raises(sa.InvalidParameterError):
        backend.play_audio(tone, **kw)
    with pytest.raises(ValueError):  # also a ValueError, and an AudioError
        backend.play_audio(tone, **kw)
    if isinstance(backend, sa.OfflineRenderer):
        assert rms(backend.render(4800)) == 0.0, "nothing started"


def test_nan_in_updates_is_rejected(backend, tone):
    ch = backend.play_audio(tone, loop=True)
    for call in (lambda: backend.update_audio_2d(ch, math.nan, 0.0),
                 lambda: backend.update_audio_3d(ch, 0.0, math.nan, 1.0),
                 lambda: backend.set_pitch(ch, math.nan),
                 lambda: backend.set_listener_position(math.nan, 0.0, 0.0)):
        with pytest.raises(sa.InvalidParameterError):
            call()
    assert backend.is_channel_active(ch)


def test_huge_and_infinite_values_clamp():
    r = sa.OfflineRenderer()
    clip = AudioClip.from_pcm(np.full(4800, 0.001, dtype=np.float32), sample_rate=48000,
                              channels=1)
    r.play_audio(clip, volume_db=8000.0, pan=math.inf, pitch=1e9)  # no OverflowError
    out = r.render(480)
    assert np.isfinite(out).all()
    assert rms(out[:, 0]) == 0.0  # pan +inf clamps to +1: hard right
    r.play_audio(clip, volume_db=-math.inf)
    assert np.isfinite(r.render(480)).all()


def test_feed_and_drain_on_stale_ids():
    r = sa.OfflineRenderer()
    assert r.feed_audio_chunk(12345, b"\x00" * 400) == 0
    assert r.frames_available(12345) == 0
    r.end_of_stream(12345)


class FakeArray:
    """Not numpy: its own __array_interface__ names memory it does not own."""

    def __init__(self, pointer, n):
        self.__array_interface__ = {"data": (pointer, False), "typestr": "<f4", "shape": (n,),
                                    "strides": None, "version": 3}


@pytest.mark.parametrize("data", [FakeArray(0x1000, 1024), FakeArray(0, 16), [0.1, 0.2],
                                  "not audio", 3.5])
def test_pcm_that_is_not_a_numpy_array_is_refused(data):
    r = sa.OfflineRenderer()
    clip = AudioClip._synthetic("pcm", "pcm")
    clip.sample_rate, clip.channels, clip.backend_data = 48000, 1, data
    with pytest.raises(audio_errors.InvalidStreamError, match="numpy array"):
        r.play_audio(clip)


def test_a_numpy_subclass_is_read_by_numpy_itself():
    class Sneaky(np.ndarray):
        @property
        def __array_interface__(self):  # a temporary's interface: freed at once
            return np.full(10**6, 1.0, dtype=np.float32).__array_interface__

    r = sa.OfflineRenderer()
    clip = AudioClip._synthetic("pcm", "pcm")
    clip.sample_rate, clip.channels = 48000, 1
    clip.backend_data = np.full(4800, 0.5, dtype=np.float32).view(Sneaky)
    r.play_audio(clip)
    assert abs(float(r.render(480)[100, 0]) - 0.5) < 1e-6  # its real samples, no crash


def test_loop_takes_any_truth_value_and_ids_any_object(tone):
    r = sa.OfflineRenderer()
    ch = r.play_audio(tone, loop=1)
    r.render(96_000)
    assert r.is_channel_active(ch), "loop=1 loops"
    for stale in (None, "x", 2**70, 1.5):
        r.stop_audio(stale)
        assert r.is_channel_active(stale) is False
        assert r.get_playback_position(stale) == 0.0
