"""SIMVX-ORIGINAL §9.1–§9.2: AudioClip and container detection."""

from __future__ import annotations

import math
import os

import numpy as np

from .audio_errors import InvalidStreamError


def _probe_container(path):
    try:
        with open(path, "rb") as f:
            head = f.read(12)
    except OSError:
        return "unknown"
    if len(head) < 4:
        return "unknown"
    if head[:4] == b"RIFF" and len(head) >= 12 and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:3] == b"ID3" or (head[0] == 0xFF and (head[1] & 0xE0) == 0xE0):
        return "mp3"
    return "unknown"


class AudioClip:
    def __init__(self, source):
        if not isinstance(source, (str, os.PathLike)):
            raise TypeError("AudioClip takes a path")
        path = os.fspath(source)
        if not path:
            raise InvalidStreamError("empty path: use AudioClip.empty() or AudioClip.from_pcm")
        self.source = source
        self.path = path
        self.backend_data = None
        self.sample_rate = None
        self.channels = None
        self.container = _probe_container(path)

    @classmethod
    def _synthetic(cls, name, container):
        clip = cls.__new__(cls)
        clip.source = name
        clip.path = name
        clip.backend_data = None
        clip.sample_rate = None
        clip.channels = None
        clip.container = container
        return clip

    @classmethod
    def from_pcm(cls, samples, *, sample_rate, channels, name="pcm"):
        if not isinstance(samples, np.ndarray):
            raise TypeError("samples must be a numpy array")
        if not isinstance(sample_rate, int) or sample_rate <= 0 or channels not in (1, 2):
            raise InvalidStreamError("bad sample_rate or channels")
        if samples.size < channels or samples.size % channels:
            raise InvalidStreamError("samples must hold whole frames")
        clip = cls._synthetic(name, "pcm")
        clip.backend_data = samples.astype(np.float32) if samples.dtype != np.float32 else samples
        clip.sample_rate = sample_rate
        clip.channels = channels
        return clip

    @classmethod
    def tone(cls, freq_hz, *, duration=1.0, volume=0.3, sample_rate=44100):
        if freq_hz <= 0 or duration <= 0:
            raise ValueError("freq_hz and duration must be positive")
        n = int(sample_rate * duration)
        t = np.linspace(0.0, duration, n)
        wave = (np.sin(2 * math.pi * freq_hz * t) * volume).astype(np.float32)
        fade = min(int(0.02 * sample_rate), n // 4)
        if fade:
            ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
            wave[:fade] *= ramp
            wave[-fade:] *= ramp[::-1]
        stereo = np.repeat(wave, 2)
        return cls.from_pcm(stereo, sample_rate=sample_rate, channels=2, name=f"tone_{int(freq_hz)}Hz")

    @classmethod
    def empty(cls, *, name="empty"):
        return cls._synthetic(name, "pcm")

    @property
    def duration(self):
        if self.backend_data is not None and self.sample_rate and self.channels:
            return self.backend_data.size // self.channels / self.sample_rate
        return None
