//! `compressor`: a stereo-linked feed-forward compressor with a soft knee that only reduces gain.
//!
//! Per frame:
//! 1. **Detector**: the frame's peak `max(|L|, |R|)` in dB, floored at −120 dB.
//! 2. **Gain computer** (Giannoulis, Massberg & Reiss, *Digital Dynamic Range Compressor
//!    Design*, JAES 2012), with threshold `T`, ratio `R`, knee width `W`, all in dB, giving the
//!    gain change `g(x) ≤ 0`:
//!    - `x ≤ T − W/2`: `g = 0`;
//!    - `x ≥ T + W/2`: `g = (T + (x − T)/R) − x = (1/R − 1)·(x − T)`;
//!    - inside the knee: `g = (1/R − 1)·(x − T + W/2)² / (2W)`.
//!
//!    Every branch is ≤ 0 (the knee only ever reduces gain: the original engine's knee added a
//!    boost) and the curve is continuous, with a continuous slope, at both knee edges. `W = 0` is
//!    a hard knee.
//! 3. **Smoothing** of `g` in the dB domain, a branching one-pole: attack when the reduction
//!    grows, release when it shrinks, with pole `exp(−1/(τ·fs))`, so a step reaches 63.2 % of
//!    its change after exactly `attack` (resp. `release`) seconds.
//! 4. `makeup_db` is added and the one resulting gain is applied to both channels (stereo link:
//!    a peak in either channel turns both down equally).
//!
//! Retuning ramps threshold, ratio (as `1/R − 1`), knee and makeup linearly over the context's
//! `smoothing_frames`, so sweeping any of them every block does not jump the gain; attack and
//! release take effect at once (they are rates, not levels). The per-frame cost at rest is an
//! absolute-value compare when the peak is below the knee and the envelope is idle, else one
//! `ln` and one `exp`.

use super::EffectContext;
use super::params::CompressorParams;
use crate::math;
use crate::smooth::Ramp;

/// `ln(10)/20`: multiply dB by it and take `exp` for a linear gain.
const DB_TO_LN: f32 = core::f32::consts::LN_10 / 20.0;
/// `20/ln(10)`: multiply a natural log by it for dB.
const LN_TO_DB: f32 = 20.0 / core::f32::consts::LN_10;
/// The detector's floor in dB.
const FLOOR_DB: f32 = -120.0;
/// The detector's ceiling in dB (f32::MAX is 770 dB): keeps an infinite input finite.
const CEIL_DB: f32 = 1000.0;
/// The detector's floor as a linear peak (10^(−120/20)).
const FLOOR_LIN: f32 = 1e-6;
/// An envelope this close to 0 dB, with nothing to compress, snaps to exactly 0 dB (1.15e-7
/// relative gain: below one f32 ulp of 1.0), so an idle compressor never decays into denormals.
const SNAP_DB: f32 = -1e-6;

/// The one-pole coefficient `1 − exp(−1/(τ·fs))`, computed with `expm1` so that long time
/// constants keep their precision.
fn one_pole(tau: f32, fs: f32) -> f32 {
    -libm::expm1f(-1.0 / (tau * fs))
}

/// Linear gain of `db`.
#[inline]
fn db_to_lin(db: f32) -> f32 {
    math::exp(db * DB_TO_LN)
}

/// The processor.
#[derive(Debug, Clone)]
pub struct Compressor {
    /// Frames per second.
    fs: f32,
    /// Ramp length for a change, in frames.
    frames: u32,
    /// `T` in dB.
    threshold: Ramp,
    /// `1/R − 1`, in `[−0.95, 0]`.
    slope: Ramp,
    /// `W` in dB.
    knee: Ramp,
    /// Makeup in dB.
    makeup: Ramp,
    /// `1 / (2W)` of the current knee (0 for a hard knee).
    inv_2w: f32,
    /// A linear peak at or below which `g = 0` for every curve the current ramp passes through.
    gate: f32,
    /// Linear makeup when the makeup ramp is settled.
    makeup_lin: f32,
    /// Attack one-pole coefficient `1 − exp(−1/(attack·fs))`.
    attack: f32,
    /// Release one-pole coefficient `1 − exp(−1/(release·fs))`.
    release: f32,
    /// The smoothed gain change in dB, ≤ 0.
    env: f32,
    /// The low-order part `env` could not hold (Kahan's compensation: the envelope is
    /// `env − comp`).
    comp: f32,
}

impl Compressor {
    /// `f32`s of memory needed: none.
    pub fn memory_len(_ctx: &EffectContext) -> usize {
        0
    }

    /// A processor at `params`, its envelope at rest (no reduction).
    pub fn new(params: &CompressorParams, ctx: &EffectContext) -> Self {
        let p = params.sanitized();
        let fs = ctx.sample_rate.max(1) as f32;
        let mut c = Self {
            fs,
            frames: ctx.smoothing_frames,
            threshold: Ramp::at(p.threshold_db),
            slope: Ramp::at(1.0 / p.ratio - 1.0),
            knee: Ramp::at(p.knee_db),
            makeup: Ramp::at(p.makeup_db),
            inv_2w: 0.0,
            gate: 0.0,
            makeup_lin: 1.0,
            attack: one_pole(p.attack, fs),
            release: one_pole(p.release, fs),
            env: 0.0,
            comp: 0.0,
        };
        c.settle();
        c
    }

    /// Retune in place: curve and makeup ramp over `smoothing_frames`, attack and release
    /// change at once.
    pub fn set(&mut self, params: &CompressorParams) {
        let p = params.sanitized();
        self.attack = one_pole(p.attack, self.fs);
        self.release = one_pole(p.release, self.fs);
        let slope = 1.0 / p.ratio - 1.0;
        if self.threshold.target == p.threshold_db
            && self.slope.target == slope
            && self.knee.target == p.knee_db
            && self.makeup.target == p.makeup_db
        {
            return;
        }
        // The knee's lower edge moves linearly, so its lowest point is at an end of the ramp.
        let low_now = self.threshold.value - 0.5 * self.knee.value;
        let low_then = p.threshold_db - 0.5 * p.knee_db;
        self.threshold.set(p.threshold_db, self.frames);
        self.slope.set(slope, self.frames);
        self.knee.set(p.knee_db, self.frames);
        self.makeup.set(p.makeup_db, self.frames);
        if self.threshold.is_settled() {
            self.settle();
        } else {
            self.gate = db_to_lin(low_now.min(low_then));
        }
    }

    /// Silence the state: no reduction, ramps landed.
    pub fn reset(&mut self, mem: &mut [f32]) {
        mem.fill(0.0);
        self.env = 0.0;
        self.comp = 0.0;
        self.threshold.jump(self.threshold.target);
        self.slope.jump(self.slope.target);
        self.knee.jump(self.knee.target);
        self.makeup.jump(self.makeup.target);
        self.settle();
    }

    /// The smoothed gain change the last frame got, in dB (≤ 0, makeup not included).
    pub fn gain_reduction_db(&self) -> f32 {
        self.env
    }

    /// Derived values of the settled ramps.
    fn settle(&mut self) {
        let w = self.knee.value;
        self.inv_2w = if w > 0.0 { 0.5 / w } else { 0.0 };
        self.gate = db_to_lin(self.threshold.value - 0.5 * w);
        self.makeup_lin = db_to_lin(self.makeup.value);
    }

    /// The gain computer: the static gain change in dB for a level `x` in dB.
    #[inline]
    fn curve(&self, x: f32) -> f32 {
        let t = self.threshold.value;
        let half = 0.5 * self.knee.value;
        let s = self.slope.value;
        if x <= t - half {
            0.0
        } else if x >= t + half {
            s * (x - t)
        } else {
            let d = x - (t - half);
            s * d * d * self.inv_2w
        }
    }

    /// Process in place.
    pub fn process(&mut self, _mem: &mut [f32], left: &mut [f32], right: &mut [f32]) {
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            let peak = if l.abs() >= r.abs() { l.abs() } else { r.abs() };
            let target = if peak > self.gate {
                let x = LN_TO_DB * math::ln(if peak > FLOOR_LIN { peak } else { FLOOR_LIN });
                // The upper clamp only keeps an infinite input from poisoning the state.
                self.curve(math::clamp(x, FLOOR_DB, CEIL_DB))
            } else {
                0.0
            };
            // One-pole step `env += k·(target − env)`, Kahan-compensated: plain f32 stalls
            // where `k·(target − env)` drops below half an ulp of `env` (0.01 dB short of
            // −18 dB for a 0.2 s attack, 0.1 dB for a 2 s release); `comp` carries the bits
            // each step loses, so the envelope lands within an ulp of the target.
            let k = if target < self.env {
                self.attack
            } else {
                self.release
            };
            if target != self.env || self.comp != 0.0 {
                let y = k * ((target - self.env) + self.comp) - self.comp;
                let t = self.env + y;
                self.comp = (t - self.env) - y;
                self.env = t;
                if target == 0.0 && self.env > SNAP_DB {
                    self.env = 0.0;
                    self.comp = 0.0;
                }
            }
            let ramping = !self.threshold.is_settled();
            let g = if ramping || self.env != 0.0 {
                db_to_lin(self.env + self.makeup.value)
            } else {
                self.makeup_lin
            };
            *l *= g;
            *r *= g;
            if ramping {
                self.threshold.advance(1);
                self.slope.advance(1);
                self.knee.advance(1);
                self.makeup.advance(1);
                if self.threshold.is_settled() {
                    self.settle();
                } else {
                    let w = self.knee.value;
                    self.inv_2w = if w > 0.0 { 0.5 / w } else { 0.0 };
                }
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

    const FS: u32 = 48_000;
    const CTX: EffectContext = EffectContext::new(FS);

    fn params(threshold_db: f32, ratio: f32, knee_db: f32) -> CompressorParams {
        CompressorParams {
            threshold_db,
            ratio,
            knee_db,
            ..CompressorParams::default()
        }
    }

    /// The textbook static curve: output level in dB for input level `x` dB (makeup 0).
    fn textbook(x: f64, p: &CompressorParams) -> f64 {
        let (t, r, w) = (
            f64::from(p.threshold_db),
            f64::from(p.ratio),
            f64::from(p.knee_db),
        );
        if 2.0 * (x - t) <= -w {
            x
        } else if 2.0 * (x - t) > w {
            t + (x - t) / r
        } else {
            x + (1.0 / r - 1.0) * (x - t + w / 2.0) * (x - t + w / 2.0) / (2.0 * w)
        }
    }

    fn db(x: f64) -> f64 {
        20.0 * libm::log10(x)
    }

    fn lin(db: f64) -> f32 {
        libm::pow(10.0, db / 20.0) as f32
    }

    use crate::tests::xorshift as noise;

    /// Runs `l`/`r` in 128-frame blocks; returns both outputs and the reported reduction per
    /// frame.
    fn run(c: &mut Compressor, l: &[f32], r: &[f32]) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let (mut ol, mut or, mut gr) = (Vec::new(), Vec::new(), Vec::new());
        for (a, b) in l.chunks(128).zip(r.chunks(128)) {
            for (&x, &y) in a.iter().zip(b) {
                // One frame at a time, to read the reported gain per frame.
                let (mut x, mut y) = ([x], [y]);
                c.process(&mut [], &mut x, &mut y);
                ol.push(x[0]);
                or.push(y[0]);
                gr.push(c.gain_reduction_db());
            }
        }
        (ol, or, gr)
    }

    /// The settled output level (dB) of a steady input at `level_db`: a ±level square wave
    /// (a constant peak, so the detector sees a steady level), 0.5 s to settle.
    fn settled_db(p: &CompressorParams, level_db: f64) -> f64 {
        let mut c = Compressor::new(p, &CTX);
        let a = lin(level_db);
        let mut last = 0.0;
        let seconds = (15.0 * p.attack).max(0.5);
        for b in 0..(FS as f32 * seconds / 128.0) as usize {
            let mut l = [0.0f32; 128];
            for (i, s) in l.iter_mut().enumerate() {
                *s = if (b * 128 + i) % 96 < 48 { a } else { -a };
            }
            let mut r = l;
            c.process(&mut [], &mut l, &mut r);
            assert_eq!(l, r);
            last = l[127].abs();
        }
        db(f64::from(last))
    }

    /// Tests the static curve against the textbook one, from −60 to 0 dBFS in 3 dB steps, for
    /// soft and hard knees, several ratios and thresholds: within 0.1 dB (measured error is
    /// printed).
    #[test]
    fn static_curve_matches_the_textbook() {
        let mut worst = 0.0f64;
        for p in [
            CompressorParams::default(),
            params(-24.0, 4.0, 0.0),
            params(-12.0, 2.0, 12.0),
            params(-40.0, 20.0, 24.0),
            params(-6.0, 1.0, 6.0),
            params(-80.0, 8.0, 0.0),
            params(0.0, 3.0, 10.0),
            CompressorParams {
                attack: 0.2,
                release: 2.0,
                ..CompressorParams::default()
            },
        ] {
            for step in 0..=20 {
                let x = -60.0 + 3.0 * f64::from(step);
                let got = settled_db(&p, x);
                let want = textbook(x, &p);
                let err = (got - want).abs();
                worst = worst.max(err);
                assert!(err < 0.1, "{p:?} at {x} dB: {got} vs {want}");
            }
        }
        std::println!("compressor: static curve worst error {worst:.2e} dB");
    }

    /// Tests that the knee only ever reduces gain (output ≤ input with makeup 0), on a fine
    /// grid through the knee, and that the curve is continuous at both knee edges.
    #[test]
    fn knee_only_reduces_and_is_continuous() {
        for p in [
            CompressorParams::default(),
            params(-20.0, 20.0, 24.0),
            params(-30.0, 1.5, 3.0),
        ] {
            let (t, w) = (f64::from(p.threshold_db), f64::from(p.knee_db));
            let mut x = t - w / 2.0 - 1.0;
            while x <= t + w / 2.0 + 1.0 {
                let y = settled_db(&p, x);
                assert!(y <= x + 1e-4, "{p:?}: {x} dB in, {y} dB out");
                x += 0.25;
            }
            for edge in [t - w / 2.0, t + w / 2.0] {
                let below = settled_db(&p, edge - 0.01) - (edge - 0.01);
                let above = settled_db(&p, edge + 0.01) - (edge + 0.01);
                // The slope of the gain change is at most (1 − 1/R) ≤ 0.95 dB/dB, so 0.02 dB
                // apart the gain changes by under 0.02 dB: no jump at the edge.
                assert!(
                    (below - above).abs() < 0.02,
                    "{p:?} edge {edge}: {below} vs {above}"
                );
            }
        }
    }

    /// Tests the attack and release time constants: a step from −40 dBFS to 0 dBFS and back
    /// reaches 63.2 % of its gain change after `attack` (resp. `release`) seconds, ±5 %,
    /// measured from the output envelope (a DC input, so output/input is the gain) and from
    /// the reported reduction.
    #[test]
    fn attack_and_release_time_constants() {
        for (attack, release) in [(0.005f32, 0.1f32), (0.001, 0.05), (0.02, 0.5), (0.2, 2.0)] {
            let p = CompressorParams {
                attack,
                release,
                ..CompressorParams::default()
            };
            let mut c = Compressor::new(&p, &CTX);
            let quiet = lin(-40.0);
            let pre = 1000;
            let hold = (FS as f32 * attack * 12.0) as usize;
            let post = (FS as f32 * release * 8.0) as usize;
            let mut x = vec![quiet; pre];
            x.extend(vec![1.0; hold]);
            x.extend(vec![quiet; post]);
            let (out, _, gr) = run(&mut c, &x, &x);
            let gain_db: Vec<f64> = out
                .iter()
                .zip(&x)
                .map(|(&o, &i)| db(f64::from(o)) - db(f64::from(i)))
                .collect();
            // Settled reduction at 0 dBFS: −24 + 24/4 − 0 = −18 dB.
            let full = -18.0;
            assert!(
                (gain_db[pre + hold - 1] - full).abs() < 1e-3,
                "{}",
                gain_db[pre + hold - 1]
            );
            let crossing = |from: usize, level: f64, falling: bool| {
                (from..x.len())
                    .find(|&i| {
                        if falling {
                            gain_db[i] <= level
                        } else {
                            gain_db[i] >= level
                        }
                    })
                    .unwrap()
            };
            // Frame `pre` is the first loud one; after n frames the change is 1 − a^(n+1)...
            // measured as the number of frames from the step to the crossing, inclusive.
            let a = crossing(pre, 0.632 * full, true) - pre + 1;
            let r = crossing(pre + hold, 0.368 * full, false) - (pre + hold) + 1;
            let (ta, tr) = (a as f32 / FS as f32, r as f32 / FS as f32);
            std::println!(
                "compressor: attack {attack} s measured {ta:.5} s ({:+.2} %), release {release} s measured {tr:.5} s ({:+.2} %)",
                100.0 * (ta / attack - 1.0),
                100.0 * (tr / release - 1.0)
            );
            assert!((ta / attack - 1.0).abs() <= 0.05);
            assert!((tr / release - 1.0).abs() <= 0.05);
            // The reported reduction is the same trajectory.
            for (i, g) in gr.iter().enumerate() {
                assert!((f64::from(*g) - gain_db[i]).abs() < 1e-3, "frame {i}");
            }
        }
    }

    /// Tests the stereo link: a signal only in one channel turns the other down equally.
    #[test]
    fn stereo_link() {
        let mut c = Compressor::new(&CompressorParams::default(), &CTX);
        let loud = vec![1.0f32; 24_000];
        let quiet = vec![0.01f32; 24_000];
        let (ol, or, _) = run(&mut c, &loud, &quiet);
        for i in 0..loud.len() {
            let (gl, gr) = (ol[i] / loud[i], or[i] / quiet[i]);
            assert!((gl - gr).abs() <= 1e-6 * gl, "frame {i}: {gl} vs {gr}");
        }
        assert!((db(f64::from(or[23_999] / 0.01)) + 18.0).abs() < 1e-3);
        // And the other way round.
        let mut c = Compressor::new(&CompressorParams::default(), &CTX);
        let (ol, _, _) = run(&mut c, &quiet, &loud);
        assert!((db(f64::from(ol[23_999] / 0.01)) + 18.0).abs() < 1e-3);
    }

    /// Tests makeup: added on top of the curve, and applied with no signal above the knee.
    #[test]
    fn makeup_adds() {
        let p = CompressorParams {
            makeup_db: 6.0,
            ..CompressorParams::default()
        };
        assert!((settled_db(&p, 0.0) - (-18.0 + 6.0)).abs() < 1e-3);
        assert!((settled_db(&p, -50.0) - (-50.0 + 6.0)).abs() < 1e-3);
    }

    /// Tests that sweeping the threshold (and the other curve parameters) every 128-frame
    /// block adds no step above the signal's own largest step plus a small tolerance, even at
    /// the fastest attack.
    #[test]
    fn sweeping_every_block_does_not_click() {
        let w = core::f32::consts::TAU * 440.0 / 48_000.0;
        let x: Vec<f32> = (0..128 * 400)
            .map(|i| 0.9 * libm::sinf(w * i as f32))
            .collect();
        let own = x
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max);
        for all in [false, true] {
            let mut seed = 17;
            let mut p = CompressorParams {
                attack: 0.0001,
                release: 0.01,
                ..CompressorParams::default()
            };
            let mut c = Compressor::new(&p, &CTX);
            let mut out = Vec::new();
            for chunk in x.chunks(128) {
                p.threshold_db = -80.0 * (noise(&mut seed) * 0.5 + 0.5);
                if all {
                    p.ratio = 1.0 + 19.0 * (noise(&mut seed) * 0.5 + 0.5);
                    p.knee_db = 24.0 * (noise(&mut seed) * 0.5 + 0.5);
                }
                c.set(&p);
                let mut l = chunk.to_vec();
                let mut r = chunk.to_vec();
                c.process(&mut [], &mut l, &mut r);
                out.extend(l);
            }
            assert!(out.iter().all(|s| s.is_finite()));
            let largest = out
                .windows(2)
                .map(|w| (w[1] - w[0]).abs())
                .fold(0.0, f32::max);
            std::println!(
                "compressor: sweep (all curve params: {all}) largest step {largest:.4}, the sine's own {own:.4}"
            );
            assert!(largest <= own + 0.01, "{largest} vs {own}");
        }
    }

    /// Tests finite output for extreme parameters and inputs, reset, and any block length.
    #[test]
    fn finite_for_extremes() {
        let mut seed = 23;
        let extremes = [
            CompressorParams {
                threshold_db: -80.0,
                ratio: 20.0,
                attack: 0.0001,
                release: 0.01,
                knee_db: 24.0,
                makeup_db: 24.0,
            },
            CompressorParams {
                threshold_db: 0.0,
                ratio: 1.0,
                attack: 0.2,
                release: 2.0,
                knee_db: 0.0,
                makeup_db: 0.0,
            },
            CompressorParams {
                threshold_db: f32::NAN,
                ratio: f32::INFINITY,
                attack: 0.0,
                release: f32::NEG_INFINITY,
                knee_db: -1.0,
                makeup_db: 1e9,
            },
        ];
        for p in extremes {
            let mut c = Compressor::new(&p, &CTX);
            for n in 0..=128 {
                let mut l: Vec<f32> = (0..n).map(|_| 1e30 * noise(&mut seed)).collect();
                let mut r: Vec<f32> = (0..n).map(|_| 1e-40 * noise(&mut seed)).collect();
                c.process(&mut [], &mut l, &mut r);
                assert!(l.iter().chain(&r).all(|s| s.is_finite()), "{p:?}");
                c.set(&extremes[n % 3]);
            }
            c.reset(&mut []);
            assert_eq!(c.gain_reduction_db(), 0.0);
        }
        // An infinite input does not poison the state, even at ratio 1.
        let mut c = Compressor::new(&params(-24.0, 1.0, 6.0), &CTX);
        run(&mut c, &[f32::INFINITY, f32::NAN], &[0.0, 0.0]);
        let (out, _, _) = run(&mut c, &[0.5; 10], &[0.5; 10]);
        assert!(out.iter().all(|s| s.is_finite()));
        // An idle compressor snaps back to exactly no reduction.
        let mut c = Compressor::new(&CompressorParams::default(), &CTX);
        run(&mut c, &[1.0; 1000], &[1.0; 1000]);
        run(&mut c, &vec![0.0; 96_000], &vec![0.0; 96_000]);
        assert_eq!(c.gain_reduction_db(), 0.0);
    }
}
