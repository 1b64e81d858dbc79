//! The second-order filter family (`lowpass`, `highpass`, `bandpass`, `notch`) and the
//! general section the EQ is built from.
//!
//! SKELETON: pass-through until the processor lands (see `effect/mod.rs` for the contract).

use super::EffectContext;
use super::params::FilterParams;

/// Which filter a [`Filter`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum FilterKind {
    /// Low-pass; gain at cutoff = Q.
    LowPass,
    /// High-pass; gain at cutoff = Q.
    HighPass,
    /// Band-pass with a constant 0 dB peak.
    BandPass,
    /// Notch.
    Notch,
}

/// A stereo filter effect.
#[derive(Debug, Clone)]
pub struct Filter {
    kind: FilterKind,
    params: FilterParams,
}

impl Filter {
    /// A filter of `kind` at `params`.
    pub fn new(kind: FilterKind, params: &FilterParams, _ctx: &EffectContext) -> Self {
        Self {
            kind,
            params: *params,
        }
    }

    /// Which filter this is.
    pub fn kind(&self) -> FilterKind {
        self.kind
    }

    /// Retune in place.
    pub fn set(&mut self, params: &FilterParams) {
        self.params = *params;
    }

    /// Silence the state.
    pub fn reset(&mut self, mem: &mut [f32]) {
        mem.fill(0.0);
    }

    /// Process in place.
    pub fn process(&mut self, _mem: &mut [f32], _left: &mut [f32], _right: &mut [f32]) {}
}
