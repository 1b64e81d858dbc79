//! [`ChannelId`]: what `play_audio` and `open_stream` return.

use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU32, Ordering};

use mixer_core::VoiceId;

/// An opaque, non-zero channel id. Ids of ended channels stay inert: controls on them do
/// nothing and queries report "not active". An id carries the backend that issued it (a
/// 16-bit tag, in its top bits), so one backend's id given to another is inert too: it never
/// reaches a voice of the other's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChannelId(pub(crate) NonZeroU64);

impl ChannelId {
    /// The id as a number (for logs and the original's integer ids).
    pub fn get(self) -> u64 {
        self.0.get()
    }

    /// The id with number `n` (as [`get`](Self::get) gave it); `None` for 0. An id no backend
    /// issued is simply inert.
    pub fn from_raw(n: u64) -> Option<Self> {
        NonZeroU64::new(n).map(Self)
    }
}

/// The tag of the next backend made (1 to 65 535, then round again).
static NEXT_TAG: AtomicU32 = AtomicU32::new(0);

/// A tag for a new backend's ids: distinct from the last 65 534 backends' made.
pub(crate) fn next_tag() -> u16 {
    (NEXT_TAG.fetch_add(1, Ordering::Relaxed) % u32::from(u16::MAX)) as u16 + 1
}

impl ChannelId {
    /// The id backend `tag` gives voice `v`: the tag, the generation, the slot (16 bits; the
    /// facade's pools are far smaller).
    pub(crate) fn issue(tag: u16, v: VoiceId) -> Self {
        let bits =
            u64::from(tag) << 48 | u64::from(v.generation()) << 16 | u64::from(v.slot() & 0xFFFF);
        Self(NonZeroU64::new(bits).unwrap_or(NonZeroU64::MIN))
    }

    /// The voice this id names in backend `tag`: `None` for another backend's id.
    pub(crate) fn voice(self, tag: u16) -> Option<VoiceId> {
        let bits = self.0.get();
        if (bits >> 48) as u16 != tag {
            return None;
        }
        let generation = ((bits >> 16) & 0xFFFF_FFFF) as u32;
        (generation != 0).then(|| VoiceId::new((bits & 0xFFFF) as u32, generation))
    }
}

impl fmt::Display for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
