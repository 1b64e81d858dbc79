"""SIMVX-ORIGINAL §8: effect objects (validated parameters, type tags, payloads)."""

from __future__ import annotations

import math


class _Param:
    """A clamped, NaN-rejecting float property."""

    def __init__(self, default, lo, hi):
        self.default, self.lo, self.hi = default, lo, hi

    def __set_name__(self, owner, name):
        self.name = "_" + name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return getattr(obj, self.name, self.default)

    def __set__(self, obj, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"{self.name[1:]} must be a number")
        if math.isnan(value):
            raise ValueError(f"{self.name[1:]} cannot be NaN")
        setattr(obj, self.name, min(self.hi, max(self.lo, float(value))))


class AudioEffect:
    _param_names: tuple = ()

    def __init__(self, *, enabled=True, **params):
        self.enabled = enabled
        for k, v in params.items():
            if k not in self._param_names:
                raise TypeError(f"{type(self).__name__} has no parameter {k!r}")
            setattr(self, k, v)

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        cls._param_names = tuple(n for n in cls.__dict__ if isinstance(cls.__dict__[n], _Param)) or cls._param_names
        name = cls.__name__
        for suffix in ("Effect", "Filter"):
            if name.endswith(suffix):
                name = name[: -len(suffix)]
                break
        cls.effect_type = name.lower()

    def to_dict(self):
        return {"type": self.effect_type, "enabled": self.enabled,
                "params": {n: getattr(self, n) for n in self._param_names}}


class GainEffect(AudioEffect):
    volume_db = _Param(0.0, -80.0, 24.0)


class LowPassFilter(AudioEffect):
    cutoff_hz = _Param(1000.0, 20.0, 20000.0)
    q = _Param(0.707, 0.1, 20.0)


class HighPassFilter(AudioEffect):
    cutoff_hz = _Param(1000.0, 20.0, 20000.0)
    q = _Param(0.707, 0.1, 20.0)


class BandPassFilter(AudioEffect):
    cutoff_hz = _Param(1000.0, 20.0, 20000.0)
    q = _Param(0.707, 0.1, 20.0)


class NotchFilter(AudioEffect):
    cutoff_hz = _Param(1000.0, 20.0, 20000.0)
    q = _Param(0.707, 0.1, 20.0)


class DelayEffect(AudioEffect):
    time_seconds = _Param(0.25, 0.0, 5.0)
    feedback = _Param(0.4, 0.0, 0.99)
    wet = _Param(0.5, 0.0, 1.0)
    dry = _Param(0.5, 0.0, 1.0)


class ReverbEffect(AudioEffect):
    room_size = _Param(0.5, 0.0, 1.0)
    damping = _Param(0.5, 0.0, 1.0)
    wet = _Param(0.3, 0.0, 1.0)
    dry = _Param(0.7, 0.0, 1.0)
    width = _Param(1.0, 0.0, 1.0)

    def __init__(self, *, freeze=False, **kw):
        super().__init__(**kw)
        self.freeze = freeze

    def to_dict(self):
        d = super().to_dict()
        d["params"]["freeze"] = self.freeze
        return d


class SoftClipEffect(AudioEffect):
    drive = _Param(2.0, 0.1, 20.0)
    output_gain = _Param(1.0, 0.0, 4.0)


class CompressorEffect(AudioEffect):
    threshold_db = _Param(-24.0, -80.0, 0.0)
    ratio = _Param(4.0, 1.0, 20.0)
    attack = _Param(0.005, 0.0001, 0.2)
    release = _Param(0.1, 0.01, 2.0)
    knee_db = _Param(6.0, 0.0, 24.0)
    makeup_db = _Param(0.0, 0.0, 24.0)


class EQBand:
    def __init__(self, type="peaking", freq=1000.0, q=1.0, gain_db=0.0):  # noqa: A002
        self.type, self.freq, self.q, self.gain_db = type, freq, q, gain_db


class ParametricEQ(AudioEffect):
    def __init__(self, *, bands=None, enabled=True):
        super().__init__(enabled=enabled)
        self.bands = bands if bands is not None else [
            EQBand("lowshelf", 120.0, 1.0, 0.0), EQBand("peaking", 1000.0, 1.0, 0.0),
            EQBand("highshelf", 8000.0, 1.0, 0.0)]

    def to_dict(self):
        return {"type": self.effect_type, "enabled": self.enabled, "params": {"bands": [
            {"type": b.type, "freq": b.freq, "q": b.q, "gain_db": b.gain_db} for b in self.bands]}}
