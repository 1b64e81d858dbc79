//! Oscillators: what a voice sounds like ([`Oscillator`]) and the running source that makes it
//! ([`Generator`]).
//!
//! # Formulas (the original engine's)
//! With `p` the position in the cycle, in `[0, 1)`:
//! - sine: `sin(2π·p + phase)`;
//! - square: `+1` while `p < duty`, else `−1` (duty clamped to `[0.01, 0.99]`);
//! - saw: `2·p − 1`;
//! - triangle: `4·|p − 0.5| − 1` (starts at `+1`);
//! - white noise: uniform in `[−1, 1]`;
//! - pink noise: Voss–McCartney with 16 rows, `(sum of rows + a fresh white sample) / 17`.
//!
//! None is band-limited: like the original, a square or saw above a few kHz aliases.
//!
//! # Phase
//! The position in the cycle is a `u64` where `2^64` is one whole cycle, advanced per frame by
//! `round(frac(freq / sample_rate) · 2^64)` with wrapping arithmetic. Wrapping *is* the modulo, so
//! the phase never loses precision however long it runs: the only error is the rounding of the
//! increment, under `2^-64` cycles per frame (10⁻¹¹ cycles after a day at 48 kHz). An `f32`
//! accumulator would drift by whole degrees within minutes. Frequency changes replace the
//! increment and keep the position, so they are phase-continuous; rendering in one call or in
//! many gives the same bits.
//!
//! # Noise
//! Noise comes from PCG32 (O'Neill's `pcg32`, XSH-RR output over a 64-bit LCG), seeded with the
//! oscillator's `seed` on the fixed default stream. Each draw keeps the top 24 bits `u` and gives
//! `(2u + 1 − 2^24) / 2^24`: the odd multiples of `2^-24` in `(−1, 1)`, symmetric about 0, exact
//! in `f32`. Pink rows are kept as those integers and summed exactly, so pink noise never
//! accumulates rounding.
//!
//! ```
//! use mixer_core::synth::{Generator, Oscillator};
//!
//! let mut tri = Generator::new(Oscillator::Triangle { freq: 12_000.0 });
//! let mut out = [0.0f32; 4];
//! tri.render(&mut out, 48_000);
//! assert_eq!(out, [1.0, 0.0, -1.0, 0.0]);
//! ```

use core::f32::consts::TAU;

use super::{SynthError, SynthParam};
use crate::math;

/// The smallest square duty cycle.
pub const MIN_DUTY: f32 = 0.01;
/// The largest square duty cycle.
pub const MAX_DUTY: f32 = 0.99;
/// Rows of the Voss–McCartney pink noise.
pub const PINK_ROWS: usize = 16;

/// `2^64` as a float: one whole cycle of the phase accumulator.
const CYCLE: f64 = 18_446_744_073_709_551_616.0;

/// What an oscillator plays. Frequencies are in hertz (negative runs the cycle backwards),
/// `phase` in radians.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Oscillator {
    /// `sin(2π·f·t + phase)`.
    Sine {
        /// Frequency in hertz.
        freq: f32,
        /// Phase offset in radians.
        phase: f32,
    },
    /// `+1` for the first `duty` of each cycle, `−1` for the rest.
    Square {
        /// Frequency in hertz.
        freq: f32,
        /// Fraction of the cycle at `+1`, clamped to `[0.01, 0.99]`.
        duty: f32,
    },
    /// A rising ramp from `−1` to `1`.
    Saw {
        /// Frequency in hertz.
        freq: f32,
    },
    /// A triangle starting at `+1`, down to `−1` at half cycle.
    Triangle {
        /// Frequency in hertz.
        freq: f32,
    },
    /// Uniform white noise in `[−1, 1]`.
    White {
        /// PCG32 seed; the same seed gives the same noise.
        seed: u64,
    },
    /// Voss–McCartney pink noise (−3 dB per octave).
    Pink {
        /// PCG32 seed; the same seed gives the same noise.
        seed: u64,
    },
}

impl Oscillator {
    /// A sine at `freq` Hz, phase 0.
    pub const fn sine(freq: f32) -> Self {
        Oscillator::Sine { freq, phase: 0.0 }
    }

    /// A square at `freq` Hz with a 50 % duty cycle.
    pub const fn square(freq: f32) -> Self {
        Oscillator::Square { freq, duty: 0.5 }
    }

    /// The frequency, for the periodic oscillators.
    pub const fn freq(&self) -> Option<f32> {
        match *self {
            Oscillator::Sine { freq, .. }
            | Oscillator::Square { freq, .. }
            | Oscillator::Saw { freq }
            | Oscillator::Triangle { freq } => Some(freq),
            Oscillator::White { .. } | Oscillator::Pink { .. } => None,
        }
    }

    /// The oscillator with its values checked and clamped as [`Generator`] would use them.
    ///
    /// # Errors
    /// [`SynthError::NaN`] for a NaN frequency, duty or phase; [`SynthError::OutOfRange`] for an
    /// infinite frequency or phase (an infinite duty clamps).
    pub fn validated(self) -> Result<Self, SynthError> {
        let mut checked = self;
        if let Some(f) = self.freq() {
            set_freq(&mut checked, f)?;
        }
        match self {
            Oscillator::Square { duty, .. } => set_duty(&mut checked, duty)?,
            Oscillator::Sine { phase, .. } => set_phase(&mut checked, phase)?,
            _ => {}
        }
        Ok(checked)
    }
}

/// Rejects NaN and infinities for a value nothing could clamp.
fn finite(param: SynthParam, x: f32) -> Result<f32, SynthError> {
    if x.is_nan() {
        Err(SynthError::NaN(param))
    } else if x.is_infinite() {
        Err(SynthError::OutOfRange(param))
    } else {
        Ok(x)
    }
}

fn set_freq(osc: &mut Oscillator, hz: f32) -> Result<(), SynthError> {
    match osc {
        Oscillator::Sine { freq, .. }
        | Oscillator::Square { freq, .. }
        | Oscillator::Saw { freq }
        | Oscillator::Triangle { freq } => {
            *freq = finite(SynthParam::Freq, hz)?;
            Ok(())
        }
        Oscillator::White { .. } | Oscillator::Pink { .. } => {
            Err(SynthError::NotApplicable(SynthParam::Freq))
        }
    }
}

fn set_duty(osc: &mut Oscillator, value: f32) -> Result<(), SynthError> {
    match osc {
        Oscillator::Square { duty, .. } => {
            if value.is_nan() {
                return Err(SynthError::NaN(SynthParam::Duty));
            }
            *duty = math::clamp(value, MIN_DUTY, MAX_DUTY);
            Ok(())
        }
        _ => Err(SynthError::NotApplicable(SynthParam::Duty)),
    }
}

fn set_phase(osc: &mut Oscillator, value: f32) -> Result<(), SynthError> {
    match osc {
        Oscillator::Sine { phase, .. } => {
            *phase = finite(SynthParam::Phase, value)?;
            Ok(())
        }
        _ => Err(SynthError::NotApplicable(SynthParam::Phase)),
    }
}

/// `frac(x)` of a cycle count as a phase (`2^64` = one cycle).
fn cycles_to_phase(x: f64) -> u64 {
    let frac = x - libm::floor(x);
    // `frac < 1`, so the product is below 2^64; `as` saturates if it rounds up to it.
    (frac * CYCLE) as u64
}

/// PCG32 (`pcg32_random_r`): a 64-bit LCG with an XSH-RR output permutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
struct Pcg32 {
    state: u64,
}

impl Pcg32 {
    const MULT: u64 = 6_364_136_223_846_793_005;
    /// The stream: the reference implementation's default increment
    /// (`PCG_DEFAULT_INCREMENT_64`).
    const INC: u64 = 1_442_695_040_888_963_407;

    /// `pcg32_srandom_r` on the default stream.
    const fn new(seed: u64) -> Self {
        let mut rng = Pcg32 { state: 0 };
        rng.next_u32();
        rng.state = rng.state.wrapping_add(seed);
        rng.next_u32();
        rng
    }

    const fn next_u32(&mut self) -> u32 {
        let old = self.state;
        self.state = old.wrapping_mul(Self::MULT).wrapping_add(Self::INC);
        let xorshifted = (((old >> 18) ^ old) >> 27) as u32;
        xorshifted.rotate_right((old >> 59) as u32)
    }

    /// A uniform draw as an odd integer in `(−2^24, 2^24)`; divide by `2^24` for `(−1, 1)`.
    const fn next_i32(&mut self) -> i32 {
        2 * (self.next_u32() >> 8) as i32 + 1 - (1 << 24)
    }
}

/// `1 / 2^24`.
const UNIT: f32 = 1.0 / 16_777_216.0;

/// The pink noise's rows and counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
struct Pink {
    rows: [i32; PINK_ROWS],
    /// Exact sum of `rows`.
    sum: i32,
    counter: u32,
}

impl Pink {
    const fn new(rng: &mut Pcg32) -> Self {
        let mut rows = [0; PINK_ROWS];
        let mut sum = 0;
        let mut i = 0;
        while i < PINK_ROWS {
            rows[i] = rng.next_i32();
            sum += rows[i];
            i += 1;
        }
        Pink {
            rows,
            sum,
            counter: 0,
        }
    }

    fn next(&mut self, rng: &mut Pcg32) -> f32 {
        self.counter = self.counter.wrapping_add(1);
        let row = self.counter.trailing_zeros() as usize;
        if let Some(r) = self.rows.get_mut(row) {
            let fresh = rng.next_i32();
            self.sum += fresh - *r;
            *r = fresh;
        }
        // |sum + white| < 17·2^24 < 2^29: no overflow.
        (self.sum + rng.next_i32()) as f32 * (UNIT / 17.0)
    }
}

/// A running oscillator: an [`Oscillator`] with its phase, or its noise generator state.
///
/// Frequency, duty and phase changes take effect at the next frame; the position in the cycle
/// carries on, so a frequency change never jumps.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Generator {
    osc: Oscillator,
    /// Position in the cycle; `2^64` is one cycle.
    phase: u64,
    /// The sine's phase offset, in the same unit.
    offset: u64,
    /// The square's `+1` part: positions below this are `+1`.
    duty: u64,
    /// Phase increment per frame at `rate`.
    step: u64,
    /// The sample rate `step` is for; 0 when it must be recomputed.
    rate: u32,
    rng: Pcg32,
    pink: Pink,
}

impl Generator {
    /// A generator at the start of `oscillator`'s cycle (or of its seed's noise).
    ///
    /// Values are used as [`Oscillator::validated`] would leave them, except that a NaN or
    /// infinite frequency or phase counts as 0 here.
    pub fn new(oscillator: Oscillator) -> Self {
        let seed = match oscillator {
            Oscillator::White { seed } | Oscillator::Pink { seed } => seed,
            _ => 0,
        };
        let mut rng = Pcg32::new(seed);
        let pink = Pink::new(&mut rng);
        if !matches!(oscillator, Oscillator::Pink { .. }) {
            rng = Pcg32::new(seed);
        }
        let mut g = Generator {
            osc: oscillator,
            phase: 0,
            offset: 0,
            duty: 0,
            step: 0,
            rate: 0,
            rng,
            pink,
        };
        g.retune();
        g
    }

    /// The oscillator as it plays now (duty clamped, parameters as last set).
    pub fn oscillator(&self) -> Oscillator {
        self.osc
    }

    /// The position in the cycle, in cycles (`[0, 1)`); 0 for noise.
    pub fn phase(&self) -> f64 {
        self.phase as f64 / CYCLE
    }

    /// Set a periodic oscillator's frequency, keeping its position in the cycle.
    ///
    /// # Errors
    /// [`SynthError::NotApplicable`] for noise, [`SynthError::NaN`] or
    /// [`SynthError::OutOfRange`] (infinite) for the value. Nothing changes on error.
    pub fn set_freq(&mut self, hz: f32) -> Result<(), SynthError> {
        set_freq(&mut self.osc, hz)?;
        self.rate = 0;
        Ok(())
    }

    /// Set a square's duty cycle (clamped to `[0.01, 0.99]`).
    ///
    /// # Errors
    /// [`SynthError::NotApplicable`] for other oscillators, [`SynthError::NaN`].
    pub fn set_duty(&mut self, duty: f32) -> Result<(), SynthError> {
        set_duty(&mut self.osc, duty)?;
        self.retune();
        Ok(())
    }

    /// Set a sine's phase offset in radians. The output jumps to the new phase: that is what a
    /// phase change means.
    ///
    /// # Errors
    /// [`SynthError::NotApplicable`] for other oscillators, [`SynthError::NaN`] or
    /// [`SynthError::OutOfRange`] (infinite).
    pub fn set_phase(&mut self, radians: f32) -> Result<(), SynthError> {
        set_phase(&mut self.osc, radians)?;
        self.retune();
        Ok(())
    }

    /// Back to the start of the cycle, or the start of the seed's noise.
    pub fn reset(&mut self) {
        *self = Generator::new(self.osc);
    }

    /// Recomputes the duty threshold and phase offset, clamping the stored values.
    fn retune(&mut self) {
        if let Oscillator::Square { duty, .. } = &mut self.osc {
            *duty = math::clamp(*duty, MIN_DUTY, MAX_DUTY);
            self.duty = cycles_to_phase(f64::from(*duty));
        }
        if let Oscillator::Sine { phase, .. } = self.osc {
            let turns = f64::from(phase) / core::f64::consts::TAU;
            self.offset = if turns.is_finite() {
                cycles_to_phase(turns)
            } else {
                0
            };
        }
        self.rate = 0;
    }

    /// The increment per frame at `sample_rate`, recomputed only when it or the frequency
    /// changed.
    #[inline]
    fn step(&mut self, sample_rate: u32) -> u64 {
        if self.rate != sample_rate {
            let f = self.osc.freq().unwrap_or(0.0);
            let cycles = f64::from(f) / f64::from(sample_rate.max(1));
            self.step = if cycles.is_finite() {
                cycles_to_phase(cycles)
            } else {
                0
            };
            self.rate = sample_rate;
        }
        self.step
    }

    /// The next sample at `sample_rate` (0 is treated as 1).
    #[inline]
    pub fn next_sample(&mut self, sample_rate: u32) -> f32 {
        let step = self.step(sample_rate);
        let p = self.phase;
        self.phase = p.wrapping_add(step);
        match self.osc {
            Oscillator::Sine { .. } => {
                // The top 32 bits as a signed fraction of a cycle in [−½, ½).
                let x = (p.wrapping_add(self.offset) >> 32) as u32 as i32;
                math::sin(x as f32 * (TAU / 4_294_967_296.0))
            }
            Oscillator::Square { .. } => {
                if p < self.duty {
                    1.0
                } else {
                    -1.0
                }
            }
            Oscillator::Saw { .. } => 2.0 * unit(p) - 1.0,
            Oscillator::Triangle { .. } => {
                let d = unit(p) - 0.5;
                4.0 * (if d < 0.0 { -d } else { d }) - 1.0
            }
            Oscillator::White { .. } => self.rng.next_i32() as f32 * UNIT,
            Oscillator::Pink { .. } => self.pink.next(&mut self.rng),
        }
    }

    /// Fill `out` with the next `out.len()` samples at `sample_rate`.
    pub fn render(&mut self, out: &mut [f32], sample_rate: u32) {
        for s in out {
            *s = self.next_sample(sample_rate);
        }
    }

    /// Advance `frames` frames without producing samples: the phase moves on, noise stands
    /// still (a silent gated voice keeps its pitch's phase, not its noise).
    pub(crate) fn skip(&mut self, frames: usize, sample_rate: u32) {
        let step = self.step(sample_rate);
        self.phase = self.phase.wrapping_add(step.wrapping_mul(frames as u64));
    }
}

/// The top 24 bits of a phase as an exact `f32` in `[0, 1)`.
#[inline]
fn unit(p: u64) -> f32 {
    (p >> 40) as f32 * UNIT
}
