//! The arguments of `play_audio`.

use crate::error::{AudioError, check_emitter};
use mixer_core::spatial::Emitter;

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

/// Arguments of [`Playback::play_audio`](crate::Playback::play_audio), with the original's defaults.
///
/// ```
/// use simvx_audio::PlayParams;
/// let p = PlayParams { volume_db: -6.0, pan: 0.25, ..PlayParams::default() };
/// assert_eq!(p.bus, "Master");
/// assert_eq!(p.pitch, 1.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PlayParams {
    /// Placement mode. As in the original, `mode`, `position` and `max_distance` are the
    /// caller's record of where the sound is: they are checked (NaN is refused) and kept,
    /// but the engine does not spatialise from them; the original's players computed
    /// `volume_db`, `pan` and `pitch` themselves (the formulas are in
    /// [`spatial`](crate::spatial)). For engine-side spatialisation give an `emitter`.
    pub mode: PlayMode,
    /// World position (modes `2d`/`3d`): the caller's record, see `mode`.
    pub position: [f32; 3],
    /// Level in dB; −80 and below is silence.
    pub volume_db: f32,
    /// Resampling ratio, clamped to `[0.1, 16]`.
    pub pitch: f32,
    /// Restart at the end, indefinitely.
    pub looping: bool,
    /// Bus name.
    pub bus: String,
    /// Distance at which a positional sound fades out: the caller's record, see `mode`
    /// (an `emitter` has its own).
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
    /// How important the voice is, 0 to 255 (default 128): with a limit of real voices the
    /// most important are mixed, and a full pool that steals takes the least important.
    pub priority: u8,
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
            priority: mixer_core::DEFAULT_PRIORITY,
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

/// Arguments of [`Streaming::open_stream_with`](crate::Streaming::open_stream_with), with the
/// original's defaults (those of `open_stream`, SIMVX-ORIGINAL §3.2).
///
/// ```
/// use simvx_audio::StreamParams;
/// let p = StreamParams { bus: "Music".into(), buffer_seconds: 1.0, ..StreamParams::default() };
/// assert_eq!((p.volume_db, p.start_at, p.stream.is_none()), (0.0, 0, true));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct StreamParams {
    /// Level in dB; −80 and below is silence.
    pub volume_db: f32,
    /// Bus name.
    pub bus: String,
    /// The ring's length in seconds, in (0, 60].
    pub buffer_seconds: f64,
    /// Restart a backend-decoded file at its end.
    pub looping: bool,
    /// A file to stream: ogg, mp3 and flac are decoded by the backend; `None` or a WAV file
    /// opens a ring the caller feeds.
    pub stream: Option<std::path::PathBuf>,
    /// Where a backend-decoded file starts, in seconds.
    pub from_position: f64,
    /// The frame of the backend's timeline the channel starts at (see
    /// [`Scheduling`](crate::Scheduling)); 0 (or any frame already past): at once.
    pub start_at: u64,
}

impl Default for StreamParams {
    fn default() -> Self {
        Self {
            volume_db: 0.0,
            bus: "Master".into(),
            buffer_seconds: 0.5,
            looping: false,
            stream: None,
            from_position: 0.0,
            start_at: 0,
        }
    }
}

/// How a [`Tweening`](crate::Tweening) call moves a value: over `seconds`, along `curve`, from
/// frame `start_at` of the backend's timeline (0: now).
///
/// ```
/// use simvx_audio::{Curve, Tween};
/// let duck = Tween { seconds: 0.3, curve: Curve::Exponential, ..Tween::default() };
/// assert_eq!(duck.start_at, 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tween {
    /// Its length (0: the short de-click ramp, as the untweened calls).
    pub seconds: f64,
    /// Its shape.
    pub curve: mixer_core::fade::Curve,
    /// The frame it starts at (0 or a frame already past: now).
    pub start_at: u64,
}

impl Default for Tween {
    fn default() -> Self {
        Self {
            seconds: 0.0,
            curve: mixer_core::fade::Curve::Linear,
            start_at: 0,
        }
    }
}
