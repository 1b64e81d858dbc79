//! The resampled hot loop for mono `f32` sounds, several output frames per step.
//!
//! A voice at any pitch but 1 reads its sound at positions `p, p + step, …`: every output frame
//! gathers two samples at a data-dependent index, which compilers leave scalar. On x86_64,
//! `x86.rs` mixes eight frames per step with AVX2 where the CPU has it (detected once at run
//! time) and four with SSE2 (the x86_64 baseline) otherwise; on aarch64, `neon.rs` mixes four
//! with NEON. Elsewhere a portable four-lane form runs, which the compiler vectorises where it
//! can.
//!
//! **Bit-identical to the scalar loop.** Lane k computes exactly what the scalar kernel computes
//! for frame k, with the same IEEE operations in the same order (no fused multiply-add):
//! `t = (low32(p) >> 8) · 2⁻²⁴`, `s = a + (b − a)·t`, `out_l += s·gl`, `out_r += s·gr`, where
//! a ramping gain is `gl = l + f32(k0 + k)·dl` (see [`Gains`]). The golden-render hashes hold
//! it to that.

/// The gains a kernel applies: steady (`l`, `r`), or ramps whose frame `k` of the call is
/// `l + f32(k0 + k)·dl` (and the same for `r`): a [`Ramp`](crate::smooth::Ramp)'s closed form,
/// with `l` its start and `k0` the frames it has run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Gains {
    pub l: f32,
    pub r: f32,
    pub dl: f32,
    pub dr: f32,
    pub k0: u32,
    pub ramp: bool,
}

impl Gains {
    /// Steady gains.
    pub const fn steady(l: f32, r: f32) -> Self {
        Self {
            l,
            r,
            dl: 0.0,
            dr: 0.0,
            k0: 0,
            ramp: false,
        }
    }

    /// The gains of frame `k` of the call.
    #[inline(always)]
    pub fn at(&self, k: u32) -> (f32, f32) {
        if self.ramp {
            let kf = (self.k0 + k) as f32;
            (self.l + kf * self.dl, self.r + kf * self.dr)
        } else {
            (self.l, self.r)
        }
    }
}

/// Mix `n = min(out_l.len(), out_r.len())` rounded down to a multiple of four frames of a mono
/// sound `win` read linearly from 32.32 position `p` (relative to `win`) by `step`, scaled by
/// `gains` and added into the outputs. Returns the number of frames mixed and the position
/// after them. A ramp must not end within the frames (the caller cuts at its end).
///
/// Mixes nothing (returns `(0, p)`) unless every sample it would read is inside `win`, so the
/// caller can always finish with its scalar loop.
#[inline]
pub(crate) fn linear_mono(
    win: &[f32],
    p: u64,
    step: u64,
    gains: Gains,
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
    let p = if gains.ramp {
        imp::linear_mono::<true>(win, p, step, gains, &mut out_l[..n], &mut out_r[..n])
    } else {
        imp::linear_mono::<false>(win, p, step, gains, &mut out_l[..n], &mut out_r[..n])
    };
    (n, p)
}

/// Mix `n = min(out_l.len(), out_r.len(), win.len() − 1)` frames of a mono sound at pitch 1,
/// rounded down to the kernel's width: frame k is `win[k] + (win[k + 1] − win[k])·t` (a fixed
/// fraction `t`), scaled by `gains` and added into the outputs. Returns the frames mixed; the
/// caller's scalar loop finishes the rest (where no wide kernel runs, that is every frame, in
/// a loop the compiler vectorises). A ramp must not end within the frames.
#[inline]
pub(crate) fn unit_mono(
    win: &[f32],
    t: f32,
    gains: Gains,
    out_l: &mut [f32],
    out_r: &mut [f32],
) -> usize {
    let n = out_l
        .len()
        .min(out_r.len())
        .min(win.len().saturating_sub(1));
    let (out_l, out_r) = (&mut out_l[..n], &mut out_r[..n]);
    if gains.ramp {
        imp::unit_mono::<true>(win, t, gains, out_l, out_r)
    } else {
        imp::unit_mono::<false>(win, t, gains, out_l, out_r)
    }
}

/// Mix the frames of a pitch glide of a mono sound `win`: frame k reads position
/// `p + k·step + delta·k(k−1)/2` (the running sum of a step that moves by `delta` each frame,
/// in closed form: the same integers the frame-by-frame sum reaches), linearly interpolated,
/// scaled by `gains` and added into the outputs. Four frames at a time, so the fractions, the
/// interpolation and the gains run in lanes. Returns the position after the frames.
///
/// The caller proved that every position read is inside `win` (its sample and the next) and
/// that the glide lasts through every frame (no step reaches its target or the floor of 1).
#[inline]
pub(crate) fn linear_mono_glide(
    win: &[f32],
    p: u64,
    step: u64,
    delta: i64,
    gains: Gains,
    out_l: &mut [f32],
    out_r: &mut [f32],
) -> u64 {
    use crate::resample::{fraction, linear};
    let n = out_l.len().min(out_r.len());
    let at = |k: u64| {
        let bend = delta.wrapping_mul((k * k.saturating_sub(1) / 2) as i64);
        p.wrapping_add(k.wrapping_mul(step))
            .wrapping_add_signed(bend)
    };
    let mix = |k: usize, q: u64, ol: &mut f32, or: &mut f32| {
        let j = (q >> 32) as usize;
        let s = linear(win[j], win[j + 1], fraction(q));
        let (gl, gr) = gains.at(k as u32);
        *ol += s * gl;
        *or += s * gr;
    };
    let whole = n & !3;
    let (head_l, tail_l) = out_l[..n].split_at_mut(whole);
    let (head_r, tail_r) = out_r[..n].split_at_mut(whole);
    for (c, (ol, or)) in head_l
        .chunks_exact_mut(4)
        .zip(head_r.chunks_exact_mut(4))
        .enumerate()
    {
        let k = 4 * c;
        let q: [u64; 4] = core::array::from_fn(|i| at((k + i) as u64));
        for i in 0..4 {
            mix(k + i, q[i], &mut ol[i], &mut or[i]);
        }
    }
    for (i, (ol, or)) in tail_l.iter_mut().zip(tail_r.iter_mut()).enumerate() {
        mix(whole + i, at((whole + i) as u64), ol, or);
    }
    at(n as u64)
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[path = "x86.rs"]
mod imp;

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
pub(crate) use imp::has_avx2;

#[cfg(target_arch = "aarch64")]
#[path = "neon.rs"]
mod imp;

#[cfg(not(any(
    all(target_arch = "x86_64", target_feature = "sse2"),
    target_arch = "aarch64"
)))]
mod imp {
    use super::Gains;
    use crate::resample::{fraction, linear};

    /// Portable body of [`super::unit_mono`]: none (the caller's loop vectorises as it is).
    #[inline]
    pub(super) fn unit_mono<const RAMP: bool>(
        _: &[f32],
        _: f32,
        _: Gains,
        _: &mut [f32],
        _: &mut [f32],
    ) -> usize {
        0
    }

    /// Portable body of [`super::linear_mono`]: the same lanes as four-element arrays.
    #[inline]
    pub(super) fn linear_mono<const RAMP: bool>(
        win: &[f32],
        mut p: u64,
        step: u64,
        g: Gains,
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) -> u64 {
        let mut k0 = 0;
        for (ol, or) in out_l.chunks_exact_mut(4).zip(out_r.chunks_exact_mut(4)) {
            let q = [p, p + step, p + 2 * step, p + 3 * step];
            for k in 0..4 {
                let j = (q[k] >> 32) as usize;
                let s = linear(win[j], win[j + 1], fraction(q[k]));
                let (gl, gr) = if RAMP {
                    g.at(k0 + k as u32)
                } else {
                    (g.l, g.r)
                };
                ol[k] += s * gl;
                or[k] += s * gr;
            }
            p += 4 * step;
            k0 += 4;
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::{Gains, linear_mono, linear_mono_glide, unit_mono};
    use crate::resample::{fraction, linear};

    /// The scalar reference: one frame at a time.
    fn scalar(win: &[f32], mut p: u64, step: u64, g: Gains, l: &mut [f32], r: &mut [f32]) {
        for (k, (ol, or)) in l.iter_mut().zip(r.iter_mut()).enumerate() {
            let j = (p >> 32) as usize;
            let s = linear(win[j], win[j + 1], fraction(p));
            let (gl, gr) = g.at(k as u32);
            *ol += s * gl;
            *or += s * gr;
            p += step;
        }
    }

    /// Tests that the lanes are bit-identical to the scalar loop over many pitches and start
    /// fractions, with steady gains and with ramps part-way through, and that it stops short
    /// of a window it would overrun.
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
            let ramp = Gains {
                l: 0.31,
                r: -0.7,
                dl: 0.001_37,
                dr: -0.000_91,
                k0: 37 * i as u32,
                ramp: true,
            };
            for g in [Gains::steady(0.31, -0.7), ramp] {
                let (mut l1, mut r1) = ([0.25f32; 160], [0.5f32; 160]);
                let (mut l2, mut r2) = (l1, r1);
                let (done, end) = linear_mono(&win, p, step, g, &mut l1, &mut r1);
                assert_eq!(done, 160);
                assert_eq!(end, p + 160 * step);
                scalar(&win, p, step, g, &mut l2, &mut r2);
                assert_eq!(
                    l1.map(f32::to_bits),
                    l2.map(f32::to_bits),
                    "pitch {pitch} {g:?}"
                );
                assert_eq!(
                    r1.map(f32::to_bits),
                    r2.map(f32::to_bits),
                    "pitch {pitch} {g:?}"
                );
            }
        }
        // 12 frames at step 1.5 from 0 need samples up to index 17: a window of 17 is refused.
        let step = 3u64 << 31;
        let (mut l, mut r) = ([0.0f32; 12], [0.0f32; 12]);
        assert_eq!(
            linear_mono(&win[..17], 0, step, Gains::steady(1.0, 1.0), &mut l, &mut r),
            (0, 0)
        );
        assert_eq!(
            linear_mono(&win[..18], 0, step, Gains::steady(1.0, 1.0), &mut l, &mut r).0,
            12
        );
    }

    /// Tests that the pitch-1 lanes are bit-identical to the scalar loop, with steady and
    /// ramping gains, at fractions 0 and not, over lengths that are and are not a multiple of
    /// the width, and that they never read past the window (one sample beyond the last frame).
    #[test]
    fn pitch_one_matches_scalar_bit_for_bit() {
        let win: [f32; 300] = core::array::from_fn(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0);
        let ramp = Gains {
            l: 0.4,
            r: 0.7,
            dl: -0.0017,
            dr: 0.0009,
            k0: 21,
            ramp: true,
        };
        for t in [0.0f32, 0.25, 0.999_999_9] {
            for n in [0usize, 7, 8, 13, 160, 299] {
                for g in [Gains::steady(0.3, -0.6), ramp] {
                    let (mut l1, mut r1) = ([0.1f32; 300], [-0.2f32; 300]);
                    let (mut l2, mut r2) = (l1, r1);
                    let w = &win[..n + 1];
                    let done = unit_mono(w, t, g, &mut l1[..n], &mut r1[..n]);
                    assert!(done <= n);
                    for k in done..n {
                        let s = linear(w[k], w[k + 1], t);
                        let (gl, gr) = g.at(k as u32);
                        l1[k] += s * gl;
                        r1[k] += s * gr;
                    }
                    for k in 0..n {
                        let s = linear(w[k], w[k + 1], t);
                        let (gl, gr) = g.at(k as u32);
                        l2[k] += s * gl;
                        r2[k] += s * gr;
                    }
                    assert_eq!(l1.map(f32::to_bits), l2.map(f32::to_bits), "t {t} n {n}");
                    assert_eq!(r1.map(f32::to_bits), r2.map(f32::to_bits), "t {t} n {n}");
                }
            }
        }
        // The window bounds the frames: 9 samples hold 8 frames, never 9.
        let (mut l, mut r) = ([0.0f32; 16], [0.0f32; 16]);
        assert!(unit_mono(&win[..9], 0.5, Gains::steady(1.0, 1.0), &mut l, &mut r) <= 8);
    }

    /// Tests that the glide's closed form is bit-identical to the frame-by-frame running sum
    /// (position += step, then step += delta) for rising and falling glides, steady and
    /// ramping gains, and lengths that are and are not a multiple of four.
    #[test]
    fn a_glide_matches_its_running_sum() {
        let win: [f32; 900] = core::array::from_fn(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0);
        let ramp = Gains {
            l: 0.2,
            r: 0.9,
            dl: 0.0021,
            dr: -0.0013,
            k0: 11,
            ramp: true,
        };
        for (step, delta) in [
            (1u64 << 32, 12_345i64),
            (3u64 << 31, -9_876_543),
            (5u64 << 30, 1),
        ] {
            for n in [128usize, 127, 5] {
                for g in [Gains::steady(0.5, -0.25), ramp] {
                    let p = 0x1_2345_6789u64;
                    let (mut l1, mut r1) = ([0.1f32; 128], [0.3f32; 128]);
                    let (mut l2, mut r2) = (l1, r1);
                    let end =
                        linear_mono_glide(&win, p, step, delta, g, &mut l1[..n], &mut r1[..n]);
                    let (mut q, mut s) = (p, step);
                    for k in 0..n {
                        let j = (q >> 32) as usize;
                        let x = linear(win[j], win[j + 1], fraction(q));
                        let (gl, gr) = g.at(k as u32);
                        l2[k] += x * gl;
                        r2[k] += x * gr;
                        q += s;
                        s = s.saturating_add_signed(delta);
                    }
                    assert_eq!(end, q, "step {step} delta {delta} n {n}");
                    assert_eq!(l1.map(f32::to_bits), l2.map(f32::to_bits));
                    assert_eq!(r1.map(f32::to_bits), r2.map(f32::to_bits));
                }
            }
        }
    }
}
