//! The only place the core calls floating-point functions.
//!
//! Every transcendental goes through [`libm`], a pure-Rust implementation, so the same inputs
//! give the same bits on x86_64, aarch64 and a Cortex-M4F alike. Method-syntax math (`x.sin()`)
//! is banned in this crate by `clippy.toml`: with `std` linked it would call the platform's libm,
//! whose results differ in the last bit from target to target.

/// The magnitude below which recursive DSP state is flushed to exactly 0 (−360 dBFS): a
/// decaying filter, delay or reverb tail reaches silence in bounded time instead of
/// circulating subnormals for ever (tens of cycles an operation on x86). A compare, so the
/// same bits on every target, whatever its denormal mode.
pub(crate) const FLUSH: f32 = 1e-18;

/// `x`, or exactly 0 where it is below [`FLUSH`] in magnitude.
#[inline(always)]
pub(crate) fn flush(x: f32) -> f32 {
    if x.abs() < FLUSH { 0.0 } else { x }
}

/// `sin(x)` in single precision.
#[inline]
pub fn sin(x: f32) -> f32 {
    libm::sinf(x)
}

/// `cos(x)` in single precision.
#[inline]
pub fn cos(x: f32) -> f32 {
    libm::cosf(x)
}

/// `base^exp` in single precision.
#[inline]
pub fn powf(base: f32, exp: f32) -> f32 {
    libm::powf(base, exp)
}

/// `log10(x)` in single precision.
#[inline]
pub fn log10(x: f32) -> f32 {
    libm::log10f(x)
}

/// `sqrt(x)` in single precision.
#[inline]
pub fn sqrt(x: f32) -> f32 {
    libm::sqrtf(x)
}

/// `tan(x)` in single precision.
#[inline]
pub fn tan(x: f32) -> f32 {
    libm::tanf(x)
}

/// `tanh(x)` in single precision.
#[inline]
pub fn tanh(x: f32) -> f32 {
    libm::tanhf(x)
}

/// `e^x` in single precision.
#[inline]
pub fn exp(x: f32) -> f32 {
    libm::expf(x)
}

/// The natural logarithm in single precision.
#[inline]
pub fn ln(x: f32) -> f32 {
    libm::logf(x)
}

/// `acos(x)` in single precision.
#[inline]
pub fn acos(x: f32) -> f32 {
    libm::acosf(x)
}

/// `atan2(y, x)` in single precision.
#[inline]
pub fn atan2(y: f32, x: f32) -> f32 {
    libm::atan2f(y, x)
}

/// The largest integer not above `x`, in single precision.
#[inline]
pub fn floor(x: f32) -> f32 {
    libm::floorf(x)
}

/// The smallest integer not below `x`, in double precision (never per sample).
#[inline]
pub fn ceil(x: f64) -> f64 {
    libm::ceil(x)
}

/// The remainder of `x / y` in double precision (for cursor arithmetic, never per sample).
#[inline]
pub fn fmod(x: f64, y: f64) -> f64 {
    libm::fmod(x, y)
}

/// `x` clamped to `[lo, hi]`; a NaN `x` gives `lo`, so NaN never escapes a clamp.
#[inline]
pub fn clamp(x: f32, lo: f32, hi: f32) -> f32 {
    if x >= lo {
        if x <= hi { x } else { hi }
    } else {
        lo
    }
}

/// Replace every non-finite sample of `buf` (NaN, ±∞) by `+0.0`, and return how many there
/// were. A first pass only looks (it vectorises, and is all a finite buffer costs).
#[inline]
pub fn scrub(buf: &mut [f32]) -> u32 {
    if buf.iter().fold(true, |all, x| all & x.is_finite()) {
        return 0;
    }
    let mut n = 0u32;
    for x in buf.iter_mut().filter(|x| !x.is_finite()) {
        *x = 0.0;
        n = n.saturating_add(1);
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests that scrub zeroes exactly the NaN and infinite samples, counts them, and leaves a
    /// finite buffer's bits alone (−0.0 and the largest finite values included).
    #[test]
    fn scrub_replaces_only_non_finite_samples() {
        let mut fine = [-0.0f32, f32::MAX, -f32::MAX, f32::MIN_POSITIVE, 1.0];
        let before = fine.map(f32::to_bits);
        assert_eq!(scrub(&mut fine), 0);
        assert_eq!(fine.map(f32::to_bits), before);
        let mut bad = [
            1.0f32,
            f32::NAN,
            -2.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            3.0,
        ];
        assert_eq!(scrub(&mut bad), 3);
        assert_eq!(bad, [1.0, 0.0, -2.0, 0.0, 0.0, 3.0]);
    }

    /// Tests that clamp maps NaN to the lower bound and keeps infinities inside the range.
    #[test]
    fn clamp_handles_nan_and_infinities() {
        assert_eq!(clamp(f32::NAN, -1.0, 1.0), -1.0);
        assert_eq!(clamp(f32::INFINITY, -1.0, 1.0), 1.0);
        assert_eq!(clamp(f32::NEG_INFINITY, -1.0, 1.0), -1.0);
        assert_eq!(clamp(0.25, -1.0, 1.0), 0.25);
    }
}
