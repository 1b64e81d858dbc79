//! `reverb`: Freeverb (Jezar at Dreampoint's public-domain design) with its canonical gain
//! staging.
//!
//! Per channel, 8 lowpass-feedback combs in parallel feed 4 all-passes in series. Both tanks
//! take the mono sum `(L + R)·0.015`; the right tank's lines are 23 samples (at 44.1 kHz)
//! longer than the left's, which decorrelates the two tails.
//!
//! | tuning (samples at 44.1 kHz) | left | right |
//! |---|---|---|
//! | combs | 1116 1188 1277 1356 1422 1491 1557 1617 | each + 23 |
//! | all-passes (feedback 0.5) | 556 441 341 225 | each + 23 |
//!
//! Lengths are scaled to the sample rate and rounded to the nearest frame (at 48 kHz the left
//! combs are 1215 … 1760 frames, the right 1240 … 1785).
//!
//! # What the parameters mean
//! - comb feedback `= 0.7 + 0.28·room_size` (0.7 … 0.98);
//! - comb damping (the one-pole lowpass's pole) `= 0.4·damping`;
//! - `wet` scales the tail by 3 and `dry` the direct signal by **2**, as in Freeverb:
//!   `dry = 0.5` is the input at unity, and the default `dry = 0.7` is 1.4 times it (+2.9 dB);
//! - `width` splits the wet gain: `wet1 = 3·wet·(width/2 + 1/2)`, `wet2 = 3·wet·(1 − width)/2`;
//!   `out L = revL·wet1 + revR·wet2 + inL·2·dry` and the mirror for the right;
//! - `freeze`: comb feedback 1, no damping, and the input into the tanks muted, so the tail
//!   rings forever unchanged and nothing new gets in (the original engine kept feeding the
//!   input, so a frozen tail grew without bound). The direct path still passes while frozen.
//!
//! # Changes
//! The tank input gain, comb feedback, damping and the three output gains ramp linearly over
//! the context's smoothing time (so freezing fades the input out over it); the tanks keep
//! their contents through every change.
//!
//! # Memory
//! Every line of both tanks, in `mem`: 27 702 `f32`s at 48 kHz (13 701 left, 14 001 right),
//! 25 450 at 44.1 kHz. Comb filter states below 10⁻²⁰ are flushed to zero so a silent tail
//! ends in zeros rather than in slow subnormal arithmetic.

use super::EffectContext;
use super::params::ReverbParams;
use crate::math;
use crate::smooth::Ramp;

/// Comb lengths at 44.1 kHz.
const COMB_TUNING: [u32; COMBS] = [1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617];
/// All-pass lengths at 44.1 kHz.
const ALLPASS_TUNING: [u32; ALLPASSES] = [556, 441, 341, 225];
/// How much longer the right tank's lines are, at 44.1 kHz.
const STEREO_SPREAD: u32 = 23;
/// The sample rate of the tunings.
const TUNING_RATE: u64 = 44_100;
/// Combs per channel.
const COMBS: usize = 8;
/// All-passes per channel.
const ALLPASSES: usize = 4;

/// The tank input gain.
const FIXED_GAIN: f32 = 0.015;
/// `wet` → tail gain.
const SCALE_WET: f32 = 3.0;
/// `dry` → direct gain.
const SCALE_DRY: f32 = 2.0;
/// `damping` → comb damping.
const SCALE_DAMP: f32 = 0.4;
/// `room_size` → comb feedback slope.
const SCALE_ROOM: f32 = 0.28;
/// Comb feedback at `room_size` 0.
const OFFSET_ROOM: f32 = 0.7;
/// The all-passes' feedback.
const ALLPASS_FEEDBACK: f32 = 0.5;

/// Lines per channel: the combs, then the all-passes (their order in `mem`).
const LINES: usize = COMBS + ALLPASSES;

/// A line of `tuning` samples at 44.1 kHz, at `sample_rate`: rounded to the nearest frame, at
/// least one and at most `u16::MAX` frames (the cap only binds above 1.76 MHz).
fn scaled(tuning: u32, sample_rate: u32) -> u16 {
    let frames = (u64::from(tuning) * u64::from(sample_rate) + TUNING_RATE / 2) / TUNING_RATE;
    frames.clamp(1, u64::from(u16::MAX)) as u16
}

/// The slot after `pos` in a line of `len`.
#[inline(always)]
fn next(pos: u16, len: u16) -> u16 {
    let p = pos.wrapping_add(1);
    if p >= len { 0 } else { p }
}

/// One channel's tank. Its lines lie back to back in `mem`, in the order of `lens`, so their
/// offsets are running sums and need no storage: the processor stays small enough to sit
/// inline in a chain slot.
#[derive(Debug, Clone)]
struct Tank {
    /// Every line's length in frames: the combs, then the all-passes.
    lens: [u16; LINES],
    /// Every line's slot for this frame, `< len`.
    pos: [u16; LINES],
    /// Each comb's lowpass state.
    stores: [f32; COMBS],
}

impl Tank {
    /// A tank with `spread` added to every tuning, silent.
    fn new(spread: u32, sample_rate: u32) -> Self {
        let mut lens = [1; LINES];
        for (len, &t) in lens
            .iter_mut()
            .zip(COMB_TUNING.iter().chain(ALLPASS_TUNING.iter()))
        {
            *len = scaled(t + spread, sample_rate);
        }
        Self {
            lens,
            pos: [0; LINES],
            stores: [0.0; COMBS],
        }
    }

    /// `f32`s of `mem` the tank's lines take.
    fn memory_len(&self) -> usize {
        self.lens.iter().map(|&l| usize::from(l)).sum()
    }

    /// Silences the filter states and rewinds the lines (the caller zeroes `mem`).
    fn reset(&mut self) {
        self.stores = [0.0; COMBS];
        self.pos = [0; LINES];
    }

    /// One frame: `input` through the combs in parallel, then the all-passes in series. The
    /// tank's lines start at `mem[base]`; a slot outside `mem` is skipped, never indexed.
    #[inline(always)]
    fn process(&mut self, mem: &mut [f32], base: usize, input: f32, c: &Coefs) -> f32 {
        let (comb_lens, ap_lens) = self.lens.split_at(COMBS);
        let (comb_pos, ap_pos) = self.pos.split_at_mut(COMBS);
        let mut offset = base;
        let mut out = 0.0;
        for ((&len, pos), store) in comb_lens
            .iter()
            .zip(comb_pos.iter_mut())
            .zip(self.stores.iter_mut())
        {
            if let Some(slot) = mem.get_mut(offset + usize::from(*pos)) {
                let y = *slot;
                let s = math::flush(y * c.damp2 + *store * c.damp1);
                *store = s;
                *slot = input + s * c.feedback;
                out += y;
            }
            *pos = next(*pos, len);
            offset += usize::from(len);
        }
        for (&len, pos) in ap_lens.iter().zip(ap_pos.iter_mut()) {
            if let Some(slot) = mem.get_mut(offset + usize::from(*pos)) {
                let buffered = *slot;
                *slot = math::flush(out + buffered * ALLPASS_FEEDBACK);
                out = buffered - out;
            }
            *pos = next(*pos, len);
            offset += usize::from(len);
        }
        out
    }
}

/// The per-frame coefficients.
#[derive(Debug, Clone, Copy)]
struct Coefs {
    gain: f32,
    feedback: f32,
    damp1: f32,
    damp2: f32,
    wet1: f32,
    wet2: f32,
    dry: f32,
}

/// The processor.
#[derive(Debug, Clone)]
pub struct Reverb {
    /// The left tank, from `mem[0]`.
    left: Tank,
    /// The right tank, from `mem[right_base]`.
    right: Tank,
    /// Where the right tank's lines start in `mem`.
    right_base: usize,
    /// The parameter ramp length, in frames.
    smoothing: u32,
    /// Tank input gain: 0.015, or 0 while frozen.
    gain: Ramp,
    /// Comb feedback.
    feedback: Ramp,
    /// Comb damping (`damp1`; `damp2 = 1 − damp1`).
    damp: Ramp,
    /// Each tank's gain into its own side.
    wet1: Ramp,
    /// Each tank's gain into the other side.
    wet2: Ramp,
    /// Direct gain, `2·dry`.
    dry: Ramp,
}

/// Ramps `r` to `target` over `frames`, unless it is already headed there: a ramp re-sent its
/// own target every block keeps its pace and lands, instead of restarting and creeping.
fn retarget(r: &mut Ramp, target: f32, frames: u32) {
    if r.target != target {
        r.set(target, frames);
    }
}

/// The targets of the ramps, in the order of [`Reverb`]'s fields: gain, feedback, damp,
/// wet1, wet2, dry.
fn targets(p: &ReverbParams) -> [f32; 6] {
    let (gain, feedback, damp) = if p.freeze {
        (0.0, 1.0, 0.0)
    } else {
        (
            FIXED_GAIN,
            p.room_size * SCALE_ROOM + OFFSET_ROOM,
            p.damping * SCALE_DAMP,
        )
    };
    let wet = p.wet * SCALE_WET;
    [
        gain,
        feedback,
        damp,
        wet * (p.width / 2.0 + 0.5),
        wet * ((1.0 - p.width) / 2.0),
        p.dry * SCALE_DRY,
    ]
}

impl Reverb {
    /// `f32`s of memory needed: every line of both tanks (27 702 at 48 kHz).
    pub fn memory_len(ctx: &EffectContext) -> usize {
        Tank::new(0, ctx.sample_rate).memory_len()
            + Tank::new(STEREO_SPREAD, ctx.sample_rate).memory_len()
    }

    /// A processor at `params`, its tanks silent.
    pub fn new(params: &ReverbParams, ctx: &EffectContext) -> Self {
        let left = Tank::new(0, ctx.sample_rate);
        let right = Tank::new(STEREO_SPREAD, ctx.sample_rate);
        let [gain, feedback, damp, wet1, wet2, dry] = targets(params).map(Ramp::at);
        Self {
            right_base: left.memory_len(),
            left,
            right,
            smoothing: ctx.smoothing_frames,
            gain,
            feedback,
            damp,
            wet1,
            wet2,
            dry,
        }
    }

    /// The ramps, in the order of [`targets`].
    fn ramps(&mut self) -> [&mut Ramp; 6] {
        [
            &mut self.gain,
            &mut self.feedback,
            &mut self.damp,
            &mut self.wet1,
            &mut self.wet2,
            &mut self.dry,
        ]
    }

    /// Retune in place; every coefficient ramps over the smoothing time.
    pub fn set(&mut self, params: &ReverbParams) {
        let frames = self.smoothing;
        for (r, t) in self.ramps().into_iter().zip(targets(params)) {
            retarget(r, t, frames);
        }
    }

    /// Silence the tanks (zero `mem`) and land every ramp on its target.
    pub fn reset(&mut self, mem: &mut [f32]) {
        mem.fill(0.0);
        self.left.reset();
        self.right.reset();
        for r in self.ramps() {
            r.jump(r.target);
        }
    }

    /// This frame's coefficients.
    #[inline(always)]
    fn coefs(&self) -> Coefs {
        Coefs {
            gain: self.gain.value,
            feedback: self.feedback.value,
            damp1: self.damp.value,
            damp2: 1.0 - self.damp.value,
            wet1: self.wet1.value,
            wet2: self.wet2.value,
            dry: self.dry.value,
        }
    }

    /// Process planar stereo in place. Frames past the shorter of `left` and `right` are left
    /// alone. Should `mem` be shorter than [`memory_len`](Self::memory_len) (never, through
    /// the mixer), the lines that do not fit are skipped.
    pub fn process(&mut self, mem: &mut [f32], left: &mut [f32], right: &mut [f32]) {
        let ramping = self.ramps().iter().any(|r| !r.is_settled());
        let mut c = self.coefs();
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            if ramping {
                c = self.coefs();
                for ramp in self.ramps() {
                    ramp.advance(1);
                }
            }
            let (xl, xr) = (*l, *r);
            let input = (xl + xr) * c.gain;
            let out_l = self.left.process(mem, 0, input, &c);
            let out_r = self.right.process(mem, self.right_base, input, &c);
            *l = out_l * c.wet1 + out_r * c.wet2 + xl * c.dry;
            *r = out_r * c.wet1 + out_l * c.wet2 + xr * c.dry;
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
    /// 100 ms.
    const WINDOW: usize = 4800;

    fn ctx() -> EffectContext {
        EffectContext::new(RATE)
    }

    /// Wet only (at full width), no direct path.
    fn wet_only(room_size: f32) -> ReverbParams {
        ReverbParams {
            room_size,
            wet: 1.0 / 3.0,
            dry: 0.0,
            ..ReverbParams::default()
        }
    }

    /// A processor and its memory, zeroed.
    fn reverb(p: &ReverbParams) -> (Reverb, Vec<f32>) {
        let mut mem = vec![f32::NAN; Reverb::memory_len(&ctx())];
        let mut r = Reverb::new(p, &ctx());
        r.reset(&mut mem);
        (r, mem)
    }

    /// Runs `left`/`right` through in 128-frame blocks; `each` is called before every block
    /// with the block's first frame.
    fn run(
        v: &mut Reverb,
        mem: &mut [f32],
        left: &mut [f32],
        right: &mut [f32],
        mut each: impl FnMut(&mut Reverb, usize),
    ) {
        let mut start = 0;
        for (l, r) in left.chunks_mut(128).zip(right.chunks_mut(128)) {
            each(v, start);
            v.process(mem, l, r);
            start += l.len();
        }
    }

    use crate::tests::lcg_noise as noise;

    /// Level in dB of the stereo frames `range`.
    fn level(l: &[f32], r: &[f32], range: core::ops::Range<usize>) -> f64 {
        let e = rms(&l[range.clone()]) * rms(&l[range.clone()])
            + rms(&r[range.clone()]) * rms(&r[range]);
        10.0 * libm::log10(e)
    }

    /// Tests the memory size: every line of both tanks, scaled to the rate.
    #[test]
    fn memory_is_both_tanks() {
        assert_eq!(Reverb::memory_len(&ctx()), 13_701 + 14_001);
        // At the tuning rate the lengths are the tunings themselves.
        let sum: u32 = COMB_TUNING.iter().chain(&ALLPASS_TUNING).sum();
        assert_eq!(
            Reverb::memory_len(&EffectContext::new(44_100)),
            2 * sum as usize + 12 * 23
        );
        assert_eq!(Reverb::memory_len(&EffectContext::new(0)), 24);
    }

    /// Tests the first arrivals: the shortest left comb (1116 → 1215 frames at 48 kHz) and the
    /// shortest right one (1139 → 1240), each at 0.015·wet1 (the all-passes pass the first
    /// arrival at gain (−1)⁴); before them, silence.
    #[test]
    fn first_arrivals_are_at_the_shortest_combs() {
        assert_eq!(scaled(1116, RATE), 1215);
        assert_eq!(scaled(1116 + 23, RATE), 1240);
        let p = wet_only(0.5);
        let (mut v, mut mem) = reverb(&p);
        let (mut l, mut r) = (vec![0.0; 2000], vec![0.0; 2000]);
        l[0] = 1.0;
        run(&mut v, &mut mem, &mut l, &mut r, |_, _| {});
        let first = |x: &[f32]| x.iter().position(|&s| s != 0.0).unwrap();
        assert_eq!(first(&l), 1215);
        assert_eq!(first(&r), 1240);
        near(f64::from(l[1215]), 0.015, 1e-7);
        near(f64::from(r[1240]), 0.015, 1e-7);

        // At width 0 each side hears both tanks equally: the right tank arrives on the left.
        let p = ReverbParams { width: 0.0, ..p };
        let (mut v, mut mem) = reverb(&p);
        let (mut l, mut r) = (vec![0.0; 2000], vec![0.0; 2000]);
        r[0] = 1.0;
        run(&mut v, &mut mem, &mut l, &mut r, |_, _| {});
        assert_eq!((first(&l), first(&r)), (1215, 1215));
        near(f64::from(l[1215]), 0.0075, 1e-7);
        near(f64::from(l[1240]), 0.0075, 1e-7);
        assert_eq!(l, r);
    }

    /// Tests the direct path: wet 0 gives exactly `2·dry` times the input (dry 0.5 is unity,
    /// the default 0.7 is 1.4).
    #[test]
    fn dry_path_is_twice_dry() {
        for (dry, gain) in [(0.5, 1.0), (0.7, 1.4), (1.0, 2.0)] {
            let p = ReverbParams {
                wet: 0.0,
                dry,
                ..ReverbParams::default()
            };
            let (mut v, mut mem) = reverb(&p);
            let x = noise(48_000, 1);
            let (mut l, mut r) = (x.clone(), noise(48_000, 2));
            let r0 = r.clone();
            run(&mut v, &mut mem, &mut l, &mut r, |_, _| {});
            for i in 0..x.len() {
                assert_eq!(l[i], x[i] * gain);
                assert_eq!(r[i], r0[i] * gain);
            }
        }
    }

    /// Levels in dB of the 100 ms windows of the tail after 0.5 s of noise, from 200 ms after
    /// the noise stops, at `room_size`.
    fn tail(room_size: f32, windows: usize) -> Vec<f64> {
        let (mut v, mut mem) = reverb(&wet_only(room_size));
        let burst = RATE as usize / 2;
        let n = burst + 2 * WINDOW + windows * WINDOW;
        let (mut l, mut r) = (vec![0.0; n], vec![0.0; n]);
        l[..burst].copy_from_slice(&noise(burst, 3));
        r[..burst].copy_from_slice(&noise(burst, 4));
        run(&mut v, &mut mem, &mut l, &mut r, |_, _| {});
        (0..windows)
            .map(|k| {
                let start = burst + 2 * WINDOW + k * WINDOW;
                level(&l, &r, start..start + WINDOW)
            })
            .collect()
    }

    /// The average fall of `levels`, in dB per window.
    fn slope(levels: &[f64]) -> f64 {
        (levels[0] - levels[levels.len() - 1]) / (levels.len() - 1) as f64
    }

    /// Tests the decay: monotone, about 5 dB per 100 ms at room 0.5 (0.84 per ~31 ms comb
    /// pass), faster at room 0 and far slower at room 1.
    #[test]
    fn tail_decays_and_room_size_lengthens_it() {
        let mid = tail(0.5, 10);
        let small = tail(0.0, 10);
        let large = tail(1.0, 10);
        let (s, m, g) = (slope(&small), slope(&mid), slope(&large));
        std::println!("decay per 100 ms: room 0 {s:.2} dB, room 0.5 {m:.2} dB, room 1 {g:.2} dB");
        for levels in [&small, &mid] {
            for w in levels.windows(2) {
                assert!(w[1] < w[0], "{levels:?}");
            }
        }
        // Room 1 decays by ~0.6 dB per window: monotone over 200 ms steps.
        for w in large.windows(3) {
            assert!(w[2] < w[0], "{large:?}");
        }
        assert!((4.0..7.0).contains(&m), "room 0.5: {m} dB/100 ms");
        assert!((8.0..14.0).contains(&s), "room 0: {s} dB/100 ms");
        assert!((0.3..1.2).contains(&g), "room 1: {g} dB/100 ms");
        assert!(s > m && m > g);
    }

    /// Tests freeze: after noise, the tail holds (2 s later within half a dB), and loud input
    /// fed while frozen does not get in: the tail is bit-for-bit the one fed silence. Then,
    /// unfrozen, it decays again.
    #[test]
    fn freeze_holds_the_tail_and_mutes_the_input() {
        let p = wet_only(0.5);
        let frozen = ReverbParams { freeze: true, ..p };
        let feed = RATE as usize;
        let thaw = feed + 3 * RATE as usize;
        let n = thaw + RATE as usize;
        let outputs: Vec<(Vec<f32>, Vec<f32>)> = [0.0, 10.0]
            .iter()
            .map(|&loud| {
                let (mut v, mut mem) = reverb(&p);
                let (mut l, mut r) = (vec![0.0; n], vec![0.0; n]);
                l[..feed].copy_from_slice(&noise(feed, 5));
                r[..feed].copy_from_slice(&noise(feed, 6));
                // After the freeze's input fade (240 frames), `loud` noise keeps coming, until
                // the thaw.
                let (l2, r2) = (noise(thaw, 7), noise(thaw, 8));
                for i in feed + 256..thaw {
                    l[i] = loud * l2[i];
                    r[i] = loud * r2[i];
                }
                run(&mut v, &mut mem, &mut l, &mut r, |v, start| {
                    if start == feed {
                        v.set(&frozen);
                    } else if start == thaw {
                        v.set(&p);
                    }
                });
                (l, r)
            })
            .collect();
        let (quiet, loud) = (&outputs[0], &outputs[1]);
        assert!(quiet == loud, "input got into the frozen tank");

        let (l, r) = loud;
        let window = |start: usize| level(l, r, start..start + WINDOW);
        let at_freeze = window(feed);
        let later = window(feed + 2 * RATE as usize);
        let held: Vec<f64> = (0..29)
            .map(|k| window(feed + k * WINDOW) - at_freeze)
            .collect();
        let spread = held.iter().fold(0.0f64, |m, &d| m.max(d.abs()));
        std::println!(
            "freeze: {at_freeze:.3} dB at freeze, {later:.3} dB 2 s later, \
             every 100 ms window of 2.9 s within {spread:.3} dB"
        );
        near(later, at_freeze, 0.5);
        assert!(spread < 0.5, "{held:?}");
        // Without freeze, 2 s at room 0.5 would have taken ~100 dB off.
        let thawed = window(thaw + RATE as usize - WINDOW);
        assert!(thawed < at_freeze - 30.0, "{thawed} vs {at_freeze}");
    }

    /// Tests that frozen from the start, a reverb fed noise stays silent: nothing gets in.
    #[test]
    fn frozen_from_silence_stays_silent() {
        let (mut v, mut mem) = reverb(&ReverbParams {
            freeze: true,
            ..wet_only(1.0)
        });
        let (mut l, mut r) = (noise(48_000, 7), noise(48_000, 8));
        run(&mut v, &mut mem, &mut l, &mut r, |_, _| {});
        assert!(l.iter().chain(&r).all(|&s| s == 0.0));
    }

    /// Tests that wet, dry and width switched between extremes every block never step by more
    /// than the ramps allow: the largest gains times the signals' own steps, plus the largest
    /// per-frame gain change (a 240-frame ramp) times the signals' peaks; an unsmoothed switch
    /// would step by about the signals' full peaks.
    #[test]
    fn level_changes_every_block_do_not_click() {
        let n = 2 * RATE as usize;
        let w = core::f64::consts::TAU * 220.0 / f64::from(RATE);
        let x: Vec<f32> = (0..n)
            .map(|i| 0.5 * libm::sin(w * i as f64) as f32)
            .collect();
        let step = |y: &[f32]| {
            y.windows(2)
                .map(|p| (p[1] - p[0]).abs())
                .fold(0.0, f32::max)
        };
        let peak = |y: &[f32]| y.iter().fold(0.0, |m: f32, &s| m.max(s.abs()));

        // The tanks alone (wet1 = 1, wet2 = 0, no direct path): what the gains multiply.
        let (mut v, mut mem) = reverb(&wet_only(0.5));
        let (mut rev_l, mut rev_r) = (x.clone(), x.clone());
        run(&mut v, &mut mem, &mut rev_l, &mut rev_r, |_, _| {});

        // Switched every block, with the context's smoothing and (to show what the test
        // catches) with none.
        let switched = |smoothing_frames: u32| {
            let ctx = EffectContext {
                sample_rate: RATE,
                smoothing_frames,
            };
            let mut mem = vec![0.0; Reverb::memory_len(&ctx)];
            let mut v = Reverb::new(&ReverbParams::default(), &ctx);
            let (mut l, mut r) = (x.clone(), x.clone());
            run(&mut v, &mut mem, &mut l, &mut r, |v, start| {
                let up = (start / 128) % 2 == 0;
                let q = ReverbParams {
                    wet: if up { 1.0 } else { 0.0 },
                    dry: if up { 0.0 } else { 1.0 },
                    width: if up { 0.0 } else { 1.0 },
                    ..wet_only(0.5)
                };
                v.set(&q);
            });
            step(&l).max(step(&r))
        };
        let swept = switched(ctx().smoothing_frames);
        let unsmoothed = switched(0);
        // wet1 ≤ 3, wet2 ≤ 1.5, dry ≤ 2; each moves by at most its range / 240 per frame.
        let (sl, sr, sx) = (step(&rev_l), step(&rev_r), step(&x));
        let (pl, pr, px) = (peak(&rev_l), peak(&rev_r), peak(&x));
        let bound = 3.0 * sl.max(sr)
            + 1.5 * sl.max(sr)
            + 2.0 * sx
            + (3.0 * pl.max(pr) + 1.5 * pl.max(pr) + 2.0 * px) / 240.0;
        let click = 2.0 * px;
        std::println!(
            "largest step switched every block {swept} (unsmoothed {unsmoothed}), \
             ramp bound {bound}, signal step {sx}"
        );
        assert!(swept <= bound, "{swept} vs {bound}");
        assert!(unsmoothed > 2.0 * bound, "{unsmoothed} vs {bound}");
        assert!(
            bound < click / 4.0,
            "the bound is no test: {bound} vs {click}"
        );
    }

    /// Tests 10 s of white noise at room 1 (and frozen): finite, bounded.
    #[test]
    fn room_one_noise_stays_finite() {
        for freeze in [false, true] {
            let p = ReverbParams {
                room_size: 1.0,
                damping: 0.0,
                wet: 1.0,
                dry: 0.0,
                width: 1.0,
                freeze: false,
            };
            let (mut v, mut mem) = reverb(&p);
            let n = 10 * RATE as usize;
            let (mut l, mut r) = (noise(n, 9), noise(n, 10));
            run(&mut v, &mut mem, &mut l, &mut r, |v, start| {
                if freeze && start == 5 * RATE as usize {
                    v.set(&ReverbParams { freeze: true, ..p });
                }
            });
            let peak = l.iter().chain(&r).fold(0.0f32, |m, &s| m.max(s.abs()));
            std::println!("room 1, freeze {freeze}: peak {peak}");
            assert!(peak.is_finite() && peak < 100.0, "{peak}");
        }
    }

    /// Tests that the result does not depend on the block split, no block length up to 128
    /// panics, and a short `mem` does not either.
    #[test]
    fn block_splits_are_invisible_and_nothing_panics() {
        let x = noise(20_000, 11);
        let p = ReverbParams::default();
        let (mut a, mut mem_a) = reverb(&p);
        let (mut la, mut ra) = (x.clone(), x.clone());
        run(&mut a, &mut mem_a, &mut la, &mut ra, |v, start| {
            if start == 128 * 40 {
                v.set(&ReverbParams {
                    room_size: 0.9,
                    ..p
                });
            }
        });

        let (mut b, mut mem_b) = reverb(&p);
        let (mut lb, mut rb) = (x.clone(), x.clone());
        let (mut at, mut size) = (0, 0);
        while at < x.len() {
            if at == 128 * 40 {
                b.set(&ReverbParams {
                    room_size: 0.9,
                    ..p
                });
            }
            // Blocks end on the 128-frame boundaries too, so the set() lands at the same frame.
            let end = (at + size).min(x.len()).min((at / 128 + 1) * 128);
            b.process(&mut mem_b, &mut lb[at..end], &mut rb[at..end]);
            at = end;
            size = (size + 1) % 129;
        }
        assert_eq!(la, lb);
        assert_eq!(ra, rb);

        let (mut c, _) = reverb(&p);
        let (mut l, mut r) = (vec![1.0; 128], vec![1.0; 128]);
        c.process(&mut [0.0; 100], &mut l, &mut r);
        c.process(&mut [], &mut l[..3], &mut r[..9]);
        assert!(l.iter().chain(&r).all(|s| s.is_finite()));
    }
}
