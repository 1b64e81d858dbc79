//! simvx-audio: an embeddable game-audio engine.
//!
//! The facade over the `no_std` [`mixer_core`]: one [`Backend`] implementation of every facet,
//! over a driver chosen by [`make_backend`] (native device, legacy device, or the silent
//! [`NullBackend`] clock), the [`OfflineBackend`] for deterministic rendering, [`Sound`]s from
//! files or PCM, and [`Scene`] files.
//!
//! ```
//! use simvx_audio::{AudioConfig, OfflineBackend, PlayParams, Playback, Sound};
//!
//! let mut mixer = OfflineBackend::new(&AudioConfig::default())?;
//! let beep = Sound::tone(1000.0, 0.5, 1.0, 44_100, 1)?;
//! let id = mixer.play_audio(&beep, &PlayParams { volume_db: -6.0206, pan: -0.5, ..Default::default() })?;
//! let block = mixer.render_frames(480); // interleaved stereo f32
//! assert!(mixer.is_channel_active(id));
//! assert!(block.iter().all(|s| s.abs() <= 0.25));
//! # Ok::<(), simvx_audio::AudioError>(())
//! ```

#![doc(test(attr(deny(warnings))))]

mod backend;
mod bus;
mod capability;
mod channel;
mod config;
mod error;
mod limits;
mod listener;
mod log;
mod loudness;
mod player;
mod scene;
mod sound;
mod spectrum;
mod stream;
mod synth;
mod tap;
mod tempo;
mod wav;

pub use backend::{
    Backend, BackendInfo, BackendKind, BusHandle, Buses, Channel, ChannelId, ChannelInfo, Clock,
    Decibels, Device, DeviceBackend, DeviceEvent, Driver, Fading, HasStreams, Live, NullBackend,
    NullClock, Offline, OfflineBackend, Pan, Pitch, Play, PlayMode, PlayParams, Playback, Reopen,
    Scheduling, Seconds, StreamDraining, StreamFacets, StreamPacing, StreamParams, StreamStats,
    Streaming, Tween, Tweening, VoiceControl, device_backend, make_backend, null_backend,
};
pub use bus::{AudioBus, AudioBusLayout, MASTER};
pub use bus::{
    BandKind, CompressorParams, DelayParams, EFFECT_TAGS, Effect, EffectParams, EqBand, EqParams,
    FilterParams, GainParams, LimiterParams, MAX_EQ_BANDS, ReverbParams, SoftClipParams,
};
pub use capability::{Capability, CapabilitySet};
pub use config::{
    ALLOW_LEGACY_ENV, AudioConfig, DEFAULT_BUSES, FallbackPolicy, MAX_BUSES, MAX_EFFECTS,
    MAX_VOICES, SPARE_SLOTS,
};
pub use error::AudioError;
pub use limits::{MAX_SAMPLE, MAX_SAMPLE_RATE, MAX_SOUND_SAMPLES, MAX_STREAM_RING_BYTES};
pub use listener::Listener;
pub use log::LOG_TARGET;
pub use loudness::Loudness;
pub use mixer_core::fade::Curve;
/// The original engine's player-side spatial model and the spatial math (see
/// [`mixer_core::spatial`]).
pub use mixer_core::spatial;
pub use mixer_core::spatial::{
    Attenuation, Cone, Emitter, PanLaw, SPEED_OF_SOUND, Spatialized, spatialize,
};
pub use mixer_core::synth::{
    Adsr, Envelope, Filter, Oscillator, Stage, SynthError, SynthParam, SynthVoice,
};
pub use mixer_core::{
    DEFAULT_PRIORITY, Interpolation, MeterReading, RING_OUT_SECONDS, VoiceCounts, VoiceState,
    WhenFull,
};
pub use platform_cpal::{DeviceError, OutputDevice, Timing};

/// The output devices the system lists (id, name, channels, sample rates; the default
/// marked), for [`AudioConfig::device`] and `simvx-audio devices`.
///
/// # Errors
/// [`AudioError::BackendUnavailable`] when the audio host cannot list them.
pub fn output_devices() -> Result<Vec<OutputDevice>, AudioError> {
    platform_cpal::output_devices().map_err(|e| AudioError::BackendUnavailable {
        cause: format!("the output devices cannot be listed: {e}"),
        source: Some(e),
    })
}
pub use player::{PLAYER_PITCH_RANGE, Player, PlayerEvent};
pub use scene::{
    BUSES_EVENT, CALLS, Call, Event, LISTENER_EVENT, ListenerField, Scene, SceneError, SoundSpec,
};
pub use scene::{SCENE_VOICES, ScenePlayer, render_scene, render_scene_to};
pub use sound::decode::{Loading, StreamDecoder, decode_bytes, decode_file, load_in_background};
pub use sound::{Container, Sound};
pub use spectrum::{Band, spectrum};
pub use synth::{AudioSynth, SYNTH_VOICES, SynthStream};
pub use tap::{Tap, TapRecorder};
pub use tempo::TempoClock;
pub use wav::{MAX_WAV_DATA_BYTES, RenderStats, WavFormat, WavStream, to_s16, wav_fits, write_wav};

/// The README's Rust snippets, compiled as doctests so they cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
