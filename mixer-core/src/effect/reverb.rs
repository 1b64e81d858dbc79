//! `reverb`: Freeverb (8 combs, 4 all-passes per side) with canonical gain staging.
//!
//! SKELETON: pass-through until the processor lands (see `effect/mod.rs` for the contract).

use super::EffectContext;
use super::params::ReverbParams;

/// The processor.
#[derive(Debug, Clone)]
pub struct Reverb {
    params: ReverbParams,
}

impl Reverb {
    /// `f32`s of memory needed.
    pub fn memory_len(_ctx: &EffectContext) -> usize {
        0
    }

    /// A processor at `params`.
    pub fn new(params: &ReverbParams, _ctx: &EffectContext) -> Self {
        Self { params: *params }
    }

    /// Retune in place.
    pub fn set(&mut self, params: &ReverbParams) {
        self.params = *params;
    }

    /// Silence the state.
    pub fn reset(&mut self, mem: &mut [f32]) {
        mem.fill(0.0);
    }

    /// Process in place.
    pub fn process(&mut self, _mem: &mut [f32], _left: &mut [f32], _right: &mut [f32]) {}
}
