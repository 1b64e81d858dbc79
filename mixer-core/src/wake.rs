//! When each virtual voice must next be looked at: a fixed-size min-heap of wake-ups.
//!
//! A virtual voice is not moved while it is not mixed; it is moved on (in closed form) when a
//! command or a ranking touches it, and at its wake-up: before it could end, and at least
//! every refresh interval so its published position stays fresh. Entries are never removed
//! early: one whose frame or generation no longer matches its voice is skipped when popped.

/// One wake-up: voice slot `slot`, of `generation`, at frame `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) struct Wake {
    pub at: u64,
    pub slot: u32,
    pub generation: u32,
}

/// A min-heap of at most `V` wake-ups, earliest first. All zero bytes is a valid, empty heap
/// (so a large one can be made in place).
#[derive(Debug)]
pub(crate) struct Wakes<const V: usize> {
    len: usize,
    items: [Wake; V],
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
        }
    }

    /// Forget every wake-up.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// The earliest wake-up.
    pub fn peek(&self) -> Option<Wake> {
        (self.len > 0).then(|| self.items[0])
    }

    /// Add `w`; `false` (nothing added) when the heap is full.
    pub fn push(&mut self, w: Wake) -> bool {
        if self.len == V {
            return false;
        }
        let mut i = self.len;
        self.len += 1;
        while i > 0 {
            let parent = (i - 1) / 2;
            if self.items[parent] <= w {
                break;
            }
            self.items[i] = self.items[parent];
            i = parent;
        }
        self.items[i] = w;
        true
    }

    /// Take the earliest wake-up.
    pub fn pop(&mut self) -> Option<Wake> {
        let top = self.peek()?;
        self.len -= 1;
        let last = self.items[self.len];
        let n = self.len;
        let mut i = 0;
        loop {
            let l = 2 * i + 1;
            if l >= n {
                break;
            }
            let c = if l + 1 < n && self.items[l + 1] < self.items[l] {
                l + 1
            } else {
                l
            };
            if last <= self.items[c] {
                break;
            }
            self.items[i] = self.items[c];
            i = c;
        }
        if n > 0 {
            self.items[i] = last;
        }
        Some(top)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests that wake-ups come out earliest first, whatever order they went in, and that a
    /// full heap refuses.
    #[test]
    fn pops_in_order_and_refuses_when_full() {
        let mut h: Wakes<64> = Wakes::new();
        let mut x = 12_345u64;
        for k in 0..64u32 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            assert!(h.push(Wake {
                at: x >> 40,
                slot: k,
                generation: 1
            }));
        }
        assert!(!h.push(Wake::default()));
        let mut last = 0;
        for _ in 0..64 {
            let w = h.pop().unwrap();
            assert!(w.at >= last);
            last = w.at;
        }
        assert_eq!(h.pop(), None);
        h.push(Wake {
            at: 5,
            slot: 1,
            generation: 2,
        });
        h.clear();
        assert_eq!(h.peek(), None);
    }
}
