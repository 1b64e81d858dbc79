//! [`Loudness`]: EBU R128 loudness of a [`Tap`] (the output, or one bus), measured on the game
//! thread with the `ebur128` crate.

use crate::error::AudioError;
use crate::tap::Tap;

/// The EBU R128 loudness (ITU-R BS.1770 K-weighting and gating) of what a [`Tap`] copies: the
/// output ([`Backend::open_tap`](crate::Backend::open_tap)) or one bus
/// ([`Backend::open_bus_tap`](crate::Backend::open_bus_tap)). Owned and read by the game
/// thread: [`update`](Self::update) takes what the tap holds (call it at least as often as
/// the tap's length: every game frame, say), and the readings are there at any time after,
/// with no lock and nothing asked of the audio thread. The integrated figure is gated exactly,
/// from every 400 ms block's loudness: 80 bytes a second of measuring (0.3 MB an hour) until
/// [`reset`](Self::reset).
///
/// ```
/// use simvx_audio::{AudioConfig, Loudness, OfflineBackend, PlayParams, Playback, Sound};
/// let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
/// // EBU Tech 3341's first case: a 1 kHz sine at −23 dBFS in both channels is −23 LUFS.
/// let sine = Sound::tone(1000.0, 0.0707946, 1.0, 48_000, 1).unwrap();
/// let params = PlayParams { looping: true, ..PlayParams::default() };
/// b.play_audio(&sine, &params).unwrap();
/// let mut loudness = Loudness::new(b.open_tap(1.0).unwrap()).unwrap();
/// for _ in 0..100 {
///     b.render_frames(4_800);
///     loudness.update();
/// }
/// assert!((loudness.integrated() + 23.0).abs() < 0.1, "{}", loudness.integrated());
/// assert!((loudness.momentary() + 23.0).abs() < 0.1);
/// ```
pub struct Loudness {
    tap: Tap,
    meter: ebur128::EbuR128,
    scratch: Vec<f32>,
    frames: u64,
}

impl std::fmt::Debug for Loudness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loudness")
            .field("frames", &self.frames)
            .field("integrated", &self.integrated())
            .finish_non_exhaustive()
    }
}

impl Loudness {
    /// A loudness meter reading `tap`.
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`] when the meter cannot be made at the tap's rate.
    pub fn new(tap: Tap) -> Result<Self, AudioError> {
        use ebur128::Mode;
        // Not Mode::HISTOGRAM: its 0.1 LU bins cost up to 0.05 LU of accuracy.
        let mode = Mode::M | Mode::S | Mode::I;
        let meter = ebur128::EbuR128::new(2, tap.sample_rate(), mode).map_err(|e| {
            AudioError::InvalidParameter {
                name: "sample_rate",
                reason: format!("no loudness meter at {} Hz: {e}", tap.sample_rate()),
            }
        })?;
        Ok(Self {
            tap,
            meter,
            scratch: Vec::new(),
            frames: 0,
        })
    }

    /// Measure every frame the tap holds; returns how many.
    pub fn update(&mut self) -> usize {
        self.scratch.clear();
        let n = self.tap.read_into(&mut self.scratch);
        if n > 0 && self.meter.add_frames_f32(&self.scratch).is_ok() {
            self.frames += n as u64;
        }
        n
    }

    /// Momentary loudness (the last 400 ms), LUFS; −∞ for silence or before 400 ms.
    pub fn momentary(&self) -> f64 {
        self.meter.loudness_momentary().unwrap_or(f64::NEG_INFINITY)
    }

    /// Short-term loudness (the last 3 s), LUFS; −∞ for silence.
    pub fn short_term(&self) -> f64 {
        self.meter.loudness_shortterm().unwrap_or(f64::NEG_INFINITY)
    }

    /// Integrated loudness since the meter was made (or [`reset`](Self::reset)), gated as
    /// EBU R128 says (absolute at −70 LUFS, relative at −10 LU), LUFS; −∞ when every block
    /// was below the gate.
    pub fn integrated(&self) -> f64 {
        self.meter.loudness_global().unwrap_or(f64::NEG_INFINITY)
    }

    /// Frames measured so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Start the integration again (what the tap holds now is dropped).
    pub fn reset(&mut self) {
        self.scratch.clear();
        self.tap.read_into(&mut self.scratch);
        self.meter.reset();
        self.frames = 0;
    }

    /// The tap it reads.
    pub fn tap(&self) -> &Tap {
        &self.tap
    }
}
