//! [`Clock`]: the null driver. The core itself, advanced on a clock with no mixing, so every
//! channel lives exactly as on a device and nothing is heard.

use platform_null::NullSink;

use crate::backend::{BackendInfo, BackendKind, CoreRenderer, Mixer};
use crate::config::AudioConfig;
use crate::error::AudioError;

use super::offline::settle;

/// The driver of the null backend: the renderer advanced by
/// [`platform_null::NullSink`] on a clock the game drives ([`NullClock::advance`]) or the wall
/// clock ([`NullClock::use_wall_clock`]). Positions, ends, pauses and pitch changes are the
/// core's own, by construction.
#[derive(Debug)]
pub struct Clock {
    sink: NullSink<Box<CoreRenderer>>,
    info: BackendInfo,
}

impl Clock {
    /// A mixer and its null driver for `config`, on a manual clock at 0 s.
    pub(crate) fn open(config: &AudioConfig) -> Result<(Mixer, Self), AudioError> {
        let (mixer, renderer) = Mixer::for_config(config)?;
        let info = BackendInfo::without_device(BackendKind::Null, config);
        let sink = NullSink::new(renderer, config.sample_rate);
        Ok((mixer, Self { sink, info }))
    }

    /// The renderer, caught up with the clock (for a device that takes over from it).
    pub(crate) fn into_renderer(mut self, mixer: &mut Mixer) -> Box<CoreRenderer> {
        self.sync(mixer);
        self.sink.into_renderer()
    }

    /// Apply what the calls queued (at the renderer's current frame), then catch the renderer
    /// up with the clock.
    fn sync(&mut self, mixer: &mut Mixer) {
        settle(mixer, self.sink.renderer_mut());
        self.sink.catch_up();
    }
}

/// Before a control on the wall clock, the renderer catches up only once it is this many
/// milliseconds behind (a device's block): a game moving thousands of voices a frame pays for
/// a few catch-ups per frame, not one per call, and its commands apply at most this late.
/// Queries always catch up first.
const CONTROL_CATCH_UP_MS: u32 = 10;

impl super::Driver for Clock {}

impl super::sealed::Ops for Clock {
    fn before(&mut self, mixer: &mut Mixer) {
        settle(mixer, self.sink.renderer_mut());
        let block = u64::from(self.info.sample_rate * CONTROL_CATCH_UP_MS / 1000).max(1);
        self.sink.catch_up_by(block);
    }
    fn before_query(&mut self, mixer: &mut Mixer) {
        self.sync(mixer);
    }
    fn info(&self) -> &BackendInfo {
        &self.info
    }
    fn has_streams(&self) -> bool {
        false
    }
    fn release(&mut self) {}
}

impl Clock {
    /// Why there is no device (for `info`).
    pub(crate) fn set_reason(&mut self, reason: String) {
        self.info.reason = reason;
    }
}

/// The null backend's clock controls, borrowed from a backend
/// ([`Backend::as_null`](crate::Backend::as_null), [`NullBackend::clock`](crate::NullBackend)).
#[derive(Debug)]
pub struct NullClock<'a> {
    pub(crate) mixer: &'a mut Mixer,
    pub(crate) clock: &'a mut Clock,
}

impl NullClock<'_> {
    /// Move the manual clock forward by `seconds`: commands queued so far apply at the current
    /// frame, then every channel moves on exactly as a device would have played it. Ignored
    /// (returns false) for NaN, negative or infinite values, and on the wall clock.
    pub fn advance(&mut self, seconds: f64) -> bool {
        settle(self.mixer, self.clock.sink.renderer_mut());
        self.clock.sink.advance(seconds)
    }

    /// Move the manual clock forward by exactly `frames` frames of the mixer's rate. Ignored
    /// (returns false) on the wall clock.
    pub fn advance_frames(&mut self, frames: u64) -> bool {
        settle(self.mixer, self.clock.sink.renderer_mut());
        self.clock.sink.advance_frames(frames)
    }

    /// Follow the wall clock from now on (time never jumps backwards); the channels catch up
    /// at every call.
    pub fn use_wall_clock(&mut self) {
        self.clock.sync(self.mixer);
        self.clock.sink.use_wall_clock();
    }

    /// The clock reading in seconds.
    pub fn now(&self) -> f64 {
        self.clock.sink.now()
    }
}
