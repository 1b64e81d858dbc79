"""SIMVX-ORIGINAL §2–§3: Capability and the structural facet protocols."""

from __future__ import annotations

import enum
from typing import Protocol, runtime_checkable


class Capability(str, enum.Enum):
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

    def __str__(self):
        return self.value


CAPABILITIES_CORE = frozenset(
    {Capability.PLAY_BASIC, Capability.PLAY_2D, Capability.PLAY_3D, Capability.STREAMING,
     Capability.STREAMING_WAV}
)


@runtime_checkable
class AudioPlaybackBackend(Protocol):
    def play_audio(self, stream, *, mode="non_positional", position=None, volume_db=0.0,
                   pitch=1.0, loop=False, bus="Master", max_distance=100.0,
                   from_position=0.0, pan=0.0, gain_db=0.0): ...
    def stop_audio(self, id): ...
    def pause_audio(self, id): ...
    def resume_audio(self, id): ...
    def update_audio_2d(self, id, volume_db, pan): ...
    def update_audio_3d(self, id, volume_db, pan, pitch): ...
    def set_pitch(self, id, pitch): ...
    def set_listener_position(self, x, y, z): ...
    def set_listener_velocity(self, x, y, z): ...
    def set_listener_direction(self, x, y, z): ...
    def set_listener_world_up(self, x, y, z): ...
    def get_playback_position(self, id): ...
    def is_channel_active(self, id): ...
    def shutdown(self): ...


@runtime_checkable
class AudioStreamingBackend(Protocol):
    def open_stream(self, *, volume_db=0.0, bus="Master", buffer_seconds=0.5, loop=False,
                    stream=None): ...
    def feed_audio_chunk(self, id, chunk): ...


@runtime_checkable
class AudioStreamPacing(Protocol):
    def stream_format(self): ...
    def frames_available(self, id): ...


@runtime_checkable
class AudioStreamDraining(Protocol):
    def end_of_stream(self, id): ...


@runtime_checkable
class AudioBusBackend(Protocol):
    def sync_bus_layout(self, layout): ...
    def list_capabilities(self): ...


@runtime_checkable
class TreeBoundAudioBackend(Protocol):
    def bind_tree(self, tree): ...
