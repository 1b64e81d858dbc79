//! `gain`: a smoothed level change (−80 dB is silence).
//!
//! The level becomes a linear factor through [`db_to_linear`], so −80 dB (the silence floor) is
//! exactly zero gain and +24 dB is ×15.85. A change ramps linearly, in the linear domain, from
//! the factor in use to the new one over the context's `smoothing_frames`; a change that arrives
//! mid-ramp starts a new ramp from wherever the old one had got to, so retuning every block
//! never makes a step larger than `|new − current| / smoothing_frames`.

use super::EffectContext;
use super::params::GainParams;
use crate::db::db_to_linear;
use crate::smooth::Ramp;

/// The processor.
#[derive(Debug, Clone)]
pub struct Gain {
    /// The linear factor, ramping toward the last `set`.
    gain: Ramp,
    /// Ramp length for a change, in frames.
    frames: u32,
}

impl Gain {
    /// `f32`s of memory needed: none.
    pub fn memory_len(_ctx: &EffectContext) -> usize {
        0
    }

    /// A processor at `params`, already at its level (no ramp from silence).
    pub fn new(params: &GainParams, ctx: &EffectContext) -> Self {
        Self {
            gain: Ramp::at(db_to_linear(params.sanitized().volume_db)),
            frames: ctx.smoothing_frames,
        }
    }

    /// Retune in place: ramp to the new level over `smoothing_frames`.
    pub fn set(&mut self, params: &GainParams) {
        let target = db_to_linear(params.sanitized().volume_db);
        if self.gain.is_settled() && self.gain.value == target {
            return;
        }
        self.gain.set(target, self.frames);
    }

    /// Silence the state: land any ramp on its target.
    pub fn reset(&mut self, mem: &mut [f32]) {
        mem.fill(0.0);
        self.gain.jump(self.gain.target);
    }

    /// The linear factor the next frame gets.
    pub fn gain(&self) -> f32 {
        self.gain.value
    }

    /// Process in place.
    pub fn process(&mut self, _mem: &mut [f32], left: &mut [f32], right: &mut [f32]) {
        let mut frames = left.iter_mut().zip(right.iter_mut());
        while !self.gain.is_settled() {
            let Some((l, r)) = frames.next() else {
                return;
            };
            let g = self.gain.value;
            *l *= g;
            *r *= g;
            self.gain.advance(1);
        }
        let g = self.gain.value;
        if g != 1.0 {
            for (l, r) in frames {
                *l *= g;
                *r *= g;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use std::vec;
    use std::vec::Vec;

    use super::*;

    const CTX: EffectContext = EffectContext::new(48_000);

    fn gain(volume_db: f32) -> Gain {
        Gain::new(&GainParams { volume_db }, &CTX)
    }

    use crate::tests::xorshift as noise;

    /// Runs `x` (both channels) through `g` in 128-frame blocks, `before` called per block.
    fn run(g: &mut Gain, x: &[f32], mut before: impl FnMut(usize, &mut Gain)) -> Vec<f32> {
        let mut out = Vec::with_capacity(x.len());
        for (b, chunk) in x.chunks(128).enumerate() {
            before(b, g);
            let mut l = chunk.to_vec();
            let mut r = chunk.to_vec();
            g.process(&mut [], &mut l, &mut r);
            assert_eq!(l, r);
            out.extend_from_slice(&l);
        }
        out
    }

    /// Tests exact levels: −6.0206 dB halves, 0 dB is the identity, −80 dB and below are zeros.
    #[test]
    fn exact_levels() {
        let mut seed = 1;
        let x: Vec<f32> = (0..1000).map(|_| noise(&mut seed)).collect();
        let out = run(&mut gain(-6.0206), &x, |_, _| {});
        for (o, i) in out.iter().zip(&x) {
            assert!((o - 0.5 * i).abs() <= 1e-5 * i.abs(), "{o} vs {i}");
        }
        assert_eq!(run(&mut gain(0.0), &x, |_, _| {}), x);
        assert!((gain(20.0).gain() - 10.0).abs() < 1e-5);
        for db in [-80.0, -200.0, f32::NEG_INFINITY] {
            let out = run(&mut gain(db), &x, |_, _| {});
            assert!(out.iter().all(|&s| s == 0.0), "{db} dB");
        }
        // NaN is sanitized to the default, 0 dB.
        assert_eq!(run(&mut gain(f32::NAN), &x, |_, _| {}), x);
    }

    /// Tests that a change ramps linearly over smoothing_frames, one equal step per frame.
    #[test]
    fn ramp_has_no_step_above_the_slope() {
        let mut g = gain(0.0);
        g.set(&GainParams { volume_db: -80.0 });
        let out = run(&mut g, &vec![1.0; 1024], |_, _| {});
        let frames = CTX.smoothing_frames as usize;
        let slope = 1.0 / frames as f32;
        assert_eq!(out[0], 1.0);
        for i in 1..=frames {
            let step = out[i - 1] - out[i];
            assert!((step - slope).abs() < 1e-6, "frame {i}: step {step}");
        }
        assert!(out[frames..].iter().all(|&s| s == 0.0));
    }

    /// Tests that changing the level every 128-frame block (random levels over the whole
    /// range) never makes a step larger than the ramp's slope allows.
    #[test]
    fn sweeping_every_block_does_not_click() {
        let mut seed = 7;
        let frames = CTX.smoothing_frames as f32;
        let mut bound = 0.0f32;
        let mut g = gain(0.0);
        let x = vec![1.0f32; 128 * 200];
        let out = run(&mut g, &x, |_, g| {
            let db = -80.0 + 104.0 * (noise(&mut seed) * 0.5 + 0.5);
            let from = g.gain();
            g.set(&GainParams { volume_db: db });
            bound = bound.max((db_to_linear(db) - from).abs() / frames);
        });
        let largest = out
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0f32, f32::max);
        assert!(largest <= bound * (1.0 + 1e-4), "{largest} > {bound}");
        // And on a sine: no step above the sine's own largest step times the largest gain,
        // plus the ramp's slope.
        let mut seed = 7;
        let mut g = gain(0.0);
        let w = core::f32::consts::TAU * 1000.0 / 48_000.0;
        let x: Vec<f32> = (0..128 * 200)
            .map(|i| 0.5 * libm::sinf(w * i as f32))
            .collect();
        let own = x
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max);
        let mut slope = 0.0f32;
        let out = run(&mut g, &x, |_, g| {
            let db = -80.0 + 104.0 * (noise(&mut seed) * 0.5 + 0.5);
            let from = g.gain();
            g.set(&GainParams { volume_db: db });
            slope = slope.max((db_to_linear(db) - from).abs() / frames);
        });
        let largest = out
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0f32, f32::max);
        let limit = own * db_to_linear(24.0) + 0.5 * slope + 1e-6;
        assert!(largest <= limit, "{largest} > {limit}");
    }

    /// Tests that reset lands a ramp, and odd block lengths (0..=128) never panic.
    #[test]
    fn reset_and_block_lengths() {
        let mut g = gain(0.0);
        g.set(&GainParams { volume_db: -6.0206 });
        g.reset(&mut []);
        assert!((g.gain() - 0.5).abs() < 1e-6);
        let mut seed = 3;
        for _ in 0..500 {
            let n = (noise(&mut seed).abs() * 129.0) as usize;
            let mut l = vec![1e6f32; n.min(128)];
            let mut r = l.clone();
            g.set(&GainParams {
                volume_db: 24.0 * noise(&mut seed),
            });
            g.process(&mut [], &mut l, &mut r);
            assert!(l.iter().chain(&r).all(|s| s.is_finite()));
        }
    }
}
