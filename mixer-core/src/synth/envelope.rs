//! Envelopes: fixed-duration shapes for [`bake`](super::Synth::bake) ([`Envelope`]) and the
//! gated ADSR of a live voice ([`GatedAdsr`]).
//!
//! Segment lengths are whole frames: `floor(seconds · sample_rate)`, the product taken in `f32`
//! (so 0.01 s at 48 kHz is 480 frames, as the original's `int(0.01 * 48000)`).
//!
//! # Fixed duration (the original's `render_total`)
//! Over `n` frames, with `a`, `d`, `r` the attack, decay and release lengths and `s` the sustain:
//! - [`Envelope::Adsr`]: attack `i / a` for frames `0 .. a` (0 at frame 0), decay
//!   `1 + (s − 1)·j / d` for the next `d` (1 at its first frame), `s` held, then the release
//!   `s·(m − 1 − j) / m` over the last `m = min(r, room left)` frames, so the last frame is exactly
//!   0. Attack and decay come first: when the clip is short they truncate (the clip ends inside
//!   them with no release) and the release gets only what they leave.
//! - [`Envelope::Linear`]: `start·(1 − u) + end·u` with `u = i / (n − 1)`: exactly `start` at the
//!   first frame and `end` at the last.
//! - [`Envelope::Exponential`]: `start·(end / start)^(u^power)`, computed as
//!   `start^(1 − w)·end^w` with `w = u^power` so both ends are exact.
//!
//! # Gated
//! [`GatedAdsr`] is piecewise linear too: note-on ramps from the current level to 1 over the
//! attack, then to `s` over the decay, and holds `s` while the gate is held; note-off ramps from
//! the current level (whatever segment it is in) to 0 over the release, then the envelope is
//! idle. A note-on during the release ramps up from where it is: no segment ever jumps.
//!
//! ```
//! use mixer_core::synth::{Adsr, Envelope};
//!
//! // 1 frame of attack, 1 of decay to 0.5, 2 of release, at 1 Hz, over 6 frames.
//! let env = Envelope::Adsr(Adsr { attack: 1.0, decay: 1.0, sustain: 0.5, release: 2.0 });
//! let mut out = [0.0f32; 6];
//! env.render(&mut out, 1);
//! assert_eq!(out, [0.0, 1.0, 0.5, 0.5, 0.25, 0.0]);
//! ```

use super::SynthError;
use crate::math;

/// Attack, decay, sustain, release. Times in seconds (finite, ≥ 0); `sustain` is a level in
/// `[0, 1]` (clamped).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Adsr {
    /// Seconds from the start level to 1.
    pub attack: f32,
    /// Seconds from 1 to `sustain`.
    pub decay: f32,
    /// The level held while the note is held.
    pub sustain: f32,
    /// Seconds from the release level to 0.
    pub release: f32,
}

impl Default for Adsr {
    /// The original's defaults: 10 ms attack, 50 ms decay, sustain 1, 50 ms release.
    fn default() -> Self {
        Adsr {
            attack: 0.01,
            decay: 0.05,
            sustain: 1.0,
            release: 0.05,
        }
    }
}

impl Adsr {
    /// The ADSR with its values checked and `sustain` clamped to `[0, 1]`.
    ///
    /// # Errors
    /// [`SynthError::InvalidEnvelope`] for a NaN, negative or infinite time or a NaN sustain.
    pub fn validated(self) -> Result<Self, SynthError> {
        for t in [self.attack, self.decay, self.release] {
            if !(t >= 0.0 && t.is_finite()) {
                return Err(SynthError::InvalidEnvelope(
                    "ADSR times must be finite and at least 0",
                ));
            }
        }
        if self.sustain.is_nan() {
            return Err(SynthError::InvalidEnvelope("the ADSR sustain is NaN"));
        }
        Ok(Adsr {
            sustain: math::clamp(self.sustain, 0.0, 1.0),
            ..self
        })
    }
}

/// A gain shape over a clip of known length.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Envelope {
    /// Attack, decay, sustain, release; gated in live rendering (see [`GatedAdsr`]).
    Adsr(Adsr),
    /// A straight ramp over the whole clip.
    Linear {
        /// The first frame's level.
        start: f32,
        /// The last frame's level.
        end: f32,
    },
    /// An exponential ramp over the whole clip; `start` and `end` must be above 0.
    Exponential {
        /// The first frame's level (> 0).
        start: f32,
        /// The last frame's level (> 0).
        end: f32,
        /// The curve: `u^power` is the fraction of the way, in log level, at `u` of the clip
        /// (> 0; 1 is a constant rate in dB).
        power: f32,
    },
}

impl Envelope {
    /// The envelope with its values checked (and an ADSR's sustain clamped).
    ///
    /// # Errors
    /// [`SynthError::InvalidEnvelope`] for values that are NaN or infinite, negative ADSR times,
    /// and exponential levels or power not above 0.
    pub fn validated(self) -> Result<Self, SynthError> {
        match self {
            Envelope::Adsr(adsr) => Ok(Envelope::Adsr(adsr.validated()?)),
            Envelope::Linear { start, end } => {
                if start.is_finite() && end.is_finite() {
                    Ok(self)
                } else {
                    Err(SynthError::InvalidEnvelope("linear levels must be finite"))
                }
            }
            Envelope::Exponential { start, end, power } => {
                let ok = |x: f32| x > 0.0 && x.is_finite();
                if ok(start) && ok(end) && ok(power) {
                    Ok(self)
                } else {
                    Err(SynthError::InvalidEnvelope(
                        "exponential levels and power must be finite and above 0",
                    ))
                }
            }
        }
    }

    /// The level at `frame` of a clip of `frames` frames at `sample_rate` (0 past the end).
    pub fn value_at(&self, frame: usize, frames: usize, sample_rate: u32) -> f32 {
        Shape::new(self, frames, sample_rate).at(frame)
    }

    /// Fill `out` with the envelope over a clip of `out.len()` frames at `sample_rate`.
    pub fn render(&self, out: &mut [f32], sample_rate: u32) {
        let shape = Shape::new(self, out.len(), sample_rate);
        for (i, s) in out.iter_mut().enumerate() {
            *s = shape.at(i);
        }
    }
}

/// `floor(seconds · rate)`, the product in `f32`, saturating.
fn frames(seconds: f32, sample_rate: u32) -> usize {
    (seconds * sample_rate as f32) as usize
}

/// `num / den` as a fraction in `f32` (`den` > 0).
#[inline]
fn ratio(num: usize, den: usize) -> f32 {
    num as f32 / den as f32
}

/// An envelope laid out over a clip: segment lengths computed once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Shape {
    Adsr {
        /// Attack and decay lengths as given (their ramps' slopes).
        attack: usize,
        decay: usize,
        /// Where the decay and the release begin; the clip's length.
        decay_at: usize,
        sustain_at: usize,
        release_at: usize,
        end: usize,
        sustain: f32,
    },
    Linear {
        start: f32,
        end: f32,
        last: usize,
    },
    Exponential {
        start: f32,
        end: f32,
        power: f32,
        last: usize,
    },
}

impl Shape {
    pub(crate) fn new(env: &Envelope, n: usize, sample_rate: u32) -> Self {
        let last = n.saturating_sub(1);
        match *env {
            Envelope::Adsr(adsr) => {
                let sustain = math::clamp(adsr.sustain, 0.0, 1.0);
                let attack = frames(adsr.attack, sample_rate);
                let decay = frames(adsr.decay, sample_rate);
                let release = frames(adsr.release, sample_rate);
                let decay_at = attack.min(n);
                let sustain_at = decay_at + decay.min(n - decay_at);
                let release_at = n - release.min(n - sustain_at);
                Shape::Adsr {
                    attack,
                    decay,
                    decay_at,
                    sustain_at,
                    release_at,
                    end: n,
                    sustain,
                }
            }
            Envelope::Linear { start, end } => Shape::Linear { start, end, last },
            Envelope::Exponential { start, end, power } => Shape::Exponential {
                start,
                end,
                power,
                last,
            },
        }
    }

    #[inline]
    pub(crate) fn at(&self, i: usize) -> f32 {
        match *self {
            Shape::Adsr {
                attack,
                decay,
                decay_at,
                sustain_at,
                release_at,
                end,
                sustain,
            } => {
                if i < decay_at {
                    ratio(i, attack)
                } else if i < sustain_at {
                    1.0 + (sustain - 1.0) * ratio(i - decay_at, decay)
                } else if i < release_at {
                    sustain
                } else if i < end {
                    let m = end - release_at;
                    sustain * ratio(m - 1 - (i - release_at), m)
                } else {
                    0.0
                }
            }
            Shape::Linear { start, end, last } => {
                if last == 0 || i == 0 {
                    start
                } else {
                    let u = ratio(i.min(last), last);
                    start * (1.0 - u) + end * u
                }
            }
            Shape::Exponential {
                start,
                end,
                power,
                last,
            } => {
                if last == 0 || i == 0 {
                    start
                } else {
                    let w = math::powf(ratio(i.min(last), last), power);
                    math::powf(start, 1.0 - w) * math::powf(end, w)
                }
            }
        }
    }
}

/// Where a [`GatedAdsr`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Stage {
    /// Silent, waiting for a note-on.
    Idle,
    /// Rising to 1.
    Attack,
    /// Falling to the sustain level.
    Decay,
    /// Holding the sustain level until note-off.
    Sustain,
    /// Falling to 0 after note-off.
    Release,
}

/// A live ADSR: note-on, note-off, one level per frame. No allocation; the segment lengths are
/// recomputed only when the sample rate changes.
///
/// ```
/// use mixer_core::synth::{Adsr, GatedAdsr, Stage};
///
/// let mut env = GatedAdsr::new(Adsr { attack: 2.0, decay: 0.0, sustain: 1.0, release: 2.0 });
/// env.note_on();
/// let up: [f32; 3] = core::array::from_fn(|_| env.next(1));
/// assert_eq!(up, [0.0, 0.5, 1.0]);
/// env.note_off();
/// let down: [f32; 2] = core::array::from_fn(|_| env.next(1));
/// assert_eq!(down, [0.5, 0.0]);
/// assert_eq!(env.stage(), Stage::Idle);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GatedAdsr {
    adsr: Adsr,
    stage: Stage,
    /// The level the current attack or release started from.
    from: f32,
    /// Frames into the current segment.
    pos: u32,
    /// The last level produced.
    level: f32,
    /// The sample rate `lengths` are for (0: not computed).
    rate: u32,
    /// Attack, decay, release in frames.
    lengths: [u32; 3],
}

impl GatedAdsr {
    /// An idle envelope (sustain clamped to `[0, 1]`; use [`Adsr::validated`] to reject bad
    /// times, which otherwise count as 0).
    pub fn new(adsr: Adsr) -> Self {
        GatedAdsr {
            adsr: Adsr {
                sustain: math::clamp(adsr.sustain, 0.0, 1.0),
                ..adsr
            },
            stage: Stage::Idle,
            from: 0.0,
            pos: 0,
            level: 0.0,
            rate: 0,
            lengths: [0; 3],
        }
    }

    /// The envelope's parameters.
    pub fn adsr(&self) -> Adsr {
        self.adsr
    }

    /// The current stage.
    pub fn stage(&self) -> Stage {
        self.stage
    }

    /// The last level produced (0 before the first).
    pub fn level(&self) -> f32 {
        self.level
    }

    /// Whether the envelope is idle (silent until a note-on).
    pub fn is_idle(&self) -> bool {
        self.stage == Stage::Idle
    }

    /// Start (or restart) the attack from the current level.
    pub fn note_on(&mut self) {
        self.stage = Stage::Attack;
        self.from = self.level;
        self.pos = 0;
    }

    /// Start the release from the current level (nothing if idle or already releasing).
    pub fn note_off(&mut self) {
        if !matches!(self.stage, Stage::Idle | Stage::Release) {
            self.stage = Stage::Release;
            self.from = self.level;
            self.pos = 0;
        }
    }

    /// Silence at once: idle, level 0.
    pub fn reset(&mut self) {
        self.stage = Stage::Idle;
        self.level = 0.0;
        self.pos = 0;
    }

    /// The level of the next frame at `sample_rate`.
    #[inline]
    pub fn next(&mut self, sample_rate: u32) -> f32 {
        if self.rate != sample_rate {
            let f = |s: f32| u32::try_from(frames(s, sample_rate)).unwrap_or(u32::MAX);
            self.lengths = [
                f(self.adsr.attack),
                f(self.adsr.decay),
                f(self.adsr.release),
            ];
            self.rate = sample_rate;
        }
        let [attack, decay, release] = self.lengths;
        let level = loop {
            match self.stage {
                Stage::Idle => break 0.0,
                Stage::Attack if self.pos < attack => {
                    let u = self.pos as f32 / attack as f32;
                    break self.from + (1.0 - self.from) * u;
                }
                Stage::Attack => self.enter(Stage::Decay),
                Stage::Decay if self.pos < decay => {
                    let u = self.pos as f32 / decay as f32;
                    break 1.0 + (self.adsr.sustain - 1.0) * u;
                }
                Stage::Decay => self.enter(Stage::Sustain),
                Stage::Sustain => break self.adsr.sustain,
                Stage::Release if self.pos < release => {
                    let u = (release - 1 - self.pos) as f32 / release as f32;
                    break self.from * u;
                }
                Stage::Release => self.enter(Stage::Idle),
            }
        };
        self.pos = self.pos.saturating_add(1);
        if self.stage == Stage::Release && self.pos >= release {
            self.enter(Stage::Idle);
        }
        self.level = level;
        level
    }

    fn enter(&mut self, stage: Stage) {
        self.stage = stage;
        self.pos = 0;
    }
}
