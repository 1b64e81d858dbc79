//! Panning. (Listener, attenuation models and doppler join this module with the spatial work.)

use crate::math;

/// The balance pan law of the original engine: `(min(1, 1 − pan), min(1, 1 + pan))`.
///
/// Centre is unity on both sides; `pan = 0.5` leaves the right side at unity and halves the
/// left. `pan` is clamped to `[-1, 1]` (NaN counts as −1; callers reject NaN before this).
///
/// ```
/// use mixer_core::spatial::balance;
/// assert_eq!(balance(0.0), (1.0, 1.0));
/// assert_eq!(balance(0.5), (0.5, 1.0));
/// assert_eq!(balance(-1.0), (1.0, 0.0));
/// ```
#[inline]
pub fn balance(pan: f32) -> (f32, f32) {
    let pan = math::clamp(pan, -1.0, 1.0);
    let left = 1.0 - pan;
    let right = 1.0 + pan;
    (
        if left > 1.0 { 1.0 } else { left },
        if right > 1.0 { 1.0 } else { right },
    )
}
