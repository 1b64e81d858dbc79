//! `limiter` (ours): a look-ahead peak limiter; no sample leaves above the ceiling.
//!
//! # Signal path
//! - **Delay**: both channels go through a delay line of `D` frames, `D` being
//!   [`MAX_LOOKAHEAD`](LimiterParams::MAX_LOOKAHEAD) at the context's rate (480 frames at
//!   48 kHz). The latency is **fixed** at `D` whatever `lookahead` is: `lookahead` sets only the
//!   attack window `A ≤ D` (see below), so changing it never moves the signal in time.
//! - **Hold**: `m[n]`, the largest peak `max(|L|, |R|)` among the `A + 1` frames that leave
//!   the delay line in the next `A + 1` frames (a sliding maximum, O(1) amortized per frame), and
//!   the gain they need, `min(1, ceiling / m[n])`.
//! - **Release**: a one-pole on that gain that falls at once and recovers with the `release`
//!   time constant (63.2 % of the way back to unity per `release` seconds).
//! - **Attack**: a moving average of the released gain over the last `A + 1` frames. Every frame
//!   in that window saw the frame now leaving the delay line in its hold, so the average is at or
//!   below the gain that frame needs: the gain ramps down linearly over `A` frames and reaches the
//!   target *before* the peak arrives. The average is kept as an exact integer sum (the gain
//!   reduction quantized up to 2⁻²⁴), so it never drifts; a gain far below unity is thus off by
//!   up to about 2⁻²⁴/gain relative (a few millionths), which the clamp shaves.
//! - **Clamp**: every output sample is finally clamped to ±ceiling, so nothing exceeds it even
//!   with `lookahead` 0 (where the gain drops in the very frame of the peak), on the first frame,
//!   or through rounding.
//!
//! # Retuning
//! - `ceiling_db` ramps (linearly, as a linear level) over the context's `smoothing_frames`;
//!   the hold compares against the ceiling of the moment, and where a falling ceiling outpaces
//!   the attack the clamp holds the line.
//! - `release` takes effect at once.
//! - `lookahead`: the attack window `A` moves one frame per frame toward the new value (at most
//!   `D` frames, 10 ms, to cross the whole range), so the hold and the average change gradually;
//!   the latency stays `D`. While it moves, the attack ramp of a peak arriving meanwhile can be
//!   a little short, and then the clamp shaves what the ramp missed; changing it every block
//!   makes no step beyond what the signal and the gain's own ramps make.
//!
//! # Memory
//! All buffers live in the caller's `mem` ([`Limiter::memory_len`]): the two delay lines, the
//! gain history of the moving average and the sliding maximum's queue, `5·D + 8` floats in all
//! (about 9.6 KB at 48 kHz). The processor holds positions into it, never references.

use super::EffectContext;
use super::params::LimiterParams;
use crate::db::db_to_linear;
use crate::math;
use crate::smooth::Ramp;

/// The quantum of the averaged gain reduction: 2⁻²⁴ (exact in an `f32` up to 1).
const QUANT: f32 = 16_777_216.0;
/// Frame positions in the sliding maximum's queue count modulo 2²⁴ (exact in an `f32`).
const POS_MASK: u32 = (1 << 24) - 1;

/// `seconds` at `fs`, rounded to whole frames.
fn frames(seconds: f32, fs: u32) -> usize {
    math::floor(seconds * fs as f32 + 0.5) as usize
}

/// The delay, in frames, at `ctx`.
fn delay_frames(ctx: &EffectContext) -> usize {
    frames(LimiterParams::MAX_LOOKAHEAD, ctx.sample_rate)
}

/// `x + 1` wrapped to `[0, len)`.
#[inline]
fn next(x: usize, len: usize) -> usize {
    if x + 1 >= len { 0 } else { x + 1 }
}

/// `x` (below `2·len`) wrapped to `[0, len)`.
#[inline]
fn wrap(x: usize, len: usize) -> usize {
    if x >= len { x - len } else { x }
}

/// The processor.
#[derive(Debug, Clone)]
pub struct Limiter {
    /// Frames per second.
    fs: u32,
    /// Ramp length for a ceiling change, in frames.
    frames: u32,
    /// `D`: the latency in frames.
    delay: usize,
    /// `A`: the attack window in frames, `≤ D`, moving one frame per frame toward `window_to`.
    window: usize,
    /// The attack window `lookahead` asks for.
    window_to: usize,
    /// `1 / ((A + 1)·2²⁴)`.
    inv_window: f32,
    /// The ceiling as a linear level, ramping.
    ceiling: Ramp,
    /// Release one-pole coefficient `1 − exp(−1/(release·fs))`.
    release: f32,
    /// The released (not yet averaged) gain reduction, `1 − gain`, in `[0, 1]`.
    held: f32,
    /// Σ of the quantized gain reductions over the attack window.
    sum: u64,
    /// The gain the last frame got (before the clamp).
    gain: f32,
    /// Delay-line index of the current frame.
    w: usize,
    /// Gain-history index of the current frame.
    e: usize,
    /// The current frame's position, modulo 2²⁴.
    t: u32,
    /// Queue: index of its oldest entry, and its length.
    head: usize,
    /// Queue length.
    count: usize,
}

impl Limiter {
    /// `f32`s of memory needed: `5·D + 8` for a delay of `D` frames at `ctx`'s rate.
    pub fn memory_len(ctx: &EffectContext) -> usize {
        let n = delay_frames(ctx) + 1;
        // Two delay lines of n, a gain history of n + 1, a queue of n + 1 (value, position).
        2 * n + (n + 1) + 2 * (n + 1)
    }

    /// A processor at `params`, its state silent.
    pub fn new(params: &LimiterParams, ctx: &EffectContext) -> Self {
        let p = params.sanitized();
        let delay = delay_frames(ctx);
        let window = frames(p.lookahead, ctx.sample_rate).min(delay);
        Self {
            fs: ctx.sample_rate,
            frames: ctx.smoothing_frames,
            delay,
            window,
            window_to: window,
            inv_window: 1.0 / ((window + 1) as f32 * QUANT),
            ceiling: Ramp::at(db_to_linear(p.ceiling_db)),
            release: Self::release_coefficient(p.release, ctx.sample_rate),
            held: 0.0,
            sum: 0,
            gain: 1.0,
            w: 0,
            e: 0,
            t: 0,
            head: 0,
            count: 0,
        }
    }

    fn release_coefficient(release: f32, fs: u32) -> f32 {
        -libm::expm1f(-1.0 / (release * fs.max(1) as f32))
    }

    /// Retune in place (see the module docs for how each parameter moves).
    pub fn set(&mut self, params: &LimiterParams) {
        let p = params.sanitized();
        let ceiling = db_to_linear(p.ceiling_db);
        if ceiling != self.ceiling.target {
            self.ceiling.set(ceiling, self.frames);
        }
        self.release = Self::release_coefficient(p.release, self.fs);
        self.window_to = frames(p.lookahead, self.fs).min(self.delay);
    }

    /// Silence the state and zero `mem`: empty delay lines, unity gain.
    pub fn reset(&mut self, mem: &mut [f32]) {
        mem.fill(0.0);
        self.window = self.window_to;
        self.inv_window = 1.0 / ((self.window + 1) as f32 * QUANT);
        self.ceiling.jump(self.ceiling.target);
        self.held = 0.0;
        self.sum = 0;
        self.gain = 1.0;
        self.w = 0;
        self.e = 0;
        self.t = 0;
        self.head = 0;
        self.count = 0;
    }

    /// The latency in frames: every sample leaves this many frames after it came in.
    pub fn latency_frames(&self) -> usize {
        self.delay
    }

    /// The gain the last frame got, before the final clamp.
    pub fn gain(&self) -> f32 {
        self.gain
    }

    /// Process in place.
    ///
    /// Should `mem` be shorter than [`memory_len`](Self::memory_len), the limiter degrades to
    /// the clamp alone (no delay, no gain), still never exceeding the ceiling.
    pub fn process(&mut self, mem: &mut [f32], left: &mut [f32], right: &mut [f32]) {
        let n = self.delay + 1;
        if mem.len() < 2 * n + 3 * (n + 1) {
            for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                let c = self.ceiling.value;
                *l = math::clamp(*l, -c, c);
                *r = math::clamp(*r, -c, c);
                self.ceiling.advance(1);
            }
            return;
        }
        let (line_l, rest) = mem.split_at_mut(n);
        let (line_r, rest) = rest.split_at_mut(n);
        let (history, rest) = rest.split_at_mut(n + 1);
        let queue = &mut rest[..2 * (n + 1)];
        let (hl, ql) = (n + 1, n + 1);
        let d = self.delay as u32;

        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            // The delay line holds frames n − D ..= n; the current frame goes in at `w`.
            line_l[self.w] = *l;
            line_r[self.w] = *r;

            // The attack window moves at most one frame per frame.
            let a_old = self.window;
            let a = if a_old < self.window_to {
                a_old + 1
            } else if a_old > self.window_to {
                a_old - 1
            } else {
                a_old
            };
            if a != a_old {
                self.window = a;
                self.inv_window = 1.0 / ((a + 1) as f32 * QUANT);
            }

            // Sliding maximum over positions n − D ..= n − D + A. The oldest end moves by one
            // frame each frame, so only position n − D − 1 can have expired.
            if self.count > 0 {
                let expired = self.t.wrapping_sub(d + 1) & POS_MASK;
                if queue[2 * self.head + 1] == expired as f32 {
                    self.head = next(self.head, ql);
                    self.count -= 1;
                }
            }
            // The newest end moves from n − 1 − D + A_old to n − D + A: push 0, 1 or 2 frames.
            for k in a_old..=a {
                let i = wrap(self.w + 1 + k, n);
                let (pl, pr) = (line_l[i].abs(), line_r[i].abs());
                let peak = if pl >= pr { pl } else { pr };
                while self.count > 0 {
                    let back = wrap(self.head + self.count - 1, ql);
                    if queue[2 * back] <= peak {
                        self.count -= 1;
                    } else {
                        break;
                    }
                }
                let slot = wrap(self.head + self.count, ql);
                queue[2 * slot] = peak;
                queue[2 * slot + 1] =
                    (self.t.wrapping_sub(d).wrapping_add(k as u32) & POS_MASK) as f32;
                self.count += 1;
            }
            let c = self.ceiling.value;
            let peak = if self.count > 0 {
                queue[2 * self.head]
            } else {
                0.0
            };
            // The reduction `1 − gain` this peak needs (kept as a reduction, not a gain, so
            // the recovery toward 0 keeps its precision to the end).
            let need = if peak > c { 1.0 - c / peak } else { 0.0 };

            // Release: reduce at once, recover with the release time constant, and snap to
            // exactly none below 2⁻²⁵ (under half an ulp of unity gain).
            if need >= self.held {
                self.held = need;
            } else {
                self.held -= self.release * (self.held - need);
                if need == 0.0 && self.held < 1.0 / (2.0 * QUANT) {
                    self.held = 0.0;
                }
            }

            // Moving average over frames n − A ..= n, of the reduction quantized up (so the
            // average gain errs low). Frames n − 1 − A_old ..= n − A − 1 leave it.
            for k in (a + 1)..=(a_old + 1) {
                self.sum = self
                    .sum
                    .saturating_sub(history[wrap(self.e + hl - k, hl)] as u64);
            }
            let q = libm::ceilf(self.held * QUANT);
            history[self.e] = q;
            self.sum += q as u64;
            let g = 1.0 - self.sum as f32 * self.inv_window;
            self.gain = if g > 0.0 { g } else { 0.0 };

            // Out goes frame n − D, gained and clamped.
            let o = wrap(self.w + 1, n);
            *l = math::clamp(line_l[o] * self.gain, -c, c);
            *r = math::clamp(line_r[o] * self.gain, -c, c);

            if !self.ceiling.is_settled() {
                self.ceiling.advance(1);
            }
            self.w = next(self.w, n);
            self.e = next(self.e, hl);
            self.t = self.t.wrapping_add(1) & POS_MASK;
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

    fn params(ceiling_db: f32, lookahead: f32, release: f32) -> LimiterParams {
        LimiterParams {
            ceiling_db,
            lookahead,
            release,
        }
    }

    /// A limiter and its memory, reset.
    fn limiter(p: &LimiterParams, ctx: &EffectContext) -> (Limiter, Vec<f32>) {
        let mut lim = Limiter::new(p, ctx);
        let mut mem = vec![f32::NAN; Limiter::memory_len(ctx)];
        lim.reset(&mut mem);
        (lim, mem)
    }

    use crate::tests::xorshift as noise;

    /// Runs `l`/`r` in blocks of random length 1..=128; `before` is called per block.
    fn run(
        lim: &mut Limiter,
        mem: &mut [f32],
        l: &[f32],
        r: &[f32],
        seed: &mut u32,
        mut before: impl FnMut(&mut Limiter),
    ) -> (Vec<f32>, Vec<f32>) {
        let (mut ol, mut or) = (l.to_vec(), r.to_vec());
        let mut i = 0;
        while i < l.len() {
            let n = (1 + (noise(seed).abs() * 128.0) as usize)
                .min(128)
                .min(l.len() - i);
            before(lim);
            lim.process(mem, &mut ol[i..i + n], &mut or[i..i + n]);
            i += n;
        }
        (ol, or)
    }

    /// Loud material, 1 s: a +12 dBFS sine, noise bursts up to 10× the ceiling, single-sample
    /// clicks, a +12 dBFS square, all over quiet noise; the right channel differs from the left.
    fn loud(c: f32, seed: &mut u32) -> (Vec<f32>, Vec<f32>) {
        let len = FS as usize;
        let w = core::f32::consts::TAU * 1000.0 / FS as f32;
        let mut l = vec![0.0f32; len];
        let mut r = vec![0.0f32; len];
        for i in 0..len {
            let quiet = 0.3 * c * noise(seed);
            let (a, b) = match i * 6 / len {
                0 => {
                    let s = 3.981 * libm::sinf(w * i as f32);
                    (s, -0.5 * s)
                }
                1 | 2 => {
                    // Bursts of 1..200 frames at up to 10× the ceiling.
                    if (i / 200) % 3 == 0 && (i % 200) < (i / 600) % 200 + 1 {
                        (10.0 * c * noise(seed), 10.0 * c * noise(seed))
                    } else {
                        (quiet, quiet)
                    }
                }
                3 => {
                    if i % 997 == 0 {
                        (10.0 * c, quiet)
                    } else if i % 1009 == 0 {
                        (quiet, -10.0 * c)
                    } else {
                        (quiet, quiet)
                    }
                }
                4 => {
                    let s = if (i / 24) % 2 == 0 { 3.981 } else { -3.981 };
                    (s, quiet)
                }
                _ => (30.0 * c * noise(seed), 30.0 * c * noise(seed)),
            };
            l[i] = a;
            r[i] = b;
        }
        (l, r)
    }

    /// Tests that no output sample ever exceeds the ceiling: loud sines, bursts and clicks,
    /// every ceiling, look-ahead (including 0) and release, random block lengths.
    #[test]
    fn never_exceeds_the_ceiling() {
        let mut seed = 29;
        let mut worst = f32::MIN;
        for ceiling_db in [0.0, -1.0, -6.5, -24.0] {
            let c = db_to_linear(ceiling_db);
            let (l, r) = loud(c, &mut seed);
            for lookahead in [0.0, 0.0005, 0.005, 0.01] {
                for release in [0.001, 0.1, 2.0] {
                    let p = params(ceiling_db, lookahead, release);
                    let (mut lim, mut mem) = limiter(&p, &CTX);
                    let (ol, or) = run(&mut lim, &mut mem, &l, &r, &mut seed, |_| {});
                    let max = ol.iter().chain(&or).fold(0.0f32, |m, s| m.max(s.abs()));
                    assert!(max <= c, "{p:?}: {max} > {c}");
                    assert!(ol.iter().chain(&or).all(|s| s.is_finite()));
                    worst = worst.max(20.0 * libm::log10f(max) - ceiling_db);
                }
            }
        }
        std::println!(
            "limiter: highest output relative to the ceiling {worst:+.6} dB (never above)"
        );
    }

    /// Tests that the gain reaches its target before a peak arrives: with a look-ahead, the
    /// gain alone (before the clamp) keeps every sample at or below the ceiling, and the gain
    /// starts falling exactly `lookahead` frames before a click leaves the delay line.
    #[test]
    fn attack_completes_before_the_peak() {
        let mut seed = 31;
        let c = db_to_linear(-1.0);
        let (l, r) = loud(c, &mut seed);
        let mut worst = 0.0f32;
        for lookahead in [0.0002, 0.001, 0.005, 0.01] {
            let p = params(-1.0, lookahead, 0.05);
            let (mut lim, mut mem) = limiter(&p, &CTX);
            let d = lim.latency_frames();
            for i in 0..l.len() {
                let (mut a, mut b) = ([l[i]], [r[i]]);
                lim.process(&mut mem, &mut a, &mut b);
                if i >= d {
                    let g = lim.gain();
                    let pre = (l[i - d] * g).abs().max((r[i - d] * g).abs());
                    worst = worst.max(pre / c);
                }
            }
            // A click into silence: the gain ramps over exactly A frames before it.
            let (mut lim, mut mem) = limiter(&p, &CTX);
            let a = frames(lookahead, FS);
            let mut x = vec![0.0f32; 2000];
            x[1000] = 4.0 * c;
            let mut gains = Vec::new();
            for s in &x {
                let (mut u, mut v) = ([*s], [*s]);
                lim.process(&mut mem, &mut u, &mut v);
                gains.push(lim.gain());
            }
            let out_at = 1000 + d;
            assert_eq!(gains[out_at - a - 1], 1.0, "lookahead {lookahead}");
            assert!(gains[out_at - a] < 1.0, "lookahead {lookahead}");
            assert!((gains[out_at] - 0.25).abs() < 1e-6, "{}", gains[out_at]);
            // Linear in between.
            for k in 0..=a {
                let want = 1.0 - 0.75 * (k + 1) as f32 / (a + 1) as f32;
                assert!((gains[out_at - a + k] - want).abs() < 1e-5);
            }
        }
        std::println!("limiter: with look-ahead, the gain alone peaks at {worst:.7} × the ceiling");
        // The gain is kept as 1 − reduction, so a deep reduction (to ~1/30 here) carries a
        // relative error of about 2⁻²⁴/gain: a few millionths, which the clamp shaves.
        assert!(worst <= 1.0 + 1e-5, "{worst}");
    }

    /// Tests that signals below the ceiling pass bit for bit, delayed by exactly the latency
    /// (MAX_LOOKAHEAD at the rate, whatever the look-ahead), at several rates.
    #[test]
    fn quiet_signals_pass_delayed() {
        let mut seed = 37;
        for fs in [8_000, 44_100, 48_000, 96_000, 192_000] {
            let ctx = EffectContext::new(fs);
            for lookahead in [0.0, 0.003, 0.01] {
                let p = params(-6.0, lookahead, 0.1);
                let (mut lim, mut mem) = limiter(&p, &ctx);
                let d = lim.latency_frames();
                assert_eq!(d, (fs as usize + 50) / 100);
                assert_eq!(mem.len(), 5 * d + 8);
                let c = db_to_linear(-6.0);
                let l: Vec<f32> = (0..fs as usize / 4).map(|_| c * noise(&mut seed)).collect();
                let r: Vec<f32> = (0..l.len()).map(|_| c * noise(&mut seed)).collect();
                let (ol, or) = run(&mut lim, &mut mem, &l, &r, &mut seed, |_| {});
                assert!(ol[..d].iter().chain(&or[..d]).all(|&s| s == 0.0));
                assert_eq!(ol[d..], l[..l.len() - d]);
                assert_eq!(or[d..], r[..r.len() - d]);
            }
        }
        std::println!("limiter: latency {} frames at 48 kHz", (48_000 + 50) / 100);
    }

    /// Tests the release: after a burst, the gain recovers toward unity with the `release`
    /// time constant (the remaining reduction falls to 1/e in `release` seconds, ±5 %), and a
    /// quiet signal then passes unchanged again.
    #[test]
    fn release_time_constant() {
        for release in [0.01f32, 0.1, 0.5, 2.0] {
            let p = params(-1.0, 0.005, release);
            let (mut lim, mut mem) = limiter(&p, &CTX);
            let d = lim.latency_frames();
            let c = db_to_linear(-1.0);
            let tail = (FS as f32 * release * 25.0) as usize;
            let mut x = vec![0.5 * c; 1000];
            x.extend(vec![4.0 * c; 200]);
            x.extend(vec![0.5 * c; tail]);
            let mut seed = 41;
            let (out, _) = run(&mut lim, &mut mem, &x, &x, &mut seed, |_| {});
            let gain = |i: usize| out[i] / x[i - d];
            // The burst's last frame leaves the delay line at 1199 + D; the hold lets go of it
            // then and the average has caught up A + 1 frames later.
            let start = 1199 + d + frames(0.005, FS) + 2;
            let r0 = 1.0 - gain(start);
            assert!(r0 > 0.5, "{r0}");
            let n = (start..out.len())
                .find(|&i| 1.0 - gain(i) <= r0 / core::f32::consts::E)
                .unwrap()
                - start;
            let measured = n as f32 / FS as f32;
            std::println!(
                "limiter: release {release} s measured {measured:.5} s ({:+.2} %)",
                100.0 * (measured / release - 1.0)
            );
            assert!((measured / release - 1.0).abs() <= 0.05);
            // Fully recovered: the quiet signal passes bit for bit again.
            assert_eq!(out[out.len() - 1], x[0]);
        }
    }

    /// Tests that changing the look-ahead or the ceiling every block does not click: the
    /// largest step is no larger than fixed settings make on the same signal, plus a little.
    #[test]
    fn sweeping_every_block_does_not_click() {
        let w = core::f32::consts::TAU * 220.0 / FS as f32;
        let x: Vec<f32> = (0..FS as usize)
            .map(|i| 1.5 * libm::sinf(w * i as f32))
            .collect();
        let largest = |v: &[f32]| {
            v.windows(2)
                .map(|w| (w[1] - w[0]).abs())
                .fold(0.0, f32::max)
        };
        let mut fixed = 0.0f32;
        for lookahead in [0.0, 0.0005, 0.002, 0.005, 0.01] {
            for ceiling_db in [-12.0, -6.0, 0.0] {
                let p = params(ceiling_db, lookahead, 0.05);
                let (mut lim, mut mem) = limiter(&p, &CTX);
                let mut seed = 43;
                let (out, _) = run(&mut lim, &mut mem, &x, &x, &mut seed, |_| {});
                fixed = fixed.max(largest(&out[2000..]));
            }
        }
        for sweep_ceiling in [false, true] {
            let mut seed = 47;
            let mut rng = 53;
            let (mut lim, mut mem) = limiter(&params(-6.0, 0.005, 0.05), &CTX);
            let (out, _) = run(&mut lim, &mut mem, &x, &x, &mut seed, |lim| {
                let ceiling_db = if sweep_ceiling {
                    -12.0 + 12.0 * (noise(&mut rng) * 0.5 + 0.5)
                } else {
                    -6.0
                };
                let lookahead = 0.01 * (noise(&mut rng) * 0.5 + 0.5);
                lim.set(&params(ceiling_db, lookahead, 0.05));
            });
            assert!(out.iter().all(|s| s.abs() <= db_to_linear(-6.0).max(1.0)));
            let swept = largest(&out[2000..]);
            std::println!(
                "limiter: sweeping look-ahead{} every block: largest step {swept:.4}, fixed settings {fixed:.4}",
                if sweep_ceiling { " and ceiling" } else { "" }
            );
            assert!(swept <= fixed * 1.05 + 1e-3, "{swept} vs {fixed}");
        }
    }

    /// Tests finite output and the ceiling for extreme parameters and inputs, every block
    /// length, too little memory (the clamp alone), and reset after a loud burst.
    #[test]
    fn extremes_and_reset() {
        let mut seed = 59;
        let extremes = [
            params(-24.0, 0.0, 0.001),
            params(0.0, 0.01, 2.0),
            params(f32::NAN, f32::INFINITY, f32::NEG_INFINITY),
        ];
        for p in extremes {
            let (mut lim, mut mem) = limiter(&p, &CTX);
            let c = db_to_linear(p.sanitized().ceiling_db);
            for n in 0..=128 {
                let mut l: Vec<f32> = (0..n).map(|_| 1e30 * noise(&mut seed)).collect();
                let mut r = vec![f32::MAX; n];
                if n % 2 == 0 {
                    r.iter_mut()
                        .for_each(|s| *s = f32::MIN_POSITIVE * noise(&mut seed));
                }
                lim.process(&mut mem, &mut l, &mut r);
                assert!(l.iter().chain(&r).all(|s| s.is_finite() && s.abs() <= c));
            }
            // Non-finite input does not poison the state: later output is finite and capped.
            let mut l = vec![f32::INFINITY, f32::NAN, f32::NEG_INFINITY];
            let mut r = vec![f32::NAN, 0.0, 1.0];
            lim.process(&mut mem, &mut l, &mut r);
            for _ in 0..20 {
                let mut l = vec![0.5f32; 128];
                let mut r = l.clone();
                lim.process(&mut mem, &mut l, &mut r);
                assert!(l.iter().chain(&r).all(|s| s.is_finite() && s.abs() <= c));
            }
            // Too little memory: the clamp alone.
            let mut l = vec![5.0f32, -5.0, 0.01];
            let mut r = l.clone();
            lim.process(&mut [], &mut l, &mut r);
            assert_eq!(l, [c, -c, 0.01]);
            // Reset: silent state, quiet signals pass delayed again.
            lim.reset(&mut mem);
            assert!(mem.iter().all(|&s| s == 0.0));
            let x: Vec<f32> = (0..2000).map(|_| 0.01 * noise(&mut seed)).collect();
            let (out, _) = run(&mut lim, &mut mem, &x, &x, &mut seed, |_| {});
            let d = lim.latency_frames();
            assert_eq!(out[d..], x[..x.len() - d]);
        }
    }
}
