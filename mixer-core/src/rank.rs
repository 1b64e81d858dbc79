//! Which voices are mixed when not all of them may be: real and virtual voices.
//!
//! With a limit on mixed voices ([`Config::real_voices`](crate::Config::real_voices)) or an
//! audibility threshold ([`Config::virtual_below`](crate::Config::virtual_below)), the
//! renderer ranks its playing voices by a [`key`]: priority first, then audible gain (its
//! gain, fade, spatial attenuation and cone, times the gains of the buses it goes through).
//! The highest keys are mixed (real); the others are virtual: not mixed, their cursor moved
//! on in closed form whenever they are next looked at, so one that comes back plays from the
//! frame it would have reached.
//!
//! Ranking runs on a grid of [`RANK_FRAMES`] frames of the renderer's own timeline, at the
//! first grid point after something that changes it (a play, a control, a bus gain, a voice
//! ending, a spatial update, a running fade), so it gives the same result at every block size.
//! A voice leaving the mix fades out over the smoothing ramp first; one joining it fades in.

/// Frames between two rankings, at most (about 21 ms at 48 kHz: a virtual voice that becomes
/// one of the loudest is heard again within that and one smoothing ramp).
pub(crate) const RANK_FRAMES: u64 = 1024;

const SLOT_BITS: u32 = 22;
const SLOT_MASK: u64 = (1 << SLOT_BITS) - 1;

/// The most voice slots the ranking tells apart (keys hold the slot in 22 bits).
pub(crate) const MAX_SLOTS: usize = 1 << SLOT_BITS;

/// A voice's rank: higher is mixed first. Priority, then audible gain, then (between equals)
/// the one already `real`, then the lower slot. There is no hysteresis beyond ties: the
/// loudest are the ones mixed, and the ranking's grid and the smoothing fades already keep
/// a voice from swapping faster than every [`RANK_FRAMES`].
pub(crate) fn key(priority: u8, audible: f32, real: bool, slot: usize) -> u64 {
    // Non-negative floats order as their bits do; the sign bit is always clear here.
    let bits = if audible > 0.0 {
        u64::from(audible.to_bits() & 0x7FFF_FFFF)
    } else {
        0
    };
    (u64::from(priority) << 55)
        | (bits << 24)
        | (u64::from(real) << SLOT_BITS)
        | (SLOT_MASK - (slot as u64 & SLOT_MASK))
}

/// The slot a [`key`] was made for.
pub(crate) fn slot_of(key: u64) -> usize {
    (SLOT_MASK - (key & SLOT_MASK)) as usize
}

/// A key's priority and level, without its slot (what a new voice is compared by).
pub(crate) fn level(key: u64) -> u64 {
    key >> 24
}

/// Reorder `keys` so the `room` highest come first (in no particular order).
pub(crate) fn select(keys: &mut [u64], room: usize) {
    if room > 0 && room < keys.len() {
        keys.select_nth_unstable_by(room - 1, |a, b| b.cmp(a));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests that keys order by priority, then loudness, then the lower slot, and that a
    /// mixed voice keeps its place against one barely louder.
    #[test]
    fn keys_order_priority_then_level() {
        assert!(key(200, 0.001, false, 5) > key(100, 1.0, true, 0));
        assert!(key(100, 0.5, false, 9) > key(100, 0.25, false, 1));
        assert!(key(100, 0.5, false, 1) > key(100, 0.5, false, 2));
        assert!(key(100, 0.5, true, 3) > key(100, 0.5, false, 2));
        assert!(key(100, 0.51, false, 3) > key(100, 0.5, true, 2));
        assert_eq!(key(0, 0.0, false, 0) >> 24, 0);
        assert_eq!(slot_of(key(7, 0.3, true, 12_345)), 12_345);
        let mut k: [u64; 6] = core::array::from_fn(|i| key(1, i as f32, false, i));
        select(&mut k, 2);
        let mut top = [slot_of(k[0]), slot_of(k[1])];
        top.sort_unstable();
        assert_eq!(top, [4, 5]);
    }
}
