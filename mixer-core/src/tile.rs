//! Voices at pitch 1 with steady gains, mixed several at a time into one bus.
//!
//! Mixed one by one, every voice loads and stores each sample of the bus it adds to: on a
//! CPU that stores one vector a cycle that, not the arithmetic, bounds a voice at pitch 1.
//! A tile holds up to [`TILE`] such voices of one bus and keeps each chunk of the bus in
//! registers while it adds them all, so the bus is loaded and stored once a tile.
//!
//! **The same bits as voice by voice.** Each frame of the bus is still the sum of the voices
//! in their order, each term `s·l` (and `s·r`) with `s = a + (b − a)·t`, the scalar loop's
//! operations. One shortcut: a voice at fraction 0 (a sound at the output's rate started on a
//! frame, the common case) adds `a·l`. That equals `(a + (b − a)·0)·l` but for the sign of a
//! zero, and a bus starts at `+0.0` and only has terms added, so it never holds `−0.0` and
//! adding `±0.0` to it changes nothing: the bits are the same. Two cases differ, neither
//! reachable from the facade:
//! - where `b − a` is not finite although `a` is (a NaN or infinite sample next to it, or
//!   samples of opposite sign beyond `f32::MAX / 2`, all far past
//!   [`MAX_SAMPLE`](crate::MAX_SAMPLE)), interpolation would make that bus frame NaN, to be
//!   scrubbed to silence and counted; the shortcut adds the finite `a·l`;
//! - under a flush-to-zero mode set on the rendering thread (which changes every subnormal
//!   result anyway), a bus can hold `−0.0`, and the sign of a zero sum can differ.

use crate::resample::linear;

/// The most voices a tile holds.
pub(crate) const TILE: usize = 8;

/// One voice of a tile: frame `k` of its span is `win[k] + (win[k + 1] − win[k])·t`, added
/// into the bus scaled by `l` (left) and `r` (right).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Unit<'a> {
    /// The span's samples and the one after it: at least `n + 1` for `n` frames.
    pub win: &'a [f32],
    pub t: f32,
    pub l: f32,
    pub r: f32,
}

impl Unit<'_> {
    /// A unit that mixes nothing (a tile's unused places).
    pub const EMPTY: Unit<'static> = Unit {
        win: &[],
        t: 0.0,
        l: 0.0,
        r: 0.0,
    };
}

/// Add the `n = min(out_l.len(), out_r.len())` frames of every unit into the outputs, in
/// the units' order.
///
/// # Panics
/// If a unit's window holds fewer than `n + 1` samples.
pub(crate) fn mix(units: &[Unit<'_>], out_l: &mut [f32], out_r: &mut [f32]) {
    let n = out_l.len().min(out_r.len());
    for u in units {
        assert!(u.win.len() > n, "a unit's window is short");
    }
    let (out_l, out_r) = (&mut out_l[..n], &mut out_r[..n]);
    #[cfg(all(target_arch = "x86_64", not(target_feature = "avx2")))]
    if crate::gather::has_avx2() {
        // SAFETY: `has_avx2` checked that the CPU and the OS support AVX2.
        unsafe { mix_avx2(units, out_l, out_r) };
        return;
    }
    body(units, out_l, out_r);
}

/// [`body`] compiled for AVX2: eight lanes a chunk, the same operations.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(all(target_arch = "x86_64", not(target_feature = "avx2")))]
#[target_feature(enable = "avx2")]
unsafe fn mix_avx2(units: &[Unit<'_>], out_l: &mut [f32], out_r: &mut [f32]) {
    body(units, out_l, out_r);
}

/// The chunks in lanes the compiler vectorises (fixed-length loops over arrays, no fused
/// multiply-add: Rust never contracts), 32 frames while they last (each voice's loop body
/// then does four vectors' work), then 8, then the frames left one by one. The caller checked
/// every window and made both outputs `n` frames.
#[inline(always)]
fn body(units: &[Unit<'_>], out_l: &mut [f32], out_r: &mut [f32]) {
    let n = out_l.len();
    let mut k = chunks::<32>(units, out_l, out_r, 0);
    k = chunks::<8>(units, out_l, out_r, k);
    for k in k..n {
        let (mut l, mut r) = (out_l[k], out_r[k]);
        for u in units {
            let s = linear(u.win[k], u.win[k + 1], u.t);
            l += s * u.l;
            r += s * u.r;
        }
        out_l[k] = l;
        out_r[k] = r;
    }
}

/// Frames `from..` in whole chunks of `C`, the bus chunk held while every unit adds to it;
/// returns the frame after the last chunk.
#[inline(always)]
fn chunks<const C: usize>(
    units: &[Unit<'_>],
    out_l: &mut [f32],
    out_r: &mut [f32],
    from: usize,
) -> usize {
    let n = out_l.len();
    let end = from + (n - from) / C * C;
    for c in (from..end).step_by(C) {
        let mut al: [f32; C] = out_l[c..c + C].try_into().unwrap();
        let mut ar: [f32; C] = out_r[c..c + C].try_into().unwrap();
        for u in units {
            let a: [f32; C] = u.win[c..c + C].try_into().unwrap();
            let s = if u.t == 0.0 {
                a
            } else {
                let b: &[f32; C] = u.win[c + 1..c + 1 + C].try_into().unwrap();
                core::array::from_fn(|i| linear(a[i], b[i], u.t))
            };
            for i in 0..C {
                al[i] += s[i] * u.l;
                ar[i] += s[i] * u.r;
            }
        }
        out_l[c..c + C].copy_from_slice(&al);
        out_r[c..c + C].copy_from_slice(&ar);
    }
    end
}

#[cfg(test)]
mod tests {
    use super::{TILE, Unit, linear, mix};
    use crate::tests::xorshift;

    /// Tests that a tile gives the bits of its voices added one by one with the scalar
    /// loop's operations, at fraction 0 and not, with equal gains and not, for every tile
    /// size and lengths that are and are not a multiple of the chunk, onto a bus that
    /// already holds voices (zeros of both signs in the sounds included).
    #[test]
    fn a_tile_is_its_voices_one_by_one() {
        let mut seed = 0x9e37_79b9u32;
        let mut sounds = [[0.0f32; 200]; TILE];
        for s in sounds.iter_mut() {
            for (i, v) in s.iter_mut().enumerate() {
                *v = match i % 17 {
                    3 => 0.0,
                    5 => -0.0,
                    _ => xorshift(&mut seed),
                };
            }
        }
        let fractions = [0.0f32, 0.25, 0.0, 0.999_999_9, 0.0, 0.5, 0.0, 0.125];
        let gains = [(0.5f32, 0.5f32), (0.3, -0.7), (0.25, 0.25), (1.0, 0.0)];
        for size in 1..=TILE {
            for n in [0usize, 5, 8, 13, 31, 32, 45, 160, 199] {
                let units: [Unit; TILE] = core::array::from_fn(|v| {
                    let (l, r) = gains[v % gains.len()];
                    Unit {
                        win: &sounds[v][..n + 1],
                        t: fractions[v],
                        l,
                        r,
                    }
                });
                let start: [f32; 200] =
                    core::array::from_fn(|i| if i % 3 == 0 { 0.0 } else { 0.1 });
                let (mut l1, mut r1) = (start, start);
                let (mut l2, mut r2) = (start, start);
                mix(&units[..size], &mut l1[..n], &mut r1[..n]);
                for u in &units[..size] {
                    for k in 0..n {
                        let s = linear(u.win[k], u.win[k + 1], u.t);
                        l2[k] += s * u.l;
                        r2[k] += s * u.r;
                    }
                }
                assert_eq!(
                    l1.map(f32::to_bits),
                    l2.map(f32::to_bits),
                    "size {size} n {n}"
                );
                assert_eq!(
                    r1.map(f32::to_bits),
                    r2.map(f32::to_bits),
                    "size {size} n {n}"
                );
            }
        }
    }

    /// Tests that a window too short for the frames is refused before anything is mixed.
    #[test]
    #[should_panic(expected = "short")]
    fn a_short_window_is_refused() {
        let win = [0.5f32; 8];
        let (mut l, mut r) = ([0.0f32; 8], [0.0f32; 8]);
        let unit = Unit {
            win: &win,
            t: 0.0,
            l: 1.0,
            r: 1.0,
        };
        mix(&[unit], &mut l, &mut r);
    }
}
