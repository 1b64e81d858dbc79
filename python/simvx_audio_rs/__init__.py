"""simvx-audio, a Rust game-audio engine, as a SimVX audio backend.

Installed next to SimVX, nothing else changes: SimVX's ``make_backend()`` loads the entry point
``simvx-audio-rs`` (group ``simvx.audio.backends``), whose :func:`register` registers
:func:`factory`, and SimVX's scene tree then plays through this engine.

Without SimVX: :func:`make_backend` (native, then legacy, then null, warning at each
fallback), :func:`open_device` (a device or an exception) and :class:`OfflineRenderer`
(deterministic rendering into numpy arrays).

Being chosen first
------------------
SimVX tries its registered factories in registration order, which follows entry-point
discovery order (``sys.path`` and directory order, which no package controls). The original
native backend's factory starts even with no sound card, so a backend registered after it is
never used. :func:`register` therefore moves this backend's factory to the front of SimVX's
registry after registering it; every other factory keeps its place behind it, so SimVX still
falls back to them (in their order) if no device opens here. Set ``SIMVX_AUDIO_RS_PREFER=0``
to register without moving (then discovery order decides).
"""

from __future__ import annotations

import atexit
import logging
import os
import weakref

from . import _compat
from ._compat import *  # noqa: F401,F403  (SimVX's error classes and Capability, or ours)
from ._native import (
    DEFAULT_VOICES,
    ENGINE_VERSION,
    NullAudioBackend,
    OfflineRenderer,
    SimvxAudioBackend,
    StreamingAudioBackend,
    flush_logs,
)
from ._native import make_backend as _make_backend
from ._native import null_backend as _null_backend
from ._native import open_device as _open_device

#: The name registered with SimVX (and of the entry point).
NAME = "simvx-audio-rs"

#: Environment variable: "0" keeps this backend where entry-point discovery put it.
PREFER_ENV = "SIMVX_AUDIO_RS_PREFER"

_log = logging.getLogger("simvx.audio")

# Every backend made here is shut down at interpreter exit (idempotent, as SimVX expects).
_LIVE: "weakref.WeakSet[SimvxAudioBackend]" = weakref.WeakSet()


@atexit.register
def _shutdown_all() -> None:
    for backend in list(_LIVE):
        backend.shutdown()


def _track(backend):
    _LIVE.add(backend)
    return backend


def open_device(sample_rate: int = 48000, nchannels: int = 2, *,
                voices: int = DEFAULT_VOICES) -> StreamingAudioBackend:
    """A started backend on the default output device: native timing (at most 20 ms of
    buffer), else legacy timing (about 100 ms, with a warning). Raises
    ``AudioBackendUnavailable`` when no device opens. ``voices`` is the pool (at most 4096)."""
    return _track(_open_device(sample_rate=sample_rate, nchannels=nchannels, voices=voices))


def factory(sample_rate: int = 48000, nchannels: int = 2) -> StreamingAudioBackend:
    """SimVX's factory: ``factory(sample_rate=..., nchannels=...)`` returns a started backend
    or raises, so that SimVX's own fallback chain and warnings decide what follows."""
    return open_device(sample_rate=sample_rate, nchannels=nchannels)


def make_backend(sample_rate: int = 48000, nchannels: int = 2, *,
                 voices: int = DEFAULT_VOICES) -> SimvxAudioBackend:
    """The best backend available without SimVX: native, then legacy, then the silent null
    backend (a :class:`NullAudioBackend`), warning loudly at every fallback (logger
    ``simvx.audio``). With ``SIMVX_ALLOW_LEGACY_AUDIO=0`` a native failure raises
    ``AudioBackendUnavailable``."""
    return _track(_make_backend(sample_rate=sample_rate, nchannels=nchannels, voices=voices))


def null_backend(sample_rate: int = 48000, nchannels: int = 2, *,
                 voices: int = DEFAULT_VOICES) -> NullAudioBackend:
    """The silent null backend without trying any device (headless runs that want no sound
    even where a device exists): the engine on a clock (``advance``, ``bind_tree``,
    ``use_wall_clock``), so sounds end when they would on a device."""
    return _track(_null_backend(sample_rate=sample_rate, nchannels=nchannels, voices=voices))


def register() -> None:
    """The entry point: register :func:`factory` with SimVX as ``simvx-audio-rs`` and, unless
    ``SIMVX_AUDIO_RS_PREFER=0``, put it first in SimVX's registry."""
    from simvx.core import audio_backend as registry  # type: ignore[import-not-found]

    registry.register_backend(NAME, factory)
    if os.environ.get(PREFER_ENV, "1") != "0":
        _put_first(registry)


def _put_first(registry) -> bool:
    """Move our factory to the front of the registry's mapping, keeping the others' order.

    The registry is the module-level ordered mapping in which ``register_backend`` stored
    ``factory`` under ``NAME``; it is found by that entry rather than by its private name.
    Returns whether it was found; if not, warns once that discovery order decides.
    """
    for value in list(vars(registry).values()):
        if isinstance(value, dict) and value.get(NAME) is factory:
            if next(iter(value)) != NAME:
                others = [(k, v) for k, v in value.items() if k != NAME]
                value.clear()
                value[NAME] = factory
                value.update(others)
            return True
    if not getattr(_put_first, "warned", False):
        _put_first.warned = True  # type: ignore[attr-defined]
        _log.warning(
            "simvx-audio-rs: registered with SimVX, but SimVX's backend registry was not found "
            "to put it first; another installed backend may be chosen before it (entry-point "
            "discovery order decides)."
        )
    return False


__all__ = [
    "NAME",
    "PREFER_ENV",
    "ENGINE_VERSION",
    "DEFAULT_VOICES",
    "SimvxAudioBackend",
    "StreamingAudioBackend",
    "NullAudioBackend",
    "OfflineRenderer",
    "open_device",
    "factory",
    "make_backend",
    "null_backend",
    "register",
    "flush_logs",
    *_compat.__all__,
]
