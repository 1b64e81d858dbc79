"""Re-exports, as SimVX's public audio API gathers them."""

from ._audio_stream import AudioClip  # noqa: F401
from .audio_bus import AudioBus, AudioBusLayout  # noqa: F401
from .audio_effect import *  # noqa: F401,F403
