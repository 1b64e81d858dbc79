//! The silent sink of simvx-audio, for machines with no audio device (CI, containers, servers).
//!
//! Nothing is mixed and nothing is heard, but every channel lives exactly as long as it would on a
//! device: a one-shot ends after `(duration − from_position) / pitch` seconds of the backend's
//! [`Clock`], a loop never ends, pause freezes the countdown and a pitch change rescales what is
//! left. The game drives the clock with [`NullBackend::advance`] (deterministic, for tests and
//! fixed-step games) or hands it to the wall clock with [`NullBackend::use_wall_clock`].
//!
//! It is cheap: a channel is a handful of numbers and its state is computed from the clock when
//! asked, never ticked.
//!
//! ```
//! use platform_null::NullBackend;
//!
//! let mut null = NullBackend::new(48_000, 2, 32);
//! // A 1 s sound, from 0.5 s, at double speed: 0.25 s of clock to go.
//! let id = null.play(Some(1.0), 0.5, 2.0, false).unwrap();
//! null.advance(0.2);
//! assert!(null.is_active(id));
//! assert!((null.position(id) - 0.9).abs() < 1e-12);
//! null.advance(0.05);
//! assert!(!null.is_active(id));
//! assert_eq!(null.position(id), 0.0); // the id is stale now
//! ```

mod clock;

pub use clock::Clock;

use std::num::NonZeroU64;

/// The lowest pitch a channel plays at (the same clamp as the mixer's).
pub const MIN_PITCH: f32 = 0.1;
/// The highest pitch a channel plays at.
pub const MAX_PITCH: f32 = 16.0;

/// The backend: a clock and a fixed pool of channels.
#[derive(Debug)]
pub struct NullBackend {
    sample_rate: u32,
    channels: u16,
    clock: Clock,
    slots: Vec<Slot>,
    shut_down: bool,
}

/// Every slot is in use: [`NullBackend::play`] refused a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolFull {
    /// The pool's capacity.
    pub capacity: usize,
}

impl core::fmt::Display for PoolFull {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "all {} null channels are in use", self.capacity)
    }
}

impl std::error::Error for PoolFull {}

#[derive(Debug, Clone)]
struct Slot {
    generation: u32,
    channel: Option<Channel>,
}

#[derive(Debug, Clone)]
struct Channel {
    /// Length of the sound in seconds of its own timeline; `None` for a sound with no end.
    duration: Option<f64>,
    looping: bool,
    pitch: f64,
    /// Cursor (seconds of the sound, unwrapped) at `anchor_time`.
    anchor_pos: f64,
    /// Clock reading at which `anchor_pos` held.
    anchor_time: f64,
    paused: bool,
}

impl Channel {
    /// The unwrapped cursor at clock reading `now`.
    fn cursor(&self, now: f64) -> f64 {
        if self.paused {
            self.anchor_pos
        } else {
            self.anchor_pos + (now - self.anchor_time).max(0.0) * self.pitch
        }
    }

    fn ended(&self, now: f64) -> bool {
        match self.duration {
            Some(d) if self.looping => d <= 0.0,
            Some(d) => self.cursor(now) >= d,
            None => false,
        }
    }

    /// The cursor as reported: wrapped for loops, capped at the end for one-shots.
    fn position(&self, now: f64) -> f64 {
        let c = self.cursor(now);
        match self.duration {
            Some(d) if self.looping && d > 0.0 => c % d,
            Some(d) => c.min(d),
            None => c,
        }
    }

    /// Moves the anchor to `now` so later changes apply from here on.
    fn reanchor(&mut self, now: f64) {
        self.anchor_pos = self.cursor(now);
        self.anchor_time = now;
    }
}

fn clamp_pitch(pitch: f32) -> f64 {
    if pitch.is_nan() {
        1.0
    } else {
        f64::from(pitch.clamp(MIN_PITCH, MAX_PITCH))
    }
}

impl NullBackend {
    /// A backend reporting `sample_rate` and `channels`, with room for `capacity` channels at
    /// once, on a manual clock at 0 s.
    pub fn new(sample_rate: u32, channels: u16, capacity: usize) -> Self {
        Self {
            sample_rate,
            channels,
            clock: Clock::new(),
            slots: vec![
                Slot {
                    generation: 1,
                    channel: None,
                };
                capacity
            ],
            shut_down: false,
        }
    }

    /// The sample rate the backend reports (nothing is rendered at it).
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The channel count the backend reports.
    pub fn channels(&self) -> u16 {
        self.channels
    }

    /// How many channels can be alive at once.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Moves the manual clock forward; see [`Clock::advance`].
    pub fn advance(&mut self, seconds: f64) -> bool {
        self.clock.advance(seconds)
    }

    /// Hands the clock to the wall clock; see [`Clock::use_wall_clock`].
    pub fn use_wall_clock(&mut self) {
        self.clock.use_wall_clock();
    }

    /// The clock reading in seconds.
    pub fn now(&self) -> f64 {
        self.clock.now()
    }

    /// Starts a channel for a sound `duration` seconds long (`None`: it never ends by itself),
    /// from `from_position` seconds (clamped to the sound; wrapped for loops), at `pitch`
    /// (clamped to [[`MIN_PITCH`], [`MAX_PITCH`]]; NaN plays at 1). Channels that have ended are
    /// reclaimed first; if none is free, the call fails with [`PoolFull`]. After
    /// [`shutdown`](Self::shutdown) it fails the same way, with a capacity of 0.
    pub fn play(
        &mut self,
        duration: Option<f64>,
        from_position: f64,
        pitch: f32,
        looping: bool,
    ) -> Result<NonZeroU64, PoolFull> {
        if self.shut_down {
            return Err(PoolFull { capacity: 0 });
        }
        let now = self.clock.now();
        let duration = duration.map(|d| if d.is_finite() { d.max(0.0) } else { 0.0 });
        let mut from = if from_position.is_finite() {
            from_position.max(0.0)
        } else {
            0.0
        };
        if let Some(d) = duration {
            from = if looping && d > 0.0 {
                from % d
            } else {
                from.min(d)
            };
        }
        let capacity = self.slots.len();
        let index = self
            .slots
            .iter_mut()
            .position(|s| {
                if s.channel.as_ref().is_some_and(|c| c.ended(now)) {
                    free(s);
                }
                s.channel.is_none()
            })
            .ok_or(PoolFull { capacity })?;
        let slot = &mut self.slots[index];
        slot.channel = Some(Channel {
            duration,
            looping,
            pitch: clamp_pitch(pitch),
            anchor_pos: from,
            anchor_time: now,
            paused: false,
        });
        Ok(encode(index, slot.generation))
    }

    /// Ends a channel at once. Unknown or stale ids are ignored.
    pub fn stop(&mut self, id: NonZeroU64) {
        if let Some(index) = self.live_index(id) {
            free(&mut self.slots[index]);
        }
    }

    /// Ends every channel.
    pub fn stop_all(&mut self) {
        self.slots
            .iter_mut()
            .filter(|s| s.channel.is_some())
            .for_each(free);
    }

    /// Freezes a channel's cursor and countdown. Unknown or stale ids are ignored.
    pub fn pause(&mut self, id: NonZeroU64) {
        let now = self.clock.now();
        if let Some(c) = self.live_channel(id) {
            c.reanchor(now);
            c.paused = true;
        }
    }

    /// Lets a paused channel run again from where it stood. Unknown or stale ids are ignored.
    pub fn resume(&mut self, id: NonZeroU64) {
        let now = self.clock.now();
        if let Some(c) = self.live_channel(id)
            && c.paused
        {
            c.anchor_time = now;
            c.paused = false;
        }
    }

    /// Changes a channel's pitch from now on, rescaling the time it has left (clamped as in
    /// [`play`](Self::play)). Unknown or stale ids are ignored.
    pub fn set_pitch(&mut self, id: NonZeroU64, pitch: f32) {
        let now = self.clock.now();
        if let Some(c) = self.live_channel(id) {
            c.reanchor(now);
            c.pitch = clamp_pitch(pitch);
        }
    }

    /// Whether the channel is still playing (or paused). An ended channel's slot is reclaimed
    /// here, so its id goes stale.
    pub fn is_active(&mut self, id: NonZeroU64) -> bool {
        self.live_index(id).is_some()
    }

    /// The channel's cursor in seconds of the sound's own timeline (wrapped for loops); 0 for
    /// ended, unknown or stale ids.
    pub fn position(&self, id: NonZeroU64) -> f64 {
        let now = self.clock.now();
        self.lookup(id)
            .and_then(|s| s.channel.as_ref())
            .filter(|c| !c.ended(now))
            .map_or(0.0, |c| c.position(now))
    }

    /// How many channels are alive now.
    pub fn active_channels(&self) -> usize {
        let now = self.clock.now();
        self.slots
            .iter()
            .filter(|s| s.channel.as_ref().is_some_and(|c| !c.ended(now)))
            .count()
    }

    /// Ends every channel and refuses new ones. Idempotent.
    pub fn shutdown(&mut self) {
        self.stop_all();
        self.shut_down = true;
    }

    /// Whether [`shutdown`](Self::shutdown) was called.
    pub fn is_shut_down(&self) -> bool {
        self.shut_down
    }

    fn lookup(&self, id: NonZeroU64) -> Option<&Slot> {
        let (index, generation) = decode(id);
        self.slots.get(index).filter(|s| s.generation == generation)
    }

    /// The slot index of a live channel, reclaiming it first if it has ended.
    fn live_index(&mut self, id: NonZeroU64) -> Option<usize> {
        let now = self.clock.now();
        let (index, generation) = decode(id);
        let slot = self
            .slots
            .get_mut(index)
            .filter(|s| s.generation == generation)?;
        match &slot.channel {
            Some(c) if !c.ended(now) => Some(index),
            Some(_) => {
                free(slot);
                None
            }
            None => None,
        }
    }

    fn live_channel(&mut self, id: NonZeroU64) -> Option<&mut Channel> {
        let index = self.live_index(id)?;
        self.slots[index].channel.as_mut()
    }
}

/// Empties a slot and moves its generation on, so ids handed out for it go stale.
fn free(slot: &mut Slot) {
    slot.channel = None;
    slot.generation = slot.generation.wrapping_add(1).max(1);
}

fn encode(index: usize, generation: u32) -> NonZeroU64 {
    // The generation is never 0, so neither is the id.
    let bits = (u64::from(generation) << 32) | index as u64;
    NonZeroU64::new(bits).unwrap_or(NonZeroU64::MIN)
}

fn decode(id: NonZeroU64) -> (usize, u32) {
    let bits = id.get();
    ((bits & 0xFFFF_FFFF) as usize, (bits >> 32) as u32)
}

#[cfg(test)]
mod tests;
