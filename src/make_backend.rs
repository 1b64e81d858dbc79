//! [`make_backend`]: native, then legacy, then null, warning loudly at every fallback.

use std::collections::BTreeSet;
use std::sync::Mutex;

use platform_cpal::Timing;

use crate::device::DeviceBackend;

use crate::backend::{BackendInfo, BackendKind, StreamDraining, StreamPacing, Streaming};
use crate::capability::{Capability, CapabilitySet};
use crate::config::{ALLOW_LEGACY_ENV, AudioConfig, FallbackPolicy};
use crate::error::AudioError;
use crate::forward::forward_playback;
use crate::null::NullPlayback;
use crate::{ChannelId, Playback};

/// The `log` target of every message this crate logs.
pub const LOG_TARGET: &str = "simvx_audio";

/// A backend chosen by [`make_backend`]. Use it through [`Playback`]; ask it for the other
/// facets with [`Backend::streaming`] and friends.
#[derive(Debug)]
pub struct Backend {
    engine: Engine,
    info: BackendInfo,
}

#[derive(Debug)]
enum Engine {
    Device(Box<DeviceBackend>),
    Null(NullPlayback),
}

impl Engine {
    fn playback(&mut self) -> &mut dyn Playback {
        match self {
            Engine::Device(b) => b.as_mut(),
            Engine::Null(b) => b,
        }
    }
    fn playback_ref(&self) -> &dyn Playback {
        match self {
            Engine::Device(b) => b.as_ref(),
            Engine::Null(b) => b,
        }
    }
}

impl Playback for Engine {
    fn play_audio(
        &mut self,
        sound: &crate::Sound,
        params: &crate::PlayParams,
    ) -> Result<ChannelId, AudioError> {
        self.playback().play_audio(sound, params)
    }
    fn stop_audio(&mut self, id: ChannelId) -> Result<(), AudioError> {
        self.playback().stop_audio(id)
    }
    fn pause_audio(&mut self, id: ChannelId) -> Result<(), AudioError> {
        self.playback().pause_audio(id)
    }
    fn resume_audio(&mut self, id: ChannelId) -> Result<(), AudioError> {
        self.playback().resume_audio(id)
    }
    fn update_audio_2d(&mut self, id: ChannelId, db: f32, pan: f32) -> Result<(), AudioError> {
        self.playback().update_audio_2d(id, db, pan)
    }
    fn update_audio_3d(
        &mut self,
        id: ChannelId,
        db: f32,
        pan: f32,
        pitch: f32,
    ) -> Result<(), AudioError> {
        self.playback().update_audio_3d(id, db, pan, pitch)
    }
    fn set_pitch(&mut self, id: ChannelId, pitch: f32) -> Result<(), AudioError> {
        self.playback().set_pitch(id, pitch)
    }
    fn set_emitter(&mut self, id: ChannelId, emitter: &crate::Emitter) -> Result<(), AudioError> {
        self.playback().set_emitter(id, emitter)
    }
    fn set_listener_position(&mut self, v: [f32; 3]) -> Result<(), AudioError> {
        self.playback().set_listener_position(v)
    }
    fn set_listener_velocity(&mut self, v: [f32; 3]) -> Result<(), AudioError> {
        self.playback().set_listener_velocity(v)
    }
    fn set_listener_direction(&mut self, v: [f32; 3]) -> Result<(), AudioError> {
        self.playback().set_listener_direction(v)
    }
    fn set_listener_world_up(&mut self, v: [f32; 3]) -> Result<(), AudioError> {
        self.playback().set_listener_world_up(v)
    }
    fn get_playback_position(&mut self, id: ChannelId) -> f64 {
        self.playback().get_playback_position(id)
    }
    fn is_channel_active(&mut self, id: ChannelId) -> bool {
        self.playback().is_channel_active(id)
    }
    fn shutdown(&mut self) {
        self.playback().shutdown()
    }
    fn list_capabilities(&self) -> CapabilitySet {
        self.playback_ref().list_capabilities()
    }
}

forward_playback!(Backend => engine);

impl crate::backend::Buses for Backend {
    fn sync_bus_layout(&mut self, layout: &crate::AudioBusLayout) -> Result<(), AudioError> {
        match &mut self.engine {
            Engine::Device(b) => b.sync_bus_layout(layout),
            Engine::Null(b) => b.sync_bus_layout(layout),
        }
    }
}

impl Backend {
    fn device(device: DeviceBackend) -> Self {
        let info = device.info().clone();
        Self {
            engine: Engine::Device(Box::new(device)),
            info,
        }
    }

    /// Which backend this is, its device, buffer, latency, rate and format (after a device
    /// loss: what it runs on now).
    pub fn info(&self) -> &BackendInfo {
        match &self.engine {
            Engine::Device(d) => d.info(),
            Engine::Null(_) => &self.info,
        }
    }

    /// Which backend this is.
    pub fn kind(&self) -> BackendKind {
        self.info().kind
    }

    /// The device backend's controls (latency clock, loss simulation), when this is native or
    /// legacy.
    pub fn as_device(&mut self) -> Option<&mut DeviceBackend> {
        match &mut self.engine {
            Engine::Device(d) => Some(d),
            Engine::Null(_) => None,
        }
    }

    /// The streaming facet, where this backend has one (null never does).
    pub fn streaming(&mut self) -> Option<&mut dyn Streaming> {
        match &mut self.engine {
            Engine::Device(d) => Some(d.as_mut()),
            Engine::Null(_) => None,
        }
    }

    /// The pacing facet, where this backend has one.
    pub fn stream_pacing(&mut self) -> Option<&mut dyn StreamPacing> {
        match &mut self.engine {
            Engine::Device(d) => Some(d.as_mut()),
            Engine::Null(_) => None,
        }
    }

    /// The draining facet, where this backend has one.
    pub fn stream_draining(&mut self) -> Option<&mut dyn StreamDraining> {
        match &mut self.engine {
            Engine::Device(d) => Some(d.as_mut()),
            Engine::Null(_) => None,
        }
    }

    /// The streaming facet, or [`AudioError::Capability`] naming what the backend offers.
    ///
    /// # Errors
    /// [`AudioError::Capability`] when the backend has no streaming facet.
    pub fn require_streaming(&mut self) -> Result<&mut dyn Streaming, AudioError> {
        let kind = self.kind();
        let advertised = self.list_capabilities();
        self.streaming().ok_or_else(|| AudioError::Capability {
            capability: Capability::Streaming.as_str().into(),
            backend: kind.as_str().into(),
            advertised: advertised.strings().into_iter().map(String::from).collect(),
        })
    }

    /// The null backend's controls (its clock), when this is the null backend.
    pub fn as_null(&mut self) -> Option<&mut NullPlayback> {
        match &mut self.engine {
            Engine::Null(b) => Some(b),
            Engine::Device(_) => None,
        }
    }
}

static WARNED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// Log `message` at WARNING once per process for `key`. Returns whether it was logged.
pub(crate) fn warn_once(key: String, message: &str) -> bool {
    let first = WARNED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(key);
    if first {
        log::warn!(target: LOG_TARGET, "{message}");
    }
    first
}

/// Open the best backend available, in order: native (default output device, ≤ 20 ms buffer),
/// legacy (the same device, about 100 ms), null (silent, on a clock the game drives).
///
/// Each fallback logs one loud WARNING (target `simvx_audio`) per process and cause, naming
/// what failed, what it costs, and what to do. With `SIMVX_ALLOW_LEGACY_AUDIO=0` (read at each
/// call) or [`FallbackPolicy::Forbid`], a native failure is an error instead.
///
/// ```
/// use simvx_audio::{AudioConfig, FallbackPolicy, make_backend};
/// let cfg = AudioConfig { fallback: FallbackPolicy::Allow, ..AudioConfig::default() };
/// let backend = make_backend(&cfg).unwrap();
/// println!("{} on {}", backend.kind(), backend.info().device);
/// ```
///
/// # Errors
/// [`AudioError::BackendUnavailable`] when native fails and falling back is forbidden;
/// [`AudioError::InvalidParameter`] for a configuration out of range.
pub fn make_backend(config: &AudioConfig) -> Result<Backend, AudioError> {
    config.core()?;
    config.effect_memory_floats()?;
    let native_err = match DeviceBackend::open(config, Timing::Native) {
        Ok(device) => return Ok(Backend::device(device)),
        Err(e) => e,
    };
    if !config.fallback.allows_fallback() {
        let by = match config.fallback {
            FallbackPolicy::Forbid => "the configuration (FallbackPolicy::Forbid)".to_string(),
            _ => format!("{ALLOW_LEGACY_ENV}=0"),
        };
        return Err(AudioError::BackendUnavailable {
            cause: format!(
                "the native backend failed: {native_err}; falling back to legacy timing or to \
                 the silent null backend is disabled by {by}"
            ),
        });
    }
    // With no device at all, legacy timing cannot help: straight to null, one warning.
    let cause = if native_err.is_no_device() {
        native_err
    } else {
        warn_once(
            format!("legacy:{native_err}"),
            &format!(
                "simvx-audio: the native audio backend failed ({native_err}); using legacy \
                 timing (about 100 ms of buffer, five times the latency). Check that the \
                 output device supports short buffers, that the sound server is running and \
                 that no other program holds the device. Set {ALLOW_LEGACY_ENV}=0 to make \
                 this an error."
            ),
        );
        match DeviceBackend::open(config, Timing::Legacy) {
            Ok(device) => return Ok(Backend::device(device)),
            Err(e) => e,
        }
    };
    warn_once(
        format!("null:{cause}"),
        &format!(
            "simvx-audio: no audio device could be opened ({cause}); using the null \
             backend: AUDIO IS SILENT. The game keeps running and sounds still end on time. \
             Check that an output device exists and that the sound server is running. Set \
             {ALLOW_LEGACY_ENV}=0 to make this an error."
        ),
    );
    Ok(null_backend(config))
}

/// The null backend for `config`, without trying any device.
pub fn null_backend(config: &AudioConfig) -> Backend {
    Backend {
        engine: Engine::Null(NullPlayback::new(
            config.sample_rate,
            config.channels,
            config.voices,
        )),
        info: BackendInfo {
            kind: BackendKind::Null,
            device: "none".into(),
            buffer_frames: None,
            latency_seconds: None,
            sample_rate: config.sample_rate,
            channels: config.channels,
            sample_format: "f32".into(),
        },
    }
}

impl crate::backend::HasStreams for Backend {
    fn streams(&mut self) -> Option<&mut dyn crate::backend::StreamFacets> {
        match &mut self.engine {
            Engine::Device(d) => Some(d.as_mut()),
            Engine::Null(_) => None,
        }
    }
}
