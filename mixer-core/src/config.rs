//! The renderer's run-time configuration.

use crate::resample::Interpolation;

/// How a [`Renderer`](crate::Renderer) renders. Built with [`Config::new`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Config {
    /// Output frames per second (every sound is resampled to it).
    pub sample_rate: u32,
    /// Interleaved output channels: 1 (left and right averaged), 2, or more (left, right, then
    /// silence in the others).
    pub channels: u16,
    /// Logical voices at once (playing, paused, real or virtual; not counting voices already
    /// stopped and fading out), at most the pool's capacity `V`.
    pub voice_limit: usize,
    /// Slots of the pool beyond `voice_limit` for voices fading out after a stop, so a stop
    /// and a play in the same tick succeed on a full pool (only as many as the pool `V` has).
    pub spare_slots: usize,
    /// What [`play`](crate::Controller::play) does when `voice_limit` voices are in use.
    pub when_full: WhenFull,
    /// Voices mixed at once, at most: past it the least important playing voices (lowest
    /// priority, then quietest) are virtual. `usize::MAX`: every voice is mixed.
    pub real_voices: usize,
    /// A playing voice whose audible gain (its gain × fade × pan × bus gains, spatial
    /// attenuation and cone included) is below this linear gain is virtual. 0: none is.
    pub virtual_below: f32,
    /// How voices read between samples.
    pub interpolation: Interpolation,
    /// Length of every control ramp and fade (gain, pan, pitch, pause, stop), in frames.
    pub smoothing_frames: u32,
    /// The window of the level meters (peak and RMS of every bus and of the output), in
    /// frames; 0 (the default): no metering, at no cost.
    pub meter_frames: u32,
}

/// What a play does when the pool's logical voices are all in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum WhenFull {
    /// Refuse with [`Error::NoFreeVoice`](crate::Error::NoFreeVoice).
    #[default]
    Refuse,
    /// Stop the least important voice (lowest priority, then quietest, then oldest) with the
    /// smoothing fade and start the new one in a spare slot; refuse when every voice has a
    /// higher priority than the new one, or no spare slot is free.
    Steal,
}

impl Config {
    /// A configuration for `sample_rate` and `channels`, with the whole pool usable (and
    /// mixed), linear interpolation and 5 ms ramps.
    ///
    /// ```
    /// let c = mixer_core::Config::new(48_000, 2);
    /// assert_eq!(c.smoothing_frames, 240);
    /// assert_eq!(c.real_voices, usize::MAX);
    /// ```
    pub const fn new(sample_rate: u32, channels: u16) -> Self {
        Self {
            sample_rate,
            channels,
            voice_limit: usize::MAX,
            spare_slots: 32,
            when_full: WhenFull::Refuse,
            real_voices: usize::MAX,
            virtual_below: 0.0,
            interpolation: Interpolation::Linear,
            smoothing_frames: sample_rate / 200,
            meter_frames: 0,
        }
    }

    /// Whether voices may be virtual (a real-voice limit or an audibility threshold is set).
    pub(crate) fn virtualizes(&self) -> bool {
        self.real_voices != usize::MAX || self.virtual_below > 0.0
    }
}
