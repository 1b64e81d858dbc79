//! When each virtual voice must next be looked at: an indexed min-heap of wake-ups, one entry
//! per voice slot at most.
//!
//! A virtual voice is not moved while it is not mixed; it is moved on (in closed form) when a
//! command or a ranking touches it, at the refresh sweep, and at its wake-up: at or before the
//! frame it could end. The heap knows where each slot's entry is, so a new wake-up replaces the
//! old one in place: it never holds more than one entry per slot, and never needs rebuilding.

/// One wake-up: voice slot `slot`, of `generation`, at frame `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) struct Wake {
    pub at: u64,
    pub slot: u32,
    pub generation: u32,
}

/// A min-heap of at most one wake-up per slot of `V`, earliest first. All zero bytes is a
/// valid, empty heap (so a large one can be made in place).
#[derive(Debug)]
pub(crate) struct Wakes<const V: usize> {
    len: usize,
    items: [Wake; V],
    /// Where slot `s`'s entry is in `items`, plus one (0: it has none).
    at: [u32; V],
}

impl<const V: usize> Wakes<V> {
    /// An empty heap (by value: build a large one in place, from zero bytes, instead).
    #[cfg(test)]
    pub const fn new() -> Self {
        Self {
            len: 0,
            items: [Wake {
                at: 0,
                slot: 0,
                generation: 0,
            }; V],
            at: [0; V],
        }
    }

    /// The earliest wake-up.
    pub fn peek(&self) -> Option<Wake> {
        (self.len > 0).then(|| self.items[0])
    }

    /// Set `w.slot`'s wake-up to `w` (replacing the one it had). A slot outside the heap is
    /// ignored.
    pub fn set(&mut self, w: Wake) {
        let s = w.slot as usize;
        if s >= V {
            return;
        }
        let i = match self.at[s] {
            0 => {
                // One entry per slot, so there is always room.
                self.len += 1;
                self.len - 1
            }
            k => k as usize - 1,
        };
        self.items[i] = w;
        self.at[s] = i as u32 + 1;
        let i = self.up(i);
        self.down(i);
    }

    /// Drop `slot`'s wake-up, if it has one.
    pub fn remove(&mut self, slot: usize) {
        let Some(&k) = self.at.get(slot) else { return };
        if k == 0 {
            return;
        }
        let i = k as usize - 1;
        self.at[slot] = 0;
        self.len -= 1;
        if i == self.len {
            return;
        }
        self.items[i] = self.items[self.len];
        self.at[self.items[i].slot as usize] = i as u32 + 1;
        let i = self.up(i);
        self.down(i);
    }

    /// Take the earliest wake-up.
    pub fn pop(&mut self) -> Option<Wake> {
        let top = self.peek()?;
        self.remove(top.slot as usize);
        Some(top)
    }

    fn swap(&mut self, a: usize, b: usize) {
        self.items.swap(a, b);
        self.at[self.items[a].slot as usize] = a as u32 + 1;
        self.at[self.items[b].slot as usize] = b as u32 + 1;
    }

    fn up(&mut self, mut i: usize) -> usize {
        while i > 0 {
            let parent = (i - 1) / 2;
            if self.items[parent] <= self.items[i] {
                break;
            }
            self.swap(i, parent);
            i = parent;
        }
        i
    }

    fn down(&mut self, mut i: usize) {
        loop {
            let l = 2 * i + 1;
            if l >= self.len {
                return;
            }
            let r = l + 1;
            let c = if r < self.len && self.items[r] < self.items[l] {
                r
            } else {
                l
            };
            if self.items[i] <= self.items[c] {
                return;
            }
            self.swap(i, c);
            i = c;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests that wake-ups come out earliest first, that setting a slot again replaces its
    /// entry (one per slot), and that removed slots never come out.
    #[test]
    fn pops_in_order_one_entry_per_slot() {
        let mut h: Wakes<64> = Wakes::new();
        let mut x = 12_345u64;
        let mut want = [u64::MAX; 64];
        for round in 0..3 {
            for k in 0..64u32 {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                let at = x >> 40;
                h.set(Wake {
                    at,
                    slot: k,
                    generation: round,
                });
                want[k as usize] = at;
            }
        }
        for k in (0..64).step_by(3) {
            h.remove(k);
            want[k] = u64::MAX;
        }
        h.remove(999);
        let mut got = [u64::MAX; 64];
        let mut last = 0;
        while let Some(w) = h.pop() {
            assert!(w.at >= last);
            assert_eq!(w.generation, 2);
            last = w.at;
            assert_eq!(got[w.slot as usize], u64::MAX, "one entry per slot");
            got[w.slot as usize] = w.at;
        }
        assert_eq!(got, want);
        assert_eq!(h.peek(), None);
    }
}
