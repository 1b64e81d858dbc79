//! Bus effects: one module per effect, all allocation-free, all deterministic.
//!
//! # The processor contract
//! Every processor `X` with parameters `P` (see [`params`]) has:
//! - `X::memory_len(ctx) -> usize`: how many `f32`s of effect memory it needs (delay lines,
//!   reverb tanks, look-ahead); 0 for most. Independent of `P`, so no parameter change ever needs
//!   more memory.
//! - `X::new(&P, ctx) -> X`: a processor at `P`, its state silent.
//! - `x.set(&P)`: retune in place. State (filter memory, delay lines, tails, envelopes)
//!   survives, and the change is smoothed so that sweeping a parameter every block adds no
//!   jump the signal itself does not have. Coefficients are computed here, never per sample.
//! - `x.reset(mem)`: silence the state (and zero its memory).
//! - `x.process(mem, left, right)`: process planar stereo in place; `left` and `right` have the
//!   same length, at most [`SEGMENT`](crate::SEGMENT) frames. `mem` is exactly
//!   `memory_len(ctx)` long and belongs to this processor alone.
//!
//! Parameters reaching a processor are [`sanitized`](params::GainParams::sanitized): in range
//! and finite. Processors never panic, allocate or produce NaN from finite input.

mod between;
pub(crate) use between::between;
pub mod biquad;
pub mod compressor;
pub mod delay;
pub mod eq;
pub mod gain;
pub mod limiter;
pub mod params;
pub mod reverb;
pub mod softclip;

use biquad::{Filter, FilterKind};
use compressor::Compressor;
use delay::Delay;
use eq::ParametricEq;
use gain::Gain;
use limiter::Limiter;
use params::{
    CompressorParams, DelayParams, EqParams, FilterParams, GainParams, LimiterParams, ReverbParams,
    SoftClipParams,
};
use reverb::Reverb;
use softclip::SoftClip;

/// What every processor is built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct EffectContext {
    /// Frames per second.
    pub sample_rate: u32,
    /// Length of parameter smoothing, in frames (the mixer's control ramp, 5 ms by default).
    pub smoothing_frames: u32,
}

impl EffectContext {
    /// A context at `sample_rate` with 5 ms smoothing.
    pub const fn new(sample_rate: u32) -> Self {
        Self {
            sample_rate,
            smoothing_frames: sample_rate / 200,
        }
    }
}

/// One effect and its parameters: what a bus's chain slot holds.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum EffectParams {
    /// `gain`.
    Gain(GainParams),
    /// `lowpass`.
    LowPass(FilterParams),
    /// `highpass`.
    HighPass(FilterParams),
    /// `bandpass` (constant 0 dB peak).
    BandPass(FilterParams),
    /// `notch`.
    Notch(FilterParams),
    /// `parametriceq`.
    ParametricEq(EqParams),
    /// `delay`.
    Delay(DelayParams),
    /// `reverb`.
    Reverb(ReverbParams),
    /// `softclip`.
    SoftClip(SoftClipParams),
    /// `compressor`.
    Compressor(CompressorParams),
    /// `limiter` (ours).
    Limiter(LimiterParams),
}

/// Every effect's type tag, as the original spells it (plus `limiter`).
pub const EFFECT_TAGS: [&str; 11] = [
    "gain",
    "lowpass",
    "highpass",
    "bandpass",
    "notch",
    "parametriceq",
    "delay",
    "reverb",
    "softclip",
    "compressor",
    "limiter",
];

impl EffectParams {
    /// The effect's type tag (`"lowpass"`, `"reverb"`, …).
    pub const fn tag(&self) -> &'static str {
        match self {
            EffectParams::Gain(_) => "gain",
            EffectParams::LowPass(_) => "lowpass",
            EffectParams::HighPass(_) => "highpass",
            EffectParams::BandPass(_) => "bandpass",
            EffectParams::Notch(_) => "notch",
            EffectParams::ParametricEq(_) => "parametriceq",
            EffectParams::Delay(_) => "delay",
            EffectParams::Reverb(_) => "reverb",
            EffectParams::SoftClip(_) => "softclip",
            EffectParams::Compressor(_) => "compressor",
            EffectParams::Limiter(_) => "limiter",
        }
    }

    /// The same effect with every parameter in range.
    pub fn sanitized(self) -> Self {
        match self {
            EffectParams::Gain(p) => EffectParams::Gain(p.sanitized()),
            EffectParams::LowPass(p) => EffectParams::LowPass(p.sanitized()),
            EffectParams::HighPass(p) => EffectParams::HighPass(p.sanitized()),
            EffectParams::BandPass(p) => EffectParams::BandPass(p.sanitized()),
            EffectParams::Notch(p) => EffectParams::Notch(p.sanitized()),
            EffectParams::ParametricEq(p) => EffectParams::ParametricEq(p.sanitized()),
            EffectParams::Delay(p) => EffectParams::Delay(p.sanitized()),
            EffectParams::Reverb(p) => EffectParams::Reverb(p.sanitized()),
            EffectParams::SoftClip(p) => EffectParams::SoftClip(p.sanitized()),
            EffectParams::Compressor(p) => EffectParams::Compressor(p.sanitized()),
            EffectParams::Limiter(p) => EffectParams::Limiter(p.sanitized()),
        }
    }

    /// Whether `other` is the same kind of effect, so it can be retuned in place.
    pub fn same_kind(&self, other: &Self) -> bool {
        core::mem::discriminant(self) == core::mem::discriminant(other)
    }

    /// The effect memory this kind of effect needs at `ctx`, in `f32`s.
    pub fn memory_len(&self, ctx: &EffectContext) -> usize {
        match self {
            EffectParams::Delay(_) => Delay::memory_len(ctx),
            EffectParams::Reverb(_) => Reverb::memory_len(ctx),
            EffectParams::Limiter(_) => Limiter::memory_len(ctx),
            _ => 0,
        }
    }
}

/// A running effect: the processor for one chain slot.
///
/// A slot is as big as its largest effect (the 8-band EQ): with no allocator there is no box
/// to put the big ones in, and slots are fixed at construction anyway.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum Processor {
    Gain(Gain),
    Filter(Filter),
    Eq(ParametricEq),
    Delay(Delay),
    Reverb(Reverb),
    SoftClip(SoftClip),
    Compressor(Compressor),
    Limiter(Limiter),
}

impl Processor {
    /// A processor for `params` (sanitized), its state silent. `mem` is its memory, zeroed here.
    pub fn new(params: &EffectParams, ctx: &EffectContext, mem: &mut [f32]) -> Self {
        let mut p = match params.sanitized() {
            EffectParams::Gain(p) => Processor::Gain(Gain::new(&p, ctx)),
            EffectParams::LowPass(p) => {
                Processor::Filter(Filter::new(FilterKind::LowPass, &p, ctx))
            }
            EffectParams::HighPass(p) => {
                Processor::Filter(Filter::new(FilterKind::HighPass, &p, ctx))
            }
            EffectParams::BandPass(p) => {
                Processor::Filter(Filter::new(FilterKind::BandPass, &p, ctx))
            }
            EffectParams::Notch(p) => Processor::Filter(Filter::new(FilterKind::Notch, &p, ctx)),
            EffectParams::ParametricEq(p) => Processor::Eq(ParametricEq::new(&p, ctx)),
            EffectParams::Delay(p) => Processor::Delay(Delay::new(&p, ctx)),
            EffectParams::Reverb(p) => Processor::Reverb(Reverb::new(&p, ctx)),
            EffectParams::SoftClip(p) => Processor::SoftClip(SoftClip::new(&p, ctx)),
            EffectParams::Compressor(p) => Processor::Compressor(Compressor::new(&p, ctx)),
            EffectParams::Limiter(p) => Processor::Limiter(Limiter::new(&p, ctx)),
        };
        p.reset(mem);
        p
    }

    /// Retune in place; `params` must be the same kind (else nothing changes and `false`).
    pub fn set(&mut self, params: &EffectParams) -> bool {
        match (self, params.sanitized()) {
            (Processor::Gain(x), EffectParams::Gain(p)) => x.set(&p),
            (Processor::Filter(x), EffectParams::LowPass(p)) if x.kind() == FilterKind::LowPass => {
                x.set(&p)
            }
            (Processor::Filter(x), EffectParams::HighPass(p))
                if x.kind() == FilterKind::HighPass =>
            {
                x.set(&p)
            }
            (Processor::Filter(x), EffectParams::BandPass(p))
                if x.kind() == FilterKind::BandPass =>
            {
                x.set(&p)
            }
            (Processor::Filter(x), EffectParams::Notch(p)) if x.kind() == FilterKind::Notch => {
                x.set(&p)
            }
            (Processor::Eq(x), EffectParams::ParametricEq(p)) => x.set(&p),
            (Processor::Delay(x), EffectParams::Delay(p)) => x.set(&p),
            (Processor::Reverb(x), EffectParams::Reverb(p)) => x.set(&p),
            (Processor::SoftClip(x), EffectParams::SoftClip(p)) => x.set(&p),
            (Processor::Compressor(x), EffectParams::Compressor(p)) => x.set(&p),
            (Processor::Limiter(x), EffectParams::Limiter(p)) => x.set(&p),
            _ => return false,
        }
        true
    }

    /// Silence the state and zero `mem`.
    pub fn reset(&mut self, mem: &mut [f32]) {
        match self {
            Processor::Gain(x) => x.reset(mem),
            Processor::Filter(x) => x.reset(mem),
            Processor::Eq(x) => x.reset(mem),
            Processor::Delay(x) => x.reset(mem),
            Processor::Reverb(x) => x.reset(mem),
            Processor::SoftClip(x) => x.reset(mem),
            Processor::Compressor(x) => x.reset(mem),
            Processor::Limiter(x) => x.reset(mem),
        }
    }

    /// Process planar stereo in place.
    pub fn process(&mut self, mem: &mut [f32], left: &mut [f32], right: &mut [f32]) {
        match self {
            Processor::Gain(x) => x.process(mem, left, right),
            Processor::Filter(x) => x.process(mem, left, right),
            Processor::Eq(x) => x.process(mem, left, right),
            Processor::Delay(x) => x.process(mem, left, right),
            Processor::Reverb(x) => x.process(mem, left, right),
            Processor::SoftClip(x) => x.process(mem, left, right),
            Processor::Compressor(x) => x.process(mem, left, right),
            Processor::Limiter(x) => x.process(mem, left, right),
        }
    }
}
