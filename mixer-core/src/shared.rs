//! The memory the two halves share: the queues and the per-voice status.

use core::sync::atomic::AtomicBool;

use crate::command::Command;
use crate::ring::Spsc;
use crate::status::VoiceStatus;

/// Commands in flight at most, between two `render` calls.
pub const COMMAND_CAPACITY: usize = 256;

/// What the [`Controller`](crate::Controller) and [`Renderer`](crate::Renderer) of one mixer
/// share, for a pool of `V` voices playing sounds through handles `H`.
///
/// It holds only fixed-size, lock-free structures, so it can live in a `static` on a board
/// (`&'static Shared`) or in an `Arc` on desktop. [`split`](crate::split) may be called on one
/// `Shared` once.
pub struct Shared<H, const V: usize> {
    pub(crate) commands: Spsc<Command<H>, COMMAND_CAPACITY>,
    /// Sound handles of ended voices, on their way back to the game thread. At most one per
    /// slot is in flight between two `collect`s, so `V` slots never fill.
    pub(crate) retired: Spsc<H, V>,
    pub(crate) status: [VoiceStatus; V],
    pub(crate) claimed: AtomicBool,
}

impl<H, const V: usize> Shared<H, V> {
    /// Empty queues and idle voices.
    pub const fn new() -> Self {
        Self {
            commands: Spsc::new(),
            retired: Spsc::new(),
            status: [const { VoiceStatus::new() }; V],
            claimed: AtomicBool::new(false),
        }
    }
}

impl<H, const V: usize> Default for Shared<H, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<H, const V: usize> core::fmt::Debug for Shared<H, V> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Shared")
            .field("voices", &V)
            .field("commands_queued", &self.commands.len())
            .field("retired_queued", &self.retired.len())
            .finish()
    }
}
