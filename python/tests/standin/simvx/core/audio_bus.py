"""SIMVX-ORIGINAL §7: AudioBus and AudioBusLayout (the parts a backend reads)."""

from __future__ import annotations

import logging
import math

from .audio_errors import UnknownBusError

_log = logging.getLogger("simvx.audio")


class AudioBus:
    def __init__(self, name, volume_db=0.0, send_to=""):
        self.name = name
        self._volume_db = 0.0
        self.volume_db = volume_db
        self.mute = False
        self.solo = False
        self.send_to = send_to
        self._effects = []
        self._layout = None

    @property
    def volume_db(self):
        return self._volume_db

    @volume_db.setter
    def volume_db(self, value):
        value = float(value)
        if math.isnan(value):
            raise ValueError("volume_db cannot be NaN")
        self._volume_db = min(24.0, max(-80.0, value))

    @property
    def effects(self):
        return list(self._effects)

    def add_effect(self, effect):
        self._effects.append(effect)

    def remove_effect(self, effect):
        if effect in self._effects:
            self._effects.remove(effect)


class AudioBusLayout:
    _default = None

    def __init__(self):
        self._buses = {}

    @classmethod
    def create_default(cls):
        layout = cls()
        layout.add_bus("Master")
        for name in ("Music", "SFX", "Voice", "UI"):
            layout.add_bus(name, send_to="Master")
        return layout

    @classmethod
    def get_default(cls):
        if cls._default is None:
            cls._default = cls.create_default()
        return cls._default

    @classmethod
    def reset(cls):
        cls._default = None

    @property
    def buses(self):
        return list(self._buses.values())

    @property
    def bus_names(self):
        return list(self._buses)

    def has_bus(self, name):
        return name in self._buses

    def get_bus(self, name):
        try:
            return self._buses[name]
        except KeyError:
            raise UnknownBusError(name, available=list(self._buses)) from None

    def add_bus(self, name, volume_db=0.0, send_to=""):
        if name in self._buses:
            _log.warning("bus %r already exists", name)
            return self._buses[name]
        if send_to not in ("", "Master") and send_to not in self._buses:
            raise UnknownBusError(send_to, available=list(self._buses))
        bus = AudioBus(name, volume_db, send_to)
        bus._layout = self
        self._buses[name] = bus
        return bus

    def remove_bus(self, name):
        if name == "Master":
            _log.warning("the Master bus cannot be removed")
            return
        bus = self._buses.pop(name, None)
        if bus is None:
            return
        bus._layout = None
        for other in self._buses.values():
            if other.send_to == name:
                if bus.send_to in self._buses:
                    other.send_to = bus.send_to
                else:
                    other.send_to = "Master" if "Master" in self._buses else ""

    def to_dict(self):
        return [
            {"name": b.name, "volume_db": b.volume_db, "mute": b.mute, "solo": b.solo,
             "send_to": b.send_to, "effects": [e.to_dict() for e in b._effects]}
            for b in self._buses.values()
        ]
