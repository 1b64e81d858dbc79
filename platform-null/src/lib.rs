//! The silent sink of simvx-audio, for machines with no audio device (CI, containers, servers).
//!
//! It is not a second engine: it is the mixing core itself, advanced on a [`Clock`] with no
//! mixing ([`mixer_core::Renderer::advance`]). Every channel's cursor, pitch glide, fade,
//! pause and end are the core's own, so a one-shot ends after
//! `(duration − from_position) / pitch` seconds of the clock exactly as it would on a device,
//! and nothing is heard. The game drives the clock with [`NullSink::advance`] (deterministic,
//! for tests and fixed-step games) or hands it to the wall clock with
//! [`NullSink::use_wall_clock`]; either way the renderer catches up lazily, when the game
//! next looks ([`NullSink::catch_up`]), at O(active voices) per catch-up.
//!
//! ```
//! use mixer_core::{Channels, Config, PlayParams, Shared, StaticSound};
//! use platform_null::NullSink;
//!
//! static PCM: [i16; 48_000] = [1000; 48_000];
//! static SOUND: StaticSound = StaticSound::i16(&PCM, Channels::Mono, 48_000);
//! static SHARED: Shared<&StaticSound, 8> = Shared::new();
//! let (mut controller, renderer) =
//!     mixer_core::split::<_, _, _, 8, 1, 0, _>(&SHARED, [], Config::new(48_000, 2)).unwrap();
//! let mut null = NullSink::new(renderer, 48_000);
//!
//! // A 1 s sound from 0.5 s at double speed: 0.25 s of clock to go.
//! let params = PlayParams { from_position: 0.5, pitch: 2.0, ..PlayParams::default() };
//! let id = controller.play(&SOUND, &params).unwrap();
//! null.advance(0.2);
//! assert!(controller.is_active(id));
//! assert!((controller.position(id) - 0.9).abs() < 1e-9);
//! null.advance(0.05);
//! assert!(!controller.is_active(id));
//! ```

mod clock;

pub use clock::Clock;

/// What the sink drives: something that moves on by a number of frames without producing
/// them. [`mixer_core::Renderer`] is one.
pub trait Advance {
    /// Move `frames` frames on.
    fn advance(&mut self, frames: u64);
}

impl<H, S, M, const V: usize, const B: usize, const E: usize, const Q: usize> Advance
    for mixer_core::Renderer<H, S, M, V, B, E, Q>
where
    H: mixer_core::SoundData,
    S: core::ops::Deref<Target = mixer_core::Shared<H, V, Q>>,
    M: AsMut<[f32]>,
{
    fn advance(&mut self, frames: u64) {
        mixer_core::Renderer::advance(self, frames);
    }
}

impl<R: Advance + ?Sized> Advance for Box<R> {
    fn advance(&mut self, frames: u64) {
        (**self).advance(frames);
    }
}

/// A renderer advanced on a clock, with no device and no mixing.
#[derive(Debug)]
pub struct NullSink<R> {
    renderer: R,
    clock: Clock,
    sample_rate: u32,
    /// Frames the renderer has been advanced by.
    frames: u64,
}

impl<R: Advance> NullSink<R> {
    /// A sink driving `renderer` (which runs at `sample_rate`) on a manual clock at 0 s.
    pub fn new(renderer: R, sample_rate: u32) -> Self {
        Self {
            renderer,
            clock: Clock::new(),
            sample_rate: sample_rate.max(1),
            frames: 0,
        }
    }

    /// Move the manual clock forward by `seconds` and the renderer with it. Ignored (returns
    /// false) for NaN, negative or infinite values, and on the wall clock.
    pub fn advance(&mut self, seconds: f64) -> bool {
        let moved = self.clock.advance(seconds);
        if moved {
            self.catch_up();
        }
        moved
    }

    /// Move the manual clock forward by exactly `frames` frames of the renderer (for a game
    /// or a test that counts in frames). Ignored (returns false) on the wall clock.
    pub fn advance_frames(&mut self, frames: u64) -> bool {
        if self.clock.is_wall_clock() {
            return false;
        }
        self.catch_up();
        self.clock
            .advance(frames as f64 / f64::from(self.sample_rate));
        self.renderer.advance(frames);
        self.frames += frames;
        true
    }

    /// Follow the wall clock from now on (time never jumps backwards).
    pub fn use_wall_clock(&mut self) {
        self.clock.use_wall_clock();
    }

    /// The clock reading in seconds.
    pub fn now(&self) -> f64 {
        self.clock.now()
    }

    /// Frames the renderer has been advanced by: `now · sample_rate`, rounded, as of the last
    /// catch-up.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Advance the renderer to the clock's reading (a wall clock moves on its own; call this
    /// before looking at the channels). Frames are counted from the clock's total reading, so
    /// many small steps land where one large step would.
    pub fn catch_up(&mut self) {
        // Rounded, so a clock advanced frame by frame in seconds lands on those frames
        // despite the rounding of its sum; saturates for absurd readings.
        let target = (self.clock.now() * f64::from(self.sample_rate)).round();
        let target = if target.is_finite() && target > 0.0 {
            target as u64
        } else {
            0
        };
        if target > self.frames {
            self.renderer.advance(target - self.frames);
            self.frames = target;
        }
    }

    /// [`catch_up`](Self::catch_up), but only once the clock has moved at least `frames`
    /// frames past the renderer: a game making thousands of calls a frame on the wall clock
    /// then pays for one catch-up per `frames`, as a device pays for one block. Returns
    /// whether it caught up.
    pub fn catch_up_by(&mut self, frames: u64) -> bool {
        let target = (self.clock.now() * f64::from(self.sample_rate)).round();
        if target.is_finite() && target >= (self.frames + frames) as f64 {
            self.catch_up();
            true
        } else {
            false
        }
    }

    /// The renderer, for a driver that needs it (to apply commands at the current frame with
    /// an empty advance, say).
    pub fn renderer_mut(&mut self) -> &mut R {
        &mut self.renderer
    }

    /// The renderer, where the clock left it (for a driver that hands it to a device).
    pub fn into_renderer(self) -> R {
        self.renderer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default)]
    struct Count(u64, u32);

    impl Advance for Count {
        fn advance(&mut self, frames: u64) {
            self.0 += frames;
            self.1 += 1;
        }
    }

    /// Tests that small steps add up to the frames of their total, with no drift.
    #[test]
    fn steps_add_up_without_drift() {
        let mut sink = NullSink::new(Count::default(), 48_000);
        for _ in 0..1_000 {
            assert!(sink.advance(1.0 / 60.0));
        }
        assert_eq!(sink.renderer_mut().0, 800_000);
        assert!(sink.advance_frames(7));
        assert_eq!(sink.renderer_mut().0, 800_007);
        assert_eq!(sink.frames(), sink.renderer_mut().0);
        assert!(!sink.advance(-1.0));
        assert!(!sink.advance(f64::NAN));
    }

    /// Tests that the wall clock moves the renderer on catch-up only.
    #[test]
    fn wall_clock_catches_up_when_asked() {
        let mut sink = NullSink::new(Count::default(), 48_000);
        sink.advance(1.0);
        sink.use_wall_clock();
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(sink.renderer_mut().0, 48_000);
        sink.catch_up();
        assert!(sink.renderer_mut().0 >= 48_000 + 960);
        assert!(!sink.advance(1.0), "a wall clock is not driven by hand");
    }
}
