//! [`Clock`]: the null backend's notion of "now", driven by the game or by the wall clock.

use std::time::Instant;

/// Seconds since the backend was made, advanced by the game ([`Clock::advance`]) or, once asked,
/// by the wall clock ([`Clock::use_wall_clock`]). It never runs backwards.
#[derive(Debug, Clone)]
pub struct Clock {
    mode: Mode,
}

#[derive(Debug, Clone)]
enum Mode {
    Manual { now: f64 },
    Wall { origin: Instant, offset: f64 },
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock {
    /// A manual clock at 0 s.
    pub const fn new() -> Self {
        Self {
            mode: Mode::Manual { now: 0.0 },
        }
    }

    /// Moves a manual clock forward by `seconds`. Returns `false`, and changes nothing, for a
    /// NaN, negative or infinite step, and on the wall clock (which the game does not drive).
    ///
    /// ```
    /// let mut clock = platform_null::Clock::new();
    /// assert!(clock.advance(0.25));
    /// assert!(!clock.advance(-1.0));
    /// assert!(!clock.advance(f64::NAN));
    /// assert_eq!(clock.now(), 0.25);
    /// ```
    pub fn advance(&mut self, seconds: f64) -> bool {
        match &mut self.mode {
            Mode::Manual { now } if seconds.is_finite() && seconds >= 0.0 => {
                *now += seconds;
                true
            }
            _ => false,
        }
    }

    /// Follows the wall clock from the current reading on: time continues from where the manual
    /// clock stood, so nothing jumps. Calling it again changes nothing.
    pub fn use_wall_clock(&mut self) {
        if let Mode::Manual { now } = self.mode {
            self.mode = Mode::Wall {
                origin: Instant::now(),
                offset: now,
            };
        }
    }

    /// Whether the clock follows the wall clock.
    pub fn is_wall_clock(&self) -> bool {
        matches!(self.mode, Mode::Wall { .. })
    }

    /// The reading in seconds.
    pub fn now(&self) -> f64 {
        match &self.mode {
            Mode::Manual { now } => *now,
            Mode::Wall { origin, offset } => offset + origin.elapsed().as_secs_f64(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_rejects_bad_steps() {
        let mut c = Clock::new();
        assert!(c.advance(1.5));
        assert!(!c.advance(f64::INFINITY));
        assert!(!c.advance(-0.1));
        assert_eq!(c.now(), 1.5);
    }

    #[test]
    fn wall_clock_continues_from_manual_reading() {
        let mut c = Clock::new();
        c.advance(10.0);
        c.use_wall_clock();
        assert!(c.is_wall_clock());
        let a = c.now();
        assert!(a >= 10.0);
        assert!(!c.advance(5.0), "the game does not drive a wall clock");
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(c.now() > a);
        assert!(c.now() < 15.0);
    }
}
