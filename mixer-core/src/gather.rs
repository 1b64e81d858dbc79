//! The resampled hot loop for mono `f32` sounds, four output frames per step.
//!
//! A voice at any pitch but 1 reads its sound at positions `p, p + step, …`: every output frame
//! gathers two samples at a data-dependent index, which compilers leave scalar. On x86_64 this
//! module gathers the four frames' sample pairs with two-sample loads and does the rest in
//! SSE2 (baseline on every x86_64 CPU, so no run-time detection). Elsewhere a portable
//! four-lane form runs, which the compiler vectorises where it can.
//!
//! **Bit-identical to the scalar loop.** Lane k computes exactly what the scalar kernel computes
//! for frame k, with the same IEEE operations in the same order (no fused multiply-add):
//! `t = (low32(p) >> 8) · 2⁻²⁴`, `s = a + (b − a)·t`, `out_l += s·gl`, `out_r += s·gr`. The
//! golden-render hashes hold it to that.

/// Mix `n = min(out_l.len(), out_r.len())` rounded down to a multiple of four frames of a mono
/// sound `win` read linearly from 32.32 position `p` (relative to `win`) by `step`, scaled by
/// `gl`/`gr` and added into the outputs. Returns the number of frames mixed and the position
/// after them.
///
/// Mixes nothing (returns `(0, p)`) unless every sample it would read is inside `win`, so the
/// caller can always finish with its scalar loop.
#[inline]
pub(crate) fn linear_mono(
    win: &[f32],
    p: u64,
    step: u64,
    (gl, gr): (f32, f32),
    out_l: &mut [f32],
    out_r: &mut [f32],
) -> (usize, u64) {
    let n = out_l.len().min(out_r.len()) & !3;
    if n == 0 {
        return (0, p);
    }
    // The last lane's position; positions only grow, so if its right-hand sample is inside
    // `win`, every sample of every lane is.
    let last = (n as u64 - 1)
        .checked_mul(step)
        .and_then(|d| d.checked_add(p));
    match last {
        Some(q) if ((q >> 32) as usize) < win.len().saturating_sub(1) => {}
        _ => return (0, p),
    }
    let p = imp::linear_mono(win, p, step, gl, gr, &mut out_l[..n], &mut out_r[..n]);
    (n, p)
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod imp {
    use core::arch::x86_64::{
        __m128, _mm_add_epi32, _mm_add_ps, _mm_castsi128_ps, _mm_cvtepi32_ps, _mm_loadu_ps,
        _mm_loadu_si64, _mm_movelh_ps, _mm_mul_ps, _mm_set1_epi32, _mm_set1_ps, _mm_setr_epi32,
        _mm_shuffle_ps, _mm_srli_epi32, _mm_storeu_ps, _mm_sub_ps,
    };

    /// SSE2 body of [`super::linear_mono`]; the caller proved every read is inside `win` and
    /// that the outputs hold a multiple of four frames.
    #[inline(always)]
    pub(super) fn linear_mono(
        win: &[f32],
        p: u64,
        step: u64,
        gl: f32,
        gr: f32,
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) -> u64 {
        // SAFETY: the module is compiled only where SSE2 is enabled for the whole build
        // (`cfg(target_feature = "sse2")`, the x86_64 baseline), so the CPU has it.
        unsafe { sse2(win, p, step, gl, gr, out_l, out_r) }
    }

    #[inline]
    #[target_feature(enable = "sse2")]
    fn sse2(
        win: &[f32],
        mut p: u64,
        step: u64,
        gl: f32,
        gr: f32,
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) -> u64 {
        let scale = _mm_set1_ps(1.0 / 16_777_216.0);
        let (vgl, vgr) = (_mm_set1_ps(gl), _mm_set1_ps(gr));
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
            accumulate(ol, _mm_mul_ps(s, vgl));
            accumulate(or, _mm_mul_ps(s, vgr));
            lo = _mm_add_epi32(lo, s4);
            p += 4 * step;
        }
        p
    }

    /// `out[k] += v[k]` for a chunk of exactly four samples.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn accumulate(out: &mut [f32], v: __m128) {
        assert_eq!(out.len(), 4);
        // SAFETY: `out` holds exactly four f32 (checked above, and always true for the
        // `chunks_exact_mut(4)` callers, so the check compiles away); unaligned loads and
        // stores of 16 bytes from its start stay inside it.
        unsafe { _mm_storeu_ps(out.as_mut_ptr(), _mm_add_ps(_mm_loadu_ps(out.as_ptr()), v)) }
    }
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
mod imp {
    use crate::resample::linear;

    /// Portable body of [`super::linear_mono`]: the same lanes as four-element arrays.
    #[inline]
    pub(super) fn linear_mono(
        win: &[f32],
        mut p: u64,
        step: u64,
        gl: f32,
        gr: f32,
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) -> u64 {
        for (ol, or) in out_l.chunks_exact_mut(4).zip(out_r.chunks_exact_mut(4)) {
            let q = [p, p + step, p + 2 * step, p + 3 * step];
            for k in 0..4 {
                let j = (q[k] >> 32) as usize;
                let t = ((q[k] as u32) >> 8) as f32 * (1.0 / 16_777_216.0);
                let s = linear(win[j], win[j + 1], t);
                ol[k] += s * gl;
                or[k] += s * gr;
            }
            p += 4 * step;
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::linear_mono;
    use crate::resample::{fraction, linear};

    /// The scalar reference: one frame at a time.
    fn scalar(win: &[f32], mut p: u64, step: u64, g: (f32, f32), l: &mut [f32], r: &mut [f32]) {
        for (ol, or) in l.iter_mut().zip(r.iter_mut()) {
            let j = (p >> 32) as usize;
            let s = linear(win[j], win[j + 1], fraction(p));
            *ol += s * g.0;
            *or += s * g.1;
            p += step;
        }
    }

    /// Tests that the four-lane loop is bit-identical to the scalar loop over many pitches
    /// and start fractions, and that it stops short of a window it would overrun.
    #[test]
    fn matches_scalar_bit_for_bit() {
        let mut x = 0x2545_f491u32;
        let win: [f32; 700] = core::array::from_fn(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 8) as f32 / 8_388_608.0 - 1.0
        });
        for (i, pitch) in [0.25f64, 0.8, 0.999_97, 1.000_3, 1.2, 1.37, 2.0, 3.9]
            .into_iter()
            .enumerate()
        {
            let step = (pitch * (1u64 << 32) as f64) as u64;
            let p = (i as u64) << 29;
            let g = (0.31, -0.7);
            let (mut l1, mut r1) = ([0.25f32; 160], [0.5f32; 160]);
            let (mut l2, mut r2) = (l1, r1);
            let (done, end) = linear_mono(&win, p, step, g, &mut l1, &mut r1);
            assert_eq!(done, 160);
            assert_eq!(end, p + 160 * step);
            scalar(&win, p, step, g, &mut l2, &mut r2);
            assert_eq!(l1.map(f32::to_bits), l2.map(f32::to_bits), "pitch {pitch}");
            assert_eq!(r1.map(f32::to_bits), r2.map(f32::to_bits), "pitch {pitch}");
        }
        // 12 frames at step 1.5 from 0 need samples up to index 17: a window of 17 is refused.
        let step = 3u64 << 31;
        let (mut l, mut r) = ([0.0f32; 12], [0.0f32; 12]);
        assert_eq!(
            linear_mono(&win[..17], 0, step, (1.0, 1.0), &mut l, &mut r),
            (0, 0)
        );
        assert_eq!(
            linear_mono(&win[..18], 0, step, (1.0, 1.0), &mut l, &mut r).0,
            12
        );
    }
}
