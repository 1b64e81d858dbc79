//! The facets a backend offers, as traits, and the types their calls take.
//!
//! Every backend implements [`Playback`]. The streaming facets ([`Streaming`], [`StreamPacing`],
//! [`StreamDraining`]) are asked for through [`Backend::streaming`](crate::Backend::streaming)
//! and friends, which answer `None` where a backend lacks them: a caller probes, it never
//! downcasts.

use std::fmt;
use std::num::NonZeroU64;

use crate::capability::CapabilitySet;
use crate::error::AudioError;
use crate::error::check_emitter;
use crate::sound::Sound;
use mixer_core::spatial::Emitter;

/// An opaque, non-zero channel id. Ids of ended channels stay inert: controls on them do
/// nothing and queries report "not active".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChannelId(pub(crate) NonZeroU64);

impl ChannelId {
    /// The id as a number (for logs and the original's integer ids).
    pub fn get(self) -> u64 {
        self.0.get()
    }

    /// The id with number `n` (as [`get`](Self::get) gave it); `None` for 0. An id no backend
    /// issued is simply inert.
    pub fn from_raw(n: u64) -> Option<Self> {
        NonZeroU64::new(n).map(Self)
    }
}

impl fmt::Display for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// How a sound is placed. In modes `2d` and `3d` the caller computes volume, pan and pitch
/// (the original's players do); `position` and `max_distance` are recorded for the engine-side
/// spatialisation that builds on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlayMode {
    /// `non_positional`
    #[default]
    NonPositional,
    /// `2d`
    TwoD,
    /// `3d`
    ThreeD,
}

impl PlayMode {
    /// Parse the original's strings: `non_positional`, `2d`, `3d`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "non_positional" => Some(PlayMode::NonPositional),
            "2d" => Some(PlayMode::TwoD),
            "3d" => Some(PlayMode::ThreeD),
            _ => None,
        }
    }
}

/// Arguments of [`Playback::play_audio`], with the original's defaults.
///
/// ```
/// use simvx_audio::PlayParams;
/// let p = PlayParams { volume_db: -6.0, pan: 0.25, ..PlayParams::default() };
/// assert_eq!(p.bus, "Master");
/// assert_eq!(p.pitch, 1.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PlayParams {
    /// Placement mode.
    pub mode: PlayMode,
    /// World position (modes `2d`/`3d`).
    pub position: [f32; 3],
    /// Level in dB; −80 and below is silence.
    pub volume_db: f32,
    /// Resampling ratio, clamped to `[0.1, 16]`.
    pub pitch: f32,
    /// Restart at the end, indefinitely.
    pub looping: bool,
    /// Bus name.
    pub bus: String,
    /// Distance at which a positional sound fades out.
    pub max_distance: f32,
    /// Start offset in seconds of the sound.
    pub from_position: f64,
    /// Balance pan in `[-1, 1]`.
    pub pan: f32,
    /// Extra level in dB, added to `volume_db`.
    pub gain_db: f32,
    /// Spatialise in the engine from this emitter and the listener (attenuation, cone, pan
    /// and doppler on top of `volume_db`, `pan` and `pitch`). `None` (the default): the values
    /// are used as given, as in the original, where callers computed spatial values.
    pub emitter: Option<Emitter>,
}

impl Default for PlayParams {
    fn default() -> Self {
        Self {
            mode: PlayMode::NonPositional,
            position: [0.0; 3],
            volume_db: 0.0,
            pitch: 1.0,
            looping: false,
            bus: "Master".into(),
            max_distance: 100.0,
            from_position: 0.0,
            pan: 0.0,
            gain_db: 0.0,
            emitter: None,
        }
    }
}

impl PlayParams {
    /// Refuse NaN in any numeric field, naming the first one found. Infinities pass (they
    /// clamp where they are used).
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`].
    pub fn check(&self) -> Result<(), AudioError> {
        crate::error::not_nan("volume_db", self.volume_db)?;
        crate::error::not_nan("gain_db", self.gain_db)?;
        crate::error::not_nan("pan", self.pan)?;
        crate::error::not_nan("pitch", self.pitch)?;
        crate::error::not_nan("max_distance", self.max_distance)?;
        crate::error::vec_not_nan("position", self.position)?;
        if self.from_position.is_nan() {
            return Err(AudioError::InvalidParameter {
                name: "from_position",
                reason: "NaN".into(),
            });
        }
        if let Some(e) = &self.emitter {
            check_emitter(e)?;
        }
        Ok(())
    }
}

/// The bus facet: every backend has it (null accepts layouts and routes nothing).
pub trait Buses {
    /// Make the backend's buses match `layout`: cheap and idempotent, it sends only what
    /// changed. Parameter changes retune effects in place (state and tails survive, no
    /// clicks); only adding, removing or reordering effects rebuilds a chain slot; buses gone
    /// from the layout are removed and their voices move to their parent.
    ///
    /// # Errors
    /// [`AudioError::InvalidLayout`] (too many buses or effects), [`AudioError::InvalidParameter`]
    /// (NaN), [`AudioError::Busy`], [`AudioError::Shutdown`]. After `Busy`, calling again with
    /// the same layout finishes the job.
    fn sync_bus_layout(&mut self, layout: &crate::AudioBusLayout) -> Result<(), AudioError>;
}

/// The playback facet: every backend has it.
///
/// Controls on stale or unknown ids are no-ops; NaN parameters are rejected with
/// [`AudioError::InvalidParameter`] and change nothing; after [`Playback::shutdown`] controls
/// return [`AudioError::Shutdown`] and queries report nothing active.
pub trait Playback {
    /// Start `sound` and return its channel.
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`], [`AudioError::UnknownBus`] (mixing backends),
    /// [`AudioError::NoFreeVoice`], [`AudioError::Busy`], [`AudioError::Shutdown`].
    fn play_audio(&mut self, sound: &Sound, params: &PlayParams) -> Result<ChannelId, AudioError>;
    /// End the channel with a short fade.
    ///
    /// # Errors
    /// [`AudioError::Busy`], [`AudioError::Shutdown`].
    fn stop_audio(&mut self, id: ChannelId) -> Result<(), AudioError>;
    /// Hold the channel at its cursor.
    ///
    /// # Errors
    /// [`AudioError::Busy`], [`AudioError::Shutdown`].
    fn pause_audio(&mut self, id: ChannelId) -> Result<(), AudioError>;
    /// Continue a paused channel from its cursor.
    ///
    /// # Errors
    /// [`AudioError::Busy`], [`AudioError::Shutdown`].
    fn resume_audio(&mut self, id: ChannelId) -> Result<(), AudioError>;
    /// Replace the channel's level (`volume_db` alone) and pan, ramped.
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`], [`AudioError::Busy`], [`AudioError::Shutdown`].
    fn update_audio_2d(
        &mut self,
        id: ChannelId,
        volume_db: f32,
        pan: f32,
    ) -> Result<(), AudioError>;
    /// Replace the channel's level, pan and pitch, ramped.
    ///
    /// # Errors
    /// As [`Playback::update_audio_2d`].
    fn update_audio_3d(
        &mut self,
        id: ChannelId,
        volume_db: f32,
        pan: f32,
        pitch: f32,
    ) -> Result<(), AudioError>;
    /// Replace the channel's pitch, ramped.
    ///
    /// # Errors
    /// As [`Playback::update_audio_2d`].
    fn set_pitch(&mut self, id: ChannelId, pitch: f32) -> Result<(), AudioError>;
    /// Give the channel a new emitter state for engine-side spatialisation (a channel played
    /// without one becomes spatial). Null accepts and ignores it.
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`] for NaN, [`AudioError::Busy`], [`AudioError::Shutdown`].
    fn set_emitter(&mut self, id: ChannelId, emitter: &Emitter) -> Result<(), AudioError>;
    /// The listener's position.
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`] for NaN, [`AudioError::Shutdown`].
    fn set_listener_position(&mut self, position: [f32; 3]) -> Result<(), AudioError>;
    /// The listener's velocity (units per second).
    ///
    /// # Errors
    /// As [`Playback::set_listener_position`].
    fn set_listener_velocity(&mut self, velocity: [f32; 3]) -> Result<(), AudioError>;
    /// The direction the listener faces.
    ///
    /// # Errors
    /// As [`Playback::set_listener_position`].
    fn set_listener_direction(&mut self, direction: [f32; 3]) -> Result<(), AudioError>;
    /// The listener's up vector.
    ///
    /// # Errors
    /// As [`Playback::set_listener_position`].
    fn set_listener_world_up(&mut self, up: [f32; 3]) -> Result<(), AudioError>;
    /// The channel's cursor in seconds of its sound (loops wrap); 0 for inactive ids.
    fn get_playback_position(&mut self, id: ChannelId) -> f64;
    /// Whether the channel is playing or paused (false once finished or stopped).
    fn is_channel_active(&mut self, id: ChannelId) -> bool;
    /// Release everything: stop every channel and, on a device backend, close the stream
    /// (joining its thread) or stop the silent clock, so the device is free for the next
    /// backend before this one is dropped. Every later call returns
    /// [`AudioError::Shutdown`]. Idempotent.
    fn shutdown(&mut self);
    /// What this backend can do.
    fn list_capabilities(&self) -> CapabilitySet;
}

/// The streaming facet: channels fed with PCM by the caller, or decoded by the backend.
pub trait Streaming {
    /// Open a streaming channel with a ring of `buffer_seconds`. `stream` names a file: ogg,
    /// mp3 and flac are decoded by the backend on a decoder thread (from `from_position`
    /// seconds, looping if asked); `None` or a WAV file (decoded by the caller, as in the
    /// original) opens a ring the caller feeds with [`Streaming::feed_audio_chunk`].
    ///
    /// # Errors
    /// [`AudioError::UnknownBus`], [`AudioError::FileNotFound`], [`AudioError::InvalidStream`]
    /// (unknown container, undecodable file), [`AudioError::InvalidParameter`] (NaN, a buffer
    /// outside (0, 60] s), [`AudioError::NoFreeVoice`], [`AudioError::Shutdown`].
    fn open_stream(
        &mut self,
        volume_db: f32,
        bus: &str,
        buffer_seconds: f64,
        looping: bool,
        stream: Option<&std::path::Path>,
        from_position: f64,
    ) -> Result<ChannelId, AudioError>;
    /// Queue interleaved s16 PCM in [`StreamPacing::stream_format`]; returns the bytes
    /// accepted (whole frames that fit).
    ///
    /// # Errors
    /// [`AudioError::Shutdown`].
    fn feed_audio_chunk(&mut self, id: ChannelId, bytes: &[u8]) -> Result<usize, AudioError>;
    /// Errors that ended backend-decoded streams (a corrupt stretch mid-file, say), each
    /// reported once, with its channel. Other channels keep playing.
    fn take_stream_errors(&mut self) -> Vec<(ChannelId, AudioError)>;
    /// The counters of streaming channel `id`: its underruns, the bytes
    /// [`feed_audio_chunk`](Streaming::feed_audio_chunk) could not take, its ring's fill and
    /// whether its decoder thread runs. `None` for an id that is not a streaming channel of
    /// this backend, after shutdown, and for an ended channel once the backend has forgotten
    /// it (ended channels are forgotten when a later stream opens).
    ///
    /// ```
    /// use simvx_audio::{AudioConfig, OfflineBackend, Streaming};
    /// let mut b = OfflineBackend::new(&AudioConfig::default())?;
    /// let id = b.open_stream(0.0, "Music", 0.1, false, None, 0.0)?;
    /// b.render_frames(480); // nothing fed yet: an underrun
    /// let stats = b.stream_stats(id).unwrap();
    /// assert_eq!((stats.underruns, stats.underrun_frames), (1, 480));
    /// # Ok::<(), simvx_audio::AudioError>(())
    /// ```
    fn stream_stats(&self, id: ChannelId) -> Option<StreamStats>;
}

/// What a streaming channel has counted, from [`Streaming::stream_stats`].
///
/// A game reads it to size its buffers and pace its feeding: underruns mean the ring ran dry
/// (feed sooner, or open the stream with a larger `buffer_seconds`); dropped bytes mean it
/// fed more than fitted (feed at the pace of
/// [`frames_available`](StreamPacing::frames_available)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct StreamStats {
    /// Stretches of underrun: times the channel's voice found its ring empty while playing
    /// (a stretch of silence counts once, however long).
    pub underruns: u64,
    /// Output frames rendered as silence for lack of data, over all stretches.
    pub underrun_frames: u64,
    /// Bytes of whole frames offered to [`Streaming::feed_audio_chunk`] that did not fit
    /// (each call's return value told the caller; a trailing partial frame is trimmed, not
    /// counted); always 0 for a backend-decoded stream.
    pub dropped_bytes: u64,
    /// Frames in the ring now: written and not yet played.
    pub queued_frames: usize,
    /// Frames the ring holds at most (`buffer_seconds` at the stream's rate).
    pub capacity_frames: usize,
    /// Whether a decoder thread of the backend feeds the channel and is still running: false
    /// for a fed stream, and once the file has ended (without looping), decoding failed, or
    /// the channel ended or was stopped.
    pub decoding: bool,
}

/// The pacing facet: how much a producer may feed.
pub trait StreamPacing {
    /// `(sample_rate, channels)` of fed PCM.
    fn stream_format(&self) -> (u32, u16);
    /// Frames writable now: 0 when full, unknown, or backend-decoded.
    fn frames_available(&mut self, id: ChannelId) -> usize;
}

/// The draining facet: "no more chunks".
pub trait StreamDraining {
    /// The channel plays what is queued, then ends.
    ///
    /// # Errors
    /// [`AudioError::Shutdown`].
    fn end_of_stream(&mut self, id: ChannelId) -> Result<(), AudioError>;
}

/// The three streaming facets together, as one trait object.
pub trait StreamFacets: Streaming + StreamPacing + StreamDraining {}

impl<T: Streaming + StreamPacing + StreamDraining + ?Sized> StreamFacets for T {}

/// A backend's streaming facets, where it has them (null never does).
pub trait HasStreams {
    /// The streaming, pacing and draining facets, or `None`.
    fn streams(&mut self) -> Option<&mut dyn StreamFacets>;

    /// The streaming facets, or [`AudioError::Capability`] naming `streaming` and what the
    /// backend (null: the only one without streams) advertises.
    ///
    /// # Errors
    /// [`AudioError::Capability`] when the backend has no streaming facet.
    fn require_streams(&mut self) -> Result<&mut dyn StreamFacets, AudioError> {
        self.streams().ok_or_else(|| AudioError::Capability {
            capability: crate::Capability::Streaming.as_str().into(),
            backend: BackendKind::Null.as_str().into(),
            advertised: crate::CapabilitySet::NULL
                .strings()
                .into_iter()
                .map(String::from)
                .collect(),
        })
    }
}

/// Which backend [`make_backend`](crate::make_backend) chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// The default output device with the small fixed buffer.
    Native,
    /// The default output device with the large buffer (about 100 ms).
    Legacy,
    /// No device: silent, on a clock the game drives.
    Null,
    /// No device, no clock: the caller pulls blocks (tests, the CLI's `render`).
    Offline,
}

impl BackendKind {
    /// `native`, `legacy`, `null` or `offline`.
    pub const fn as_str(self) -> &'static str {
        match self {
            BackendKind::Native => "native",
            BackendKind::Legacy => "legacy",
            BackendKind::Null => "null",
            BackendKind::Offline => "offline",
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a backend reports about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct BackendInfo {
    /// Which backend this is.
    pub kind: BackendKind,
    /// The output device's name (`none` without a device).
    pub device: String,
    /// Frames per device callback as granted (`None` without a device).
    pub buffer_frames: Option<u32>,
    /// The output latency that buffer costs, in seconds (`None` without a device).
    pub latency_seconds: Option<f64>,
    /// Output frames per second.
    pub sample_rate: u32,
    /// Output channels.
    pub channels: u16,
    /// The device's sample format (`f32` for the null and offline backends).
    pub sample_format: String,
}
