//! x86_64 bodies of [`super::linear_mono`]: AVX2 (eight frames per step, chosen at run time)
//! and SSE2 (four frames per step, the x86_64 baseline).
//!
//! AVX2 avoids gathers altogether for pitches up to 2: eight frames starting at sample `j0`
//! read at most samples `j0 … j0 + 15`, so two 8-sample windows and their one-sample-later
//! twins, permuted by each lane's offset from `j0`, give every lane its pair. Positions
//! advance as 32-bit fraction and index lanes with an explicit carry, so no lane needs the
//! 64-bit position. Faster pitches use the SSE2 body, which loads each lane's sample pair.

use core::arch::x86_64::{
    __m128, __m256, __m256i, _mm_add_epi32, _mm_add_ps, _mm_castsi128_ps, _mm_cvtepi32_ps,
    _mm_loadu_ps, _mm_loadu_si64, _mm_movelh_ps, _mm_mul_ps, _mm_set1_epi32, _mm_set1_ps,
    _mm_setr_epi32, _mm_shuffle_ps, _mm_srli_epi32, _mm_storeu_ps, _mm_sub_ps, _mm256_add_epi32,
    _mm256_add_ps, _mm256_blendv_ps, _mm256_castsi256_ps, _mm256_cmpgt_epi32, _mm256_cvtepi32_ps,
    _mm256_loadu_ps, _mm256_mul_ps, _mm256_permutevar8x32_ps, _mm256_set1_epi32, _mm256_set1_ps,
    _mm256_setr_epi32, _mm256_srli_epi32, _mm256_storeu_ps, _mm256_sub_epi32, _mm256_sub_ps,
    _mm256_xor_si256,
};
use core::sync::atomic::{AtomicU8, Ordering};

use super::Gains;
use crate::resample::{self, FRACTION_UNIT};

/// The largest step the AVX2 body takes: pitch 2 (eight lanes span at most 15 samples).
const AVX2_MAX_STEP: u64 = 2 << 32;

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
    let (mut done, mut p) = (0, p);
    if step <= AVX2_MAX_STEP && has_avx2() {
        (done, p) = if step <= resample::ONE {
            // SAFETY: `has_avx2` checked that the CPU and the OS support AVX2.
            unsafe { avx2::<false, RAMP>(win, p, step, g, out_l, out_r) }
        } else {
            // SAFETY: as above.
            unsafe { avx2::<true, RAMP>(win, p, step, g, out_l, out_r) }
        };
    }
    let g = Gains {
        k0: g.k0 + done as u32,
        ..g
    };
    // SAFETY: this module is compiled only where SSE2 is enabled for the whole build
    // (`cfg(target_feature = "sse2")`, the x86_64 baseline), so the CPU has it.
    unsafe { sse2::<RAMP>(win, p, step, g, &mut out_l[done..], &mut out_r[done..]) }
}

/// Whether the CPU and OS run AVX2 code, detected once (`cpuid`, and `xgetbv` for the OS
/// saving the AVX registers). Never under Miri, which does not model `cpuid`.
pub(crate) fn has_avx2() -> bool {
    static STATE: AtomicU8 = AtomicU8::new(0);
    match STATE.load(Ordering::Relaxed) {
        1 => false,
        2 => true,
        _ => {
            let yes = !cfg!(miri) && detect_avx2();
            STATE.store(1 + yes as u8, Ordering::Relaxed);
            yes
        }
    }
}

#[allow(unused_unsafe)] // `__cpuid` became a safe function after this crate's MSRV
fn detect_avx2() -> bool {
    use core::arch::x86_64::{__cpuid, __cpuid_count, _xgetbv};
    // SAFETY: `cpuid` exists on every x86_64 CPU.
    let (max, l1) = unsafe { (__cpuid(0).eax, __cpuid(1)) };
    let (osxsave, avx) = (l1.ecx & (1 << 27) != 0, l1.ecx & (1 << 28) != 0);
    if max < 7 || !osxsave || !avx {
        return false;
    }
    // SAFETY: OSXSAVE is set, so `xgetbv` exists and XCR0 is readable.
    let xcr0 = unsafe { _xgetbv(0) };
    // SAFETY: `cpuid` exists on every x86_64 CPU, and leaf 7 is within `max`.
    let l7 = unsafe { __cpuid_count(7, 0) };
    xcr0 & 0b110 == 0b110 && l7.ebx & (1 << 5) != 0
}

/// Eight frames per step while the windows fit in `win`; returns the frames mixed and the
/// position after them. `WIDE` covers steps up to 2 (offsets 0…14, two windows per side),
/// otherwise steps up to 1 (offsets 0…7, one window per side). `RAMP`: the gains ramp (lane
/// k's frame count converted from an integer lane, as the scalar `(k0 + k) as f32` is).
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
unsafe fn avx2<const WIDE: bool, const RAMP: bool>(
    win: &[f32],
    mut p: u64,
    step: u64,
    g: Gains,
    out_l: &mut [f32],
    out_r: &mut [f32],
) -> (usize, u64) {
    // Samples read from `j0`: 17 (two windows and their twins) or 9.
    let span = if WIDE { 17 } else { 9 };
    let scale = _mm256_set1_ps(FRACTION_UNIT);
    let mut gains = Gains8::new(g);
    // Lane k's position split in 32-bit halves; the caller checked no position overflows.
    let at = |k: u64| p + k * step;
    let mut lo = _mm256_setr_epi32(
        at(0) as i32,
        at(1) as i32,
        at(2) as i32,
        at(3) as i32,
        at(4) as i32,
        at(5) as i32,
        at(6) as i32,
        at(7) as i32,
    );
    let hi32 = |k: u64| (at(k) >> 32) as i32;
    let mut hi = _mm256_setr_epi32(
        hi32(0),
        hi32(1),
        hi32(2),
        hi32(3),
        hi32(4),
        hi32(5),
        hi32(6),
        hi32(7),
    );
    let s8 = 8 * step;
    let (s8_lo, s8_hi) = (
        _mm256_set1_epi32(s8 as i32),
        _mm256_set1_epi32((s8 >> 32) as i32),
    );
    // Unsigned compares as signed ones on sign-flipped values.
    let flip = _mm256_set1_epi32(i32::MIN);
    let s8_lo_flipped = _mm256_xor_si256(s8_lo, flip);
    let seven = _mm256_set1_epi32(7);
    let src = win.as_ptr();
    let mut done = 0;
    for (ol, or) in out_l.chunks_exact_mut(8).zip(out_r.chunks_exact_mut(8)) {
        let j0 = (p >> 32) as usize;
        if j0 + span > win.len() {
            break;
        }
        // Each lane's offset from `j0`: 0…7, or 0…14 when `WIDE`.
        let r = _mm256_sub_epi32(hi, _mm256_set1_epi32(j0 as i32));
        // SAFETY: `j0 + span ≤ win.len()`, and the loads read `win[j0 .. j0 + 9]`, or
        // `win[j0 .. j0 + 17]` when `WIDE`.
        let (a, b) = unsafe {
            let w0 = _mm256_loadu_ps(src.add(j0));
            let w0_next = _mm256_loadu_ps(src.add(j0 + 1));
            if WIDE {
                let w1 = _mm256_loadu_ps(src.add(j0 + 8));
                let w1_next = _mm256_loadu_ps(src.add(j0 + 9));
                let second = _mm256_castsi256_ps(_mm256_cmpgt_epi32(r, seven));
                (pick(w0, w1, r, second), pick(w0_next, w1_next, r, second))
            } else {
                (
                    _mm256_permutevar8x32_ps(w0, r),
                    _mm256_permutevar8x32_ps(w0_next, r),
                )
            }
        };
        let t = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32::<8>(lo)), scale);
        let s = _mm256_add_ps(a, _mm256_mul_ps(_mm256_sub_ps(b, a), t));
        let (gl, gr) = gains.next::<RAMP>();
        accumulate8(ol, _mm256_mul_ps(s, gl));
        accumulate8(or, _mm256_mul_ps(s, gr));
        // Advance every lane by eight steps: add the fractions, then the whole frames and
        // the carry (−1 where the fraction wrapped, i.e. where the new one is below the add).
        let next = _mm256_add_epi32(lo, s8_lo);
        let carry = _mm256_cmpgt_epi32(s8_lo_flipped, _mm256_xor_si256(next, flip));
        hi = _mm256_sub_epi32(_mm256_add_epi32(hi, s8_hi), carry);
        lo = next;
        p += s8;
        done += 8;
    }
    (done, p)
}

/// Body of [`super::unit_mono`]: AVX2 where the CPU has it, eight frames per step; otherwise
/// nothing, and the caller's loop runs (compiler-vectorised at SSE2 width).
#[inline(always)]
pub(super) fn unit_mono<const RAMP: bool>(
    win: &[f32],
    t: f32,
    g: Gains,
    out_l: &mut [f32],
    out_r: &mut [f32],
) -> usize {
    if has_avx2() {
        // SAFETY: `has_avx2` checked that the CPU and the OS support AVX2.
        unsafe { unit_avx2::<RAMP>(win, t, g, out_l, out_r) }
    } else {
        0
    }
}

/// Pitch 1, eight frames per step: two unaligned loads (`win[k..]` and `win[k + 1..]`) give
/// every lane its pair, with no permute. Mixes `min(out_l.len(), out_r.len(), win.len() − 1)`
/// frames rounded down to eight, and returns that count.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
unsafe fn unit_avx2<const RAMP: bool>(
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
        & !7;
    let vt = _mm256_set1_ps(t);
    let mut gains = Gains8::new(g);
    let src = win.as_ptr();
    let chunks = out_l[..n]
        .chunks_exact_mut(8)
        .zip(out_r[..n].chunks_exact_mut(8));
    for (c, (ol, or)) in chunks.enumerate() {
        // SAFETY: `8c + 8 ≤ n ≤ win.len() − 1`, so the loads read `win[8c .. 8c + 9]`, inside
        // `win`.
        let (a, b) = unsafe {
            (
                _mm256_loadu_ps(src.add(8 * c)),
                _mm256_loadu_ps(src.add(8 * c + 1)),
            )
        };
        let s = _mm256_add_ps(a, _mm256_mul_ps(_mm256_sub_ps(b, a), vt));
        let (gl, gr) = gains.next::<RAMP>();
        accumulate8(ol, _mm256_mul_ps(s, gl));
        accumulate8(or, _mm256_mul_ps(s, gr));
    }
    n
}

/// The gains of eight lanes, step by step: steady, or a ramp's closed form
/// `l + f32(k0 + k)·dl`, lane k's frame count converted from an integer lane as the scalar
/// `(k0 + k) as f32` is.
struct Gains8 {
    l: __m256,
    r: __m256,
    dl: __m256,
    dr: __m256,
    frames: __m256i,
}

impl Gains8 {
    #[inline]
    #[target_feature(enable = "avx2")]
    fn new(g: Gains) -> Self {
        let k = |i: u32| g.k0.wrapping_add(i) as i32;
        Self {
            l: _mm256_set1_ps(g.l),
            r: _mm256_set1_ps(g.r),
            dl: _mm256_set1_ps(g.dl),
            dr: _mm256_set1_ps(g.dr),
            frames: _mm256_setr_epi32(k(0), k(1), k(2), k(3), k(4), k(5), k(6), k(7)),
        }
    }

    /// The next eight frames' left and right gains.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn next<const RAMP: bool>(&mut self) -> (__m256, __m256) {
        if !RAMP {
            return (self.l, self.r);
        }
        let kf = _mm256_cvtepi32_ps(self.frames);
        self.frames = _mm256_add_epi32(self.frames, _mm256_set1_epi32(8));
        (
            _mm256_add_ps(self.l, _mm256_mul_ps(kf, self.dl)),
            _mm256_add_ps(self.r, _mm256_mul_ps(kf, self.dr)),
        )
    }
}

/// Lane k of `first` or, where `second_mask` is set, of `second`, at index `r[k] mod 8`.
#[inline]
#[target_feature(enable = "avx2")]
fn pick(first: __m256, second: __m256, r: __m256i, second_mask: __m256) -> __m256 {
    _mm256_blendv_ps(
        _mm256_permutevar8x32_ps(first, r),
        _mm256_permutevar8x32_ps(second, r),
        second_mask,
    )
}

/// `out[k] += v[k]` for a chunk of exactly eight samples.
#[inline]
#[target_feature(enable = "avx2")]
fn accumulate8(out: &mut [f32], v: __m256) {
    assert_eq!(out.len(), 8);
    // SAFETY: `out` holds exactly eight f32 (checked above; always true for the
    // `chunks_exact_mut(8)` caller, so the check compiles away); unaligned 32-byte loads and
    // stores from its start stay inside it.
    unsafe {
        _mm256_storeu_ps(
            out.as_mut_ptr(),
            _mm256_add_ps(_mm256_loadu_ps(out.as_ptr()), v),
        )
    }
}

/// Four frames per step, each lane loading its own sample pair; `RAMP` as in [`avx2`].
///
/// # Safety
/// The CPU must support SSE2 (every x86_64 CPU does).
#[inline]
#[target_feature(enable = "sse2")]
unsafe fn sse2<const RAMP: bool>(
    win: &[f32],
    mut p: u64,
    step: u64,
    g: Gains,
    out_l: &mut [f32],
    out_r: &mut [f32],
) -> u64 {
    let scale = _mm_set1_ps(FRACTION_UNIT);
    let (vgl, vgr) = (_mm_set1_ps(g.l), _mm_set1_ps(g.r));
    let (vdl, vdr) = (_mm_set1_ps(g.dl), _mm_set1_ps(g.dr));
    let k = |i: u32| g.k0.wrapping_add(i) as i32;
    let mut frames = _mm_setr_epi32(k(0), k(1), k(2), k(3));
    let four = _mm_set1_epi32(4);
    // The low (fraction) halves of the four lanes' positions, moved on with wrapping
    // 32-bit adds: always the low halves of the lanes' 64-bit positions.
    let lane = |k: u64| p.wrapping_add(k.wrapping_mul(step)) as u32 as i32;
    let mut lo = _mm_setr_epi32(lane(0), lane(1), lane(2), lane(3));
    let s4 = _mm_set1_epi32(step.wrapping_mul(4) as u32 as i32);
    let src = win.as_ptr();
    for (ol, or) in out_l.chunks_exact_mut(4).zip(out_r.chunks_exact_mut(4)) {
        let j = [p, p + step, p + 2 * step, p + 3 * step].map(|q| (q >> 32) as usize);
        // SAFETY: the caller checked that the last lane's right-hand sample,
        // `(p_last >> 32) + 1`, is inside `win`; every lane of every chunk reads at or
        // before it (positions grow), so `j[k] + 1 < win.len()`: each 8-byte unaligned
        // load reads `win[j[k]]` and `win[j[k] + 1]`, both in bounds.
        let (x01, x23) = unsafe {
            let pair = |j: usize| _mm_castsi128_ps(_mm_loadu_si64(src.add(j).cast::<u8>()));
            (
                _mm_movelh_ps(pair(j[0]), pair(j[1])),
                _mm_movelh_ps(pair(j[2]), pair(j[3])),
            )
        };
        // [a0 b0 a1 b1], [a2 b2 a3 b3] → [a0 a1 a2 a3], [b0 b1 b2 b3].
        let a = _mm_shuffle_ps::<0b10_00_10_00>(x01, x23);
        let b = _mm_shuffle_ps::<0b11_01_11_01>(x01, x23);
        let t = _mm_mul_ps(_mm_cvtepi32_ps(_mm_srli_epi32::<8>(lo)), scale);
        let s = _mm_add_ps(a, _mm_mul_ps(_mm_sub_ps(b, a), t));
        let (gl, gr) = if RAMP {
            let kf = _mm_cvtepi32_ps(frames);
            frames = _mm_add_epi32(frames, four);
            (
                _mm_add_ps(vgl, _mm_mul_ps(kf, vdl)),
                _mm_add_ps(vgr, _mm_mul_ps(kf, vdr)),
            )
        } else {
            (vgl, vgr)
        };
        accumulate4(ol, _mm_mul_ps(s, gl));
        accumulate4(or, _mm_mul_ps(s, gr));
        lo = _mm_add_epi32(lo, s4);
        p += 4 * step;
    }
    p
}

/// `out[k] += v[k]` for a chunk of exactly four samples.
#[inline]
#[target_feature(enable = "sse2")]
fn accumulate4(out: &mut [f32], v: __m128) {
    assert_eq!(out.len(), 4);
    // SAFETY: `out` holds exactly four f32 (checked above; always true for the
    // `chunks_exact_mut(4)` caller, so the check compiles away); unaligned 16-byte loads and
    // stores from its start stay inside it.
    unsafe { _mm_storeu_ps(out.as_mut_ptr(), _mm_add_ps(_mm_loadu_ps(out.as_ptr()), v)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests that the AVX2 body (where the CPU has it) and the SSE2 body give the same bits as
    /// each other for pitches up to 2, with ramping gains, including the window edge where AVX2
    /// hands over.
    #[test]
    fn avx2_and_sse2_agree() {
        if !has_avx2() {
            return; // nothing to compare on this CPU
        }
        let win: [f32; 400] = core::array::from_fn(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0);
        for pitch in [0.3f64, 0.8, 0.999, 1.0, 1.001, 1.2, 1.75, 2.0] {
            let step = (pitch * (1u64 << 32) as f64) as u64;
            let p = 0x1234_5678;
            let n = ((390.0 / pitch) as usize).min(160) & !7;
            let (mut l1, mut r1) = ([0.1f32; 160], [0.2f32; 160]);
            let (mut l2, mut r2) = (l1, r1);
            let g = Gains {
                l: 0.5,
                r: 0.25,
                dl: 0.003,
                dr: -0.001,
                k0: 5,
                ramp: true,
            };
            let (done, p1) = if step <= resample::ONE {
                // SAFETY: `has_avx2` returned true.
                unsafe { avx2::<false, true>(&win, p, step, g, &mut l1[..n], &mut r1[..n]) }
            } else {
                // SAFETY: `has_avx2` returned true.
                unsafe { avx2::<true, true>(&win, p, step, g, &mut l1[..n], &mut r1[..n]) }
            };
            assert!(
                done >= n - 24,
                "pitch {pitch}: AVX2 mixed only {done} of {n}"
            );
            // SAFETY: SSE2 is the x86_64 baseline.
            let p2 = unsafe { sse2::<true>(&win, p, step, g, &mut l2[..done], &mut r2[..done]) };
            assert_eq!(p1, p2);
            assert_eq!(l1.map(f32::to_bits), l2.map(f32::to_bits), "pitch {pitch}");
            assert_eq!(r1.map(f32::to_bits), r2.map(f32::to_bits), "pitch {pitch}");
        }
    }
}
