//! Effect parameters: the original engine's names, defaults and ranges (SIMVX-ORIGINAL §8.2),
//! plus the limiter, which is ours.
//!
//! Every struct is `Copy`, so a parameter change travels to the audio thread in a command.
//! [`sanitized`](GainParams::sanitized) clamps each field to its range and replaces NaN with the
//! field's default: whatever reaches a processor is in range and finite.

/// The most bands a [`EqParams`] holds.
pub const MAX_EQ_BANDS: usize = 8;

/// `x` clamped to `[lo, hi]`, or `default` when `x` is NaN.
#[inline]
pub(crate) fn field(x: f32, default: f32, lo: f32, hi: f32) -> f32 {
    if x.is_nan() {
        default
    } else {
        crate::math::clamp(x, lo, hi)
    }
}

/// `gain`: a level change.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GainParams {
    /// Level in dB, `[-80, 24]`, default 0; −80 is silence.
    pub volume_db: f32,
}

impl Default for GainParams {
    fn default() -> Self {
        Self { volume_db: 0.0 }
    }
}

impl GainParams {
    /// Every field in range; NaN replaced by the default.
    pub fn sanitized(self) -> Self {
        Self {
            volume_db: field(self.volume_db, 0.0, -80.0, 24.0),
        }
    }
}

/// `lowpass`, `highpass`, `bandpass`, `notch`: a second-order filter.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FilterParams {
    /// Cutoff (or centre) frequency in Hz, `[20, 20000]`, default 1000; also kept below
    /// Nyquist by the processor.
    pub cutoff_hz: f32,
    /// Quality factor, `[0.1, 20]`, default 0.707.
    pub q: f32,
}

impl Default for FilterParams {
    fn default() -> Self {
        Self {
            cutoff_hz: 1000.0,
            q: 0.707,
        }
    }
}

impl FilterParams {
    /// Every field in range; NaN replaced by the default.
    pub fn sanitized(self) -> Self {
        Self {
            cutoff_hz: field(self.cutoff_hz, 1000.0, 20.0, 20_000.0),
            q: field(self.q, 0.707, 0.1, 20.0),
        }
    }
}

/// The shape of one parametric EQ band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum BandKind {
    /// A bell around `freq` (`"peaking"`).
    #[default]
    Peaking,
    /// A shelf below `freq` (`"lowshelf"`).
    LowShelf,
    /// A shelf above `freq` (`"highshelf"`).
    HighShelf,
}

impl BandKind {
    /// The original's name for the band type.
    pub const fn name(self) -> &'static str {
        match self {
            BandKind::Peaking => "peaking",
            BandKind::LowShelf => "lowshelf",
            BandKind::HighShelf => "highshelf",
        }
    }
}

/// One band of a parametric EQ.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct EqBand {
    /// Bell or shelf.
    pub kind: BandKind,
    /// Centre (bell) or corner (shelf) frequency in Hz, `[20, 20000]`, default 1000.
    pub freq: f32,
    /// The bell's bandwidth as RBJ's `Q`, or a shelf's slope as RBJ's `S` (1: the steepest
    /// with no overshoot; as miniaudio and the original read it), `[0.1, 20]`, default 1.
    pub q: f32,
    /// Boost or cut in dB, `[-24, 24]`, default 0.
    pub gain_db: f32,
}

impl Default for EqBand {
    fn default() -> Self {
        Self {
            kind: BandKind::Peaking,
            freq: 1000.0,
            q: 1.0,
            gain_db: 0.0,
        }
    }
}

impl EqBand {
    /// Every field in range; NaN replaced by the default. (The original did not validate
    /// bands at all, §17.39.)
    pub fn sanitized(self) -> Self {
        Self {
            kind: self.kind,
            freq: field(self.freq, 1000.0, 20.0, 20_000.0),
            q: field(self.q, 1.0, 0.1, 20.0),
            gain_db: field(self.gain_db, 0.0, -24.0, 24.0),
        }
    }
}

/// `parametriceq`: up to [`MAX_EQ_BANDS`] bands in series, every one of them applied.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct EqParams {
    bands: [EqBand; MAX_EQ_BANDS],
    len: u8,
}

impl Default for EqParams {
    /// The original's three flat bands: low shelf at 120 Hz, bell at 1 kHz, high shelf at 8 kHz.
    fn default() -> Self {
        let mut p = Self::empty();
        p.push(EqBand {
            kind: BandKind::LowShelf,
            freq: 120.0,
            ..EqBand::default()
        });
        p.push(EqBand::default());
        p.push(EqBand {
            kind: BandKind::HighShelf,
            freq: 8000.0,
            ..EqBand::default()
        });
        p
    }
}

impl EqParams {
    /// No bands (a flat EQ).
    pub const fn empty() -> Self {
        Self {
            bands: [EqBand {
                kind: BandKind::Peaking,
                freq: 1000.0,
                q: 1.0,
                gain_db: 0.0,
            }; MAX_EQ_BANDS],
            len: 0,
        }
    }

    /// Adds a band; `false` (and nothing added) when all [`MAX_EQ_BANDS`] are used.
    pub fn push(&mut self, band: EqBand) -> bool {
        if (self.len as usize) < MAX_EQ_BANDS {
            self.bands[self.len as usize] = band;
            self.len += 1;
            true
        } else {
            false
        }
    }

    /// The bands in processing order.
    pub fn bands(&self) -> &[EqBand] {
        &self.bands[..self.len as usize]
    }

    /// Every band in range; NaN replaced by the default.
    pub fn sanitized(mut self) -> Self {
        for b in self.bands.iter_mut() {
            *b = b.sanitized();
        }
        self
    }
}

/// `delay`: a feedback delay line with a real dry path: `y = dry·x + wet·d`, where the line
/// `d[n] = x[n − D] + feedback·d[n − D]` (so an impulse gives `dry` at 0, then
/// `wet·feedback^(k−1)` at `k·time`).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DelayParams {
    /// Delay time in seconds, `[0, 5]`, default 0.25.
    pub time_seconds: f32,
    /// Feedback gain, `[0, 0.99]`, default 0.4.
    pub feedback: f32,
    /// Delayed signal level, `[0, 1]`, default 0.5.
    pub wet: f32,
    /// Direct signal level, `[0, 1]`, default 0.5.
    pub dry: f32,
}

impl Default for DelayParams {
    fn default() -> Self {
        Self {
            time_seconds: 0.25,
            feedback: 0.4,
            wet: 0.5,
            dry: 0.5,
        }
    }
}

impl DelayParams {
    /// The longest delay time, in seconds; the line's memory is sized for it.
    pub const MAX_TIME: f32 = 5.0;

    /// Every field in range; NaN replaced by the default.
    pub fn sanitized(self) -> Self {
        Self {
            time_seconds: field(self.time_seconds, 0.25, 0.0, Self::MAX_TIME),
            feedback: field(self.feedback, 0.4, 0.0, 0.99),
            wet: field(self.wet, 0.5, 0.0, 1.0),
            dry: field(self.dry, 0.5, 0.0, 1.0),
        }
    }
}

/// `reverb`: Freeverb with its canonical gain staging.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ReverbParams {
    /// Room size, `[0, 1]`, default 0.5 (comb feedback `0.7 + 0.28·room_size`).
    pub room_size: f32,
    /// High-frequency damping, `[0, 1]`, default 0.5.
    pub damping: f32,
    /// Reverberated level, `[0, 1]`, default 0.3.
    pub wet: f32,
    /// Direct level, `[0, 1]`, default 0.7.
    pub dry: f32,
    /// Stereo width of the tail, `[0, 1]`, default 1.
    pub width: f32,
    /// Hold the tail forever and mute the input into it. Default off.
    pub freeze: bool,
}

impl Default for ReverbParams {
    fn default() -> Self {
        Self {
            room_size: 0.5,
            damping: 0.5,
            wet: 0.3,
            dry: 0.7,
            width: 1.0,
            freeze: false,
        }
    }
}

impl ReverbParams {
    /// Every field in range; NaN replaced by the default.
    pub fn sanitized(self) -> Self {
        Self {
            room_size: field(self.room_size, 0.5, 0.0, 1.0),
            damping: field(self.damping, 0.5, 0.0, 1.0),
            wet: field(self.wet, 0.3, 0.0, 1.0),
            dry: field(self.dry, 0.7, 0.0, 1.0),
            width: field(self.width, 1.0, 0.0, 1.0),
            freeze: self.freeze,
        }
    }
}

/// `softclip`: `y = output_gain · tanh(drive·x) / tanh(drive)`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SoftClipParams {
    /// Drive, `[0.1, 20]`, default 2.
    pub drive: f32,
    /// Linear output gain, `[0, 4]`, default 1.
    pub output_gain: f32,
}

impl Default for SoftClipParams {
    fn default() -> Self {
        Self {
            drive: 2.0,
            output_gain: 1.0,
        }
    }
}

impl SoftClipParams {
    /// Every field in range; NaN replaced by the default.
    pub fn sanitized(self) -> Self {
        Self {
            drive: field(self.drive, 2.0, 0.1, 20.0),
            output_gain: field(self.output_gain, 1.0, 0.0, 4.0),
        }
    }
}

/// `compressor`: stereo-linked, with a soft knee that only ever reduces gain.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CompressorParams {
    /// Threshold in dB, `[-80, 0]`, default −24.
    pub threshold_db: f32,
    /// Ratio, `[1, 20]`, default 4.
    pub ratio: f32,
    /// Attack time constant in seconds, `[0.0001, 0.2]`, default 0.005.
    pub attack: f32,
    /// Release time constant in seconds, `[0.01, 2]`, default 0.1.
    pub release: f32,
    /// Knee width in dB, `[0, 24]`, default 6.
    pub knee_db: f32,
    /// Gain added after compression in dB, `[0, 24]`, default 0.
    pub makeup_db: f32,
}

impl Default for CompressorParams {
    fn default() -> Self {
        Self {
            threshold_db: -24.0,
            ratio: 4.0,
            attack: 0.005,
            release: 0.1,
            knee_db: 6.0,
            makeup_db: 0.0,
        }
    }
}

impl CompressorParams {
    /// Every field in range; NaN replaced by the default.
    pub fn sanitized(self) -> Self {
        Self {
            threshold_db: field(self.threshold_db, -24.0, -80.0, 0.0),
            ratio: field(self.ratio, 4.0, 1.0, 20.0),
            attack: field(self.attack, 0.005, 0.0001, 0.2),
            release: field(self.release, 0.1, 0.01, 2.0),
            knee_db: field(self.knee_db, 6.0, 0.0, 24.0),
            makeup_db: field(self.makeup_db, 0.0, 0.0, 24.0),
        }
    }
}

/// `limiter` (ours): a look-ahead peak limiter; no output sample ever exceeds the ceiling.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LimiterParams {
    /// The highest output level in dBFS, `[-24, 0]`, default −1.
    pub ceiling_db: f32,
    /// Look-ahead (and attack) time in seconds, `[0, 0.01]`, default 0.005.
    pub lookahead: f32,
    /// Release time constant in seconds, `[0.001, 2]`, default 0.1.
    pub release: f32,
}

impl Default for LimiterParams {
    fn default() -> Self {
        Self {
            ceiling_db: -1.0,
            lookahead: 0.005,
            release: 0.1,
        }
    }
}

impl LimiterParams {
    /// The longest look-ahead, in seconds; the limiter's memory is sized for it.
    pub const MAX_LOOKAHEAD: f32 = 0.01;

    /// Every field in range; NaN replaced by the default.
    pub fn sanitized(self) -> Self {
        Self {
            ceiling_db: field(self.ceiling_db, -1.0, -24.0, 0.0),
            lookahead: field(self.lookahead, 0.005, 0.0, Self::MAX_LOOKAHEAD),
            release: field(self.release, 0.1, 0.001, 2.0),
        }
    }
}
