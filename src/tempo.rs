//! [`TempoClock`]: a game-defined clock on the backend's timeline, in ticks.
//!
//! A clock counts ticks at a speed (ticks per second) while it runs; it starts, stops and
//! changes speed at frames of the backend's timeline (see
//! [`Scheduling::now_frames`](crate::Scheduling::now_frames)). Because it is defined in
//! frames, the frame of any tick is known exactly, and a call stamped with it
//! ([`play_audio_at`](crate::Scheduling::play_audio_at), [`Play::start_at`](crate::Play::start_at),
//! a [`Tween`](crate::Tween)'s `start_at`) lands on that frame on every backend, live devices
//! included, and renders the same bits every time offline. A game keeps as many clocks as it
//! likes (a beat, a bar, a cutscene's timeline).

use crate::error::AudioError;

/// One stretch of a clock's life: from `frame` on, `tick` ticks counted so far, running at
/// `ticks_per_second` (or stopped).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Stretch {
    frame: u64,
    tick: f64,
    ticks_per_second: f64,
    running: bool,
}

/// A clock of ticks on the backend's timeline.
///
/// ```
/// use simvx_audio::TempoClock;
///
/// // 120 beats a minute at 48 kHz: a beat every 24 000 frames, from frame 4 800 on.
/// let mut beat = TempoClock::new(48_000, 2.0)?;
/// beat.start(4_800);
/// assert_eq!(beat.frame_of_tick(3.0), Some(4_800 + 3 * 24_000));
/// // Quantised: the next beat at or after frame 30 000.
/// assert_eq!(beat.next_tick(30_000, 1.0), Some(52_800));
/// // Twice as fast from beat 4 on; stopped at beat 8.
/// let four = beat.frame_of_tick(4.0).unwrap();
/// beat.set_speed(4.0, four)?;
/// assert_eq!(beat.frame_of_tick(6.0), Some(four + 24_000));
/// beat.stop(beat.frame_of_tick(8.0).unwrap());
/// assert_eq!(beat.frame_of_tick(9.0), None);
/// # Ok::<(), simvx_audio::AudioError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TempoClock {
    sample_rate: u32,
    /// In frame order; the first starts at frame 0, stopped at tick 0.
    stretches: Vec<Stretch>,
}

impl TempoClock {
    /// A stopped clock at tick 0 that will count `ticks_per_second` when started, on a
    /// timeline of `sample_rate` frames per second.
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`] for a speed that is not finite and positive, or a
    /// sample rate of 0.
    pub fn new(sample_rate: u32, ticks_per_second: f64) -> Result<Self, AudioError> {
        if sample_rate == 0 {
            return Err(AudioError::InvalidParameter {
                name: "sample_rate",
                reason: "0".into(),
            });
        }
        check_speed(ticks_per_second)?;
        Ok(Self {
            sample_rate,
            stretches: vec![Stretch {
                frame: 0,
                tick: 0.0,
                ticks_per_second,
                running: false,
            }],
        })
    }

    /// A clock of `beats_per_minute`, each beat `ticks_per_beat` ticks.
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn from_bpm(
        sample_rate: u32,
        beats_per_minute: f64,
        ticks_per_beat: u32,
    ) -> Result<Self, AudioError> {
        Self::new(
            sample_rate,
            beats_per_minute / 60.0 * f64::from(ticks_per_beat.max(1)),
        )
    }

    /// Start counting at frame `at` (a running clock keeps running).
    pub fn start(&mut self, at: u64) {
        let s = self.at(at);
        self.change(at, s.ticks_per_second, true);
    }

    /// Stop counting at frame `at`: the count holds until the next start.
    pub fn stop(&mut self, at: u64) {
        let s = self.at(at);
        self.change(at, s.ticks_per_second, false);
    }

    /// Count `ticks_per_second` from frame `at` on.
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`] for a speed that is not finite and positive (nothing
    /// changes).
    pub fn set_speed(&mut self, ticks_per_second: f64, at: u64) -> Result<(), AudioError> {
        check_speed(ticks_per_second)?;
        let s = self.at(at);
        self.change(at, ticks_per_second, s.running);
        Ok(())
    }

    /// Whether the clock runs at frame `frame`.
    pub fn is_running(&self, frame: u64) -> bool {
        self.at(frame).running
    }

    /// Ticks counted by frame `frame` (fractional between ticks).
    pub fn ticks_at(&self, frame: u64) -> f64 {
        let s = self.at(frame);
        if s.running {
            s.tick + (frame - s.frame) as f64 * s.ticks_per_second / f64::from(self.sample_rate)
        } else {
            s.tick
        }
    }

    /// The first frame at which the count reaches `tick`; `None` if it never does as the
    /// clock stands (it is stopped for good before).
    pub fn frame_of_tick(&self, tick: f64) -> Option<u64> {
        if tick.is_nan() {
            return None;
        }
        for (k, s) in self.stretches.iter().enumerate() {
            if s.tick >= tick {
                return Some(s.frame);
            }
            if !s.running {
                continue;
            }
            let frames = (tick - s.tick) * f64::from(self.sample_rate) / s.ticks_per_second;
            // The first whole frame at or past it (a hair of rounding is not a frame).
            let frame = s.frame as f64 + (frames - 1e-6).ceil().max(0.0);
            let end = self.stretches.get(k + 1).map(|n| n.frame);
            if end.is_none_or(|e| frame < e as f64) {
                return (frame < u64::MAX as f64).then_some(frame as u64);
            }
        }
        None
    }

    /// The frame of the next multiple of `every` ticks at or after frame `now` (a beat of a
    /// `from_bpm` clock: `every` = ticks per beat): where a call quantised to the clock
    /// goes. `None` if the clock does not get there.
    pub fn next_tick(&self, now: u64, every: f64) -> Option<u64> {
        if every.is_nan() || every <= 0.0 {
            return None;
        }
        let t = self.ticks_at(now);
        let next = (t / every - 1e-9).ceil() * every;
        self.frame_of_tick(next).map(|f| f.max(now))
    }

    /// The stretch frame `frame` falls in.
    fn at(&self, frame: u64) -> Stretch {
        let i = self.stretches.partition_point(|s| s.frame <= frame);
        self.stretches[i.saturating_sub(1)]
    }

    /// From frame `at` on: `ticks_per_second`, running or not (later changes are dropped:
    /// a clock is changed in time order).
    fn change(&mut self, at: u64, ticks_per_second: f64, running: bool) {
        let tick = self.ticks_at(at);
        self.stretches.retain(|s| s.frame < at);
        self.stretches.push(Stretch {
            frame: at,
            tick,
            ticks_per_second,
            running,
        });
    }
}

fn check_speed(ticks_per_second: f64) -> Result<(), AudioError> {
    if ticks_per_second.is_finite() && ticks_per_second > 0.0 {
        Ok(())
    } else {
        Err(AudioError::InvalidParameter {
            name: "ticks_per_second",
            reason: format!("{ticks_per_second} is not a finite speed above 0"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests that a stopped clock holds its count and a restart carries on from it, and that
    /// bad speeds are refused.
    #[test]
    fn stop_holds_and_start_carries_on() {
        let mut c = TempoClock::from_bpm(48_000, 120.0, 4).unwrap(); // 8 ticks a second
        assert_eq!(c.frame_of_tick(1.0), None, "not started");
        c.start(0);
        c.stop(48_000);
        assert_eq!(c.ticks_at(60_000), 8.0);
        assert!(!c.is_running(60_000) && c.is_running(47_999));
        c.start(96_000);
        assert_eq!(c.frame_of_tick(9.0), Some(96_000 + 6_000));
        assert_eq!(c.frame_of_tick(8.0), Some(48_000));
        assert_eq!(c.next_tick(96_001, 4.0), Some(96_000 + 4 * 6_000));
        assert!(TempoClock::new(48_000, 0.0).is_err());
        assert!(TempoClock::new(0, 1.0).is_err());
        assert!(c.set_speed(f64::INFINITY, 0).is_err());
        assert_eq!(c.next_tick(0, 0.0), None);
    }
}
