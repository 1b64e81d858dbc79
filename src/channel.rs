//! [`ChannelId`]: what `play_audio` and `open_stream` return.

use std::fmt;
use std::num::NonZeroU64;

/// An opaque, non-zero channel id. Ids of ended channels stay inert: controls on them do
/// nothing and queries report "not active".
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

impl fmt::Display for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
