//! The memory the two halves share: the queues and the per-voice status.

use core::mem::MaybeUninit;
use core::ptr::addr_of_mut;
use core::sync::atomic::{AtomicBool, AtomicU32};

use crate::command::Stamped;
use crate::mailbox::{FrameClock, LISTENER_WORDS, Seqlock, VoiceMail};
use crate::meter::{METERS, MeterCell};
use crate::ring::Spsc;

/// The command queue of `s` (for [`Producer::claim`](crate::ring::Producer::claim)).
pub(crate) fn commands_of<H, const V: usize, const Q: usize>(
    s: &Shared<H, V, Q>,
) -> &Spsc<Stamped<H>, Q> {
    &s.commands
}

/// The retired-sounds queue of `s`.
pub(crate) fn retired_of<H, const V: usize, const Q: usize>(s: &Shared<H, V, Q>) -> &Spsc<H, V> {
    &s.retired
}
use crate::status::VoiceStatus;

/// Discrete commands in flight at most, between two `render` calls. More wait in the
/// controller's [`Backlog`](crate::Backlog); continuous parameters take no room here at all
/// (they coalesce in mailboxes).
pub const COMMAND_CAPACITY: usize = 256;

/// What the [`Controller`](crate::Controller) and [`Renderer`](crate::Renderer) of one mixer
/// share, for a pool of `V` voices playing sounds through handles `H`, with room for `Q`
/// discrete commands between two blocks (more wait in the controller's
/// [`Backlog`](crate::Backlog); size `Q` for the largest burst one block should start, e.g.
/// `V` to start every voice at once).
///
/// It holds only fixed-size, lock-free structures, so it can live in a `static` on a board
/// (`&'static Shared`) or in an `Arc` on desktop. [`split`](crate::split) may be called on one
/// `Shared` once.
pub struct Shared<H, const V: usize, const Q: usize = COMMAND_CAPACITY> {
    pub(crate) commands: Spsc<Stamped<H>, Q>,
    /// Sound handles of ended voices, on their way back to the game thread. At most one per
    /// slot is in flight between two `collect`s, so `V` slots never fill.
    pub(crate) retired: Spsc<H, V>,
    pub(crate) status: [VoiceStatus; V],
    /// The newest volume, pan, pitch and emitter of each voice slot.
    pub(crate) mail: [VoiceMail; V],
    /// The newest listener.
    pub(crate) listener: Seqlock<LISTENER_WORDS>,
    /// Some mailbox may hold a value the renderer has not taken.
    pub(crate) mail_waiting: AtomicBool,
    /// Frames the renderer has rendered or advanced.
    pub(crate) clock: FrameClock,
    /// Level meters: bus `b` at index `b`, the output at [`OUTPUT_METER`](crate::meter).
    pub(crate) meters: [MeterCell; METERS],
    /// Output frames a full tap could not take (they wrap at 2^32).
    pub(crate) tap_dropped: AtomicU32,
    /// Non-finite samples the renderer replaced by silence (see
    /// [`Controller::scrubbed`](crate::Controller::scrubbed)); saturates.
    pub(crate) scrubbed: AtomicU32,
    /// Voices mixed, and voices virtual, as of the renderer's last block.
    pub(crate) real_voices: AtomicU32,
    pub(crate) virtual_voices: AtomicU32,
    pub(crate) claimed: AtomicBool,
}

impl<H, const V: usize, const Q: usize> Shared<H, V, Q> {
    /// Empty queues and idle voices. (Not under the loom model checker, whose queues cannot
    /// be built in a `const fn`; [`init`](Self::init) is there either way.)
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        Self {
            commands: Spsc::new(),
            retired: Spsc::new(),
            status: [const { VoiceStatus::new() }; V],
            mail: [const { VoiceMail::new() }; V],
            listener: Seqlock::new(),
            mail_waiting: AtomicBool::new(false),
            clock: FrameClock::new(),
            meters: [const { MeterCell::new() }; METERS],
            tap_dropped: AtomicU32::new(0),
            scrubbed: AtomicU32::new(0),
            real_voices: AtomicU32::new(0),
            virtual_voices: AtomicU32::new(0),
            claimed: AtomicBool::new(false),
        }
    }

    /// Make `place` what [`new`](Self::new) returns, where it lies: for pools too big to
    /// build on a stack and move (a 4096-voice `Shared` is about 0.6 MB, mostly the voices'
    /// mailboxes, and
    /// `Arc::new(Shared::new())` copies it through the stack in an unoptimised build).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use mixer_core::Shared;
    ///
    /// let mut shared = Arc::<Shared<u32, 4096>>::new_uninit();
    /// Shared::init(Arc::get_mut(&mut shared).unwrap());
    /// // SAFETY: `init` initialised it.
    /// let shared = unsafe { shared.assume_init() };
    /// assert!(format!("{shared:?}").contains("voices: 4096, command_capacity: 256, commands_queued: 0"));
    /// ```
    pub fn init(place: &mut MaybeUninit<Self>) -> &mut Self {
        let p = place.as_mut_ptr();
        // SAFETY: `p` comes from a `&mut`, so it is valid for writes, aligned and ours alone.
        // Every field is written before `assume_init_mut`: the two queues (their slots need
        // no value), each status and mailbox, the listener's mailbox, the flag, the clock, the
        // meters, the voice counts and the claim flag; `addr_of_mut!` makes no reference to
        // uninitialised memory.
        unsafe {
            Spsc::init_at(addr_of_mut!((*p).commands));
            Spsc::init_at(addr_of_mut!((*p).retired));
            let status = addr_of_mut!((*p).status).cast::<VoiceStatus>();
            let mail = addr_of_mut!((*p).mail).cast::<VoiceMail>();
            for i in 0..V {
                status.add(i).write(VoiceStatus::new());
                mail.add(i).write(VoiceMail::new());
            }
            addr_of_mut!((*p).listener).write(Seqlock::new());
            addr_of_mut!((*p).mail_waiting).write(AtomicBool::new(false));
            addr_of_mut!((*p).clock).write(FrameClock::new());
            let meters = addr_of_mut!((*p).meters).cast::<MeterCell>();
            for i in 0..METERS {
                meters.add(i).write(MeterCell::new());
            }
            addr_of_mut!((*p).tap_dropped).write(AtomicU32::new(0));
            addr_of_mut!((*p).scrubbed).write(AtomicU32::new(0));
            addr_of_mut!((*p).real_voices).write(AtomicU32::new(0));
            addr_of_mut!((*p).virtual_voices).write(AtomicU32::new(0));
            addr_of_mut!((*p).claimed).write(AtomicBool::new(false));
            place.assume_init_mut()
        }
    }
}

#[cfg(not(loom))]
impl<H, const V: usize, const Q: usize> Default for Shared<H, V, Q> {
    fn default() -> Self {
        Self::new()
    }
}

impl<H, const V: usize, const Q: usize> core::fmt::Debug for Shared<H, V, Q> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Shared")
            .field("voices", &V)
            .field("command_capacity", &Q)
            .field("commands_queued", &self.commands.len())
            .field("retired_queued", &self.retired.len())
            .finish()
    }
}
