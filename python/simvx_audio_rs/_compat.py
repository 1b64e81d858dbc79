"""SimVX's own types where SimVX is importable, equivalents of the same shape where it is not.

The backend raises SimVX's exception classes (``simvx.core.audio_errors``) and returns SimVX's
``Capability`` members, so a SimVX game catches and compares exactly what it did with the
original backend. Without SimVX the package defines the same names, with the same
constructor arguments and attributes (SIMVX-ORIGINAL §1, §2).

Errors the original had no class for subclass ``AudioError`` (``InvalidParameterError`` is
also a ``ValueError``).
"""

from __future__ import annotations

import enum

try:  # SimVX present: use its classes.
    from simvx.core.audio_errors import (  # type: ignore[import-not-found]
        AudioBackendUnavailable,
        AudioCapabilityError,
        AudioError,
        InvalidStreamError,
        UnknownBusError,
    )
    from simvx.core.audio_protocol import Capability  # type: ignore[import-not-found]

    USING_SIMVX = True
except ImportError:
    USING_SIMVX = False

    class AudioError(Exception):
        """Base of every audio exception."""

    class AudioBackendUnavailable(AudioError):
        """No backend could start and falling back is disabled."""

    class UnknownBusError(AudioError):
        """A bus name that is not in the layout (``.name``, ``.available``)."""

        def __init__(self, name: str, *, available=()):
            self.name = name
            self.available = list(available)
            listed = ", ".join(sorted(self.available)) or "(none)"
            super().__init__(
                f"Unknown audio bus {name!r}; available buses: {listed}. "
                "Register it on the default AudioBusLayout before using it."
            )

    class InvalidStreamError(AudioError):
        """A source that cannot be read, decoded or streamed."""

    class AudioCapabilityError(AudioError):
        """The backend lacks a capability the call needs."""

        def __init__(self, capability, *, backend, advertised, remediation=None):
            self.capability = str(getattr(capability, "value", capability))
            self.backend = backend
            self.advertised = {str(getattr(a, "value", a)) for a in advertised}
            self.remediation = remediation
            msg = (
                f"{backend} does not support {self.capability!r}; it advertises: "
                f"{', '.join(sorted(self.advertised))}"
            )
            if remediation:
                msg += f". {remediation}"
            super().__init__(msg)

    class Capability(str, enum.Enum):
        """What a backend can do; members compare equal to their strings."""

        PLAY_BASIC = "play.basic"
        PLAY_2D = "play.2d"
        PLAY_3D = "play.3d"
        SPATIAL_HRTF = "spatial.hrtf"
        SPATIAL_DOPPLER = "spatial.doppler"
        STREAMING = "streaming"
        STREAMING_WAV = "streaming.wav"
        STREAMING_OGG = "streaming.ogg"
        STREAMING_MP3 = "streaming.mp3"
        STREAMING_FLAC = "streaming.flac"
        EFFECT_GAIN = "effect.gain"
        EFFECT_FILTER_BIQUAD = "effect.filter_biquad"
        EFFECT_PARAMETRIC_EQ = "effect.parametric_eq"
        EFFECT_DELAY = "effect.delay"
        EFFECT_REVERB = "effect.reverb"
        EFFECT_COMPRESSOR = "effect.compressor"
        EFFECT_SOFTCLIP = "effect.softclip"

        def __str__(self) -> str:
            return self.value


class InvalidParameterError(AudioError, ValueError):
    """A parameter was NaN (or otherwise unusable): the call was rejected, nothing changed."""


class NoFreeVoiceError(AudioError):
    """Every voice of the pool is in use."""


class BackendShutdownError(AudioError):
    """The backend was shut down: it starts nothing more."""


class CommandBacklogFullError(AudioError):
    """The audio thread stopped taking commands for so long that the backlog bound was hit."""


class InvalidLayoutError(AudioError):
    """A bus layout the engine cannot use (too many buses or effects, a routing cycle, ...)."""


__all__ = [
    "USING_SIMVX",
    "AudioError",
    "AudioBackendUnavailable",
    "UnknownBusError",
    "InvalidStreamError",
    "AudioCapabilityError",
    "Capability",
    "InvalidParameterError",
    "NoFreeVoiceError",
    "BackendShutdownError",
    "CommandBacklogFullError",
    "InvalidLayoutError",
]
