//! Interpolated reading of a sound at a fractional position, for pitch and rate conversion.
//!
//! Positions are unsigned 32.32 fixed point in the sound's own frames: integer frames in the
//! high half, the fraction in the low half. Fixed point makes the cursor exact and identical on
//! every target (no float accumulation drift, no soft-float `f64` on a Cortex-M4F) and lets a
//! cursor address 2³² frames (a day of audio at 48 kHz).

/// One whole frame in 32.32 fixed point.
pub const ONE: u64 = 1 << 32;

/// How a voice reads between samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Interpolation {
    /// Two-point linear interpolation: cheap, a gentle high-frequency roll-off.
    #[default]
    Linear,
    /// Four-point, third-order Hermite (Catmull-Rom): flatter response, less aliasing.
    Cubic,
}

/// The fixed-point step that plays a `sound_rate` sound at `pitch` on an `output_rate` mixer.
///
/// Computed once per pitch change, never per sample; exact when the ratio is representable.
/// Otherwise it rounds up (by less than 2⁻³² of a frame), so a sound never outlasts its true
/// length: a 44.1 kHz second on a 48 kHz mixer ends after exactly 48 000 frames, not 48 001.
pub fn step_for(sound_rate: u32, output_rate: u32, pitch: f32) -> u64 {
    let out = output_rate.max(1) as u64;
    let base = ((sound_rate as u64) << 32).div_ceil(out);
    let step = if pitch == 1.0 {
        base
    } else {
        crate::math::ceil(base as f64 * pitch as f64) as u64
    };
    step.max(1)
}

/// The weight of one unit of a fraction's top 24 bits: `2⁻²⁴`.
pub(crate) const FRACTION_UNIT: f32 = 1.0 / 16_777_216.0;

/// The fraction of a 32.32 position as `f32` in `[0, 1)`, exact to 24 bits. The SIMD loops
/// (`gather/`) compute the same `(low32 >> 8) · FRACTION_UNIT` per lane.
#[inline(always)]
pub(crate) fn fraction(pos: u64) -> f32 {
    ((pos as u32) >> 8) as f32 * FRACTION_UNIT
}

/// Sample formats the renderer reads.
pub(crate) trait Pcm: Copy {
    fn to_f32(self) -> f32;
    /// The samples as `f32`, when that is what they are (for loops specialised to `f32`).
    fn as_f32(data: &[Self]) -> Option<&[f32]>;
}

impl Pcm for i16 {
    #[inline(always)]
    fn to_f32(self) -> f32 {
        self as f32 * (1.0 / 32768.0)
    }
    fn as_f32(_: &[Self]) -> Option<&[f32]> {
        None
    }
}

impl Pcm for f32 {
    #[inline(always)]
    fn to_f32(self) -> f32 {
        self
    }
    fn as_f32(data: &[Self]) -> Option<&[f32]> {
        Some(data)
    }
}

/// Frame `i` of interleaved data with `CH` channels, as (left, right); mono is duplicated.
#[inline(always)]
pub(crate) fn frame<T: Pcm, const CH: usize>(data: &[T], i: usize) -> (f32, f32) {
    if CH == 1 {
        let s = data[i].to_f32();
        (s, s)
    } else {
        (data[2 * i].to_f32(), data[2 * i + 1].to_f32())
    }
}

/// Frame `i` (possibly outside the sound): wrapped when looping, silent otherwise.
#[inline]
pub(crate) fn frame_at_edge<T: Pcm, const CH: usize>(
    data: &[T],
    frames: usize,
    i: i64,
    looping: bool,
) -> (f32, f32) {
    if i >= 0 && (i as usize) < frames {
        frame::<T, CH>(data, i as usize)
    } else if looping {
        frame::<T, CH>(data, i.rem_euclid(frames as i64) as usize)
    } else {
        (0.0, 0.0)
    }
}

/// Linear interpolation between `a` and `b` at `t`.
#[inline(always)]
pub(crate) fn linear(a: f32, b: f32, t: f32) -> f32 {
    a + (b - a) * t
}

/// Four-point Hermite interpolation between `x0` and `x1` at `t`.
#[inline(always)]
pub(crate) fn cubic(xm1: f32, x0: f32, x1: f32, x2: f32, t: f32) -> f32 {
    let c1 = 0.5 * (x1 - xm1);
    let c2 = xm1 - 2.5 * x0 + 2.0 * x1 - 0.5 * x2;
    let c3 = 0.5 * (x2 - xm1) + 1.5 * (x0 - x1);
    ((c3 * t + c2) * t + c1) * t + x0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests that the step is exact at unity pitch and scales with pitch and rate.
    #[test]
    fn steps() {
        assert_eq!(step_for(48_000, 48_000, 1.0), ONE);
        assert_eq!(step_for(24_000, 48_000, 1.0), ONE / 2);
        assert_eq!(step_for(48_000, 48_000, 2.0), 2 * ONE);
        let s = step_for(44_100, 48_000, 1.0) as f64 / ONE as f64;
        assert!((s - 0.918_75).abs() < 1e-9);
    }

    /// Tests that both interpolators pass through the sample points and a straight line.
    #[test]
    fn interpolators_are_exact_on_lines() {
        assert_eq!(linear(1.0, 3.0, 0.0), 1.0);
        assert_eq!(linear(1.0, 3.0, 0.5), 2.0);
        assert_eq!(cubic(0.0, 1.0, 2.0, 3.0, 0.0), 1.0);
        assert!((cubic(0.0, 1.0, 2.0, 3.0, 0.25) - 1.25).abs() < 1e-6);
        assert_eq!(fraction(ONE + ONE / 4), 0.25);
    }
}
