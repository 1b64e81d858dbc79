"""SIMVX-ORIGINAL §1: the error hierarchy, strict mode and warn_once."""

from __future__ import annotations

import logging
import os

STRICT = os.environ.get("SIMVX_AUDIO_STRICT", "1") != "0"
_log = logging.getLogger("simvx.audio")
_WARNED: set[str] = set()


class AudioError(Exception):
    pass


class AudioBackendUnavailable(AudioError):
    pass


class UnknownBusError(AudioError):
    def __init__(self, name, *, available):
        self.name = name
        self.available = list(available)
        super().__init__(
            f"Unknown audio bus {name!r}. Available: {', '.join(sorted(self.available))}. "
            "Add it with AudioBusLayout.get_default().add_bus(...) before using it."
        )


class InvalidStreamError(AudioError):
    pass


class AudioCapabilityError(AudioError):
    def __init__(self, capability, *, backend, advertised, remediation=None):
        self.capability = str(capability)
        self.backend = backend
        self.advertised = {str(a) for a in advertised}
        self.remediation = remediation
        msg = f"{backend} lacks {self.capability}; advertised: {sorted(self.advertised)}"
        super().__init__(msg + (f" {remediation}" if remediation else ""))


class AudioMutationDuringPlaybackError(AudioError):
    def __init__(self, prop_name, *, player):
        self.prop_name = prop_name
        self.player = player
        super().__init__(f"{player}.{prop_name} cannot change during playback")


def warn_once(key, msg, *args, exc_info=False):
    if key in _WARNED:
        return
    _WARNED.add(key)
    _log.warning(msg, *args, exc_info=exc_info)


def raise_or_warn(exc, *, key, message):
    if STRICT:
        raise AudioError(message) from exc
    warn_once(key, f"{message}: {exc}", exc_info=True)
