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
    /// Voices in use at once, at most the pool's capacity `V`.
    pub voice_limit: usize,
    /// How voices read between samples.
    pub interpolation: Interpolation,
    /// Length of every control ramp and fade (gain, pan, pitch, pause, stop), in frames.
    pub smoothing_frames: u32,
}

impl Config {
    /// A configuration for `sample_rate` and `channels`, with the whole pool usable, linear
    /// interpolation and 5 ms ramps.
    ///
    /// ```
    /// let c = mixer_core::Config::new(48_000, 2);
    /// assert_eq!(c.smoothing_frames, 240);
    /// ```
    pub const fn new(sample_rate: u32, channels: u16) -> Self {
        Self {
            sample_rate,
            channels,
            voice_limit: usize::MAX,
            interpolation: Interpolation::Linear,
            smoothing_frames: sample_rate / 200,
        }
    }
}
