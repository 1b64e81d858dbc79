//! A bounded, wait-free single-producer single-consumer queue over inline storage.
//!
//! [`Spsc`] is the transport between the game thread and the audio thread: commands one way,
//! retired sounds the other. It needs no allocation (the slots live inline, so a `static` works
//! on a microcontroller) and its `push`/`pop` take `&self`, so both halves can reach it through a
//! shared handle (`Arc` on desktop, `&'static` on a board).
//!
//! [`Spsc::push`] and [`Spsc::pop`] are `unsafe`: the caller promises that at most one thread
//! pushes and at most one thread pops at any time. The safe way to keep that promise is the
//! queue's two ends, [`Producer`] and [`Consumer`]: each is handed out once per queue, ever
//! ([`Producer::claim`]), holds the shared handle, and pushes or pops through `&mut self`.
//! The [`Controller`](crate::Controller) and the [`Renderer`](crate::Renderer) hold only
//! ends, so all of the crate's lock-free `unsafe` lives in this file.
//!
//! ```
//! use mixer_core::ring::Spsc;
//! let q: Spsc<u32, 4> = Spsc::new();
//! // SAFETY: this thread is the only producer and the only consumer.
//! unsafe {
//!     assert!(q.push(1).is_ok());
//!     assert_eq!(q.pop(), Some(1));
//!     assert_eq!(q.pop(), None);
//! }
//! ```

use core::fmt;
use core::mem::MaybeUninit;
use core::ops::Deref;
use core::ptr::addr_of_mut;

// Under `--cfg loom` the queue is built from loom's atomics and cells, so the model checker
// sees every index and slot access (see `tests::loom_model` and `scripts/test`).
#[cfg(loom)]
use loom::cell::UnsafeCell as Cell;
#[cfg(loom)]
use loom::sync::atomic::{AtomicUsize, Ordering};

#[cfg(not(loom))]
use core::sync::atomic::{AtomicUsize, Ordering};

/// `core`'s `UnsafeCell` with loom's `with_mut` access, so the queue reads the same either way.
#[cfg(not(loom))]
struct Cell<T>(core::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> Cell<T> {
    const fn new(value: T) -> Self {
        Self(core::cell::UnsafeCell::new(value))
    }

    fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

/// A bounded SPSC queue holding up to `N` items.
pub struct Spsc<T, const N: usize> {
    /// Index of the next slot to read, in range `0 .. 2 * N`. Written only by the consumer.
    head: AtomicUsize,
    /// Index of the next slot to write, in range `0 .. 2 * N`. Written only by the producer.
    tail: AtomicUsize,
    /// A [`Producer`] was handed out (at most one ever is).
    producer_claimed: core::sync::atomic::AtomicBool,
    /// A [`Consumer`] was handed out (at most one ever is).
    consumer_claimed: core::sync::atomic::AtomicBool,
    slots: [Cell<MaybeUninit<T>>; N],
}

// SAFETY: items move from the producer's thread to the consumer's, so `T: Send` suffices; each
// slot is accessed by one side at a time, handed over through the Release/Acquire pair on
// `head`/`tail`.
unsafe impl<T: Send, const N: usize> Sync for Spsc<T, N> {}

impl<T, const N: usize> Spsc<T, N> {
    /// An empty queue. `N` must be at least 1.
    #[allow(clippy::new_without_default)]
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        const { assert!(N > 0 && N < usize::MAX / 4, "capacity out of range") };
        Self {
            head: AtomicUsize::new(0),
            tail: AtomicUsize::new(0),
            producer_claimed: core::sync::atomic::AtomicBool::new(false),
            consumer_claimed: core::sync::atomic::AtomicBool::new(false),
            slots: [const { Cell::new(MaybeUninit::uninit()) }; N],
        }
    }

    /// An empty queue (loom's cells cannot be made in a `const fn`).
    #[allow(clippy::new_without_default)]
    #[cfg(loom)]
    pub fn new() -> Self {
        const { assert!(N > 0 && N < usize::MAX / 4, "capacity out of range") };
        Self {
            head: AtomicUsize::new(0),
            tail: AtomicUsize::new(0),
            producer_claimed: core::sync::atomic::AtomicBool::new(false),
            consumer_claimed: core::sync::atomic::AtomicBool::new(false),
            slots: core::array::from_fn(|_| Cell::new(MaybeUninit::uninit())),
        }
    }

    /// Make the memory at `p` an empty queue, where it lies: only the indices and the claim
    /// flags are written; the slots are `MaybeUninit` and need no value.
    ///
    /// # Safety
    /// `p` must be valid for writes and aligned, and nothing else may use it meanwhile.
    pub(crate) unsafe fn init_at(p: *mut Self) {
        // SAFETY: the caller's contract; `addr_of_mut!` makes no reference to the
        // uninitialised queue.
        unsafe {
            addr_of_mut!((*p).head).write(AtomicUsize::new(0));
            addr_of_mut!((*p).tail).write(AtomicUsize::new(0));
            addr_of_mut!((*p).producer_claimed).write(core::sync::atomic::AtomicBool::new(false));
            addr_of_mut!((*p).consumer_claimed).write(core::sync::atomic::AtomicBool::new(false));
        }
    }

    /// The number of items the queue holds when full.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// The number of items queued now (a snapshot).
    pub fn len(&self) -> usize {
        let head = self.head.load(Ordering::Acquire);
        let tail = self.tail.load(Ordering::Acquire);
        distance(head, tail, N)
    }

    /// Whether nothing is queued now (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends `item`, or gives it back if the queue is full.
    ///
    /// # Safety
    ///
    /// The caller must make sure that no other thread calls `push` at the same time.
    pub unsafe fn push(&self, item: T) -> Result<(), T> {
        let tail = self.tail.load(Ordering::Relaxed);
        let head = self.head.load(Ordering::Acquire);
        if distance(head, tail, N) == N {
            return Err(item);
        }
        let slot = &self.slots[tail % N];
        // SAFETY: the slot at `tail` is empty (the consumer released it through `head`), and this
        // thread is the only producer, so nothing else touches it until `tail` moves past it.
        slot.with_mut(|p| unsafe { (*p).write(item) });
        self.tail.store(increment(tail, N), Ordering::Release);
        Ok(())
    }

    /// Removes the oldest item, or `None` if the queue is empty.
    ///
    /// # Safety
    ///
    /// The caller must make sure that no other thread calls `pop` at the same time.
    pub unsafe fn pop(&self) -> Option<T> {
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Acquire);
        if head == tail {
            return None;
        }
        let slot = &self.slots[head % N];
        // SAFETY: the slot at `head` was initialised by the producer before it released `tail`
        // past it, and this thread is the only consumer, so it reads the item exactly once.
        let item = slot.with_mut(|p| unsafe { (*p).assume_init_read() });
        self.head.store(increment(head, N), Ordering::Release);
        Some(item)
    }
}

impl<T, const N: usize> Spsc<T, N> {
    /// Calls `f` on the oldest item without removing it; `None` if the queue is empty.
    ///
    /// # Safety
    ///
    /// As for [`pop`](Self::pop): the caller must make sure that no other thread calls `pop` or
    /// `peek_with` at the same time (only the consumer peeks).
    pub unsafe fn peek_with<R>(&self, f: impl FnOnce(&T) -> R) -> Option<R> {
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Acquire);
        if head == tail {
            return None;
        }
        let slot = &self.slots[head % N];
        // SAFETY: as in `pop`, the slot at `head` holds an item the producer released through
        // `tail`; only this thread (the consumer) touches it until `head` moves, and the item
        // is only borrowed for the duration of `f`.
        Some(slot.with_mut(|p| f(unsafe { (*p).assume_init_ref() })))
    }
}

/// Picks one queue out of the memory a shared handle points to (a field of it).
pub type Select<S, T, const N: usize> = for<'a> fn(&'a <S as Deref>::Target) -> &'a Spsc<T, N>;

/// The one producing end of an [`Spsc`] that lives in shared memory (`S` is the handle:
/// `&'static` on a board, `Arc` on desktop). Its `push` is safe: [`claim`](Self::claim) hands
/// out at most one per queue, ever, and `&mut self` keeps its calls from overlapping.
///
/// ```
/// use mixer_core::ring::{Consumer, Producer, Spsc};
/// static Q: Spsc<u32, 4> = Spsc::new();
/// let mut tx = Producer::claim(&Q, |q| q).unwrap();
/// let mut rx = Consumer::claim(&Q, |q| q).unwrap();
/// assert!(Producer::claim(&Q, |q| q).is_none(), "one producer per queue");
/// tx.push(7).unwrap();
/// assert_eq!(rx.pop(), Some(7));
/// ```
pub struct Producer<S: Deref, T, const N: usize> {
    shared: S,
    select: Select<S, T, N>,
    /// The address of the queue claimed: a `select` that picks another one is refused.
    at: usize,
}

/// The one consuming end of an [`Spsc`] in shared memory; see [`Producer`].
pub struct Consumer<S: Deref, T, const N: usize> {
    shared: S,
    select: Select<S, T, N>,
    at: usize,
}

/// `select`'s queue in `shared`, if it is the one at `at`.
fn chosen<S: Deref, T, const N: usize>(
    shared: &S,
    select: Select<S, T, N>,
    at: usize,
) -> Option<&Spsc<T, N>> {
    let q = select(shared);
    (q as *const Spsc<T, N> as usize == at).then_some(q)
}

impl<S: Deref, T, const N: usize> Producer<S, T, N> {
    /// The producing end of the queue `select` picks in `shared`, or `None` if it was
    /// claimed before.
    pub fn claim(shared: S, select: Select<S, T, N>) -> Option<Self> {
        let q = select(&shared);
        if q.producer_claimed.swap(true, Ordering::AcqRel) {
            return None;
        }
        let at = q as *const Spsc<T, N> as usize;
        Some(Self { shared, select, at })
    }

    /// Append `item`, or give it back if the queue is full.
    pub fn push(&mut self, item: T) -> Result<(), T> {
        match chosen(&self.shared, self.select, self.at) {
            // SAFETY: this is the only producer `claim` ever handed out for this queue, and
            // `&mut self` keeps its pushes from overlapping.
            Some(q) => unsafe { q.push(item) },
            None => Err(item),
        }
    }

    /// Items queued now (a snapshot).
    pub fn len(&self) -> usize {
        chosen(&self.shared, self.select, self.at).map_or(0, Spsc::len)
    }

    /// Whether nothing is queued now (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The shared handle.
    pub fn shared(&self) -> &S {
        &self.shared
    }
}

impl<S: Deref, T, const N: usize> Consumer<S, T, N> {
    /// The consuming end of the queue `select` picks in `shared`, or `None` if it was
    /// claimed before.
    pub fn claim(shared: S, select: Select<S, T, N>) -> Option<Self> {
        let q = select(&shared);
        if q.consumer_claimed.swap(true, Ordering::AcqRel) {
            return None;
        }
        let at = q as *const Spsc<T, N> as usize;
        Some(Self { shared, select, at })
    }

    /// Remove the oldest item, or `None` if the queue is empty.
    pub fn pop(&mut self) -> Option<T> {
        let q = chosen(&self.shared, self.select, self.at)?;
        // SAFETY: this is the only consumer `claim` ever handed out for this queue, and
        // `&mut self` keeps its pops from overlapping.
        unsafe { q.pop() }
    }

    /// Call `f` on the oldest item without removing it; `None` if the queue is empty.
    pub fn peek_with<R>(&mut self, f: impl FnOnce(&T) -> R) -> Option<R> {
        let q = chosen(&self.shared, self.select, self.at)?;
        // SAFETY: the only consumer, as in `pop`; `&mut self` keeps it from overlapping a
        // `pop` or another peek.
        unsafe { q.peek_with(f) }
    }

    /// Items queued now (a snapshot).
    pub fn len(&self) -> usize {
        chosen(&self.shared, self.select, self.at).map_or(0, Spsc::len)
    }

    /// Whether nothing is queued now (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The shared handle.
    pub fn shared(&self) -> &S {
        &self.shared
    }
}

impl<S: Deref, T, const N: usize> fmt::Debug for Producer<S, T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Producer")
            .field("len", &self.len())
            .finish()
    }
}

impl<S: Deref, T, const N: usize> fmt::Debug for Consumer<S, T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consumer")
            .field("len", &self.len())
            .finish()
    }
}

impl<T, const N: usize> Drop for Spsc<T, N> {
    fn drop(&mut self) {
        // `&mut self`: no other thread can be using the queue.
        // SAFETY: exclusive access makes this thread both the only producer and consumer.
        while unsafe { self.pop() }.is_some() {}
    }
}

impl<T, const N: usize> fmt::Debug for Spsc<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spsc")
            .field("len", &self.len())
            .field("capacity", &N)
            .finish()
    }
}

/// Items between `head` and `tail`, both in `0 .. 2 * n`.
#[inline]
fn distance(head: usize, tail: usize, n: usize) -> usize {
    if tail >= head {
        tail - head
    } else {
        tail + 2 * n - head
    }
}

/// The index after `i`, wrapping at `2 * n`.
#[inline]
fn increment(i: usize, n: usize) -> usize {
    if i + 1 == 2 * n { 0 } else { i + 1 }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::boxed::Box;
    use std::sync::Arc;
    use std::thread;

    /// Tests FIFO order, the full outcome handing the item back, and wrap-around.
    #[test]
    fn fifo_full_and_wrap() {
        let q: Spsc<u32, 3> = Spsc::new();
        // SAFETY: single-threaded test: one producer, one consumer.
        unsafe {
            for round in 0..10u32 {
                assert!(q.push(round).is_ok());
                assert!(q.push(round + 100).is_ok());
                assert!(q.push(round + 200).is_ok());
                assert_eq!(q.push(999), Err(999));
                assert_eq!(q.len(), 3);
                assert_eq!(q.pop(), Some(round));
                assert_eq!(q.pop(), Some(round + 100));
                assert_eq!(q.pop(), Some(round + 200));
                assert_eq!(q.pop(), None);
            }
        }
    }

    /// Tests that peeking shows the oldest item and leaves it queued.
    #[test]
    fn peek_leaves_the_item() {
        let q: Spsc<u32, 2> = Spsc::new();
        // SAFETY: single-threaded test: one producer, one consumer.
        unsafe {
            assert_eq!(q.peek_with(|v| *v), None);
            q.push(7).unwrap();
            q.push(8).unwrap();
            assert_eq!(q.peek_with(|v| *v), Some(7));
            assert_eq!(q.len(), 2);
            assert_eq!(q.pop(), Some(7));
            assert_eq!(q.peek_with(|v| *v + 1), Some(9));
        }
    }

    /// Two queues in one shared block, as in `Shared`.
    struct Pair {
        a: Spsc<Box<u32>, 4>,
        b: Spsc<Box<u32>, 4>,
    }

    fn a_of(p: &Pair) -> &Spsc<Box<u32>, 4> {
        &p.a
    }

    fn b_of(p: &Pair) -> &Spsc<Box<u32>, 4> {
        &p.b
    }

    /// Tests that each end is handed out once per queue, and that the ends pass items safely
    /// between two threads through an `Arc` (Miri checks the handover).
    #[test]
    fn ends_are_unique_and_pass_items() {
        let pair = Arc::new(Pair {
            a: Spsc::new(),
            b: Spsc::new(),
        });
        let mut tx = Producer::claim(Arc::clone(&pair), a_of).unwrap();
        assert!(Producer::claim(Arc::clone(&pair), a_of).is_none());
        let mut rx = Consumer::claim(Arc::clone(&pair), a_of).unwrap();
        assert!(Consumer::claim(Arc::clone(&pair), a_of).is_none());
        // The other queue's ends are still free.
        assert!(Producer::claim(Arc::clone(&pair), b_of).is_some());
        let count: u32 = if cfg!(miri) { 50 } else { 10_000 };
        let producer = thread::spawn(move || {
            for i in 0..count {
                let mut item = Box::new(i);
                while let Err(back) = tx.push(item) {
                    item = back;
                    thread::yield_now();
                }
            }
        });
        let mut next = 0;
        while next < count {
            match rx.peek_with(|v| **v) {
                Some(v) => {
                    assert_eq!(v, next);
                    assert_eq!(rx.pop().map(|b| *b), Some(next));
                    next += 1;
                }
                None => thread::yield_now(),
            }
        }
        producer.join().unwrap();
        assert!(rx.is_empty());
    }

    /// Tests that an end whose selector stops picking the queue it claimed is refused rather
    /// than let loose on another queue.
    #[test]
    fn a_selector_that_changes_is_refused() {
        use core::sync::atomic::{AtomicBool, Ordering};
        static FLIP: AtomicBool = AtomicBool::new(false);
        fn flipping(p: &Pair) -> &Spsc<Box<u32>, 4> {
            if FLIP.load(Ordering::Relaxed) {
                &p.b
            } else {
                &p.a
            }
        }
        let pair = Arc::new(Pair {
            a: Spsc::new(),
            b: Spsc::new(),
        });
        let mut tx = Producer::claim(Arc::clone(&pair), flipping).unwrap();
        tx.push(Box::new(1)).unwrap();
        FLIP.store(true, Ordering::Relaxed);
        assert_eq!(tx.push(Box::new(2)).map_err(|b| *b), Err(2));
        assert_eq!(pair.b.len(), 0);
        assert_eq!(pair.a.len(), 1);
    }

    /// Tests that items left in the queue are dropped with it (no leak under Miri).
    #[test]
    fn drop_with_leftovers() {
        let q: Spsc<Box<u32>, 4> = Spsc::new();
        // SAFETY: single-threaded test.
        unsafe {
            q.push(Box::new(1)).unwrap();
            q.push(Box::new(2)).unwrap();
        }
        drop(q);
    }

    /// Model-checks the queue with loom (`RUSTFLAGS="--cfg loom"`, see `scripts/test`): in
    /// every interleaving of a producer pushing three boxed items through two slots and a
    /// consumer popping them, each arrives once, in order, with no data race on a slot.
    #[cfg(loom)]
    #[test]
    fn loom_model() {
        loom::model(|| {
            let q: loom::sync::Arc<Spsc<Box<u32>, 2>> = loom::sync::Arc::new(Spsc::new());
            let producer = {
                let q = loom::sync::Arc::clone(&q);
                loom::thread::spawn(move || {
                    for i in 0..3 {
                        let mut item = Box::new(i);
                        // SAFETY: this thread is the only producer.
                        while let Err(back) = unsafe { q.push(item) } {
                            item = back;
                            loom::thread::yield_now();
                        }
                    }
                })
            };
            let mut next = 0;
            while next < 3 {
                // SAFETY: this thread is the only consumer.
                match unsafe { q.pop() } {
                    Some(v) => {
                        assert_eq!(*v, next);
                        next += 1;
                    }
                    None => loom::thread::yield_now(),
                }
            }
            producer.join().unwrap();
        });
    }

    /// Tests that a producer thread and a consumer thread pass every item, in order.
    #[test]
    fn threaded_fifo() {
        let count: u32 = if cfg!(miri) { 200 } else { 100_000 };
        let q: Arc<Spsc<Box<u32>, 8>> = Arc::new(Spsc::new());
        let producer = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                for i in 0..count {
                    let mut item = Box::new(i);
                    loop {
                        // SAFETY: this thread is the only producer.
                        match unsafe { q.push(item) } {
                            Ok(()) => break,
                            Err(back) => {
                                item = back;
                                thread::yield_now();
                            }
                        }
                    }
                }
            })
        };
        let mut next = 0;
        while next < count {
            // SAFETY: this thread is the only consumer.
            match unsafe { q.pop() } {
                Some(v) => {
                    assert_eq!(*v, next);
                    next += 1;
                }
                None => thread::yield_now(),
            }
        }
        producer.join().unwrap();
    }
}
