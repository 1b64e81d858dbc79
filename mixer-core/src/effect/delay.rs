//! `delay`: a stereo feedback delay line with a real dry path.
//!
//! For every channel, `y[n] = dry·x[n] + wet·d[n]`, where the line output
//! `d[n] = x[n − D] + feedback·d[n − D]` and `D = time_seconds · sample_rate` frames. An impulse
//! therefore gives `dry` at frame 0, then `wet·feedback^(k−1)` at frame `k·D`: the direct signal
//! is heard as it is, and the line only carries the echoes. (The original engine fed `dry` into
//! the line and had no direct path.)
//!
//! # The line
//! Both channels share one delay time. The line stores `s[n] = x[n] + feedback·d[n]` and reads
//! `d[n]` at `D` frames back with linear interpolation, so `D` need not be a whole number of
//! frames. `D` is `time_seconds · sample_rate` rounded to `f32`, so a time that is a whole
//! number of frames at that precision (0.1 s at 48 kHz is exactly 4800) is read without
//! interpolation and the echoes are exact copies.
//!
//! A loop cannot close in less than a frame: below one frame, the current input stands in for
//! the slot that is not written yet. So at `time_seconds = 0` the line output is the input
//! itself, `y = (dry + wet)·x`, and the feedback has nothing to repeat into (between 0 and 1
//! frame the loop gain is `feedback·D < 1`); no delay time makes the loop unstable, since
//! `feedback ≤ 0.99` and interpolation never amplifies.
//!
//! # Changes
//! `wet`, `dry` and `feedback` ramp linearly over the context's smoothing time. A new
//! `time_seconds` is not jumped to: the read position glides to it in a straight line, over
//! the smoothing time or longer, never faster than [`MAX_GLIDE_RATE`] frames of delay per
//! frame. While it glides, the echoes are pitch-shifted (like tape) by at most that rate
//! (`1 ± 0.25` times the speed), and never jump: sweeping the time every block adds no step
//! the signal does not have. The line contents survive every change.
//!
//! # Memory
//! `ceil(MAX_TIME · sample_rate) + 2` frames per channel, left then right: at 48 kHz,
//! 240 002 frames per channel, 480 004 `f32`s in all.

use super::EffectContext;
use super::params::DelayParams;
use crate::math;
use crate::smooth::Ramp;

/// The fastest the read position glides toward a new delay time, in frames of delay per frame
/// of output: echoes heard during a glide play at between `1 − MAX_GLIDE_RATE` and
/// `1 + MAX_GLIDE_RATE` times their speed. A change from 0.25 s to 0.5 s glides over 1 s.
pub const MAX_GLIDE_RATE: f32 = 0.25;

/// Ramps `r` to `target` over `frames`, unless it is already headed there: a ramp re-sent its
/// own target every block keeps its pace and lands, instead of restarting and creeping.
fn retarget(r: &mut Ramp, target: f32, frames: u32) {
    if r.target != target {
        r.set(target, frames);
    }
}

/// Fractional bits of the read position (Q32.32 frames: exact, deterministic glides).
const FRAC_BITS: u32 = 32;
/// One frame in Q32.32.
const ONE: i64 = 1 << FRAC_BITS;
/// `2^−32`, to turn the fraction bits into an `f32`.
const FRAC_SCALE: f32 = 1.0 / 4_294_967_296.0;

/// The processor.
#[derive(Debug, Clone)]
pub struct Delay {
    /// Frames per channel in `mem`.
    len: usize,
    /// The slot the next frame is written to, `< len`.
    write: usize,
    /// Frames per second, as `f32` (for `time_seconds → frames`).
    rate: f32,
    /// The parameter ramp length, in frames.
    smoothing: u32,
    /// The read delay of the next frame, in Q32.32 frames, `0 ..= max_delay`.
    delay: i64,
    /// The delay the glide lands on.
    delay_target: i64,
    /// Added to `delay` per frame while `delay_left > 0`.
    delay_step: i64,
    /// Frames left in the glide.
    delay_left: u32,
    /// The longest delay the line holds, Q32.32 frames (`len − 2` frames).
    max_delay: i64,
    wet: Ramp,
    dry: Ramp,
    feedback: Ramp,
}

impl Delay {
    /// Frames per channel of line at `sample_rate`: the longest delay, plus one frame for the
    /// interpolation's second tap and one so the write never lands on a tap being read.
    fn line_len(sample_rate: u32) -> usize {
        let frames = math::ceil(f64::from(DelayParams::MAX_TIME) * f64::from(sample_rate));
        frames as usize + 2
    }

    /// `f32`s of memory needed: two lines of `ceil(MAX_TIME · sample_rate) + 2` frames.
    pub fn memory_len(ctx: &EffectContext) -> usize {
        2 * Self::line_len(ctx.sample_rate)
    }

    /// A processor at `params`, its line silent and its read position at `time_seconds`.
    pub fn new(params: &DelayParams, ctx: &EffectContext) -> Self {
        let len = Self::line_len(ctx.sample_rate);
        let mut d = Self {
            len,
            write: 0,
            rate: ctx.sample_rate as f32,
            smoothing: ctx.smoothing_frames,
            delay: 0,
            delay_target: 0,
            delay_step: 0,
            delay_left: 0,
            max_delay: (len as i64 - 2) * ONE,
            wet: Ramp::at(params.wet),
            dry: Ramp::at(params.dry),
            feedback: Ramp::at(params.feedback),
        };
        d.delay = d.frames(params.time_seconds);
        d.delay_target = d.delay;
        d
    }

    /// `seconds` as a Q32.32 delay in frames, within the line.
    fn frames(&self, seconds: f32) -> i64 {
        // The product is rounded to f32 first: times that are whole frames stay whole.
        let frames = f64::from(seconds * self.rate) * ONE as f64;
        if frames >= 0.0 {
            // `as` saturates; the line's length bounds it anyway.
            (frames as i64).min(self.max_delay)
        } else {
            0
        }
    }

    /// Retune in place: ramp `wet`, `dry` and `feedback`; glide the delay time.
    pub fn set(&mut self, params: &DelayParams) {
        // A target re-sent unchanged leaves its ramp or glide alone, so it keeps its pace
        // and lands.
        retarget(&mut self.wet, params.wet, self.smoothing);
        retarget(&mut self.dry, params.dry, self.smoothing);
        retarget(&mut self.feedback, params.feedback, self.smoothing);

        let target = self.frames(params.time_seconds);
        if target == self.delay_target {
            return;
        }
        let span = target - self.delay;
        let fastest =
            math::ceil(span.unsigned_abs() as f64 / (f64::from(MAX_GLIDE_RATE) * ONE as f64));
        let frames = (fastest as u32).max(self.smoothing);
        self.delay_target = target;
        if frames == 0 || span == 0 {
            self.delay = target;
            self.delay_step = 0;
            self.delay_left = 0;
        } else {
            self.delay_step = span / i64::from(frames);
            self.delay_left = frames;
        }
    }

    /// Silence the line (zero `mem`) and land every ramp and glide on its target.
    pub fn reset(&mut self, mem: &mut [f32]) {
        mem.fill(0.0);
        self.write = 0;
        self.delay = self.delay_target;
        self.delay_step = 0;
        self.delay_left = 0;
        self.wet.jump(self.wet.target);
        self.dry.jump(self.dry.target);
        self.feedback.jump(self.feedback.target);
    }

    /// Process planar stereo in place. Frames past the shorter of `left` and `right` are left
    /// alone. Should `mem` be shorter than [`memory_len`](Self::memory_len) (never, through
    /// the mixer), there is no line: only the dry path is applied.
    pub fn process(&mut self, mem: &mut [f32], left: &mut [f32], right: &mut [f32]) {
        let len = self.len;
        let Some(mem) = mem.get_mut(..2 * len) else {
            for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                let dry = self.dry.value;
                self.dry.advance(1);
                *l *= dry;
                *r *= dry;
            }
            return;
        };
        let (line_l, line_r) = mem.split_at_mut(len);
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            let (wet, dry, feedback) = (self.wet.value, self.dry.value, self.feedback.value);
            self.wet.advance(1);
            self.dry.advance(1);
            self.feedback.advance(1);

            // Taps `whole` and `whole + 1` frames back; `whole ≤ len − 2` by construction.
            let whole = ((self.delay >> FRAC_BITS) as usize).min(len - 2);
            let frac = (self.delay as u32) as f32 * FRAC_SCALE;
            let w = self.write;
            let a = if whole <= w {
                w - whole
            } else {
                w + len - whole
            };
            let b = if a == 0 { len - 1 } else { a - 1 };

            let (xl, xr) = (*l, *r);
            let (al, ar) = if whole == 0 {
                (xl, xr)
            } else {
                (line_l[a], line_r[a])
            };
            let dl = al + frac * (line_l[b] - al);
            let dr = ar + frac * (line_r[b] - ar);
            // Flushed: a repeat decayed below −360 dB is silence, not a subnormal for ever.
            line_l[w] = math::flush(xl + feedback * dl);
            line_r[w] = math::flush(xr + feedback * dr);
            *l = dry * xl + wet * dl;
            *r = dry * xr + wet * dr;

            self.write = if w + 1 >= len { 0 } else { w + 1 };
            if self.delay_left > 0 {
                self.delay_left -= 1;
                self.delay = if self.delay_left == 0 {
                    self.delay_target
                } else {
                    self.delay + self.delay_step
                };
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
    use crate::tests::{near, rms};

    const RATE: u32 = 48_000;

    fn ctx() -> EffectContext {
        EffectContext::new(RATE)
    }

    fn params(time: f32, feedback: f32, wet: f32, dry: f32) -> DelayParams {
        DelayParams {
            time_seconds: time,
            feedback,
            wet,
            dry,
        }
    }

    /// A processor and its memory, zeroed.
    fn delay(p: &DelayParams) -> (Delay, Vec<f32>) {
        let mut mem = vec![f32::NAN; Delay::memory_len(&ctx())];
        let mut d = Delay::new(p, &ctx());
        d.reset(&mut mem);
        (d, mem)
    }

    /// Runs `left`/`right` through in 128-frame blocks; `each` is called before every block
    /// with the block's first frame.
    fn run(
        d: &mut Delay,
        mem: &mut [f32],
        left: &mut [f32],
        right: &mut [f32],
        mut each: impl FnMut(&mut Delay, usize),
    ) {
        let mut start = 0;
        for (l, r) in left.chunks_mut(128).zip(right.chunks_mut(128)) {
            each(d, start);
            d.process(mem, l, r);
            start += l.len();
        }
    }

    use crate::tests::lcg_noise as noise;

    /// Tests the memory size: five seconds plus two frames per channel.
    #[test]
    fn memory_is_five_seconds_per_channel() {
        assert_eq!(Delay::memory_len(&ctx()), 2 * 240_002);
        assert_eq!(Delay::memory_len(&EffectContext::new(44_100)), 2 * 220_502);
    }

    /// Tests the impulse response: dry at 0, then wet·feedback^(k−1) at k·time, silence between.
    #[test]
    fn impulse_response_has_dry_path_and_geometric_echoes() {
        let (wet, dry, fb) = (0.5, 0.5, 0.4);
        let (mut d, mut mem) = delay(&params(0.1, fb, wet, dry));
        let n = 4800 * 4 + 10;
        let mut l = vec![0.0; n];
        let mut r = vec![0.0; n];
        l[0] = 1.0;
        r[0] = -1.0;
        run(&mut d, &mut mem, &mut l, &mut r, |_, _| {});
        near(f64::from(l[0]), 0.5, 1e-6);
        near(f64::from(l[4800]), 0.5, 1e-6);
        near(f64::from(l[9600]), 0.5 * 0.4, 1e-6);
        near(f64::from(l[14_400]), 0.5 * 0.16, 1e-6);
        near(f64::from(l[19_200]), 0.5 * 0.064, 1e-6);
        for (i, (&a, &b)) in l.iter().zip(&r).enumerate() {
            assert_eq!(a, -b, "channels independent, frame {i}");
            if i % 4800 != 0 {
                assert_eq!(a, 0.0, "nothing between echoes, frame {i}");
            }
        }
    }

    /// Tests that dry 1, wet 0 passes the signal bit-for-bit, whatever the line holds.
    #[test]
    fn dry_only_is_transparent() {
        let (mut d, mut mem) = delay(&params(0.05, 0.9, 0.0, 1.0));
        let x = noise(48_000, 1);
        let mut l = x.clone();
        let mut r = noise(48_000, 2);
        let r0 = r.clone();
        run(&mut d, &mut mem, &mut l, &mut r, |_, _| {});
        assert_eq!(l, x);
        assert_eq!(r, r0);
    }

    /// Tests time 0: the line output is the input, so y = (dry + wet)·x, even at feedback 0.99.
    #[test]
    fn zero_time_is_dry_plus_wet() {
        let (mut d, mut mem) = delay(&params(0.0, 0.99, 0.25, 0.5));
        let x = noise(48_000, 3);
        let mut l = x.clone();
        let mut r = x.clone();
        run(&mut d, &mut mem, &mut l, &mut r, |_, _| {});
        for (&y, &x) in l.iter().zip(&x) {
            near(f64::from(y), 0.75 * f64::from(x), 1e-6);
        }
    }

    /// Largest absolute difference between neighbouring samples.
    fn largest_step(x: &[f32]) -> f32 {
        x.windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max)
    }

    /// A 440 Hz sine, amplitude 1, `n` frames.
    fn sine(n: usize) -> Vec<f32> {
        let w = core::f64::consts::TAU * 440.0 / f64::from(RATE);
        (0..n).map(|i| libm::sin(w * i as f64) as f32).collect()
    }

    /// Tests that sweeping the time every block (a slow wobble, as automation would) adds no
    /// step beyond the sine's own, and that random jumps every block stay within the glide's
    /// pitch bound, far from a click.
    #[test]
    fn time_changes_every_block_do_not_click() {
        let n = 4 * RATE as usize;
        let x = sine(n);
        let own = largest_step(&x);

        // A wobble of ±10 ms at 0.5 Hz around 200 ms: the glide's speed is ≤ 0.031.
        let (mut d, mut mem) = delay(&params(0.2, 0.0, 0.5, 0.5));
        let (mut l, mut r) = (x.clone(), x.clone());
        run(&mut d, &mut mem, &mut l, &mut r, |d, start| {
            let t = start as f64 / f64::from(RATE);
            let time = 0.2 + 0.01 * libm::sin(core::f64::consts::TAU * 0.5 * t);
            d.set(&params(time as f32, 0.0, 0.5, 0.5));
        });
        let swept = largest_step(&l[RATE as usize / 2..]);
        std::println!("sine step {own}, wobbled delay step {swept}");
        assert!(swept <= own * 1.02, "{swept} vs {own}");

        // Jumps anywhere in 10 ms ..= 1 s every block: bounded by the glide's speed, while an
        // unsmoothed jump could step by up to wet·2 = 1 (17 times the sine's step).
        let (mut d, mut mem) = delay(&params(0.3, 0.0, 0.5, 0.5));
        let (mut l, mut r) = (x.clone(), x.clone());
        let times = noise(n / 128 + 1, 9);
        run(&mut d, &mut mem, &mut l, &mut r, |d, start| {
            let time = 0.01 + 0.99 * (times[start / 128] * 0.5 + 0.5);
            d.set(&params(time, 0.0, 0.5, 0.5));
        });
        let jumped = largest_step(&l[RATE as usize / 2..]);
        let bound = own * (0.5 + 0.5 * (1.0 + MAX_GLIDE_RATE));
        std::println!("jumping delay step {jumped}, glide bound {bound}");
        assert!(jumped <= bound + 1e-4, "{jumped} vs {bound}");
        assert_eq!(l, r);
    }

    /// Tests that a new time is reached by a glide and the echo then lands exactly there.
    #[test]
    fn time_glides_to_its_target_and_state_survives() {
        let (mut d, mut mem) = delay(&params(0.1, 0.0, 1.0, 0.0));
        let mut l = vec![0.0; 96_000];
        let mut r = vec![0.0; 96_000];
        l[0] = 1.0;
        // Retarget to 0.2 s at once: the 0.1 s echo (at 4800) is still in the line and the
        // read head glides over it, 4800 frames of delay at 0.25 → 19 200 frames. The same
        // parameters re-sent every block do not restart (and stretch) the glide.
        d.set(&params(0.2, 0.0, 1.0, 0.0));
        run(&mut d, &mut mem, &mut l, &mut r, |d, start| {
            if start == 19_200 - 128 {
                assert_eq!(d.delay_left, 128);
            }
            d.set(&params(0.2, 0.0, 1.0, 0.0));
        });
        let energy: f64 = l.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
        assert!(energy > 0.0, "the impulse in the line was not lost");
        assert_eq!(d.delay, 9600 * ONE);
        assert_eq!(d.delay_left, 0);

        // Settled: an impulse now echoes at exactly 9600.
        let mut l = vec![0.0; 10_000];
        let mut r = vec![0.0; 10_000];
        l[0] = 1.0;
        run(&mut d, &mut mem, &mut l, &mut r, |_, _| {});
        assert_eq!(l[9600], 1.0);
        assert_eq!(l.iter().filter(|&&s| s != 0.0).count(), 1);
    }

    /// Tests that wet/dry/feedback changes keep the echoes already in the line, and ramp.
    #[test]
    fn set_keeps_the_line_and_ramps_levels() {
        let (mut d, mut mem) = delay(&params(0.1, 0.5, 1.0, 0.0));
        let mut l = vec![0.0; 10_000];
        let mut r = vec![0.0; 10_000];
        l[0] = 1.0;
        run(&mut d, &mut mem, &mut l, &mut r, |d, start| {
            if start == 1024 {
                d.set(&params(0.1, 0.5, 0.25, 0.0));
            }
        });
        // The wet ramp (240 frames) ended long before the echoes at 4800 and 9600.
        assert_eq!(l[4800], 0.25);
        assert_eq!(l[9600], 0.125);
    }

    /// Tests feedback 0.99 for 60 s: finite, and decaying at about 0.99 per echo.
    #[test]
    fn high_feedback_is_stable_and_decays() {
        let n = 60 * RATE as usize;
        let (mut d, mut mem) = delay(&params(0.1, 0.99, 1.0, 0.0));
        let mut l = vec![0.0; n];
        l[..4800].copy_from_slice(&noise(4800, 4));
        let mut r = l.clone();
        run(&mut d, &mut mem, &mut l, &mut r, |_, _| {});
        assert!(l.iter().chain(&r).all(|s| s.is_finite()));
        let second = |k: usize| rms(&l[k * RATE as usize..(k + 1) * RATE as usize]);
        let (first, last) = (second(1), second(59));
        for k in 1..59 {
            assert!(second(k + 1) < second(k), "second {k}");
        }
        // 580 echoes at 0.99 → −50.6 dB.
        let db = 20.0 * libm::log10(last / first);
        std::println!("feedback 0.99: {db:.2} dB over 58 s");
        near(db, 20.0 * 580.0 * libm::log10(0.99), 0.5);
    }

    /// Tests that no block length up to 128 (nor a bad `mem`) panics, and the result does not
    /// depend on how the signal is split into blocks.
    #[test]
    fn block_splits_are_invisible_and_nothing_panics() {
        let x = noise(20_000, 5);
        let p = params(0.0123, 0.7, 0.6, 0.4);
        let (mut a, mut mem_a) = delay(&p);
        let (mut la, mut ra) = (x.clone(), x.clone());
        run(&mut a, &mut mem_a, &mut la, &mut ra, |_, _| {});

        let (mut b, mut mem_b) = delay(&p);
        let (mut lb, mut rb) = (x.clone(), x.clone());
        let mut at = 0;
        let mut size = 0;
        while at < x.len() {
            let end = (at + size).min(x.len());
            b.process(&mut mem_b, &mut lb[at..end], &mut rb[at..end]);
            at = end;
            size = (size + 1) % 129;
        }
        assert_eq!(la, lb);
        assert_eq!(ra, rb);

        // Too little memory: the dry path only, no panic.
        let (mut c, _) = delay(&p);
        let (mut l, mut r) = (vec![1.0; 128], vec![1.0; 128]);
        c.process(&mut [0.0; 3], &mut l, &mut r);
        assert!(l.iter().all(|&s| s == 0.4));
        // Mismatched lengths: the shorter is processed.
        c.process(&mut mem_b, &mut l[..5], &mut r[..7]);
    }
}
