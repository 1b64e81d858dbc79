//! aarch64 bodies of [`super::linear_mono`] and [`super::unit_mono`]: NEON (part of every aarch64 CPU: Apple silicon,
//! Android phones, most consoles), four frames per step.
//!
//! Each lane loads its own sample pair, as the SSE2 body does; the fraction, the interpolation
//! and the gains are the scalar loop's operations, lane by lane, with separate multiplies and
//! adds (never `vfmaq`, whose single rounding would change the bits).

use core::arch::aarch64::{
    float32x4_t, uint32x4_t, vaddq_f32, vaddq_u32, vcvtq_f32_u32, vdupq_n_f32, vdupq_n_u32,
    vld1q_f32, vld1q_u32, vmulq_f32, vshrq_n_u32, vst1q_f32, vsubq_f32,
};

use super::Gains;
use crate::resample::FRACTION_UNIT;

/// Body of [`super::linear_mono`]; the caller proved every read is inside `win` and that the
/// outputs hold a multiple of four frames.
#[inline(always)]
pub(super) fn linear_mono<const RAMP: bool>(
    win: &[f32],
    p: u64,
    step: u64,
    g: Gains,
    out_l: &mut [f32],
    out_r: &mut [f32],
) -> u64 {
    // SAFETY: NEON is a baseline feature of every aarch64 target Rust supports (it is enabled
    // for the whole build there), so the CPU has it.
    unsafe { neon::<RAMP>(win, p, step, g, out_l, out_r) }
}

/// Body of [`super::unit_mono`]: pitch 1, four frames per step from two unaligned loads
/// (`win[k..]` and `win[k + 1..]`); returns the frames mixed (the count rounded down to four).
#[inline(always)]
pub(super) fn unit_mono<const RAMP: bool>(
    win: &[f32],
    t: f32,
    g: Gains,
    out_l: &mut [f32],
    out_r: &mut [f32],
) -> usize {
    // SAFETY: NEON is a baseline feature of every aarch64 target (see `linear_mono`).
    unsafe { unit_neon::<RAMP>(win, t, g, out_l, out_r) }
}

/// See [`unit_mono`].
///
/// # Safety
/// The CPU must support NEON (every aarch64 CPU does).
#[inline]
#[target_feature(enable = "neon")]
unsafe fn unit_neon<const RAMP: bool>(
    win: &[f32],
    t: f32,
    g: Gains,
    out_l: &mut [f32],
    out_r: &mut [f32],
) -> usize {
    let n = out_l
        .len()
        .min(out_r.len())
        .min(win.len().saturating_sub(1))
        & !3;
    let vt = vdupq_n_f32(t);
    let mut gains = Gains4::new(g);
    let src = win.as_ptr();
    let chunks = out_l[..n]
        .chunks_exact_mut(4)
        .zip(out_r[..n].chunks_exact_mut(4));
    for (c, (ol, or)) in chunks.enumerate() {
        // SAFETY: `4c + 4 ≤ n ≤ win.len() − 1`, so the loads read `win[4c .. 4c + 5]`, inside
        // `win`.
        let (a, b) = unsafe { (vld1q_f32(src.add(4 * c)), vld1q_f32(src.add(4 * c + 1))) };
        let s = vaddq_f32(a, vmulq_f32(vsubq_f32(b, a), vt));
        let (gl, gr) = gains.next::<RAMP>();
        accumulate4(ol, vmulq_f32(s, gl));
        accumulate4(or, vmulq_f32(s, gr));
    }
    n
}

/// The gains of four lanes, step by step: steady, or a ramp's closed form
/// `l + f32(k0 + k)·dl`, lane k's frame count converted from an integer lane as the scalar
/// `(k0 + k) as f32` is.
struct Gains4 {
    l: float32x4_t,
    r: float32x4_t,
    dl: float32x4_t,
    dr: float32x4_t,
    frames: uint32x4_t,
}

impl Gains4 {
    #[inline]
    #[target_feature(enable = "neon")]
    fn new(g: Gains) -> Self {
        let k: [u32; 4] = core::array::from_fn(|i| g.k0.wrapping_add(i as u32));
        Self {
            l: vdupq_n_f32(g.l),
            r: vdupq_n_f32(g.r),
            dl: vdupq_n_f32(g.dl),
            dr: vdupq_n_f32(g.dr),
            // SAFETY: `k` is four u32 on the stack; the load reads exactly them.
            frames: unsafe { vld1q_u32(k.as_ptr()) },
        }
    }

    /// The next four frames' left and right gains.
    #[inline]
    #[target_feature(enable = "neon")]
    fn next<const RAMP: bool>(&mut self) -> (float32x4_t, float32x4_t) {
        if !RAMP {
            return (self.l, self.r);
        }
        let kf = vcvtq_f32_u32(self.frames);
        self.frames = vaddq_u32(self.frames, vdupq_n_u32(4));
        (
            vaddq_f32(self.l, vmulq_f32(kf, self.dl)),
            vaddq_f32(self.r, vmulq_f32(kf, self.dr)),
        )
    }
}

/// Four frames per step, each lane loading its own sample pair; with `RAMP`, lane k's gain is
/// `l + f32(k0 + k)·dl`, its frame count converted from an integer lane as the scalar
/// `(k0 + k) as f32` is.
///
/// # Safety
/// The CPU must support NEON (every aarch64 CPU does).
#[inline]
#[target_feature(enable = "neon")]
unsafe fn neon<const RAMP: bool>(
    win: &[f32],
    mut p: u64,
    step: u64,
    g: Gains,
    out_l: &mut [f32],
    out_r: &mut [f32],
) -> u64 {
    let scale = vdupq_n_f32(FRACTION_UNIT);
    let mut gains = Gains4::new(g);
    let u32x4 = |x: [u32; 4]| -> uint32x4_t {
        // SAFETY: `x` is four u32 on the stack; the load reads exactly them.
        unsafe { vld1q_u32(x.as_ptr()) }
    };
    let f32x4 = |x: [f32; 4]| -> float32x4_t {
        // SAFETY: `x` is four f32 on the stack; the load reads exactly them.
        unsafe { vld1q_f32(x.as_ptr()) }
    };
    // The low (fraction) halves of the four lanes' positions, moved on with wrapping adds.
    let lane = |k: u64| p.wrapping_add(k.wrapping_mul(step)) as u32;
    let mut lo = u32x4([lane(0), lane(1), lane(2), lane(3)]);
    let s4 = vdupq_n_u32(step.wrapping_mul(4) as u32);
    for (ol, or) in out_l.chunks_exact_mut(4).zip(out_r.chunks_exact_mut(4)) {
        let j = [p, p + step, p + 2 * step, p + 3 * step].map(|q| (q >> 32) as usize);
        // The caller checked that the last lane's right-hand sample, `(p_last >> 32) + 1`, is
        // inside `win`; every lane of every chunk reads at or before it (positions grow), so
        // the indexing never panics (and its bounds checks are the only ones left).
        let a = f32x4(j.map(|j| win[j]));
        let b = f32x4(j.map(|j| win[j + 1]));
        let t = vmulq_f32(vcvtq_f32_u32(vshrq_n_u32::<8>(lo)), scale);
        let s = vaddq_f32(a, vmulq_f32(vsubq_f32(b, a), t));
        let (gl, gr) = gains.next::<RAMP>();
        accumulate4(ol, vmulq_f32(s, gl));
        accumulate4(or, vmulq_f32(s, gr));
        lo = vaddq_u32(lo, s4);
        p += 4 * step;
    }
    p
}

/// `out[k] += v[k]` for a chunk of exactly four samples.
#[inline]
#[target_feature(enable = "neon")]
fn accumulate4(out: &mut [f32], v: float32x4_t) {
    assert_eq!(out.len(), 4);
    // SAFETY: `out` holds exactly four f32 (checked above; always true for the
    // `chunks_exact_mut(4)` caller, so the check compiles away); the 16-byte load and store
    // from its start stay inside it.
    unsafe { vst1q_f32(out.as_mut_ptr(), vaddq_f32(vld1q_f32(out.as_ptr()), v)) }
}
