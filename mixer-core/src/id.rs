//! Generational voice ids and bus ids.
//!
//! A [`VoiceId`] names a slot of the voice pool and the generation of the voice that was started
//! in it. When the voice ends and the slot is reused, the generation moves on, so an id kept by
//! the game after its sound ended is *stale*: controls on it do nothing and queries report
//! "not active", instead of touching whatever plays in the slot now.

use core::fmt;
use core::num::NonZeroU64;

/// The id of one voice: a pool slot plus the generation of the voice started in it.
///
/// Generations start at 1, so the packed form ([`VoiceId::to_bits`]) is never zero.
///
/// ```
/// use mixer_core::VoiceId;
/// let id = VoiceId::new(3, 7);
/// assert_eq!(VoiceId::from_bits(id.to_bits()), Some(id));
/// assert_eq!((id.slot(), id.generation()), (3, 7));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct VoiceId {
    slot: u32,
    generation: u32,
}

impl VoiceId {
    /// An id for `slot` at `generation`. A generation of 0 is raised to 1 (0 is never issued).
    pub const fn new(slot: u32, generation: u32) -> Self {
        let generation = if generation == 0 { 1 } else { generation };
        Self { slot, generation }
    }

    /// The pool slot.
    pub const fn slot(self) -> u32 {
        self.slot
    }

    /// The generation of the voice in that slot.
    pub const fn generation(self) -> u32 {
        self.generation
    }

    /// The id packed into a non-zero `u64` (generation in the high half, slot in the low half).
    pub const fn to_bits(self) -> NonZeroU64 {
        let bits = ((self.generation as u64) << 32) | self.slot as u64;
        match NonZeroU64::new(bits) {
            Some(bits) => bits,
            // Unreachable: the generation is never 0, so the high half is never 0.
            None => NonZeroU64::MIN,
        }
    }

    /// Unpacks [`VoiceId::to_bits`]; `None` if the generation half is 0 (never issued).
    pub const fn from_bits(bits: NonZeroU64) -> Option<Self> {
        let generation = (bits.get() >> 32) as u32;
        if generation == 0 {
            return None;
        }
        Some(Self {
            slot: bits.get() as u32,
            generation,
        })
    }
}

impl fmt::Debug for VoiceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VoiceId({}#{})", self.slot, self.generation)
    }
}

/// The index of a bus in the renderer's fixed bus table. Bus 0 is Master.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BusId(pub u8);

impl BusId {
    /// The Master bus, which every route ends in and which writes to the output.
    pub const MASTER: Self = Self(0);

    /// The table index.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

/// Whether `bus` is `root` or sends, through any number of buses, into it, following
/// `parent_of` for at most `steps` hops (a cycle the graph never holds ends the walk there).
pub(crate) fn routes_into(
    bus: BusId,
    root: BusId,
    steps: usize,
    parent_of: impl Fn(BusId) -> Option<BusId>,
) -> bool {
    let mut at = Some(bus);
    for _ in 0..=steps {
        match at {
            Some(b) if b == root => return true,
            Some(b) => at = parent_of(b),
            None => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests that ids of different generations in one slot differ and round-trip.
    #[test]
    fn generations_distinguish_ids() {
        let a = VoiceId::new(5, 1);
        let b = VoiceId::new(5, 2);
        assert_ne!(a, b);
        assert_ne!(a.to_bits(), b.to_bits());
        assert_eq!(VoiceId::from_bits(b.to_bits()), Some(b));
        assert_eq!(VoiceId::new(1, 0).generation(), 1);
        assert_eq!(VoiceId::from_bits(NonZeroU64::new(9).unwrap()), None);
    }
}
