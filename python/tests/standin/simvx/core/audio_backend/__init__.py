"""SIMVX-ORIGINAL §4: the backend registry, entry points and make_backend's fallback chain.

The legacy and null backends here are inert stand-ins (they only say which one was chosen).
"""

from __future__ import annotations

import logging
import os
from importlib.metadata import entry_points

BACKEND_ENTRY_POINT_GROUP = "simvx.audio.backends"

_log = logging.getLogger("simvx.core.audio_backend")
_REGISTRY: dict = {}
_fallback_warned = False


def register_backend(name, factory):
    _REGISTRY[name] = factory


def _installed_backends():
    failures = []
    for ep in entry_points(group=BACKEND_ENTRY_POINT_GROUP):
        try:
            ep.load()()
        except Exception as exc:  # noqa: BLE001 (the original captures everything)
            dist = getattr(getattr(ep, "dist", None), "name", None)
            failures.append(f"{ep.name} ({dist or 'unknown distribution'}): {exc!r}")
    return dict(_REGISTRY), failures


def _legacy_allowed():
    return os.environ.get("SIMVX_ALLOW_LEGACY_AUDIO", "1") != "0"


class _StandInBackend:
    kind = "standin"

    def __init__(self, sample_rate=48000, nchannels=2):
        self.sample_rate = sample_rate
        self.nchannels = nchannels

    def shutdown(self):
        pass


class _LegacyMiniaudioBackend(_StandInBackend):
    kind = "legacy-standin"


class NullAudioBackend(_StandInBackend):
    kind = "null-standin"


def make_backend(sample_rate=48000, nchannels=2):
    global _fallback_warned
    from ..audio_errors import AudioBackendUnavailable

    factories, failures = _installed_backends()
    started_failed = False
    for name, factory in factories.items():
        try:
            return factory(sample_rate=sample_rate, nchannels=nchannels)
        except Exception as exc:  # noqa: BLE001
            started_failed = True
            if not _legacy_allowed():
                raise AudioBackendUnavailable(
                    f"audio backend {name!r} failed to start: {exc}; the legacy fallback is "
                    "disabled by SIMVX_ALLOW_LEGACY_AUDIO=0"
                ) from exc
            _log.warning("audio backend %r failed to start (%s); trying the legacy mixer", name, exc)
    if not factories and not _legacy_allowed():
        cause = "; ".join(failures) or "no native audio backend is installed"
        raise AudioBackendUnavailable(
            cause[0].upper() + cause[1:] + " (SIMVX_ALLOW_LEGACY_AUDIO=0); "
            "pip install simvx-audio-miniaudio on a supported platform"
        )
    if not _fallback_warned:
        _fallback_warned = True
        if started_failed:
            _log.warning("the native audio backend is installed but could not start; using the legacy mixer")
        elif failures:
            _log.warning("audio backends failed to load (%s); using the legacy mixer", "; ".join(failures))
        else:
            _log.warning("no native audio backend is installed; using the legacy mixer")
    try:
        return _LegacyMiniaudioBackend(sample_rate, nchannels)
    except Exception as exc:  # noqa: BLE001
        _log.warning("the legacy mixer failed (%s); using the silent backend", exc)
        return NullAudioBackend(sample_rate, nchannels)
