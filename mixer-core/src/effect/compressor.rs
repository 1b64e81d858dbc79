//! `compressor`: a stereo-linked feed-forward compressor with a soft knee that only reduces gain.
//!
//! SKELETON: pass-through until the processor lands (see `effect/mod.rs` for the contract).

use super::EffectContext;
use super::params::CompressorParams;

/// The processor.
#[derive(Debug, Clone)]
pub struct Compressor {
    params: CompressorParams,
}

impl Compressor {
    /// `f32`s of memory needed.
    pub fn memory_len(_ctx: &EffectContext) -> usize {
        0
    }

    /// A processor at `params`.
    pub fn new(params: &CompressorParams, _ctx: &EffectContext) -> Self {
        Self { params: *params }
    }

    /// Retune in place.
    pub fn set(&mut self, params: &CompressorParams) {
        self.params = *params;
    }

    /// Silence the state.
    pub fn reset(&mut self, mem: &mut [f32]) {
        mem.fill(0.0);
    }

    /// Process in place.
    pub fn process(&mut self, _mem: &mut [f32], _left: &mut [f32], _right: &mut [f32]) {}
}
