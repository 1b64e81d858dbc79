//! A voice's description ([`SynthVoice`]), its parameters ([`SynthParam`]) and the synth's
//! errors ([`SynthError`]).

use core::fmt;

use super::{Envelope, Filter, Oscillator};
use crate::math;

/// One voice of a [`Synth`](super::Synth): an oscillator, an optional envelope and filter, a
/// gain and a pan.
///
/// In live rendering an [`Envelope::Adsr`] makes the voice *gated* (silent until
/// [`note_on`](super::Synth::note_on)); the fixed-duration envelopes apply only to
/// [`bake`](super::Synth::bake). Per frame: oscillator → envelope → filter → gain → pan.
///
/// ```
/// use mixer_core::synth::{Filter, Oscillator, SynthVoice};
///
/// let voice = SynthVoice::new(Oscillator::sine(440.0))
///     .with_filter(Filter::LowPass { cutoff_hz: 2_000.0 })
///     .with_gain(0.5)
///     .with_pan(-0.25);
/// assert_eq!(voice.gain, 0.5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SynthVoice {
    /// What the voice plays.
    pub oscillator: Oscillator,
    /// Its envelope, if any.
    pub envelope: Option<Envelope>,
    /// Its filter, if any.
    pub filter: Option<Filter>,
    /// Linear gain (finite; negative inverts).
    pub gain: f32,
    /// Balance pan in `[-1, 1]` (clamped; ignored in mono).
    pub pan: f32,
}

impl SynthVoice {
    /// `oscillator` at unity gain, centred, with no envelope or filter.
    pub const fn new(oscillator: Oscillator) -> Self {
        SynthVoice {
            oscillator,
            envelope: None,
            filter: None,
            gain: 1.0,
            pan: 0.0,
        }
    }

    /// The voice with `envelope`.
    pub const fn with_envelope(self, envelope: Envelope) -> Self {
        SynthVoice {
            envelope: Some(envelope),
            ..self
        }
    }

    /// The voice with `filter`.
    pub const fn with_filter(self, filter: Filter) -> Self {
        SynthVoice {
            filter: Some(filter),
            ..self
        }
    }

    /// The voice at `gain`.
    pub const fn with_gain(self, gain: f32) -> Self {
        SynthVoice { gain, ..self }
    }

    /// The voice at `pan`.
    pub const fn with_pan(self, pan: f32) -> Self {
        SynthVoice { pan, ..self }
    }

    /// The voice with every value checked, the duty, sustain and pan clamped.
    ///
    /// # Errors
    /// The first bad value, as [`Oscillator::validated`], [`Envelope::validated`] and
    /// [`Filter::validated`] report it; [`SynthError::NaN`] or [`SynthError::OutOfRange`] for a
    /// NaN or infinite gain, [`SynthError::NaN`] for a NaN pan.
    pub fn validated(self) -> Result<Self, SynthError> {
        Ok(SynthVoice {
            oscillator: self.oscillator.validated()?,
            envelope: self.envelope.map(Envelope::validated).transpose()?,
            filter: self.filter.map(Filter::validated).transpose()?,
            gain: gain(self.gain)?,
            pan: pan(self.pan)?,
        })
    }
}

/// A checked gain.
pub(crate) fn gain(x: f32) -> Result<f32, SynthError> {
    if x.is_nan() {
        Err(SynthError::NaN(SynthParam::Gain))
    } else if x.is_infinite() {
        Err(SynthError::OutOfRange(SynthParam::Gain))
    } else {
        Ok(x)
    }
}

/// A checked, clamped pan.
pub(crate) fn pan(x: f32) -> Result<f32, SynthError> {
    if x.is_nan() {
        Err(SynthError::NaN(SynthParam::Pan))
    } else {
        Ok(math::clamp(x, -1.0, 1.0))
    }
}

/// A parameter [`Synth::set_param`](super::Synth::set_param) can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum SynthParam {
    /// A periodic oscillator's frequency in hertz (phase-continuous).
    Freq,
    /// A square's duty cycle (clamped to `[0.01, 0.99]`).
    Duty,
    /// A sine's phase offset in radians.
    Phase,
    /// The voice's linear gain (ramped).
    Gain,
    /// The voice's balance pan (clamped to `[-1, 1]`, ramped).
    Pan,
    /// The voice's filter cutoff in hertz.
    Cutoff,
}

impl SynthParam {
    /// The parameter's name as the original API spelled it.
    pub const fn name(self) -> &'static str {
        match self {
            SynthParam::Freq => "freq",
            SynthParam::Duty => "duty",
            SynthParam::Phase => "phase",
            SynthParam::Gain => "gain",
            SynthParam::Pan => "pan",
            SynthParam::Cutoff => "cutoff_hz",
        }
    }
}

/// Why a synth call was refused. Nothing changed when a call returns an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum SynthError {
    /// Every voice of the pool is in use.
    Full {
        /// The pool size.
        capacity: usize,
    },
    /// No voice has this index.
    UnknownVoice(usize),
    /// The voice has no such parameter (a frequency on noise, a duty on a sine, a cutoff with
    /// no filter).
    NotApplicable(SynthParam),
    /// The value was NaN.
    NaN(SynthParam),
    /// The value was infinite where nothing could clamp it, or a negative cutoff.
    OutOfRange(SynthParam),
    /// The envelope's values are unusable (the text says which).
    InvalidEnvelope(&'static str),
    /// `note_on` or `note_off` on a voice without an ADSR envelope.
    NotGated(usize),
    /// A channel count other than 1 or 2.
    UnsupportedChannels(usize),
    /// A sample rate of 0.
    ZeroSampleRate,
}

impl fmt::Display for SynthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            SynthError::Full { capacity } => {
                write!(f, "no free synth voice: all {capacity} are in use")
            }
            SynthError::UnknownVoice(i) => write!(f, "no synth voice {i}"),
            SynthError::NotApplicable(p) => {
                write!(f, "{} does not apply to this voice", p.name())
            }
            SynthError::NaN(p) => write!(f, "{} is NaN", p.name()),
            SynthError::OutOfRange(p) => write!(f, "{} is out of range", p.name()),
            SynthError::InvalidEnvelope(why) => write!(f, "invalid envelope: {why}"),
            SynthError::NotGated(i) => {
                write!(f, "synth voice {i} has no ADSR envelope to gate")
            }
            SynthError::UnsupportedChannels(n) => {
                write!(f, "{n} channels: the synth renders 1 or 2")
            }
            SynthError::ZeroSampleRate => f.write_str("the sample rate is 0"),
        }
    }
}

impl core::error::Error for SynthError {}
