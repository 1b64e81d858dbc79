//! `softclip`: `y = output_gain · tanh(drive·x) / tanh(drive)`.
//!
//! The curve passes through ±`output_gain` at x = ±1 and saturates at
//! ±`output_gain / tanh(drive)` (`drive` is at least 0.1, so `tanh(drive)` is never 0). It is odd,
//! memoryless and adds no latency.
//!
//! `drive` and `output_gain` each ramp linearly over the context's `smoothing_frames` when
//! retuned, in lock-step. At rest the factor `output_gain / tanh(drive)` is computed once (in
//! `new`, `set` or when a ramp lands); only while ramping is `tanh(drive)` evaluated per frame.

use super::EffectContext;
use super::params::SoftClipParams;
use crate::math;
use crate::smooth::Ramp;

/// The processor.
#[derive(Debug, Clone)]
pub struct SoftClip {
    /// `drive`, ramping.
    drive: Ramp,
    /// `output_gain`, ramping in lock-step with `drive`.
    output: Ramp,
    /// `output_gain / tanh(drive)` of the settled values.
    scale: f32,
    /// Ramp length for a change, in frames.
    frames: u32,
}

/// `output_gain / tanh(drive)`.
#[inline]
fn scale(drive: f32, output_gain: f32) -> f32 {
    output_gain / math::tanh(drive)
}

impl SoftClip {
    /// `f32`s of memory needed: none.
    pub fn memory_len(_ctx: &EffectContext) -> usize {
        0
    }

    /// A processor at `params`.
    pub fn new(params: &SoftClipParams, ctx: &EffectContext) -> Self {
        let p = params.sanitized();
        Self {
            drive: Ramp::at(p.drive),
            output: Ramp::at(p.output_gain),
            scale: scale(p.drive, p.output_gain),
            frames: ctx.smoothing_frames,
        }
    }

    /// Retune in place: `drive` and `output_gain` ramp to the new values.
    pub fn set(&mut self, params: &SoftClipParams) {
        let p = params.sanitized();
        if self.drive.target == p.drive && self.output.target == p.output_gain {
            return;
        }
        self.drive.set(p.drive, self.frames);
        self.output.set(p.output_gain, self.frames);
        if self.drive.is_settled() {
            self.scale = scale(self.drive.value, self.output.value);
        }
    }

    /// Silence the state: land any ramp on its target.
    pub fn reset(&mut self, mem: &mut [f32]) {
        mem.fill(0.0);
        self.drive.jump(self.drive.target);
        self.output.jump(self.output.target);
        self.scale = scale(self.drive.value, self.output.value);
    }

    /// Process in place.
    pub fn process(&mut self, _mem: &mut [f32], left: &mut [f32], right: &mut [f32]) {
        let mut frames = left.iter_mut().zip(right.iter_mut());
        while !self.drive.is_settled() {
            let Some((l, r)) = frames.next() else {
                return;
            };
            let d = self.drive.value;
            let s = scale(d, self.output.value);
            *l = s * math::tanh(d * *l);
            *r = s * math::tanh(d * *r);
            self.drive.advance(1);
            self.output.advance(1);
            if self.drive.is_settled() {
                self.scale = scale(self.drive.value, self.output.value);
            }
        }
        let (d, s) = (self.drive.value, self.scale);
        for (l, r) in frames {
            *l = s * math::tanh(d * *l);
            *r = s * math::tanh(d * *r);
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

    fn clip(drive: f32, output_gain: f32) -> SoftClip {
        SoftClip::new(&SoftClipParams { drive, output_gain }, &CTX)
    }

    /// The formula, in double precision.
    fn reference(x: f32, drive: f32, output_gain: f32) -> f64 {
        let (x, d, g) = (f64::from(x), f64::from(drive), f64::from(output_gain));
        g * libm::tanh(d * x) / libm::tanh(d)
    }

    use crate::tests::xorshift as noise;

    /// Runs `x` (both channels) in 128-frame blocks, `before` called per block.
    fn run(c: &mut SoftClip, x: &[f32], mut before: impl FnMut(&mut SoftClip)) -> Vec<f32> {
        let mut out = Vec::with_capacity(x.len());
        for chunk in x.chunks(128) {
            before(c);
            let mut l = chunk.to_vec();
            let mut r = chunk.to_vec();
            c.process(&mut [], &mut l, &mut r);
            assert_eq!(l, r);
            out.extend_from_slice(&l);
        }
        out
    }

    /// Tests the output against the formula over a grid of inputs, drives and output gains
    /// (within 1e-6, relative above 1), and its odd symmetry.
    #[test]
    fn matches_the_formula() {
        let xs: Vec<f32> = (-400..=400).map(|i| i as f32 / 100.0).collect();
        let mut worst = 0.0f64;
        for drive in [0.1, 0.5, 1.0, 2.0, 3.7, 8.0, 20.0] {
            for output_gain in [0.0, 0.25, 1.0, 2.5, 4.0] {
                let out = run(&mut clip(drive, output_gain), &xs, |_| {});
                for (&x, &y) in xs.iter().zip(&out) {
                    let want = reference(x, drive, output_gain);
                    let err = (f64::from(y) - want).abs() / want.abs().max(1.0);
                    worst = worst.max(err);
                    assert!(
                        err <= 1e-6,
                        "x {x} drive {drive} gain {output_gain}: {y} vs {want}"
                    );
                }
                // Odd symmetry: y(−x) = −y(x), bit for bit.
                let neg: Vec<f32> = xs.iter().map(|x| -x).collect();
                let out_neg = run(&mut clip(drive, output_gain), &neg, |_| {});
                for (a, b) in out.iter().zip(&out_neg) {
                    assert_eq!(*a, -*b);
                }
                // output_gain honoured: ±1 maps to ±output_gain.
                let unit = run(&mut clip(drive, output_gain), &[1.0, -1.0], |_| {});
                assert!((unit[0] - output_gain).abs() <= 1e-6 * output_gain.max(1.0));
                assert!((unit[1] + output_gain).abs() <= 1e-6 * output_gain.max(1.0));
            }
        }
        std::println!("softclip: worst relative error vs the formula {worst:e}");
    }

    /// Tests that a retune ramps: the first frame after set is still the old curve, the frame
    /// after smoothing_frames is exactly the new one, and in between it moves monotonically.
    #[test]
    fn retune_ramps() {
        let mut c = clip(2.0, 1.0);
        c.set(&SoftClipParams {
            drive: 4.0,
            output_gain: 0.5,
        });
        let out = run(&mut c, &vec![0.5; 512], |_| {});
        let frames = CTX.smoothing_frames as usize;
        assert!((f64::from(out[0]) - reference(0.5, 2.0, 1.0)).abs() < 1e-6);
        for w in out[..=frames].windows(2) {
            assert!(w[1] <= w[0]);
        }
        let settled = reference(0.5, 4.0, 0.5);
        assert!(
            out[frames..]
                .iter()
                .all(|&y| (f64::from(y) - settled).abs() < 1e-6)
        );
    }

    /// Tests that sweeping output_gain every 128-frame block (on a sine) adds no step above
    /// the signal's own largest step through the curve plus the ramp's slope, and that
    /// sweeping drive and output_gain together (on a steady input) moves the output no faster
    /// than the ramps allow.
    #[test]
    fn sweeping_every_block_does_not_click() {
        let frames = CTX.smoothing_frames as f32;
        let largest_step = |out: &[f32]| {
            out.windows(2)
                .map(|w| (w[1] - w[0]).abs())
                .fold(0.0f32, f32::max)
        };

        // output_gain on a sine at drive 2.
        let w = core::f32::consts::TAU * 500.0 / 48_000.0;
        let x: Vec<f32> = (0..128 * 300)
            .map(|i| 0.8 * libm::sinf(w * i as f32))
            .collect();
        let mut seed = 11;
        let mut c = clip(2.0, 1.0);
        let mut slope = 0.0f32;
        let out = run(&mut c, &x, |c| {
            let g = 4.0 * (noise(&mut seed) * 0.5 + 0.5);
            slope = slope.max((g - c.output.value).abs() / frames);
            c.set(&SoftClipParams {
                drive: 2.0,
                output_gain: g,
            });
        });
        // The static curve's steepest slope is drive/tanh(drive) (at 0), times gain ≤ 4; the
        // ramp adds at most slope·max|tanh(dx)/tanh(d)|.
        let own = largest_step(&x);
        let limit = 4.0 * 2.0 / math::tanh(2.0) * own + slope / math::tanh(2.0) + 1e-6;
        let largest = largest_step(&out);
        assert!(largest <= limit, "{largest} > {limit}");

        // drive and output_gain on a steady 0.5: only the ramps move the output.
        let f = |d: f64, g: f64| g * libm::tanh(0.5 * d) / libm::tanh(d);
        let mut dfdd = 0.0f64;
        let mut shape = 0.0f64;
        for i in 0..=2000 {
            let d = 0.1 + 19.9 * f64::from(i) / 2000.0;
            dfdd = dfdd.max(((f(d + 1e-4, 4.0) - f(d, 4.0)) / 1e-4).abs());
            shape = shape.max(f(d, 1.0));
        }
        let limit = (dfdd * 19.9 / f64::from(frames) + shape * 4.0 / f64::from(frames)) * 1.01;
        let mut seed = 13;
        let mut c = clip(2.0, 1.0);
        let out = run(&mut c, &vec![0.5; 128 * 300], |c| {
            c.set(&SoftClipParams {
                drive: 0.1 + 19.9 * (noise(&mut seed) * 0.5 + 0.5),
                output_gain: 4.0 * (noise(&mut seed) * 0.5 + 0.5),
            });
        });
        let largest = f64::from(largest_step(&out));
        assert!(largest <= limit, "{largest} > {limit}");
        std::println!(
            "softclip: drive+gain sweep largest step {largest:.5} (ramp bound {limit:.5}, unramped would be up to ~2)"
        );
    }

    /// Tests finite output for extreme parameters and inputs, and any block length.
    #[test]
    fn finite_for_extremes() {
        let mut seed = 5;
        for (drive, g) in [(0.1, 4.0), (20.0, 4.0), (0.1, 0.0), (f32::NAN, f32::NAN)] {
            let mut c = clip(drive, g);
            for n in 0..=128 {
                let mut l: Vec<f32> = (0..n).map(|_| 1e30 * noise(&mut seed)).collect();
                let mut r = vec![f32::MAX; n];
                c.process(&mut [], &mut l, &mut r);
                assert!(l.iter().chain(&r).all(|s| s.is_finite()));
                assert!(l.iter().all(|s| s.abs() <= 4.0 / math::tanh(0.1) * 1.0001));
            }
            c.set(&SoftClipParams {
                drive: 20.0 - drive.min(19.0),
                output_gain: 4.0,
            });
            c.reset(&mut []);
        }
    }
}
