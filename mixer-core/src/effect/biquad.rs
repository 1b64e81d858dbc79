//! The second-order filter family (`lowpass`, `highpass`, `bandpass`, `notch`) and the
//! general section the EQ is built from.
//!
//! # Responses
//! Every [`Shape`] has exactly the response of its biquad in Robert Bristow-Johnson's
//! *Audio-EQ-Cookbook*: the analog prototype mapped by the bilinear transform, prewarped at
//! the shape's frequency. So a low- or high-pass has gain `Q` at its cutoff (−3.01 dB at
//! Q 0.707, +12.04 dB at Q 4), the band-pass is the cookbook's "constant 0 dB peak gain"
//! variant, the bell peaks at `gain_db`, and a shelf reaches `gain_db` at its far end and
//! `gain_db / 2` at its corner, its `q` being the cookbook's shelf slope `S` (as miniaudio,
//! and so the original, read it: `S = 1` is the steepest shelf with no overshoot; the
//! table's `Q` is then `1/√((A + 1/A)·(1/S − 1) + 2)`). [`magnitude_db`] evaluates
//! the cookbook's own coefficients, so it is the reference the tests measure against.
//!
//! # Topology
//! A [`Section`] is Andrew Simper's (Cytomic) trapezoidal-integrated state-variable filter,
//! which realises the same bilinear-transform transfer functions as the cookbook biquads. With
//! `g = tan(π·f/fs)`, `k = 1/Q`, `a1 = 1/(1 + g(g + k))`, `a2 = g·a1`, `a3 = g·a2`, each frame
//! computes
//!
//! ```text
//! v3 = v0 − ic2;   v1 = a1·ic1 + a2·v3;   v2 = ic2 + a2·ic1 + a3·v3
//! ic1 = 2·v1 − ic1;   ic2 = 2·v2 − ic2;   y = m0·v0 + m1·v1 + m2·v2
//! ```
//!
//! and the shape is only the mix `(m0, m1, m2)` (and, for the bell and shelves, `k` and `g`
//! scaled by the gain `A = 10^(gain_db/40)`):
//!
//! | shape      | `g`          | `k`        | `m0` | `m1`          | `m2`    |
//! |------------|--------------|------------|------|---------------|---------|
//! | low-pass   | `g`          | `1/Q`      | 0    | 0             | 1       |
//! | high-pass  | `g`          | `1/Q`      | 1    | `−k`          | −1      |
//! | band-pass  | `g`          | `1/Q`      | 0    | `k`           | 0       |
//! | notch      | `g`          | `1/Q`      | 1    | `−k`          | 0       |
//! | bell       | `g`          | `1/(Q·A)`  | 1    | `k·(A²−1)`    | 0       |
//! | low shelf  | `g/√A`       | `1/Q`      | 1    | `k·(A−1)`     | `A²−1`  |
//! | high shelf | `g·√A`       | `1/Q`      | `A²` | `k·(1−A)·A`   | `1−A²`  |
//!
//! Unlike a direct-form biquad, the state is two integrator memories whose meaning does not
//! depend on the coefficients, so the section stays well behaved when its coefficients move
//! every frame. A retune computes the target `(g, k, m0, m1, m2)` and the per-frame steps once,
//! then moves there one step per frame over the context's `smoothing_frames`: `g` and `k` by a
//! constant ratio (so the frequency and `Q` glide evenly on a log scale, rather than rushing
//! through the low end as a linear `g` would), the mix linearly; the last frame lands exactly
//! on the target. Only during that ramp does a frame recompute `a1` (one division). A section that has settled on the identity (a 0 dB bell or
//! shelf) is skipped, its state cleared, so flat EQ bands cost nothing.
//!
//! Frequencies are kept within `[1e-6, 0.49]·fs`, `Q` within `[0.025, 40]` and gains within
//! ±48 dB (NaN gives the lower bound), so no finite parameter makes a section unstable.

use core::f32::consts::PI;

use super::EffectContext;
use super::params::{BandKind, EqBand, FilterParams};
use crate::math;

/// The lowest frequency a section is tuned to, as a fraction of the sample rate.
const MIN_RATIO: f32 = 1e-6;
/// The highest frequency a section is tuned to, as a fraction of the sample rate.
const MAX_RATIO: f32 = 0.49;
/// The smallest `Q` a section uses.
const MIN_Q: f32 = 0.025;
/// The largest `Q` a section uses.
const MAX_Q: f32 = 40.0;
/// The largest boost or cut a section uses, in dB.
const MAX_GAIN_DB: f32 = 48.0;

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

/// The response of a [`Section`]: one of the cookbook's seven biquads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ShapeKind {
    /// Low-pass; gain at `freq` = `q`.
    LowPass,
    /// High-pass; gain at `freq` = `q`.
    HighPass,
    /// Band-pass with a constant 0 dB peak at `freq`.
    BandPass,
    /// Notch: a null at `freq`.
    Notch,
    /// Bell: `gain_db` at `freq`, 0 dB far from it.
    Peaking,
    /// Low shelf: `gain_db` at DC, `gain_db / 2` at `freq`, 0 dB at Nyquist.
    LowShelf,
    /// High shelf: 0 dB at DC, `gain_db / 2` at `freq`, `gain_db` at Nyquist.
    HighShelf,
}

impl From<FilterKind> for ShapeKind {
    fn from(kind: FilterKind) -> Self {
        match kind {
            FilterKind::LowPass => ShapeKind::LowPass,
            FilterKind::HighPass => ShapeKind::HighPass,
            FilterKind::BandPass => ShapeKind::BandPass,
            FilterKind::Notch => ShapeKind::Notch,
        }
    }
}

impl From<BandKind> for ShapeKind {
    fn from(kind: BandKind) -> Self {
        match kind {
            BandKind::Peaking => ShapeKind::Peaking,
            BandKind::LowShelf => ShapeKind::LowShelf,
            BandKind::HighShelf => ShapeKind::HighShelf,
        }
    }
}

/// What a [`Section`] does: a shape, its frequency, `Q` and gain.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Shape {
    /// Which response.
    pub kind: ShapeKind,
    /// Cutoff, centre or corner frequency in Hz; kept within `[1e-6, 0.49]·fs`.
    pub freq: f32,
    /// The cookbook's `Q`; for the shelves, its shelf slope `S` (1: the steepest with no
    /// overshoot). Kept within `[0.025, 40]` (a shelf's resulting `Q` too).
    pub q: f32,
    /// Boost or cut in dB for the bell and shelves (ignored by the others); kept within ±48.
    pub gain_db: f32,
}

impl Shape {
    /// The identity: a 0 dB bell.
    pub const FLAT: Shape = Shape::new(ShapeKind::Peaking, 1000.0, 1.0, 0.0);

    /// A shape from its fields.
    pub const fn new(kind: ShapeKind, freq: f32, q: f32, gain_db: f32) -> Self {
        Self {
            kind,
            freq,
            q,
            gain_db,
        }
    }

    /// The shape of a `kind` filter effect at `params`.
    pub fn filter(kind: FilterKind, params: &FilterParams) -> Self {
        Self::new(kind.into(), params.cutoff_hz, params.q, 0.0)
    }

    /// The shape of an EQ band.
    pub fn band(band: &EqBand) -> Self {
        Self::new(band.kind.into(), band.freq, band.q, band.gain_db)
    }

    /// `freq / fs`, `q` and `gain_db` within the limits a section uses.
    fn limited(&self, sample_rate: u32) -> (f32, f32, f32) {
        let fs = sample_rate.max(1) as f32;
        let q = math::clamp(self.q, MIN_Q, MAX_Q);
        let gain_db = math::clamp(self.gain_db, -MAX_GAIN_DB, MAX_GAIN_DB);
        let q = match self.kind {
            ShapeKind::LowShelf | ShapeKind::HighShelf => shelf_q(q, gain_db),
            _ => q,
        };
        (
            math::clamp(self.freq / fs, MIN_RATIO, MAX_RATIO),
            q,
            gain_db,
        )
    }
}

/// The cookbook's shelf `Q` for shelf slope `slope` (its `S`) at `gain_db`:
/// `1/Q = √((A + 1/A)·(1/S − 1) + 2)` with `A = 10^(gain_db/40)`. `S = 1` is the steepest
/// shelf that stays monotonic (`Q = 1/√2`); above 1 it overshoots, up to where the root would
/// vanish (kept at `Q` 40). This is how miniaudio, and so the original, reads a shelf's `q`.
fn shelf_q(slope: f32, gain_db: f32) -> f32 {
    let a = math::powf(10.0, gain_db / 40.0);
    let x = (a + 1.0 / a) * (1.0 / slope - 1.0) + 2.0;
    math::clamp(1.0 / math::sqrt(x.max(1.0 / (MAX_Q * MAX_Q))), MIN_Q, MAX_Q)
}

/// The magnitude response of `shape` at `freq_hz`, in dB, at `sample_rate`.
///
/// Evaluated in `f64` from the Audio-EQ-Cookbook's biquad coefficients (not from a
/// [`Section`]'s), after the same limits a section applies; floored at −300 dB so the exact
/// null of a notch is finite.
///
/// ```
/// use mixer_core::effect::biquad::{magnitude_db, Shape, ShapeKind};
///
/// let lp = Shape::new(ShapeKind::LowPass, 1000.0, 4.0, 0.0);
/// assert!((magnitude_db(&lp, 1000.0, 48_000) - 12.04).abs() < 0.01); // 20·log10(4)
/// let bell = Shape::new(ShapeKind::Peaking, 1000.0, 1.0, -12.0);
/// assert!((magnitude_db(&bell, 1000.0, 48_000) + 12.0).abs() < 1e-4);
/// ```
pub fn magnitude_db(shape: &Shape, freq_hz: f32, sample_rate: u32) -> f32 {
    use core::f64::consts::TAU;
    let (_, q, gain_db) = shape.limited(sample_rate);
    let fs = f64::from(sample_rate.max(1));
    let ratio = f64::from(shape.freq) / fs;
    let ratio = if ratio >= f64::from(MIN_RATIO) {
        ratio.min(f64::from(MAX_RATIO))
    } else {
        f64::from(MIN_RATIO)
    };
    let w0 = TAU * ratio;
    let (sn, cs) = (libm::sin(w0), libm::cos(w0));
    let alpha = sn / (2.0 * f64::from(q));
    let a = libm::pow(10.0, f64::from(gain_db) / 40.0);
    let sa = 2.0 * libm::sqrt(a) * alpha;
    // (b0, b1, b2), (a0, a1, a2)
    let (b, d) = match shape.kind {
        ShapeKind::LowPass => (
            [(1.0 - cs) / 2.0, 1.0 - cs, (1.0 - cs) / 2.0],
            [1.0 + alpha, -2.0 * cs, 1.0 - alpha],
        ),
        ShapeKind::HighPass => (
            [(1.0 + cs) / 2.0, -(1.0 + cs), (1.0 + cs) / 2.0],
            [1.0 + alpha, -2.0 * cs, 1.0 - alpha],
        ),
        ShapeKind::BandPass => ([alpha, 0.0, -alpha], [1.0 + alpha, -2.0 * cs, 1.0 - alpha]),
        ShapeKind::Notch => ([1.0, -2.0 * cs, 1.0], [1.0 + alpha, -2.0 * cs, 1.0 - alpha]),
        ShapeKind::Peaking => (
            [1.0 + alpha * a, -2.0 * cs, 1.0 - alpha * a],
            [1.0 + alpha / a, -2.0 * cs, 1.0 - alpha / a],
        ),
        ShapeKind::LowShelf => (
            [
                a * ((a + 1.0) - (a - 1.0) * cs + sa),
                2.0 * a * ((a - 1.0) - (a + 1.0) * cs),
                a * ((a + 1.0) - (a - 1.0) * cs - sa),
            ],
            [
                (a + 1.0) + (a - 1.0) * cs + sa,
                -2.0 * ((a - 1.0) + (a + 1.0) * cs),
                (a + 1.0) + (a - 1.0) * cs - sa,
            ],
        ),
        ShapeKind::HighShelf => (
            [
                a * ((a + 1.0) + (a - 1.0) * cs + sa),
                -2.0 * a * ((a - 1.0) + (a + 1.0) * cs),
                a * ((a + 1.0) + (a - 1.0) * cs - sa),
            ],
            [
                (a + 1.0) - (a - 1.0) * cs + sa,
                2.0 * ((a - 1.0) - (a + 1.0) * cs),
                (a + 1.0) - (a - 1.0) * cs - sa,
            ],
        ),
    };
    let w = TAU * f64::from(freq_hz) / fs;
    let (c1, s1, c2, s2) = (
        libm::cos(w),
        libm::sin(w),
        libm::cos(2.0 * w),
        libm::sin(2.0 * w),
    );
    let power = |p: [f64; 3]| {
        let re = p[0] + p[1] * c1 + p[2] * c2;
        let im = p[1] * s1 + p[2] * s2;
        re * re + im * im
    };
    let db = 10.0 * libm::log10(power(b) / power(d));
    if db >= -300.0 { db as f32 } else { -300.0 }
}

/// The SVF's tuning: `g`, `k` and the output mix.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Coefs {
    g: f32,
    k: f32,
    m0: f32,
    m1: f32,
    m2: f32,
}

impl Coefs {
    /// The tuning realising `shape` at `sample_rate` (see the module's table).
    fn of(shape: &Shape, sample_rate: u32) -> Self {
        let (ratio, q, gain_db) = shape.limited(sample_rate);
        let g = math::tan(PI * ratio);
        let k = 1.0 / q;
        let gain = || math::powf(10.0, gain_db / 40.0);
        match shape.kind {
            ShapeKind::LowPass => Self::mix(g, k, 0.0, 0.0, 1.0),
            ShapeKind::HighPass => Self::mix(g, k, 1.0, -k, -1.0),
            ShapeKind::BandPass => Self::mix(g, k, 0.0, k, 0.0),
            ShapeKind::Notch => Self::mix(g, k, 1.0, -k, 0.0),
            ShapeKind::Peaking => {
                let a = gain();
                let k = 1.0 / (q * a);
                Self::mix(g, k, 1.0, k * (a * a - 1.0), 0.0)
            }
            ShapeKind::LowShelf => {
                let a = gain();
                Self::mix(g / math::sqrt(a), k, 1.0, k * (a - 1.0), a * a - 1.0)
            }
            ShapeKind::HighShelf => {
                let a = gain();
                Self::mix(g * math::sqrt(a), k, a * a, k * (1.0 - a) * a, 1.0 - a * a)
            }
        }
    }

    const fn mix(g: f32, k: f32, m0: f32, m1: f32, m2: f32) -> Self {
        Self { g, k, m0, m1, m2 }
    }

    /// Whether the output is the input.
    fn is_identity(&self) -> bool {
        self.m0 == 1.0 && self.m1 == 0.0 && self.m2 == 0.0
    }

    /// The per-frame step from `self` to `to` in `frames` frames: a ratio for `g` and `k`
    /// (both always positive), so the frequency and damping move evenly on a log scale, and a
    /// difference for the mix.
    fn step_to(&self, to: &Self, frames: f32) -> Self {
        Self {
            g: math::powf(to.g / self.g, 1.0 / frames),
            k: math::powf(to.k / self.k, 1.0 / frames),
            m0: (to.m0 - self.m0) / frames,
            m1: (to.m1 - self.m1) / frames,
            m2: (to.m2 - self.m2) / frames,
        }
    }

    /// One frame of a ramp.
    #[inline]
    fn advance(&mut self, d: &Self) {
        self.g *= d.g;
        self.k *= d.k;
        self.m0 += d.m0;
        self.m1 += d.m1;
        self.m2 += d.m2;
    }

    /// `(a1, a2, a3)` of the SVF's per-frame solve.
    #[inline]
    fn solve(&self) -> (f32, f32, f32) {
        let a1 = 1.0 / (1.0 + self.g * (self.g + self.k));
        let a2 = self.g * a1;
        (a1, a2, self.g * a2)
    }
}

/// One channel's integrator memories.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct State {
    ic1: f32,
    ic2: f32,
}

impl State {
    /// One frame: `v0` in, the mixed output out.
    #[inline(always)]
    fn tick(&mut self, v0: f32, a: (f32, f32, f32), c: &Coefs) -> f32 {
        let v3 = v0 - self.ic2;
        let v1 = a.0 * self.ic1 + a.1 * v3;
        let v2 = self.ic2 + a.1 * self.ic1 + a.2 * v3;
        // Flushed: a silent input's tail ends in exact zeros, never in subnormals.
        self.ic1 = math::flush(2.0 * v1 - self.ic1);
        self.ic2 = math::flush(2.0 * v2 - self.ic2);
        c.m0 * v0 + c.m1 * v1 + c.m2 * v2
    }
}

/// A stereo second-order section of any [`Shape`], retuned without clicks.
///
/// See the [module documentation](self) for the topology and the smoothing.
#[derive(Debug, Clone)]
pub struct Section {
    /// The tuning of the last frame processed.
    cur: Coefs,
    /// Where the ramp goes.
    target: Coefs,
    /// Per frame while `left > 0`: `g` and `k` multiplied by it, the mix added to.
    step: Coefs,
    /// Frames left in the ramp.
    left: u32,
    sample_rate: u32,
    smoothing_frames: u32,
    state: [State; 2],
}

impl Section {
    /// A section at `shape`, settled, its state silent.
    pub fn new(shape: &Shape, ctx: &EffectContext) -> Self {
        let c = Coefs::of(shape, ctx.sample_rate);
        Self {
            cur: c,
            target: c,
            step: Coefs::mix(0.0, 0.0, 0.0, 0.0, 0.0),
            left: 0,
            sample_rate: ctx.sample_rate,
            smoothing_frames: ctx.smoothing_frames,
            state: [State::default(); 2],
        }
    }

    /// A section passing its input through unchanged (at no cost).
    pub fn flat(ctx: &EffectContext) -> Self {
        Self::new(&Shape::FLAT, ctx)
    }

    /// Retune to `shape`: the tuning glides there over the context's smoothing frames (at once
    /// when that is 0), and the state is kept. Setting the target already set
    /// does nothing.
    pub fn set(&mut self, shape: &Shape) {
        self.ramp_to(Coefs::of(shape, self.sample_rate));
    }

    /// Retune to the identity, keeping the frequency and damping, so a section can be faded
    /// out (then it is skipped).
    pub fn set_flat(&mut self) {
        let t = self.target;
        self.ramp_to(Coefs::mix(t.g, t.k, 1.0, 0.0, 0.0));
    }

    /// Whether the section has settled on the identity, so processing leaves the signal as is.
    pub fn is_flat(&self) -> bool {
        self.left == 0 && self.target.is_identity()
    }

    fn ramp_to(&mut self, target: Coefs) {
        if target == self.target {
            return;
        }
        self.target = target;
        if self.smoothing_frames == 0 {
            self.cur = target;
            self.left = 0;
        } else {
            self.step = self.cur.step_to(&target, self.smoothing_frames as f32);
            self.left = self.smoothing_frames;
        }
    }

    /// Silence the state; a ramp in flight lands on its target.
    pub fn reset(&mut self) {
        self.state = [State::default(); 2];
        self.cur = self.target;
        self.left = 0;
    }

    /// Process planar stereo in place (the first `min(left.len(), right.len())` frames).
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let (mut left, mut right) = (left, right);
        if self.left > 0 {
            let r = n.min(self.left as usize);
            let (l0, l1) = left.split_at_mut(r);
            let (r0, r1) = right.split_at_mut(r);
            self.ramp(l0, r0);
            (left, right) = (l1, r1);
        }
        if self.left == 0 && self.target.is_identity() {
            // Settled on the identity: nothing to do, and a later retune starts from silence.
            self.state = [State::default(); 2];
            return;
        }
        if left.is_empty() || self.is_resting(left, right) {
            return;
        }
        let c = self.target;
        let a = c.solve();
        let [mut sl, mut sr] = self.state;
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            *l = sl.tick(*l, a, &c);
            *r = sr.tick(*r, a, &c);
        }
        self.state = [sl, sr];
    }

    /// Whether the state and the input are all +0.0, so every frame would output +0.0 (what
    /// the input already holds) and leave the state so: a silent tail costs a scan.
    fn is_resting(&self, left: &[f32], right: &[f32]) -> bool {
        let zero = |x: &f32| x.to_bits() == 0;
        self.state
            .iter()
            .all(|s| s.ic1.to_bits() == 0 && s.ic2.to_bits() == 0)
            && left.iter().all(zero)
            && right.iter().all(zero)
    }

    /// The frames of a ramp (`left.len() <= self.left`): the tuning moves every frame.
    fn ramp(&mut self, left: &mut [f32], right: &mut [f32]) {
        let (mut c, d, mut todo) = (self.cur, self.step, self.left);
        let [mut sl, mut sr] = self.state;
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            if todo > 1 {
                c.advance(&d);
            } else {
                c = self.target;
            }
            todo = todo.saturating_sub(1);
            let a = c.solve();
            *l = sl.tick(*l, a, &c);
            *r = sr.tick(*r, a, &c);
        }
        self.state = [sl, sr];
        (self.cur, self.left) = (c, todo);
    }
}

/// A stereo filter effect.
#[derive(Debug, Clone)]
pub struct Filter {
    kind: FilterKind,
    section: Section,
}

impl Filter {
    /// A filter of `kind` at `params`.
    pub fn new(kind: FilterKind, params: &FilterParams, ctx: &EffectContext) -> Self {
        Self {
            kind,
            section: Section::new(&Shape::filter(kind, params), ctx),
        }
    }

    /// Which filter this is.
    pub fn kind(&self) -> FilterKind {
        self.kind
    }

    /// Retune in place: the state survives and the change is smoothed.
    pub fn set(&mut self, params: &FilterParams) {
        self.section.set(&Shape::filter(self.kind, params));
    }

    /// Silence the state.
    pub fn reset(&mut self, mem: &mut [f32]) {
        mem.fill(0.0);
        self.section.reset();
    }

    /// Process in place.
    pub fn process(&mut self, _mem: &mut [f32], left: &mut [f32], right: &mut [f32]) {
        self.section.process(left, right);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    extern crate std;

    use std::vec::Vec;

    use super::*;
    use crate::QUANTUM;
    use crate::tests::{near, rms};

    pub(crate) const RATE: u32 = 48_000;

    /// `amplitude·sin(2π·freq·i/rate + phase)` for `frames` frames.
    pub(crate) fn tone(
        freq: f64,
        phase: f64,
        amplitude: f32,
        rate: u32,
        frames: usize,
    ) -> Vec<f32> {
        let w = core::f64::consts::TAU * freq / f64::from(rate);
        (0..frames)
            .map(|i| amplitude * libm::sin(w * i as f64 + phase) as f32)
            .collect()
    }

    /// Runs `process` over a steady stereo sine at `freq` (a sine left, a cosine at half the
    /// level right) in `QUANTUM`-frame blocks, skips 0.25 s of transient and returns each
    /// channel's output RMS over input RMS in dB, over a whole number of periods near 0.5 s.
    pub(crate) fn measure(
        mut process: impl FnMut(&mut [f32], &mut [f32]),
        freq: f64,
        rate: u32,
    ) -> [f64; 2] {
        let skip = rate as usize / 4;
        let periods = libm::floor(freq * 0.5).max(1.0);
        let window = libm::round(periods * f64::from(rate) / freq) as usize;
        let frames = skip + window;
        let (xl, xr) = (
            tone(freq, 0.0, 0.5, rate, frames),
            tone(freq, core::f64::consts::FRAC_PI_2, 0.25, rate, frames),
        );
        let (mut yl, mut yr) = (xl.clone(), xr.clone());
        for (l, r) in yl.chunks_mut(QUANTUM).zip(yr.chunks_mut(QUANTUM)) {
            process(l, r);
        }
        let db = |y: &[f32], x: &[f32]| 20.0 * libm::log10(rms(&y[skip..]) / rms(&x[skip..]));
        [db(&yl, &xl), db(&yr, &xr)]
    }

    /// The largest sample-to-sample step.
    pub(crate) fn max_step(x: &[f32]) -> f32 {
        x.windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max)
    }

    fn ctx() -> EffectContext {
        EffectContext::new(RATE)
    }

    fn filter(kind: FilterKind, cutoff_hz: f32, q: f32) -> Filter {
        Filter::new(kind, &FilterParams { cutoff_hz, q }, &ctx())
    }

    const KINDS: [FilterKind; 4] = [
        FilterKind::LowPass,
        FilterKind::HighPass,
        FilterKind::BandPass,
        FilterKind::Notch,
    ];

    /// Tests that the cookbook reference itself has the closed-form values: gain Q at a low-
    /// or high-pass cutoff, 0 dB at the band-pass peak, a null at the notch, a bell's gain at
    /// its centre and a shelf's at its ends and half of it at its corner.
    #[test]
    fn magnitude_db_has_the_closed_forms() {
        for q in [0.707f32, 4.0, 0.1, 20.0] {
            for kind in [ShapeKind::LowPass, ShapeKind::HighPass] {
                let s = Shape::new(kind, 1000.0, q, 0.0);
                near(
                    f64::from(magnitude_db(&s, 1000.0, RATE)),
                    20.0 * libm::log10(f64::from(q)),
                    1e-4,
                );
            }
            let bp = Shape::new(ShapeKind::BandPass, 1000.0, q, 0.0);
            near(f64::from(magnitude_db(&bp, 1000.0, RATE)), 0.0, 1e-4);
            let notch = Shape::new(ShapeKind::Notch, 1000.0, q, 0.0);
            assert!(magnitude_db(&notch, 1000.0, RATE) < -100.0);
        }
        near(
            f64::from(magnitude_db(
                &Shape::new(ShapeKind::LowPass, 1000.0, 0.707, 0.0),
                1000.0,
                RATE,
            )),
            -3.01,
            0.005,
        );
        for gain in [-24.0f32, -6.0, 6.0, 24.0] {
            let bell = Shape::new(ShapeKind::Peaking, 2000.0, 1.5, gain);
            near(
                f64::from(magnitude_db(&bell, 2000.0, RATE)),
                f64::from(gain),
                1e-3,
            );
            let low = Shape::new(ShapeKind::LowShelf, 500.0, 0.707, gain);
            near(
                f64::from(magnitude_db(&low, 0.0, RATE)),
                f64::from(gain),
                1e-3,
            );
            near(f64::from(magnitude_db(&low, 24_000.0, RATE)), 0.0, 1e-3);
            near(
                f64::from(magnitude_db(&low, 500.0, RATE)),
                f64::from(gain / 2.0),
                1e-3,
            );
            let high = Shape::new(ShapeKind::HighShelf, 5000.0, 0.707, gain);
            near(f64::from(magnitude_db(&high, 0.0, RATE)), 0.0, 1e-3);
            near(
                f64::from(magnitude_db(&high, 24_000.0, RATE)),
                f64::from(gain),
                1e-3,
            );
            near(
                f64::from(magnitude_db(&high, 5000.0, RATE)),
                f64::from(gain / 2.0),
                1e-3,
            );
        }
    }

    /// Tests, by measuring steady sines through each filter effect, that low-pass, high-pass,
    /// band-pass and notch follow the cookbook response within 0.1 dB at, around and an octave
    /// or two either side of the cutoff, with the closed-form values at the cutoff and a deep
    /// notch null, in both channels.
    #[test]
    fn filters_measure_as_the_cookbook() {
        let mut worst = 0.0f64;
        for (fc, q) in [
            (1000.0f32, 0.707f32),
            (1000.0, 4.0),
            (120.0, 0.707),
            (6000.0, 4.0),
            (3000.0, 2.0),
        ] {
            for kind in KINDS {
                let shape = Shape::filter(kind, &FilterParams { cutoff_hz: fc, q });
                for ratio in [
                    0.25,
                    0.5,
                    core::f64::consts::FRAC_1_SQRT_2,
                    1.0,
                    core::f64::consts::SQRT_2,
                    2.0,
                    4.0,
                ] {
                    let f = f64::from(fc) * ratio;
                    if f > 20_000.0 {
                        continue;
                    }
                    let mut flt = filter(kind, fc, q);
                    let [l, r] = measure(|l, r| flt.process(&mut [], l, r), f, RATE);
                    if kind == FilterKind::Notch && ratio == 1.0 {
                        assert!(l < -40.0 && r < -40.0, "notch at {fc} Q {q}: {l}, {r} dB");
                        std::println!("{kind:?} fc {fc} Q {q} at {f:.1}: {l:.2} dB (null)");
                        continue;
                    }
                    let want = f64::from(magnitude_db(&shape, f as f32, RATE));
                    std::println!(
                        "{kind:?} fc {fc} Q {q} at {f:.1}: measured {l:.4} dB, cookbook {want:.4} dB"
                    );
                    near(l, want, 0.1);
                    near(r, want, 0.1);
                    worst = worst.max((l - want).abs()).max((r - want).abs());
                    if ratio == 1.0 {
                        let closed = match kind {
                            FilterKind::LowPass | FilterKind::HighPass => {
                                20.0 * libm::log10(f64::from(q))
                            }
                            _ => 0.0,
                        };
                        near(l, closed, 0.1);
                    }
                }
            }
        }
        std::println!("worst |measured − cookbook|: {worst:.5} dB");
    }

    /// Tests, by measuring steady sines, that the bell and shelves of a bare section follow
    /// the cookbook response within 0.1 dB.
    #[test]
    fn bells_and_shelves_measure_as_the_cookbook() {
        for shape in [
            Shape::new(ShapeKind::Peaking, 1000.0, 1.0, -12.0),
            Shape::new(ShapeKind::Peaking, 3000.0, 4.0, 9.0),
            Shape::new(ShapeKind::LowShelf, 120.0, 1.0, 6.0),
            Shape::new(ShapeKind::LowShelf, 400.0, 0.5, -18.0),
            Shape::new(ShapeKind::HighShelf, 8000.0, 1.0, 6.0),
            Shape::new(ShapeKind::HighShelf, 2000.0, 2.0, -10.0),
        ] {
            for ratio in [0.125, 0.5, 1.0, 2.0, 8.0] {
                let f = f64::from(shape.freq) * ratio;
                if !(20.0..=20_000.0).contains(&f) {
                    continue;
                }
                let mut s = Section::new(&shape, &ctx());
                let [l, r] = measure(|l, r| s.process(l, r), f, RATE);
                let want = f64::from(magnitude_db(&shape, f as f32, RATE));
                std::println!("{shape:?} at {f:.1}: measured {l:.4} dB, cookbook {want:.4} dB");
                near(l, want, 0.1);
                near(r, want, 0.1);
            }
        }
    }

    /// Renders a 1 kHz sine through a `kind` filter whose cutoff `at(block)` is set before every
    /// block; returns the output's largest step and the input's.
    fn sweep(kind: FilterKind, ctx: EffectContext, at: impl Fn(usize) -> f32) -> (f32, f32) {
        let x = tone(1000.0, 0.0, 1.0, RATE, RATE as usize);
        let mut y = x.clone();
        let mut flt = Filter::new(
            kind,
            &FilterParams {
                cutoff_hz: at(0),
                q: 0.707,
            },
            &ctx,
        );
        let mut other = y.clone();
        for (i, (l, r)) in y
            .chunks_mut(QUANTUM)
            .zip(other.chunks_mut(QUANTUM))
            .enumerate()
        {
            flt.set(&FilterParams {
                cutoff_hz: at(i),
                q: 0.707,
            });
            flt.process(&mut [], l, r);
        }
        assert_eq!(y, other);
        // The first blocks hold the filter's response to the sine switching on, not the sweep.
        (max_step(&y[2 * QUANTUM..]), max_step(&x))
    }

    /// Tests that sweeping a low-pass (and a high-pass) cutoff every 128-frame block over a
    /// sine, 20 kHz down to 50 Hz and back up twice a second, adds no step larger than the
    /// sine's own.
    #[test]
    fn sweeping_every_block_does_not_click() {
        let blocks = RATE as usize / QUANTUM;
        // Exponential, down over the first half, up over the second.
        let at = |i: usize| {
            let t = (i as f32 / blocks as f32 * 4.0) % 2.0;
            let t = if t < 1.0 { t } else { 2.0 - t };
            20_000.0 * math::powf(50.0 / 20_000.0, t)
        };
        for kind in [FilterKind::LowPass, FilterKind::HighPass] {
            let (y, x) = sweep(kind, ctx(), at);
            std::println!("{kind:?} swept: output step {y:.5}, input step {x:.5}");
            assert!(y <= x + 1e-3, "{kind:?}: {y} > {x}");
        }
    }

    /// Tests that a sudden retune across the whole range (20 Hz to 20 kHz and back, 200 Hz to
    /// 10 kHz and back) is faded: the output's largest step stays within 20% of the sine's own
    /// (as the cutoff passes the sine, its phase legitimately moves by up to half a turn within
    /// the 5 ms ramp), where the same jumps unsmoothed step several times further.
    #[test]
    fn sudden_retunes_are_faded() {
        let hard = EffectContext {
            smoothing_frames: 0,
            ..ctx()
        };
        let mut worst = [0.0f32; 2];
        for kind in [FilterKind::LowPass, FilterKind::HighPass] {
            for (a, b) in [
                (20.0, 20_000.0),
                (20_000.0, 20.0),
                (200.0, 10_000.0),
                (10_000.0, 200.0),
            ] {
                for (i, c) in [ctx(), hard].into_iter().enumerate() {
                    let (y, x) = sweep(kind, c, |block| if block < 8 { a } else { b });
                    if i == 0 {
                        assert!(y <= 1.2 * x, "{kind:?} {a} → {b}: {y} vs {x}");
                    }
                    worst[i] = worst[i].max(y / x);
                }
            }
        }
        std::println!(
            "sudden retunes: worst step / input step {:.3} smoothed, {:.3} unsmoothed",
            worst[0],
            worst[1]
        );
        assert!(worst[1] > 3.0);
    }

    /// Tests that a retune keeps the state: across `set()` the output continues, with no step
    /// beyond 5% above the input's (raising the cutoff from 1 to 3 kHz advances a 500 Hz
    /// output's phase by about a quarter radian over the ramp), where resetting the state at
    /// that point jumps more than tenfold; and that setting the parameters already set changes
    /// no bit.
    #[test]
    fn retune_keeps_state() {
        let x = tone(500.0, 0.0, 1.0, RATE, 8 * QUANTUM);
        let input_step = max_step(&x);
        let run = |change: &dyn Fn(&mut Filter)| {
            let mut y = x.clone();
            let mut other = x.clone();
            let mut flt = filter(FilterKind::LowPass, 1000.0, 0.707);
            for (i, (l, r)) in y
                .chunks_mut(QUANTUM)
                .zip(other.chunks_mut(QUANTUM))
                .enumerate()
            {
                if i == 4 {
                    change(&mut flt);
                }
                flt.process(&mut [], l, r);
            }
            y
        };
        let plain = run(&|_| {});
        let same = run(&|f| {
            f.set(&FilterParams {
                cutoff_hz: 1000.0,
                q: 0.707,
            })
        });
        assert_eq!(plain, same);
        let retuned = run(&|f| {
            f.set(&FilterParams {
                cutoff_hz: 3000.0,
                q: 0.707,
            })
        });
        assert_ne!(plain, retuned);
        let reset = run(&|f| f.reset(&mut []));
        let (y, r) = (max_step(&retuned), max_step(&reset));
        std::println!(
            "retune: output step {y:.5}, after a reset {r:.5}, input step {input_step:.5}"
        );
        assert!(y <= 1.05 * input_step);
        assert!(r > 10.0 * input_step);
    }

    /// Tests that processing in blocks of any size, through a ramp, gives the same bits.
    #[test]
    fn block_size_does_not_matter() {
        let x = tone(700.0, 0.3, 0.8, RATE, 1000);
        let render = |sizes: &[usize]| {
            let mut y = x.clone();
            let mut r = x.clone();
            let mut s = Section::new(&Shape::new(ShapeKind::LowPass, 300.0, 2.0, 0.0), &ctx());
            s.set(&Shape::new(ShapeKind::HighShelf, 3000.0, 0.7, 9.0));
            let mut at = 0;
            for &n in sizes.iter().cycle() {
                if at >= y.len() {
                    break;
                }
                let end = (at + n).min(y.len());
                s.process(&mut y[at..end], &mut r[at..end]);
                at = end;
            }
            assert_eq!(y, r);
            y
        };
        assert_eq!(render(&[128]), render(&[37, 1, 90, 0, 128]));
    }

    /// Tests that reset silences the state: silence in gives silence out.
    #[test]
    fn reset_silences() {
        let mut flt = filter(FilterKind::BandPass, 500.0, 10.0);
        let mut l = tone(500.0, 0.0, 1.0, RATE, QUANTUM);
        let mut r = l.clone();
        flt.process(&mut [], &mut l, &mut r);
        flt.reset(&mut []);
        let (mut l, mut r) = ([0.0f32; QUANTUM], [0.0f32; QUANTUM]);
        flt.process(&mut [], &mut l, &mut r);
        assert!(l.iter().chain(r.iter()).all(|&s| s == 0.0));
    }

    /// Tests that extreme parameters, swept every block, at 8 kHz (a 20 kHz cutoff is above
    /// Nyquist there) and at 48 kHz, keep the output finite and bounded for a full-scale
    /// input, for every shape; and that NaN or infinite shape fields are tamed too.
    #[test]
    fn extreme_parameters_stay_finite() {
        let kinds = [
            ShapeKind::LowPass,
            ShapeKind::HighPass,
            ShapeKind::BandPass,
            ShapeKind::Notch,
            ShapeKind::Peaking,
            ShapeKind::LowShelf,
            ShapeKind::HighShelf,
        ];
        let extremes = [
            (20_000.0f32, 20.0f32, 24.0f32),
            (20.0, 20.0, -24.0),
            (20_000.0, 0.1, -24.0),
            (20.0, 0.1, 24.0),
            (f32::INFINITY, f32::NAN, f32::INFINITY),
            (f32::NAN, f32::INFINITY, f32::NEG_INFINITY),
            (0.0, 0.0, 0.0),
            (-5.0, -1.0, 1e30),
        ];
        for rate in [8_000u32, 48_000, 1] {
            let ctx = EffectContext::new(rate);
            for kind in kinds {
                for (i, &(f, q, g)) in extremes.iter().enumerate() {
                    let mut s = Section::new(&Shape::new(kind, f, q, g), &ctx);
                    for block in 0..200usize {
                        let (f, q, g) = extremes[(i + block) % extremes.len()];
                        if block % 3 != 0 {
                            s.set(&Shape::new(kind, f, q, g));
                        }
                        // A full-scale square, which excites everything.
                        let mut l: Vec<f32> = (0..QUANTUM)
                            .map(|n| if (n / 7) % 2 == 0 { 1.0 } else { -1.0 })
                            .collect();
                        let mut r = l.clone();
                        s.process(&mut l, &mut r);
                        for y in l.iter().chain(r.iter()) {
                            assert!(y.is_finite() && y.abs() < 1e6, "{kind:?} {rate}: {y}");
                        }
                    }
                    let m = magnitude_db(&Shape::new(kind, f, q, g), 1000.0, rate);
                    assert!(m.is_finite(), "{kind:?} {f} {q} {g}: {m}");
                }
            }
        }
        let mut flt = Filter::new(
            FilterKind::LowPass,
            &FilterParams {
                cutoff_hz: 20_000.0,
                q: 20.0,
            },
            &EffectContext::new(8_000),
        );
        let mut l = tone(3000.0, 0.0, 1.0, 8_000, 8_000);
        let mut r = l.clone();
        for (l, r) in l.chunks_mut(QUANTUM).zip(r.chunks_mut(QUANTUM)) {
            flt.process(&mut [], l, r);
        }
        assert!(l.iter().chain(r.iter()).all(|y| y.is_finite()));
    }

    /// Tests that mismatched or empty slices are handled without panicking.
    #[test]
    fn odd_slices_do_not_panic() {
        let mut flt = filter(FilterKind::Notch, 1000.0, 1.0);
        flt.set(&FilterParams {
            cutoff_hz: 2000.0,
            q: 1.0,
        });
        let (mut l, mut r) = ([0.5f32; 5], [0.5f32; 3]);
        flt.process(&mut [], &mut l, &mut r);
        flt.process(&mut [], &mut [], &mut []);
        assert_eq!(l[4], 0.5);
    }
}
