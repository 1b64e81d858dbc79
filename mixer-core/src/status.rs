//! What the renderer reports back, per voice slot, through atomics.
//!
//! The renderer is the only writer of a slot's status; the controller only reads. A voice's
//! playback position is published as `position` followed by `tag` (the generation the position
//! belongs to, stored with `Release`); the controller reads `tag` with `Acquire` first, so a
//! position is only ever attributed to the generation that produced it. `ended` holds the last
//! generation that finished in the slot and gave its sound back; a slot whose live generation
//! has ended may be reused.

use core::sync::atomic::{AtomicU32, Ordering};

/// Published state: playing and mixed.
pub(crate) const PLAYING: u32 = 0;
/// Published state: playing, not mixed (virtual).
pub(crate) const VIRTUAL: u32 = 1;
/// Published state: pausing or paused.
pub(crate) const PAUSED: u32 = 2;
/// Published state: fading out to its end.
pub(crate) const STOPPING: u32 = 3;

/// The status of one voice slot.
#[derive(Debug)]
pub(crate) struct VoiceStatus {
    ended: AtomicU32,
    tag: AtomicU32,
    position: AtomicU32,
    state: AtomicU32,
}

impl VoiceStatus {
    pub(crate) const fn new() -> Self {
        Self {
            ended: AtomicU32::new(0),
            tag: AtomicU32::new(0),
            position: AtomicU32::new(0),
            state: AtomicU32::new(PLAYING),
        }
    }

    /// Renderer: the voice of `generation` is at `frame` of its sound, in `state` (one of
    /// the codes above).
    pub(crate) fn publish_position(&self, generation: u32, frame: u32, state: u32) {
        self.position.store(frame, Ordering::Relaxed);
        self.state.store(state, Ordering::Relaxed);
        self.tag.store(generation, Ordering::Release);
    }

    /// Renderer: the voice of `generation` ended and its sound was handed back.
    pub(crate) fn publish_ended(&self, generation: u32) {
        self.ended.store(generation, Ordering::Release);
    }

    /// Controller: whether the voice of `generation` has ended.
    pub(crate) fn has_ended(&self, generation: u32) -> bool {
        self.ended.load(Ordering::Acquire) == generation
    }

    /// Controller: the published position of `generation`, if the renderer has published one.
    pub(crate) fn position(&self, generation: u32) -> Option<u32> {
        self.read(generation).map(|(frame, _)| frame)
    }

    /// Controller: the published position and state code of `generation`, if published.
    /// (A publish racing with this read may pair a position with the next state: both are
    /// of the same generation, one block apart at most.)
    pub(crate) fn read(&self, generation: u32) -> Option<(u32, u32)> {
        if self.tag.load(Ordering::Acquire) == generation {
            Some((
                self.position.load(Ordering::Relaxed),
                self.state.load(Ordering::Relaxed),
            ))
        } else {
            None
        }
    }
}
