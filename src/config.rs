//! [`AudioConfig`]: what a backend is asked for.

use mixer_core::Interpolation;

use crate::error::AudioError;

/// Voices in a mixer's pool at most (the run-time limit is [`AudioConfig::voices`]).
pub const MAX_VOICES: usize = 4096;
/// Slots beyond [`AudioConfig::voices`] for voices fading out after a stop, so a stop and a
/// play in the same tick succeed on a full pool.
pub const SPARE_SLOTS: usize = 64;
/// The slots of a mixer's pool: every voice and the spares.
pub(crate) const POOL: usize = MAX_VOICES + SPARE_SLOTS;
/// Bus slots in a mixer.
pub const MAX_BUSES: usize = 32;
/// Effect slots per bus: a bus's effect list may hold this many effects.
pub const MAX_EFFECTS: usize = 8;
/// The default buses: Master and its children.
pub const DEFAULT_BUSES: [&str; 5] = ["Master", "Music", "SFX", "Voice", "UI"];

/// The environment variable that, set to `0`, forbids falling back from the native backend.
pub const ALLOW_LEGACY_ENV: &str = "SIMVX_ALLOW_LEGACY_AUDIO";

/// Whether [`make_backend`](crate::make_backend) may fall back to legacy timing and to null.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FallbackPolicy {
    /// Read `SIMVX_ALLOW_LEGACY_AUDIO` at each call: `0` forbids, anything else allows.
    #[default]
    FromEnvironment,
    /// Always fall back (native → legacy → null).
    Allow,
    /// Never fall back: if native fails, fail with
    /// [`AudioError::BackendUnavailable`].
    Forbid,
}

impl FallbackPolicy {
    /// Whether falling back is allowed now (reads the environment for `FromEnvironment`).
    pub fn allows_fallback(self) -> bool {
        match self {
            FallbackPolicy::Allow => true,
            FallbackPolicy::Forbid => false,
            FallbackPolicy::FromEnvironment => {
                std::env::var(ALLOW_LEGACY_ENV).map_or(true, |v| v.trim() != "0")
            }
        }
    }
}

/// What a backend is asked for. The defaults are the original's: 48 kHz, stereo.
///
/// ```
/// let c = simvx_audio::AudioConfig::default();
/// assert_eq!((c.sample_rate, c.channels, c.voices), (48_000, 2, 256));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AudioConfig {
    /// Output frames per second.
    pub sample_rate: u32,
    /// Output channels (1 to 8; buses are stereo, extra channels are silent).
    pub channels: u16,
    /// Voices in use at once (playing or paused, mixed or virtual), 1 to [`MAX_VOICES`].
    pub voices: usize,
    /// Voices mixed at once, at most (`None`: all of them). Past it the least important
    /// playing voices (lowest priority, then quietest) are virtual: not mixed, their cursors
    /// moving on, mixed again from where they would be when they are among the most
    /// important. A stream is always mixed.
    pub real_voices: Option<usize>,
    /// A voice whose audible level (volume, fade, buses, distance and cone) is below this, in
    /// dB, is virtual (`None`: none is for being quiet).
    pub virtual_below_db: Option<f32>,
    /// Meter every bus and the output (peak and RMS over 50 ms windows; see
    /// [`Backend::meter`](crate::Backend::meter)). Default on; off saves the few per cent of
    /// the bus folds it costs.
    pub meters: bool,
    /// Length of the de-click ramp every untweened change makes (volume, pan, pitch, pause,
    /// stop, bus levels, effect retunes, a voice joining or leaving the mix), in seconds,
    /// 0 to 0.1. Default 5 ms.
    pub declick_seconds: f64,
    /// What a play does on a full pool: refuse with
    /// [`AudioError::NoFreeVoice`](crate::AudioError::NoFreeVoice), or steal the least
    /// important voice.
    pub when_full: mixer_core::WhenFull,
    /// May `make_backend` fall back?
    pub fallback: FallbackPolicy,
    /// The output device to open, by the name or id `simvx-audio devices` lists (`None`: the
    /// system's default output).
    pub device: Option<String>,
    /// When [`make_backend`](crate::make_backend) finds no device and returns the null
    /// backend: keep looking for one (a watcher thread tries every second) and move onto it
    /// when it appears. Default on; off keeps the null backend null for good.
    pub watch_devices: bool,
    /// How voices read between samples.
    pub interpolation: Interpolation,
    /// Effect memory (delay lines, reverb tanks, look-ahead), in MiB, 0 to 1024. A 5 s stereo
    /// delay at 48 kHz takes 1.8 MiB, a reverb 0.2 MiB. It is reserved, not touched, until an
    /// effect uses it.
    pub effect_memory_mib: u32,
    /// Discrete commands (plays, stops, pauses, bus and effect edits) that may wait on the
    /// game thread, in order, while the queue to the audio thread is full; at least 1. The
    /// queue itself holds a play for every voice of the pool, and continuous parameters
    /// (volume, pan, pitch, emitters, the listener) never wait: they coalesce. Only a game
    /// that sends more than this many discrete commands while the audio thread is stalled is
    /// refused, with [`AudioError::CommandBacklogFull`] naming this field.
    pub max_pending_commands: usize,
}

impl Default for AudioConfig {
    fn default() -> Self {
        Self {
            sample_rate: 48_000,
            channels: 2,
            voices: 256,
            real_voices: None,
            virtual_below_db: None,
            declick_seconds: 0.005,
            meters: true,
            when_full: mixer_core::WhenFull::Refuse,
            fallback: FallbackPolicy::FromEnvironment,
            device: None,
            watch_devices: true,
            interpolation: Interpolation::Linear,
            effect_memory_mib: 16,
            max_pending_commands: 1 << 20,
        }
    }
}

impl AudioConfig {
    /// The effect memory in floats, after checking the range.
    pub(crate) fn effect_memory_floats(&self) -> Result<usize, AudioError> {
        if self.effect_memory_mib > 1024 {
            return Err(AudioError::InvalidParameter {
                name: "effect_memory_mib",
                reason: format!("{} is outside 0..=1024", self.effect_memory_mib),
            });
        }
        Ok(self.effect_memory_mib as usize * (1 << 20) / 4)
    }

    /// The core's configuration, after checking the ranges.
    pub(crate) fn core(&self) -> Result<mixer_core::Config, AudioError> {
        let bad = |name, reason: String| Err(AudioError::InvalidParameter { name, reason });
        if !(1..=768_000).contains(&self.sample_rate) {
            return bad(
                "sample_rate",
                format!("{} is outside 1..=768000", self.sample_rate),
            );
        }
        if !(1..=8).contains(&self.channels) {
            return bad("channels", format!("{} is outside 1..=8", self.channels));
        }
        if !(1..=MAX_VOICES).contains(&self.voices) {
            return bad(
                "voices",
                format!("{} is outside 1..={MAX_VOICES}", self.voices),
            );
        }
        if !(0.0..=0.1).contains(&self.declick_seconds) {
            return bad(
                "declick_seconds",
                format!("{} is outside 0..=0.1", self.declick_seconds),
            );
        }
        if self.real_voices == Some(0) {
            return bad("real_voices", "0 is below 1".into());
        }
        if self.virtual_below_db.is_some_and(f32::is_nan) {
            return bad("virtual_below_db", "NaN".into());
        }
        if self.max_pending_commands == 0 {
            return bad("max_pending_commands", "0 is below 1".into());
        }
        let mut core = mixer_core::Config::new(self.sample_rate, self.channels);
        core.voice_limit = self.voices;
        core.spare_slots = SPARE_SLOTS;
        core.when_full = self.when_full;
        core.real_voices = self.real_voices.unwrap_or(usize::MAX);
        core.virtual_below = self
            .virtual_below_db
            .map_or(0.0, mixer_core::db::db_to_linear);
        core.interpolation = self.interpolation;
        // Floor: 5 ms is `sample_rate / 200` frames, as the core's default.
        core.smoothing_frames = (self.declick_seconds * f64::from(self.sample_rate)).floor() as u32;
        core.meter_frames = if self.meters {
            (self.sample_rate / 20).max(1)
        } else {
            0
        };
        Ok(core)
    }
}
