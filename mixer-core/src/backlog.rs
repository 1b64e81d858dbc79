//! Where commands wait, on the game thread, while the queue to the renderer is full.
//!
//! The command queue between the halves has a fixed capacity. When a burst of discrete
//! commands (plays, stops, bus edits) outruns the audio thread, the
//! [`Controller`](crate::Controller) keeps the commands that do not fit in its [`Backlog`], in
//! order, and sends them as the renderer drains the queue (at the start of every controller
//! call, or [`Controller::flush`](crate::Controller::flush)). Nothing is dropped and order is
//! kept: a command in the backlog holds back every later one. Only a full backlog refuses, with
//! [`Error::QueueFull`](crate::Error::QueueFull).
//!
//! On a board, use a [`heapless::Deque`] of the size the worst burst needs, or [`NoBacklog`]
//! (the default) to be refused at once; on desktop, the facade uses a growable queue with a
//! configured bound.

/// A command waiting for room in the queue. Opaque: only the controller makes and reads them.
#[derive(Debug)]
pub struct Queued<H>(pub(crate) crate::command::Stamped<H>);

/// A first-in, first-out store of commands waiting on the game thread.
pub trait Backlog<T> {
    /// Append `item`, or give it back if the backlog is full.
    ///
    /// # Errors
    /// The item, when full.
    fn push_back(&mut self, item: T) -> Result<(), T>;
    /// Put `item` back at the front (it was just popped and did not fit), or give it back.
    ///
    /// # Errors
    /// The item, when full (never right after a `pop_front`).
    fn push_front(&mut self, item: T) -> Result<(), T>;
    /// Remove the oldest item.
    fn pop_front(&mut self) -> Option<T>;
    /// Items waiting.
    fn len(&self) -> usize;
    /// Whether nothing waits.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The most items it holds (`usize::MAX` for no fixed bound).
    fn capacity(&self) -> usize;
}

/// A backlog that holds nothing: a full command queue refuses at once.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoBacklog;

impl<T> Backlog<T> for NoBacklog {
    fn push_back(&mut self, item: T) -> Result<(), T> {
        Err(item)
    }
    fn push_front(&mut self, item: T) -> Result<(), T> {
        Err(item)
    }
    fn pop_front(&mut self) -> Option<T> {
        None
    }
    fn len(&self) -> usize {
        0
    }
    fn capacity(&self) -> usize {
        0
    }
}

impl<T, const N: usize> Backlog<T> for heapless::Deque<T, N> {
    fn push_back(&mut self, item: T) -> Result<(), T> {
        heapless::Deque::push_back(self, item)
    }
    fn push_front(&mut self, item: T) -> Result<(), T> {
        heapless::Deque::push_front(self, item)
    }
    fn pop_front(&mut self) -> Option<T> {
        heapless::Deque::pop_front(self)
    }
    fn len(&self) -> usize {
        heapless::Deque::len(self)
    }
    fn capacity(&self) -> usize {
        N
    }
}
