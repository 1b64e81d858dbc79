//! What the renderer reports back, per voice slot, through atomics.
//!
//! The renderer is the only writer of a slot's status; the controller only reads. A voice's
//! playback position is published as `position` followed by `tag` (the generation the position
//! belongs to, stored with `Release`); the controller reads `tag` with `Acquire` first, so a
//! position is only ever attributed to the generation that produced it. `ended` holds the last
//! generation that finished in the slot and gave its sound back; a slot whose live generation
//! has ended may be reused.

use core::sync::atomic::{AtomicU32, Ordering};

/// The status of one voice slot.
#[derive(Debug)]
pub(crate) struct VoiceStatus {
    ended: AtomicU32,
    tag: AtomicU32,
    position: AtomicU32,
}

impl VoiceStatus {
    pub(crate) const fn new() -> Self {
        Self {
            ended: AtomicU32::new(0),
            tag: AtomicU32::new(0),
            position: AtomicU32::new(0),
        }
    }

    /// Renderer: the voice of `generation` is at `frame` of its sound.
    pub(crate) fn publish_position(&self, generation: u32, frame: u32) {
        self.position.store(frame, Ordering::Relaxed);
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
        if self.tag.load(Ordering::Acquire) == generation {
            Some(self.position.load(Ordering::Relaxed))
        } else {
            None
        }
    }
}
