//! One-pole filters: what a voice's filter is ([`Filter`]) and the running filter ([`OnePole`]).
//!
//! With `a = exp(−2π·fc / sample_rate)`, as in the original:
//! - low-pass `y[n] = a·y[n−1] + (1 − a)·x[n]`, response `(1 − a) / (1 − a·e^{−jω})`;
//! - high-pass `y[n] = a·(y[n−1] + x[n] − x[n−1])`, response `a·(1 − e^{−jω}) / (1 − a·e^{−jω})`.
//!
//! Unlike the original, whose filters started from zero on every rendered chunk (a click at
//! every chunk boundary), the state persists across calls: filtering a signal in one call or in
//! many gives the same bits. `a` is recomputed only when the cutoff or the sample rate changes.
//!
//! The arithmetic is `f32`. The high-pass takes the input difference first,
//! `a·(y + (x − x[n−1]))`, so a constant input decays to exactly 0; in the written order the sum
//! `y + x` would round `y` to the input's precision and leave a residue near 10⁻⁵. The low-pass
//! settles on a constant input to within about `ε / (1 − a)` (5·10⁻⁶ for 50 Hz at 48 kHz), as
//! any `f32` one-pole does.
//! A state that decays below `1e-30` snaps to 0, so a silent filter settles at exactly 0 and
//! never runs on subnormals.
//!
//! ```
//! use mixer_core::synth::{Filter, OnePole};
//!
//! let mut lp = OnePole::new(Filter::LowPass { cutoff_hz: 100.0 });
//! let mut dc = [1.0f32; 4800];
//! lp.process(&mut dc, 48_000);
//! assert!((dc[4799] - 1.0).abs() < 1e-5); // DC passes
//! ```

use core::f32::consts::TAU;

use super::{SynthError, SynthParam};
use crate::math;

/// Below this magnitude the state snaps to 0.
const SNAP: f32 = 1e-30;

/// A one-pole filter: its kind and cutoff.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Filter {
    /// One-pole low-pass.
    LowPass {
        /// The cutoff in hertz (finite, ≥ 0).
        cutoff_hz: f32,
    },
    /// One-pole high-pass.
    HighPass {
        /// The cutoff in hertz (finite, ≥ 0).
        cutoff_hz: f32,
    },
}

impl Filter {
    /// The cutoff in hertz.
    pub const fn cutoff_hz(&self) -> f32 {
        match *self {
            Filter::LowPass { cutoff_hz } | Filter::HighPass { cutoff_hz } => cutoff_hz,
        }
    }

    /// The filter with its cutoff checked.
    ///
    /// # Errors
    /// [`SynthError::NaN`] for a NaN cutoff, [`SynthError::OutOfRange`] for a negative or
    /// infinite one.
    pub fn validated(self) -> Result<Self, SynthError> {
        let fc = self.cutoff_hz();
        if fc.is_nan() {
            Err(SynthError::NaN(SynthParam::Cutoff))
        } else if !(fc >= 0.0 && fc.is_finite()) {
            Err(SynthError::OutOfRange(SynthParam::Cutoff))
        } else {
            Ok(self)
        }
    }

    /// `a = exp(−2π·fc / sample_rate)`.
    pub fn coefficient(&self, sample_rate: u32) -> f32 {
        math::exp(-TAU * self.cutoff_hz() / sample_rate.max(1) as f32)
    }
}

/// A running one-pole filter whose state persists across calls.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct OnePole {
    filter: Filter,
    /// The coefficient for `rate`.
    a: f32,
    /// The sample rate `a` is for; 0 when it must be recomputed.
    rate: u32,
    /// The last output.
    y: f32,
    /// The last input (high-pass only).
    x: f32,
}

impl OnePole {
    /// A filter at rest (state 0).
    pub const fn new(filter: Filter) -> Self {
        OnePole {
            filter,
            a: 0.0,
            rate: 0,
            y: 0.0,
            x: 0.0,
        }
    }

    /// The filter's kind and cutoff.
    pub fn filter(&self) -> Filter {
        self.filter
    }

    /// Change the cutoff; the state carries on.
    ///
    /// # Errors
    /// As [`Filter::validated`]; nothing changes on error.
    pub fn set_cutoff(&mut self, hz: f32) -> Result<(), SynthError> {
        let filter = match self.filter {
            Filter::LowPass { .. } => Filter::LowPass { cutoff_hz: hz },
            Filter::HighPass { .. } => Filter::HighPass { cutoff_hz: hz },
        }
        .validated()?;
        if filter != self.filter {
            self.filter = filter;
            self.rate = 0;
        }
        Ok(())
    }

    /// Zero the state.
    pub fn reset(&mut self) {
        self.y = 0.0;
        self.x = 0.0;
    }

    /// Whether the state is exactly 0 (a zero input keeps it so).
    pub fn is_silent(&self) -> bool {
        self.y == 0.0 && self.x == 0.0
    }

    /// Filter one sample at `sample_rate`.
    #[inline]
    pub fn tick(&mut self, x: f32, sample_rate: u32) -> f32 {
        if self.rate != sample_rate {
            self.a = self.filter.coefficient(sample_rate);
            self.rate = sample_rate;
        }
        let a = self.a;
        let y = match self.filter {
            Filter::LowPass { .. } => a * self.y + (1.0 - a) * x,
            Filter::HighPass { .. } => {
                // The difference first: `(y + x) − x_prev` would round `y` to the input's
                // precision and leave a DC input stuck at a residue of ~10⁻⁵ instead of decaying.
                let y = a * (self.y + (x - self.x));
                self.x = x;
                y
            }
        };
        self.y = if y > -SNAP && y < SNAP { 0.0 } else { y };
        self.y
    }

    /// Filter `buf` in place at `sample_rate`.
    pub fn process(&mut self, buf: &mut [f32], sample_rate: u32) {
        for s in buf {
            *s = self.tick(*s, sample_rate);
        }
    }
}
