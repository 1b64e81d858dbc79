//! Decibels and the conversions between decibels and linear gain.
//!
//! The silence floor is −80 dB, as in the original engine: anything at or below it is exactly
//! zero gain, so a fader pulled to the bottom really is silent.

use crate::math;

/// The level at and below which a gain is silence.
pub const SILENCE_DB: f32 = -80.0;

/// The highest gain a voice or bus accepts, in decibels (×15.85). Higher values clamp.
pub const MAX_DB: f32 = 24.0;

/// A level in decibels.
///
/// ```
/// use mixer_core::Decibels;
/// assert_eq!(Decibels(0.0).to_linear(), 1.0);
/// assert_eq!(Decibels(-80.0).to_linear(), 0.0);
/// assert!((Decibels(-6.0206).to_linear() - 0.5).abs() < 1e-5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Decibels(pub f32);

impl Decibels {
    /// Silence (−80 dB).
    pub const SILENCE: Self = Self(SILENCE_DB);
    /// Unity gain (0 dB).
    pub const IDENTITY: Self = Self(0.0);

    /// The linear gain of this level: 0 at or below −80 dB, else `10^(dB/20)`.
    ///
    /// The level is clamped to at most [`MAX_DB`]; NaN gives silence (callers reject NaN before
    /// it gets here, this only keeps the function total).
    #[inline]
    pub fn to_linear(self) -> f32 {
        db_to_linear(self.0)
    }
}

impl From<f32> for Decibels {
    fn from(db: f32) -> Self {
        Self(db)
    }
}

/// Linear gain of `db` decibels: 0 at or below −80 dB (and for NaN), `10^(db/20)` otherwise,
/// with `db` clamped to [`MAX_DB`].
#[inline]
pub fn db_to_linear(db: f32) -> f32 {
    if db.is_nan() || db <= SILENCE_DB {
        return 0.0;
    }
    let db = if db > MAX_DB { MAX_DB } else { db };
    math::powf(10.0, db / 20.0)
}

/// Decibels of a linear gain; zero and negative gains give −80 dB.
#[inline]
pub fn linear_to_db(gain: f32) -> f32 {
    if gain.is_nan() || gain <= 0.0 {
        return SILENCE_DB;
    }
    let db = 20.0 * math::log10(gain);
    if db < SILENCE_DB { SILENCE_DB } else { db }
}

/// Linear gain of `db` decibels, with infinities clamped and the −80 dB floor.
pub(crate) fn gain_of(db: f32) -> f32 {
    db_to_linear(crate::math::clamp(db, -1000.0, MAX_DB))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests the conversion against a reference table.
    #[test]
    fn reference_table() {
        let table = [
            (0.0, 1.0),
            (-6.020_6, 0.5),
            (-20.0, 0.1),
            (20.0, 10.0),
            (-79.99, 0.000_100_115),
            (-80.0, 0.0),
            (-200.0, 0.0),
            (f32::NEG_INFINITY, 0.0),
            (100.0, 15.848_932),
            (f32::INFINITY, 15.848_932),
        ];
        for (db, lin) in table {
            let got = db_to_linear(db);
            assert!(
                (got - lin).abs() <= lin * 1e-5,
                "{db} dB -> {got}, expected {lin}"
            );
        }
    }

    /// Tests that linear_to_db inverts db_to_linear above the floor.
    #[test]
    fn round_trip() {
        for db in [-60.0f32, -12.0, -0.5, 0.0, 6.0, 23.0] {
            assert!((linear_to_db(db_to_linear(db)) - db).abs() < 1e-4);
        }
        assert_eq!(linear_to_db(0.0), SILENCE_DB);
    }
}
