"""The streaming, pacing and draining facets (SIMVX-ORIGINAL §6, SPEC §4)."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from simvx.core import audio_errors
from simvx.core._audio_stream import AudioClip

from conftest import FIXTURES, dominant_frequency, rms


def s16_tone(freq=1000.0, seconds=0.5, amp=0.5, rate=48000):
    t = np.arange(int(seconds * rate)) / rate
    x = (amp * 32767 * np.sin(2 * np.pi * freq * t)).astype("<i2")
    return np.repeat(x, 2).tobytes()


def test_fed_ring_plays_what_is_fed_and_drains(offline):
    assert offline.stream_format() == (48000, 2)
    ch = offline.open_stream(bus="Music", buffer_seconds=0.5)
    assert offline.frames_available(ch) == 24000  # the original's 0.5 s ring
    chunk = s16_tone(seconds=0.25)
    assert offline.feed_audio_chunk(ch, chunk) == len(chunk)
    assert offline.frames_available(ch) == 12000
    out = offline.render(12000)
    assert abs(dominant_frequency(out[:, 0], 48000) - 1000.0) < 1.0
    assert abs(rms(out[480:, 0]) - 0.5 / math.sqrt(2)) < 2e-3
    # Underrun: silence, the channel stays; draining ends it once the queue is heard.
    assert rms(offline.render(4800)) == 0.0
    assert offline.is_channel_active(ch)
    offline.feed_audio_chunk(ch, s16_tone(seconds=0.1))
    offline.end_of_stream(ch)
    offline.end_of_stream(ch)  # repeated: a no-op
    assert offline.is_channel_active(ch)
    offline.render(4800)
    offline.render(480)
    assert not offline.is_channel_active(ch)


def test_feed_reports_what_fits_and_trims_partial_frames(offline):
    ch = offline.open_stream(buffer_seconds=0.1)  # 4800 frames = 19 200 bytes
    assert offline.feed_audio_chunk(ch, b"\x01\x00" * 3) == 4  # 1.5 frames -> 1 frame
    big = s16_tone(seconds=0.2)
    took = offline.feed_audio_chunk(ch, big)
    assert took == 19200 - 4
    assert offline.frames_available(ch) == 0
    assert offline.feed_audio_chunk(ch, big[took:]) == 0  # full: the producer retries later
    assert offline.feed_audio_chunk(ch, bytearray(b"\x00" * 8)) == 0
    assert offline.feed_audio_chunk(ch, memoryview(b"")) == 0


def test_wav_and_pcm_clips_open_a_fed_ring(offline):
    # SimVX's streaming player decodes WAV itself and feeds it (SIMVX-ORIGINAL §6.7).
    clip = AudioClip(str(FIXTURES / "wav_s16_mono_44100.wav"))
    assert clip.container == "wav"
    ch = offline.open_stream(stream=clip)
    assert offline.frames_available(ch) == 24000
    pcm = AudioClip.from_pcm(np.zeros(10, dtype=np.float32), sample_rate=48000, channels=1)
    assert offline.frames_available(offline.open_stream(stream=pcm)) == 24000


@pytest.mark.parametrize("name", ["vorbis_stereo_44100.ogg", "mp3_stereo_48000.mp3",
                                  "flac_s16_stereo_44100.flac"])
def test_compressed_files_are_decoded_by_the_backend(offline, name):
    clip = AudioClip(str(FIXTURES / name))
    ch = offline.open_stream(stream=clip, volume_db=-6.0, bus="Music")
    assert offline.frames_available(ch) == 0  # backend-decoded: nothing to feed
    assert offline.feed_audio_chunk(ch, s16_tone()) == 0
    deadline = time.monotonic() + 10
    heard = 0.0
    while heard == 0.0 and time.monotonic() < deadline:
        heard = rms(offline.render(4800))
    assert heard > 1e-3


def test_looping_backend_stream_keeps_going(offline):
    clip = AudioClip(str(FIXTURES / "flac_s16_stereo_44100.flac"))
    ch = offline.open_stream(stream=clip, loop=True)
    for _ in range(40):  # longer than the file
        offline.render(4800)
    assert offline.is_channel_active(ch)


def test_stream_errors(offline, tmp_path):
    with pytest.raises(FileNotFoundError):
        offline.open_stream(stream=AudioClip(str(tmp_path / "gone.ogg")))
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00" * 64)
    with pytest.raises(audio_errors.InvalidStreamError):
        offline.open_stream(stream=AudioClip(str(junk)))
    with pytest.raises(audio_errors.InvalidStreamError):
        offline.open_stream(stream=AudioClip(str(FIXTURES / "garbage_ogg.ogg")))
    with pytest.raises(ValueError):
        offline.open_stream(buffer_seconds=0.0)


def test_set_pitch_on_a_stream_is_not_an_error(offline):
    ch = offline.open_stream()
    offline.feed_audio_chunk(ch, s16_tone(seconds=0.4))
    offline.set_pitch(ch, 2.0)  # the original raised AudioCapabilityError here
    out = offline.render(4800)
    assert abs(dominant_frequency(out[480:, 0], 48000) - 2000.0) < 3.0


def test_streaming_on_a_live_device(device):
    ch = device.open_stream(buffer_seconds=0.2)
    fed = 0
    chunk = s16_tone(seconds=1.0)
    deadline = time.monotonic() + 5
    while fed < len(chunk) and time.monotonic() < deadline:
        n = device.frames_available(ch)
        if n:
            fed += device.feed_audio_chunk(ch, chunk[fed:fed + n * 4])
        time.sleep(0.002)
    assert fed == len(chunk)
    device.end_of_stream(ch)
    deadline = time.monotonic() + 5
    while device.is_channel_active(ch) and time.monotonic() < deadline:
        time.sleep(0.005)
    assert not device.is_channel_active(ch)
