//! The facets a backend offers, as traits.
//!
//! Every backend implements [`Playback`] and [`Buses`]. The streaming facets ([`Streaming`],
//! [`StreamPacing`], [`StreamDraining`]) are asked for through
//! [`Backend::streaming`](crate::Backend::streaming) and friends, or [`HasStreams`], which
//! answer `None` where a backend lacks them: a caller probes, it never downcasts.

use crate::backend::{BackendKind, ChannelId, PlayParams, Tween};
use crate::capability::CapabilitySet;
use crate::error::AudioError;
use crate::sound::Sound;
use mixer_core::fade::Curve;
use mixer_core::spatial::Emitter;

/// The bus facet: every backend has it (null accepts layouts and routes nothing).
pub trait Buses {
    /// Make the backend's buses match `layout`: cheap and idempotent, it sends only what
    /// changed. Parameter changes retune effects in place (state and tails survive, no
    /// clicks); only adding, removing or reordering effects rebuilds a chain slot; buses gone
    /// from the layout are removed and their voices move to their parent.
    ///
    /// # Errors
    /// [`AudioError::InvalidLayout`] (too many buses or effects), [`AudioError::InvalidParameter`]
    /// (NaN), [`AudioError::EffectMemory`] (naming the bus, the effect and
    /// `effect_memory_mib`), [`AudioError::Shutdown`]. It is never refused because the audio
    /// thread is behind: what does not fit in the queue waits, in order.
    fn sync_bus_layout(&mut self, layout: &crate::AudioBusLayout) -> Result<(), AudioError>;

    /// [`sync_bus_layout`](Buses::sync_bus_layout), the volumes of buses that exist already
    /// moving along `tween` (computed in the renderer, the same at every block size) instead
    /// of the short de-click ramp: a music bus ducked by 12 dB over half a second is one call.
    ///
    /// # Errors
    /// As [`sync_bus_layout`](Buses::sync_bus_layout), and
    /// [`AudioError::InvalidParameter`] for a NaN `tween.seconds`.
    fn sync_bus_layout_tweened(
        &mut self,
        layout: &crate::AudioBusLayout,
        tween: crate::Tween,
    ) -> Result<(), AudioError>;
}

/// The playback facet: every backend has it.
///
/// No call is refused because the audio thread is behind: volume, pan, pitch, emitters and
/// the listener coalesce (the newest value wins) and discrete commands wait on the calling
/// thread, in order, up to
/// [`AudioConfig::max_pending_commands`](crate::AudioConfig::max_pending_commands)
/// ([`AudioError::CommandBacklogFull`] past it).
///
/// Controls on stale or unknown ids are no-ops; NaN parameters are rejected with
/// [`AudioError::InvalidParameter`] and change nothing; after [`Playback::shutdown`] controls
/// return [`AudioError::Shutdown`] and queries report nothing active.
pub trait Playback {
    /// Start `sound` and return its channel.
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`], [`AudioError::UnknownBus`] (mixing backends),
    /// [`AudioError::NoFreeVoice`], [`AudioError::Shutdown`].
    fn play_audio(&mut self, sound: &Sound, params: &PlayParams) -> Result<ChannelId, AudioError>;
    /// End the channel with a short fade.
    ///
    /// # Errors
    /// [`AudioError::Shutdown`].
    fn stop_audio(&mut self, id: ChannelId) -> Result<(), AudioError>;
    /// Hold the channel at its cursor.
    ///
    /// # Errors
    /// [`AudioError::Shutdown`].
    fn pause_audio(&mut self, id: ChannelId) -> Result<(), AudioError>;
    /// Continue a paused channel from its cursor.
    ///
    /// # Errors
    /// [`AudioError::Shutdown`].
    fn resume_audio(&mut self, id: ChannelId) -> Result<(), AudioError>;
    /// Replace the channel's level (`volume_db` alone) and pan, ramped.
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`], [`AudioError::Shutdown`].
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
    /// [`AudioError::InvalidParameter`] for NaN, [`AudioError::Shutdown`].
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

/// The scheduling facet: discrete calls at an exact frame of the backend's timeline. Every
/// backend has it; [`Playback`]'s calls are these at "now".
///
/// The timeline counts the frames the mixer has rendered (on the null backend: advanced) since
/// it started. A call stamped with frame `at` takes effect at that frame exactly, on every
/// backend (inside a device callback's block, too); a frame already past means at once.
/// Offline, the same calls at the same frames give the same bits whatever the block size.
///
/// ```
/// use simvx_audio::{AudioConfig, OfflineBackend, PlayParams, Scheduling, Sound};
/// let mut b = OfflineBackend::new(&AudioConfig::default())?;
/// let click = Sound::tone(1000.0, 0.5, 0.01, 48_000, 1)?;
/// let start = b.now_frames() + 12_000; // a quarter of a second from now
/// for k in 0..4 {
///     b.play_audio_at(&click, &PlayParams::default(), start + k * 12_000)?;
/// }
/// let out = b.render_frames(60_000);
/// let first = out.iter().position(|s| s.abs() > 0.0).unwrap() / 2;
/// assert_eq!(first, 12_000 + 1); // sin(0) = 0: the first non-zero sample is the next one
/// # Ok::<(), simvx_audio::AudioError>(())
/// ```
pub trait Scheduling {
    /// The backend's timeline now, in frames at its output rate (on a device: as of the last
    /// block the device took).
    fn now_frames(&mut self) -> u64;
    /// [`Playback::play_audio`] from frame `at` of the timeline. The channel counts as active
    /// (and holds its voice) from this call on.
    ///
    /// # Errors
    /// As [`Playback::play_audio`].
    fn play_audio_at(
        &mut self,
        sound: &Sound,
        params: &PlayParams,
        at: u64,
    ) -> Result<ChannelId, AudioError>;
    /// [`Playback::stop_audio`] at frame `at`: the short fade starts there.
    ///
    /// # Errors
    /// As [`Playback::stop_audio`].
    fn stop_audio_at(&mut self, id: ChannelId, at: u64) -> Result<(), AudioError>;
    /// [`Playback::pause_audio`] at frame `at`.
    ///
    /// # Errors
    /// As [`Playback::pause_audio`].
    fn pause_audio_at(&mut self, id: ChannelId, at: u64) -> Result<(), AudioError>;
    /// [`Playback::resume_audio`] at frame `at`.
    ///
    /// # Errors
    /// As [`Playback::resume_audio`].
    fn resume_audio_at(&mut self, id: ChannelId, at: u64) -> Result<(), AudioError>;
}

/// The fading facet: a channel's level moved along a curve, computed in the renderer frame by
/// frame (not by the game's tick), with the original players' calls (SIMVX-ORIGINAL §10.4).
/// Every backend has it.
///
/// A channel's level multiplies its volume; it is 1 until a fade moves it. Fades are discrete
/// calls: they take effect at the next frame, or at a frame of the timeline with
/// [`fade_at`](Fading::fade_at).
///
/// ```
/// use simvx_audio::{AudioConfig, Curve, Fading, OfflineBackend, PlayParams, Playback, Sound};
/// let mut b = OfflineBackend::new(&AudioConfig::default())?;
/// let music = Sound::tone(220.0, 0.5, 2.0, 48_000, 1)?;
/// let id = b.play_audio(&music, &PlayParams::default())?;
/// b.fade_in(id, 0.5, Curve::EqualPower)?; // from silence: its first frame is silent
/// b.render_frames(48_000);
/// b.fade_out(id, 0.25, Curve::Linear)?; // then it stops
/// b.render_frames(12_000);
/// assert!(!b.is_channel_active(id));
/// # Ok::<(), simvx_audio::AudioError>(())
/// ```
pub trait Fading {
    /// Fade `id` in over `seconds`: from silence if it has not been heard yet (call it right
    /// after `play_audio`), else from its current level, to 1.
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`] for NaN, [`AudioError::Shutdown`].
    fn fade_in(&mut self, id: ChannelId, seconds: f64, curve: Curve) -> Result<(), AudioError> {
        self.fade_at(id, Some(0.0), 1.0, seconds, curve, false, 0)
    }
    /// Fade `id` out over `seconds`, then stop it (it stays active until the fade lands).
    ///
    /// # Errors
    /// As [`fade_in`](Fading::fade_in).
    fn fade_out(&mut self, id: ChannelId, seconds: f64, curve: Curve) -> Result<(), AudioError> {
        self.fade_at(id, None, 0.0, seconds, curve, true, 0)
    }
    /// Fade `id` to `gain` (clamped to `[0, 1]`) over `seconds` and hold it there.
    ///
    /// # Errors
    /// As [`fade_in`](Fading::fade_in).
    fn fade_to(
        &mut self,
        id: ChannelId,
        gain: f32,
        seconds: f64,
        curve: Curve,
    ) -> Result<(), AudioError> {
        let gain = if gain.is_nan() {
            gain
        } else {
            gain.clamp(0.0, 1.0)
        };
        self.fade_at(id, None, gain, seconds, curve, false, 0)
    }
    /// Fade `to` in and `from` out (then stop it) over the same `seconds`, from the same
    /// frame (on a live device: the same block); with [`Curve::EqualPower`] (the original's
    /// default), two uncorrelated sounds keep their summed power throughout.
    ///
    /// # Errors
    /// As [`fade_in`](Fading::fade_in); [`AudioError::InvalidParameter`] (`to`) when `from`
    /// and `to` are the same channel.
    fn crossfade(
        &mut self,
        from: ChannelId,
        to: ChannelId,
        seconds: f64,
        curve: Curve,
    ) -> Result<(), AudioError> {
        if from == to {
            return Err(AudioError::InvalidParameter {
                name: "to",
                reason: "a channel cannot crossfade into itself".into(),
            });
        }
        self.fade_at(to, Some(0.0), 1.0, seconds, curve, false, 0)?;
        self.fade_at(from, None, 0.0, seconds, curve, true, 0)
    }
    /// The general fade: from `from` (for a channel not heard yet; `None`: its current level)
    /// to `to` over `seconds` on `curve`, stopping it at the end if `stop`, from frame `at` of
    /// the backend's timeline (0 or a frame already past: now). No-op for stale ids.
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`] for NaN levels or seconds, [`AudioError::Shutdown`].
    #[allow(clippy::too_many_arguments)]
    fn fade_at(
        &mut self,
        id: ChannelId,
        from: Option<f32>,
        to: f32,
        seconds: f64,
        curve: Curve,
        stop: bool,
        at: u64,
    ) -> Result<(), AudioError>;
}

/// The tweening facet: a channel's volume, pan and pitch moved to new values along a curve
/// over a chosen time, computed in the renderer (not by the game's tick). Every backend has
/// it; [`Playback`]'s updates are these with the short de-click ramp.
///
/// A later untweened update of the same value replaces a running tween (the newest value
/// wins). A channel spatialised in the engine (one with an emitter) ramps linearly instead,
/// since the listener moves its heard values too.
///
/// ```
/// use simvx_audio::{AudioConfig, Curve, OfflineBackend, PlayParams, Playback, Sound, Tween, Tweening};
/// let mut b = OfflineBackend::new(&AudioConfig::default())?;
/// let music = Sound::tone(220.0, 0.5, 2.0, 48_000, 1)?;
/// let id = b.play_audio(&music, &PlayParams::default())?;
/// // Duck the music by 12 dB over 0.3 s, linear in decibels.
/// b.tween_audio_2d(id, -12.0, 0.0, Tween { seconds: 0.3, curve: Curve::Exponential, ..Tween::default() })?;
/// b.render_frames(48_000);
/// # Ok::<(), simvx_audio::AudioError>(())
/// ```
pub trait Tweening {
    /// [`Playback::update_audio_2d`] along `tween`.
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`] for NaN, [`AudioError::Shutdown`].
    fn tween_audio_2d(
        &mut self,
        id: ChannelId,
        volume_db: f32,
        pan: f32,
        tween: Tween,
    ) -> Result<(), AudioError>;
    /// [`Playback::update_audio_3d`] along `tween`.
    ///
    /// # Errors
    /// As [`tween_audio_2d`](Tweening::tween_audio_2d).
    fn tween_audio_3d(
        &mut self,
        id: ChannelId,
        volume_db: f32,
        pan: f32,
        pitch: f32,
        tween: Tween,
    ) -> Result<(), AudioError>;
    /// [`Playback::set_pitch`] along `tween` ([`Curve::Exponential`]: linear in cents).
    ///
    /// # Errors
    /// As [`tween_audio_2d`](Tweening::tween_audio_2d).
    fn tween_pitch(&mut self, id: ChannelId, pitch: f32, tween: Tween) -> Result<(), AudioError>;
    /// Move the channel's emitter to `emitter`: its position along `tween` (re-evaluated every
    /// 128 frames), every other field at once; a later `set_emitter` replaces it. A channel
    /// without an emitter takes this one at once.
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`] (NaN), [`AudioError::Shutdown`].
    fn tween_emitter(
        &mut self,
        id: ChannelId,
        emitter: &crate::Emitter,
        tween: Tween,
    ) -> Result<(), AudioError>;
}

/// The voice-control facet: every channel of a bus at once (a pause menu), moving a channel to
/// another bus, seeking. Every backend has it.
///
/// ```
/// use simvx_audio::{AudioConfig, OfflineBackend, PlayParams, Playback, Sound, VoiceControl};
/// let mut b = OfflineBackend::new(&AudioConfig::default())?;
/// let step = Sound::tone(300.0, 0.5, 1.0, 48_000, 1)?;
/// let sfx = PlayParams { bus: "SFX".into(), looping: true, ..PlayParams::default() };
/// let id = b.play_audio(&step, &sfx)?;
/// b.pause_bus("Master")?; // the pause menu: everything under Master holds
/// b.render_frames(4_800);
/// b.resume_bus("Master")?;
/// b.seek(id, 0.25)?;
/// b.move_to_bus(id, "Music")?;
/// # Ok::<(), simvx_audio::AudioError>(())
/// ```
pub trait VoiceControl {
    /// Pause every channel of `bus` and of the buses routed into it; each holds its cursor.
    ///
    /// # Errors
    /// [`AudioError::UnknownBus`], [`AudioError::Shutdown`].
    fn pause_bus(&mut self, bus: &str) -> Result<(), AudioError>;
    /// Resume every paused channel of `bus` and of the buses routed into it.
    ///
    /// # Errors
    /// As [`pause_bus`](VoiceControl::pause_bus).
    fn resume_bus(&mut self, bus: &str) -> Result<(), AudioError>;
    /// Stop every channel of `bus` and of the buses routed into it (with the short fade).
    ///
    /// # Errors
    /// As [`pause_bus`](VoiceControl::pause_bus).
    fn stop_bus(&mut self, bus: &str) -> Result<(), AudioError>;
    /// Route channel `id` to `bus` while it plays. Stale ids: no-op.
    ///
    /// # Errors
    /// As [`pause_bus`](VoiceControl::pause_bus).
    fn move_to_bus(&mut self, id: ChannelId, bus: &str) -> Result<(), AudioError>;
    /// Move channel `id`'s cursor to `seconds` of its sound (wrapped for a loop; a one-shot
    /// past its end ends). Streams do not seek. Stale ids: no-op.
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`] for NaN, [`AudioError::Shutdown`].
    fn seek(&mut self, id: ChannelId, seconds: f64) -> Result<(), AudioError>;
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
    ) -> Result<ChannelId, AudioError> {
        self.open_stream_with(&crate::StreamParams {
            volume_db,
            bus: bus.into(),
            buffer_seconds,
            looping,
            stream: stream.map(Into::into),
            from_position,
            start_at: 0,
        })
    }
    /// [`open_stream`](Streaming::open_stream) with its arguments named, and a start frame on
    /// the backend's timeline ([`StreamParams::start_at`](crate::StreamParams::start_at)).
    ///
    /// # Errors
    /// As [`open_stream`](Streaming::open_stream).
    fn open_stream_with(&mut self, params: &crate::StreamParams) -> Result<ChannelId, AudioError>;
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
        let missing = streaming_missing(BackendKind::Null, CapabilitySet::NULL);
        self.streams().ok_or(missing)
    }
}

/// [`AudioError::Capability`] for a backend of `kind` without the streaming facets.
pub(crate) fn streaming_missing(kind: BackendKind, advertised: CapabilitySet) -> AudioError {
    AudioError::Capability {
        capability: crate::Capability::Streaming.as_str().into(),
        backend: kind.as_str().into(),
        advertised: advertised.strings().into_iter().map(String::from).collect(),
    }
}
