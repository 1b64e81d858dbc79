//! The audio-thread half: applies commands and renders blocks (or advances without mixing).
//!
//! A block starts by applying the commands that are due and taking the newest continuous
//! parameters from the mailboxes; commands stamped later split the block's passes at their
//! frames. `render` works in passes of at most [`SEGMENT`] frames. Per-quantum parameter work (spatial
//! re-evaluation) happens at multiples of [`QUANTUM`] frames of the renderer's own frame
//! counter, and everything a pass does per frame (voices, ramps, effects, bus folds) gives the
//! same bits however the frames are split into passes, so the output is bit-identical across
//! the block sizes callers ask for.

use core::cell::Cell;
use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::ops::Deref;
use core::ptr::addr_of_mut;

use crate::bus::{self, Bus, Lane};
use crate::chain::Scratch;
use crate::command::{Command, GroupOp, Stamped};
use crate::config::Config;
use crate::effect::EffectContext;
use crate::id::BusId;
use crate::mailbox::{self, field, is_newer};
use crate::math;
use crate::meter::{Accum, OUTPUT_METER};
use crate::rank::{self, RANK_FRAMES};
use crate::ring::{Consumer, Producer};
use crate::shared::{COMMAND_CAPACITY, Shared};
use crate::source::SoundData;
use crate::spatial::ListenerFrame;
use crate::tile::{self, TILE, Unit};
use crate::voice::{Outcome, Presence, State, Voice};
use crate::wake::{Wake, Wakes};
use crate::{QUANTUM, SEGMENT};

/// The audio-thread half of a mixer. See the [crate documentation](crate) for an example.
///
/// `render` never allocates, frees, locks or blocks, and never panics on any input.
///
/// `M` is the effect memory (delay lines, reverb tanks): a `&'static mut [f32]` on a board, a
/// `Box<[f32]>` on desktop, `[f32; 0]` for a mixer without such effects. `E` is the number of
/// effect slots per bus.
#[derive(Debug)]
pub struct Renderer<
    H,
    S: Deref,
    M,
    const V: usize,
    const B: usize,
    const E: usize,
    const Q: usize = COMMAND_CAPACITY,
> {
    shared: S,
    commands: Consumer<S, Stamped<H>, Q>,
    retired: Producer<S, H, V>,
    memory: M,
    scratch: Scratch,
    /// The outgoing chain's share of a bus's input, during a chain edit.
    split: Scratch,
    effect_ctx: EffectContext,
    listener: ListenerFrame,
    /// Bumped whenever the listener changes (never 0, so a new voice is always evaluated).
    listener_epoch: u32,
    /// The listener mailbox's write count last taken.
    listener_seen: u32,
    voices: [Voice<H>; V],
    buses: [Bus<E>; B],
    order: heapless::Vec<u8, B>,
    out_left: Lane,
    out_right: Lane,
    config: Config,
    /// Voice slots in use (the logical limit and the spare slots).
    limit: usize,
    frame: u64,
    retiring: usize,
    /// A bit for each slot whose voice is in the mix loop (started and not virtual), slot
    /// `i` at bit `i % 8` of byte `i / 8` (only the first `V / 8` bytes are used): passes read
    /// it 64 slots at a time, so an idle or virtual slot costs next to nothing.
    mixing: [u8; V],
    /// Where the sweep that moves virtual voices on (so their published positions stay
    /// fresh) is in the pool.
    sweep: usize,
    /// Whether a listener or an emitter moved since spatial voices were last evaluated.
    spatial_pending: bool,
    /// Whether voices may be virtual (`config.virtualizes()`).
    virtualizes: bool,
    /// Whether something changed the ranking since it last ran.
    rank_dirty: bool,
    /// Voices that may be real at once, as of the last ranking (streams are always real).
    room: usize,
    /// Voices made real by the last ranking, and by plays since.
    admitted: usize,
    /// The weakest real voice's [`rank::level`] when the last ranking filled the room (0 when
    /// it did not): a new voice at or below it starts virtual.
    floor: u64,
    /// Virtual voices now.
    virtual_count: usize,
    /// Frames between two position updates of a virtual voice, about.
    refresh: u64,
    /// Frames rendered since the sweep last moved on (less than `refresh / limit`).
    sweep_frames: u64,
    /// The ranking's scratch, one key per slot.
    keys: [u64; V],
    /// When each virtual voice must next be moved on.
    wakes: Wakes<V>,
    /// The level meters' windows in progress: each bus's, and the output's.
    meters: [Accum; B],
    out_meter: Accum,
    /// The stream the output (or bus `tap_bus`) is copied into, and one handed back that waits
    /// for room in the retired queue.
    tap: Option<H>,
    tap_retiring: Option<H>,
    /// The bus the tap copies (`None`: the output), and its pass after its level.
    tap_bus: Option<usize>,
    tap_left: [f32; SEGMENT],
    tap_right: [f32; SEGMENT],
    /// Commands taken from the queue, held until their frame, earliest (then oldest) first:
    /// a command stamped for later never holds up one behind it in the queue (while fewer than
    /// [`HELD_COMMANDS`] wait for their frame; past that, the next ones wait in the queue).
    held: heapless::binary_heap::BinaryHeap<Held<H>, heapless::binary_heap::Min, HELD_COMMANDS>,
    /// Commands taken from the queue so far (their order among equal frames).
    arrivals: u64,
    _not_sync: PhantomData<Cell<()>>,
}

/// Commands stamped for later that the renderer holds aside at once (each is a command's
/// size, about 170 bytes).
pub const HELD_COMMANDS: usize = 256;

/// A command held until its frame: ordered by (frame, arrival), nothing else.
struct Held<H> {
    key: (u64, u64),
    cmd: Command<H>,
}

impl<H> core::fmt::Debug for Held<H> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Held")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl<H> PartialEq for Held<H> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl<H> Eq for Held<H> {}

impl<H> PartialOrd for Held<H> {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<H> Ord for Held<H> {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.key.cmp(&other.key)
    }
}

impl<H, S, M, const V: usize, const B: usize, const E: usize, const Q: usize>
    Renderer<H, S, M, V, B, E, Q>
where
    H: SoundData,
    S: Deref<Target = Shared<H, V, Q>>,
    M: AsMut<[f32]>,
{
    /// Build a renderer in `place`, element by element, so that no renderer-sized value ever
    /// sits on the stack (a 1024-voice renderer is about 180 KB: too big for a small stack to
    /// hold several copies of, as unoptimised code would).
    pub(crate) fn init_in(
        place: &mut MaybeUninit<Self>,
        shared: S,
        commands: Consumer<S, Stamped<H>, Q>,
        retired: Producer<S, H, V>,
        memory: M,
        config: Config,
        limit: usize,
    ) -> &mut Self {
        let p = place.as_mut_ptr();
        // SAFETY: `p` points to writable, suitably aligned memory for a `Self`. Every field is
        // written exactly once below with `write` (no reads, no drops of uninitialised data);
        // the array fields are written element by element through pointers derived from the
        // field's own address, within its `V` or `B` elements (or, for arrays of integers,
        // zeroed in one `write_bytes` over exactly the field). After the last write every
        // field is initialised, so `assume_init_mut` is sound.
        unsafe {
            addr_of_mut!((*p).shared).write(shared);
            addr_of_mut!((*p).commands).write(commands);
            addr_of_mut!((*p).retired).write(retired);
            addr_of_mut!((*p).memory).write(memory);
            addr_of_mut!((*p).scratch).write(Scratch::new());
            addr_of_mut!((*p).split).write(Scratch::new());
            addr_of_mut!((*p).listener).write(ListenerFrame::default());
            addr_of_mut!((*p).listener_epoch).write(1);
            addr_of_mut!((*p).listener_seen).write(0);
            addr_of_mut!((*p).effect_ctx).write(EffectContext {
                sample_rate: config.sample_rate,
                smoothing_frames: config.smoothing_frames,
            });
            let voices = addr_of_mut!((*p).voices).cast::<Voice<H>>();
            for i in 0..V {
                voices.add(i).write(Voice::idle());
            }
            let buses = addr_of_mut!((*p).buses).cast::<Bus<E>>();
            for i in 0..B {
                buses.add(i).write(Bus::new(i == 0));
            }
            addr_of_mut!((*p).order).write(heapless::Vec::new());
            addr_of_mut!((*p).out_left).write(Lane::ZERO);
            addr_of_mut!((*p).out_right).write(Lane::ZERO);
            addr_of_mut!((*p).config).write(config);
            addr_of_mut!((*p).limit).write(limit);
            addr_of_mut!((*p).frame).write(0);
            addr_of_mut!((*p).retiring).write(0);
            // Zero bytes are valid for these arrays of integers (an empty wake heap, no slot
            // in the mix, zero keys) and need no stack-sized temporary.
            addr_of_mut!((*p).mixing).write_bytes(0, 1);
            addr_of_mut!((*p).keys).write_bytes(0, 1);
            addr_of_mut!((*p).wakes).write_bytes(0, 1);
            addr_of_mut!((*p).meters).write([Accum::ZERO; B]);
            addr_of_mut!((*p).out_meter).write(Accum::ZERO);
            addr_of_mut!((*p).tap).write(None);
            addr_of_mut!((*p).tap_retiring).write(None);
            addr_of_mut!((*p).tap_bus).write(None);
            addr_of_mut!((*p).tap_left).write([0.0; SEGMENT]);
            addr_of_mut!((*p).tap_right).write([0.0; SEGMENT]);
            addr_of_mut!((*p).spatial_pending).write(false);
            addr_of_mut!((*p).virtualizes).write(config.virtualizes());
            addr_of_mut!((*p).rank_dirty).write(false);
            addr_of_mut!((*p).room).write(config.real_voices);
            addr_of_mut!((*p).admitted).write(0);
            addr_of_mut!((*p).floor).write(0);
            addr_of_mut!((*p).virtual_count).write(0);
            addr_of_mut!((*p).refresh).write(u64::from(config.sample_rate.max(1)));
            addr_of_mut!((*p).sweep).write(0);
            addr_of_mut!((*p).sweep_frames).write(0);
            addr_of_mut!((*p).held).write(heapless::binary_heap::BinaryHeap::new());
            addr_of_mut!((*p).arrivals).write(0);
            addr_of_mut!((*p)._not_sync).write(PhantomData);
        }
        // SAFETY: every field was initialised above.
        let r = unsafe { place.assume_init_mut() };
        r.order = bus::fold_order(&r.buses);
        r
    }

    /// The configuration this renderer runs with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Frames rendered since the renderer was made.
    pub fn frames_rendered(&self) -> u64 {
        self.frame
    }

    /// For every voice that reads a stream ring in the next `frames` frames: its sound and the
    /// frames its ring must hold for the voice to render them all without an underrun (an
    /// upper bound: the fastest pitch it may glide to, the interpolator's frame ahead, and a
    /// spatial voice's doppler at the pitch limit).
    ///
    /// For drivers that may wait for a stream's producer before rendering (an offline render
    /// waiting for a decoder thread, so it never renders an underrun a live device would not);
    /// a live callback never waits. Commands still queued are not seen: apply them first with
    /// `render(&mut [])`.
    pub fn stream_demand(&self, frames: usize, mut f: impl FnMut(&H, usize)) {
        let rate = self.config.sample_rate;
        for v in self.voices[..self.limit].iter() {
            if let (Some(need), Some(sound)) = (v.stream_demand(frames, rate), v.sound.as_ref()) {
                f(sound, need);
            }
        }
    }

    /// Apply pending commands, then render `out.len() / channels` frames, interleaved.
    /// Commands stamped for a frame inside the block apply at that frame.
    ///
    /// A trailing partial frame of `out` is set to silence. An empty `out` only applies
    /// commands.
    pub fn render(&mut self, out: &mut [f32]) {
        self.begin_block();
        let ch = (self.config.channels as usize).max(1);
        let frames = out.len() / ch;
        let mut done = 0;
        // Spatial voices are re-evaluated at multiples of QUANTUM. What they see changes only
        // through commands and mailboxes, so once one multiple after the last change has been
        // evaluated the later ones would change nothing: passes may run across them.
        let mut on_grid = false;
        while done < frames {
            let n = self.next_pass((frames - done).min(SEGMENT) as u64, &mut on_grid) as usize;
            self.render_segment(n);
            self.tap_out(n);
            self.write_out(&mut out[done * ch..(done + n) * ch], ch);
            done += n;
            self.frame += n as u64;
        }
        out[frames * ch..].fill(0.0);
        if frames > 0 {
            // Positions only move when frames are rendered; a call that only applies
            // commands (a driver flushing after every call) skips the per-voice sweep.
            self.wake_due();
            self.sweep(frames as u64);
            self.publish();
        }
    }

    /// Move `frames` frames on without mixing: commands apply at their frames, and cursors,
    /// pitch glides, gain ramps, fades, pauses and voice ends move exactly as
    /// [`render`](Self::render) would move them, so every voice is where a render of the same
    /// frames would have left it. Nothing is written and effects do not run (their state and
    /// tails stand still). The cost is O(active voices) per call and per command applied
    /// inside it, not per frame (but for a step per 32 frames of a running bus tween, and a
    /// spatial evaluation per 128 of a gliding emitter): a null backend (a device that is not
    /// there) or a voice that is not heard costs next to nothing.
    pub fn advance(&mut self, frames: u64) {
        self.begin_block();
        let mut done = 0u64;
        let mut on_grid = false;
        while done < frames {
            let n = self.next_pass(frames - done, &mut on_grid);
            self.advance_segment(n);
            done += n;
            self.frame += n;
        }
        if frames > 0 {
            self.wake_due();
            self.sweep(frames);
            self.publish();
        }
    }

    /// Prepare the next pass of at most `most` frames and return its length: apply the
    /// commands due now, re-evaluate spatial voices on the first grid point after a change,
    /// and end the pass at the next grid point (until one was evaluated) and where the next
    /// queued command is due. `on_grid` is the block's "evaluated since the last change".
    fn next_pass(&mut self, most: u64, on_grid: &mut bool) -> u64 {
        if self.apply_due() {
            *on_grid = false;
        }
        let into_quantum = self.frame % QUANTUM as u64;
        if !self.spatial_pending {
            // Nothing for a grid point to evaluate.
            *on_grid = true;
        } else if into_quantum == 0 && !*on_grid {
            self.update_spatial();
            // A gliding emitter keeps every grid point to come evaluated.
            *on_grid = !self.spatial_pending;
        }
        let mut n = most;
        if !*on_grid {
            n = n.min(QUANTUM as u64 - into_quantum);
        }
        if self.config.meter_frames > 0 {
            // Meter windows are whole, on the frame grid: the same readings at every block size.
            let w = u64::from(self.config.meter_frames);
            n = n.min(w - self.frame % w);
        }
        if self.virtualizes {
            // Every pass ends on the ranking grid, so what a pass changes is seen by the
            // next grid point at every block size.
            let into_rank = self.frame % RANK_FRAMES;
            if into_rank == 0 && self.rank_dirty {
                // Voices that ended by now are retired before they are ranked.
                self.wake_due();
                self.rank();
            }
            n = n.min(RANK_FRAMES - into_rank);
        }
        self.until_next_command(n)
    }

    /// What every block does first: apply the due commands, take the mailboxes, and retry
    /// handing back sounds the retired queue had no room for.
    fn begin_block(&mut self) {
        self.apply_due();
        self.take_mail();
        if self.retiring > 0 {
            self.retry_retire();
        }
        if let Some(old) = self.tap_retiring.take()
            && let Err(old) = self.retired.push(old)
        {
            self.tap_retiring = Some(old);
        }
    }

    /// Copy the pass's output, or its tapped bus, into the tap (what does not fit is counted,
    /// never waited for).
    fn tap_out(&mut self, n: usize) {
        use core::sync::atomic::Ordering;
        let Some(ring) = self.tap.as_ref().and_then(|t| t.stream()) else {
            return;
        };
        let taken = match self.tap_bus {
            Some(_) => ring.write_planar(&self.tap_left[..n], &self.tap_right[..n]),
            None => ring.write_planar(&self.out_left[..n], &self.out_right[..n]),
        };
        if taken < n {
            self.shared
                .tap_dropped
                .fetch_add((n - taken) as u32, Ordering::Relaxed);
        }
    }

    /// Apply every command whose frame has come, in frame order (commands for the same frame
    /// in the order they were sent); whether any was applied.
    fn apply_due(&mut self) -> bool {
        self.take_arrivals();
        let mut any = false;
        while self.held.peek().is_some_and(|h| h.key.0 <= self.frame) {
            let Some(h) = self.held.pop() else { break };
            self.apply(h.cmd);
            any = true;
            // Room again: what waits in the queue may be due too.
            self.take_arrivals();
        }
        any
    }

    /// Move the queue's commands into the held set, as far as it has room (a full set leaves
    /// the rest in the queue until commands are applied).
    fn take_arrivals(&mut self) {
        while !self.held.is_full() {
            let Some(Stamped { at, cmd }) = self.commands.pop() else {
                return;
            };
            // A frame already past means the next frame; arrival order breaks ties.
            let key = (at.max(self.frame), self.arrivals);
            self.arrivals += 1;
            // Not full, so this cannot fail; a failure would hand the command back.
            if let Err(h) = self.held.push(Held { key, cmd }) {
                self.apply(h.cmd);
            }
        }
    }

    /// The frame the next command applies at (one at or before
    /// [`frames_rendered`](Self::frames_rendered) applies before the next frame), if any is
    /// waiting. A driver that prepares for a block (the offline one waits for decoders) ends
    /// its block there, so what the command starts is seen.
    pub fn next_command_at(&mut self) -> Option<u64> {
        self.take_arrivals();
        match (
            self.held.peek().map(|h| h.key.0),
            self.commands.peek_with(|c| c.at),
        ) {
            (Some(h), Some(q)) => Some(h.min(q.max(self.frame))),
            (h, q) => h.or(q),
        }
    }

    /// `n`, shortened so the pass ends where the next queued command is due.
    fn until_next_command(&mut self, n: u64) -> u64 {
        match self.next_command_at() {
            Some(at) if at > self.frame => n.min(at - self.frame),
            _ => n,
        }
    }

    /// Take the newest listener and voice parameters the controller posted.
    fn take_mail(&mut self) {
        use core::sync::atomic::Ordering;
        if !self.shared.mail_waiting.swap(false, Ordering::Acquire) {
            return;
        }
        let mut again = false;
        match self.shared.listener.read() {
            Some(w) if w[0] != self.listener_seen => {
                self.listener_seen = w[0];
                self.listener = ListenerFrame::new(&mailbox::listener_from(&w[1..]));
                self.listener_epoch = self.listener_epoch.wrapping_add(1).max(1);
                self.spatial_pending = true;
            }
            Some(_) => {}
            None => again = true,
        }
        for i in 0..self.limit {
            // A plain load first: most slots were not written, and a swap on each would
            // cost a locked instruction per slot.
            if self.shared.mail[i].dirty.load(Ordering::Relaxed) {
                again |= self.take_voice_mail(i);
            }
        }
        if again {
            self.shared.mail_waiting.store(true, Ordering::Relaxed);
        }
    }

    /// Take slot `i`'s mailbox if it was written; whether something in it must wait.
    fn take_voice_mail(&mut self, i: usize) -> bool {
        use core::sync::atomic::Ordering;
        if !self.shared.mail[i].dirty.swap(false, Ordering::Acquire) {
            return false;
        }
        let keep = match self.shared.mail[i].lock.read() {
            Some(w) => {
                // A virtual voice is moved on to now before its values change.
                let live = self.catch_up(i);
                let keep = self.apply_mail(i, &w);
                if live {
                    self.changed(i);
                }
                keep
            }
            // The controller was writing: try again next block.
            None => true,
        };
        if keep {
            self.shared.mail[i].dirty.store(true, Ordering::Relaxed);
        }
        keep
    }

    /// Apply what changed in slot `i`'s mailbox; whether something must wait (it is for a
    /// voice whose start has not been applied yet).
    fn apply_mail(&mut self, i: usize, w: &[u32]) -> bool {
        let fade = self.config.smoothing_frames;
        let rate = self.config.sample_rate;
        let listener = self.listener;
        let v = &mut self.voices[i];
        let live = !matches!(v.state, State::Idle | State::Retiring);
        let mut keep = false;
        let mut moved = false;
        for f in 0..field::COUNT {
            let count = w[field::count(f)];
            if count == v.mail_seen[f] {
                continue;
            }
            let generation = w[field::generation(f)];
            if live && generation == v.generation {
                let x = &w[field::values(f)..];
                match f {
                    field::MIX => {
                        v.control_mix(f32::from_bits(x[0]), f32::from_bits(x[1]), fade, &listener)
                    }
                    field::PITCH => v.control_pitch(f32::from_bits(x[0]), fade, rate, &listener),
                    _ => {
                        v.set_emitter(mailbox::emitter_from(x), rate);
                        moved = true;
                    }
                }
                v.mail_seen[f] = count;
            } else if is_newer(generation, v.generation) {
                keep = true;
            } else {
                // For a voice that has ended: drop it.
                v.mail_seen[f] = count;
            }
        }
        self.spatial_pending |= moved;
        keep
    }

    /// Re-evaluate spatial voices (on the renderer's own quantum grid); they ramp to the new
    /// values across the quantum, whatever block sizes the caller uses.
    fn update_spatial(&mut self) {
        if !self.spatial_pending {
            return;
        }
        self.spatial_pending = false;
        let rate = self.config.sample_rate;
        let epoch = self.listener_epoch;
        let mut gliding = false;
        for i in 0..self.limit {
            if self.voices[i].state != State::Idle {
                // A gliding emitter moves on at every grid point (and keeps them coming).
                gliding |= self.voices[i].move_emitter(self.frame, QUANTUM as u64);
            }
            let v = &self.voices[i];
            if v.state == State::Idle || !v.spatial_stale(epoch) {
                continue;
            }
            if !self.catch_up(i) {
                continue;
            }
            let listener = self.listener;
            let v = &mut self.voices[i];
            let step = v.step_target();
            v.update_spatial(&listener, epoch, QUANTUM as u32, rate);
            // A virtual voice's wake-up depends on its pitch only.
            if v.is_virtual() && v.step_target() != step {
                self.schedule(i);
            }
        }
        self.spatial_pending |= gliding;
        self.rank_dirty |= self.virtualizes;
    }

    fn render_segment(&mut self, n: usize) {
        let metering = self.config.meter_frames > 0;
        for bus in self.buses.iter_mut().filter(|b| b.live) {
            bus.left[..n].fill(0.0);
            bus.right[..n].fill(0.0);
            bus.touched = false;
        }
        let interp = self.config.interpolation;
        // Voices at pitch 1 with steady gains wait in a tile of their bus and are mixed
        // together; any other voice of that bus mixes the tile first, so every bus frame
        // sums its voices in their order.
        let mut tile = Tile::default();
        let mut next = 0;
        while let Some(i) = self.next_mixing(next) {
            next = i + 1;
            let voice = &mut self.voices[i];
            if !voice.moves() {
                continue;
            }
            let b = voice.bus.index();
            let b = if b < B && self.buses[b].live { b } else { 0 };
            if voice.tiles(n, interp) {
                if tile.len > 0 && tile.bus != b {
                    tile.mix(&mut self.voices, &mut self.buses, n);
                }
                tile.bus = b;
                tile.voices[tile.len] = i as u32;
                tile.len += 1;
                if tile.len == TILE {
                    tile.mix(&mut self.voices, &mut self.buses, n);
                }
                continue;
            }
            if tile.len > 0 && tile.bus == b {
                tile.mix(&mut self.voices, &mut self.buses, n);
            }
            let voice = &mut self.voices[i];
            let bus = &mut self.buses[b];
            bus.touched = true;
            if voice.mix(&mut bus.left[..n], &mut bus.right[..n], interp) == Outcome::Ended {
                self.retire(i);
            } else if voice.left_mix() {
                self.make_virtual(i, self.frame + n as u64);
            }
        }
        tile.mix(&mut self.voices, &mut self.buses, n);
        self.out_left[..n].fill(0.0);
        self.out_right[..n].fill(0.0);
        let tapped = self.tap_bus.filter(|_| self.tap.is_some());
        let mut total_scrubbed = 0u32;
        if tapped.is_some() {
            // Silence unless the tapped bus is folded this pass (it may have gone).
            self.tap_left[..n].fill(0.0);
            self.tap_right[..n].fill(0.0);
        }
        for k in 0..self.order.len() {
            let i = self.order[k] as usize;
            let parent = self.buses[i]
                .parent
                .map(BusId::index)
                .filter(|&p| p < B && p != i && self.buses[p].live);
            let (src, dst) = match parent {
                Some(p) if p < i => {
                    let (lo, hi) = self.buses.split_at_mut(i);
                    (
                        &mut hi[0],
                        (&mut lo[p].left, &mut lo[p].right, &mut lo[p].touched),
                    )
                }
                Some(p) => {
                    let (lo, hi) = self.buses.split_at_mut(p);
                    (
                        &mut lo[i],
                        (&mut hi[0].left, &mut hi[0].right, &mut hi[0].touched),
                    )
                }
                None => (
                    &mut self.buses[i],
                    (&mut self.out_left, &mut self.out_right, &mut false),
                ),
            };
            // No non-finite sample reaches a chain, and none a chain makes goes on: that
            // chain starts again from silence.
            let mut scrubbed = if src.touched { src.scrub(n) } else { 0 };
            if src.chains_active() {
                src.process_chains(
                    n,
                    self.frame,
                    self.memory.as_mut(),
                    &mut self.scratch,
                    &mut self.split,
                );
                src.touched = true;
                let made = src.scrub(n);
                if made > 0 {
                    src.reset_chains(self.memory.as_mut());
                }
                scrubbed = scrubbed.saturating_add(made);
            }
            total_scrubbed = total_scrubbed.saturating_add(scrubbed);
            // A tween of the bus's gain runs in pieces (one whole pass without one).
            let mut off = 0;
            while off < n {
                let k = src.gain_piece(n - off);
                let (from, to) = (
                    (&src.left[off..off + k], &src.right[off..off + k]),
                    off..off + k,
                );
                if tapped == Some(i) {
                    // The tapped bus folds into the tap's pass first (from −0.0, the sum's
                    // identity, so what reaches its parent is the same bits), then on.
                    let tap = (
                        &mut self.tap_left[to.clone()],
                        &mut self.tap_right[to.clone()],
                    );
                    if src.touched {
                        tap.0.fill(-0.0);
                        tap.1.fill(-0.0);
                        bus::fold(from, (&mut *tap.0, &mut *tap.1), &mut src.gain);
                        bus::add((&*tap.0, &*tap.1), (&mut dst.0[to.clone()], &mut dst.1[to]));
                        if metering {
                            self.meters[i].add(tap.0, tap.1);
                        }
                    } else {
                        src.gain.advance(k as u32);
                        self.meters[i].frames += k as u32;
                    }
                    src.gain_ran(k);
                    off += k;
                    continue;
                }
                match (src.touched, metering) {
                    (true, false) => bus::fold(
                        from,
                        (&mut dst.0[to.clone()], &mut dst.1[to]),
                        &mut src.gain,
                    ),
                    (true, true) => bus::fold_metered(
                        from,
                        (&mut dst.0[to.clone()], &mut dst.1[to]),
                        &mut src.gain,
                        &mut self.meters[i],
                    ),
                    (false, _) => {
                        src.gain.advance(k as u32);
                        self.meters[i].frames += k as u32;
                    }
                }
                src.gain_ran(k);
                off += k;
            }
            *dst.2 |= src.touched;
        }
        // Buses folded at the highest gains may still overflow into the output (or the tap).
        let mut scrubbed = total_scrubbed.saturating_add(math::scrub(&mut self.out_left[..n]));
        scrubbed = scrubbed.saturating_add(math::scrub(&mut self.out_right[..n]));
        if tapped.is_some() {
            scrubbed = scrubbed.saturating_add(math::scrub(&mut self.tap_left[..n]));
            scrubbed = scrubbed.saturating_add(math::scrub(&mut self.tap_right[..n]));
        }
        if scrubbed > 0 {
            self.count_scrubbed(scrubbed);
        }
        if metering {
            let window = self.config.meter_frames;
            self.out_meter
                .add(&self.out_left[..n], &self.out_right[..n]);
            self.out_meter
                .publish_if_full(window, &self.shared.meters[OUTPUT_METER]);
            for (i, m) in self.meters.iter_mut().enumerate() {
                if self.buses[i].live {
                    m.publish_if_full(window, &self.shared.meters[i]);
                }
            }
        }
    }

    fn advance_segment(&mut self, n: u64) {
        let mut next = 0;
        while let Some(i) = self.next_mixing(next) {
            next = i + 1;
            let voice = &mut self.voices[i];
            if !voice.moves() {
                continue;
            }
            if voice.advance(n) == Outcome::Ended {
                self.retire(i);
            } else if voice.left_mix() {
                self.make_virtual(i, self.frame + n);
            }
        }
        let k = n.min(u64::from(u32::MAX)) as u32;
        for bus in self.buses.iter_mut().filter(|b| b.live) {
            let mut done = 0u64;
            while bus.tween.is_some() && done < n {
                let p = bus.gain_piece((n - done).min(u64::from(u32::MAX)) as usize);
                bus.gain.advance(p as u32);
                bus.gain_ran(p);
                done += p as u64;
            }
            bus.gain
                .advance(k.saturating_sub(done.min(u64::from(u32::MAX)) as u32));
            // Effects stand still, but a chain ringing out ends on time (its memory is
            // another effect's after that).
            bus.xfade.advance(k);
            if bus.outgoing_until != 0 && self.frame + n >= bus.outgoing_until {
                bus.outgoing.clear_all();
                bus.outgoing_until = 0;
            }
        }
    }

    fn write_out(&self, out: &mut [f32], ch: usize) {
        let (l, r) = (&self.out_left, &self.out_right);
        match ch {
            1 => {
                for (i, o) in out.iter_mut().enumerate() {
                    *o = 0.5 * (l[i] + r[i]);
                }
            }
            2 => {
                for (i, o) in out.chunks_exact_mut(2).enumerate() {
                    o[0] = l[i];
                    o[1] = r[i];
                }
            }
            _ => {
                for (i, o) in out.chunks_exact_mut(ch).enumerate() {
                    o[0] = l[i];
                    o[1] = r[i];
                    o[2..].fill(0.0);
                }
            }
        }
    }

    fn apply(&mut self, cmd: Command<H>) {
        let fade = self.config.smoothing_frames;
        let rate = self.config.sample_rate;
        match cmd {
            Command::Play { id, sound, start } => {
                let slot = id.slot() as usize;
                if slot >= V {
                    // Unreachable: the controller only issues slots below V. The handle
                    // must not be dropped here, so it is leaked (memory-safe).
                    core::mem::forget(sound);
                    return;
                }
                let voice = &mut self.voices[slot];
                if voice.state != State::Idle {
                    // Unreachable: the controller reuses a slot only after its previous
                    // voice was published as ended, which happens after it went idle.
                    if let Some(old) = voice.sound.take() {
                        core::mem::forget(old);
                    }
                }
                voice.start(id.generation(), sound, start, rate, &self.listener);
                self.spatial_pending |= voice.spatial.is_some();
                self.set_mixing(slot, true);
                // Values posted for this voice while its start waited apply from its
                // first frame on (ramped from the start's), whatever the block size.
                if self.take_voice_mail(slot) {
                    self.shared
                        .mail_waiting
                        .store(true, core::sync::atomic::Ordering::Relaxed);
                }
                if self.virtualizes {
                    self.place(slot);
                }
            }
            Command::Stop(id) => self.control(id, |v, _| v.stop(fade)),
            Command::Tap(tap, bus) => {
                self.tap_bus = bus.map(BusId::index);
                let old = core::mem::replace(&mut self.tap, tap);
                if let Some(old) = old {
                    // Handed back to be dropped on the game thread (later if the queue is full;
                    // a tap replaced again meanwhile is kept here, never dropped here).
                    match self.retired.push(old) {
                        Ok(()) => {}
                        Err(old) if self.tap_retiring.is_none() => self.tap_retiring = Some(old),
                        Err(old) => core::mem::forget(old),
                    }
                }
            }
            Command::StopAll => {
                for i in 0..self.limit {
                    if self.voices[i].state != State::Idle && self.catch_up(i) {
                        self.voices[i].stop(fade);
                        self.changed(i);
                    }
                }
            }
            Command::Pause(id) => self.control(id, |v, _| v.pause(fade)),
            Command::Resume(id) => self.control(id, |v, _| v.resume(fade)),
            Command::Fade(id, p) => self.control(id, |v, _| {
                v.start_fade(p.from, p.to, p.frames, p.curve, p.stop, fade)
            }),
            Command::Tween(id, p) => {
                self.control(id, |v, listener| v.start_tween(&p, rate, fade, listener))
            }
            Command::TweenEmitter(id, emitter, frames, curve) => {
                let now = self.frame;
                self.control(id, |v, _| {
                    v.tween_emitter(emitter, frames, curve, now, rate)
                });
                self.spatial_pending = true;
            }
            Command::SetBus { bus, parent, gain } => {
                self.route_bus(bus, parent, |b| b.set_gain(gain, fade))
            }
            Command::TweenBus {
                bus,
                parent,
                gain,
                frames,
                curve,
            } => self.route_bus(bus, parent, |b| b.tween_gain(gain, frames, curve)),
            Command::SetEffect {
                bus,
                slot,
                params,
                enabled,
                offset,
                len,
            } => {
                if let Some(b) = self.buses.get_mut(bus.index()) {
                    b.chain.set(
                        slot as usize,
                        &params,
                        enabled,
                        offset as usize,
                        len as usize,
                        self.memory.as_mut(),
                        &self.effect_ctx,
                    );
                }
            }
            Command::TweenEffect {
                bus,
                slot,
                params,
                enabled,
                frames,
                curve,
            } => {
                if let Some(b) = self.buses.get_mut(bus.index()) {
                    b.chain.tween(
                        slot as usize,
                        &params,
                        enabled,
                        frames,
                        curve,
                        &self.effect_ctx,
                    );
                }
            }
            Command::ClearEffect { bus, slot } => {
                if let Some(b) = self.buses.get_mut(bus.index()) {
                    b.chain.clear(slot as usize);
                }
            }
            Command::ChainEdit { bus, fade, until } => {
                let Some(b) = self.buses.get(bus.index()) else {
                    return;
                };
                // Crossfade only what can be heard: a chain still sounding, or a voice
                // playing into the bus (a new bus's first effects apply at once).
                let heard = b.chains_active()
                    || self.voices[..self.limit].iter().any(|v| {
                        v.moves() && !v.is_virtual() && bus::routes_into(&self.buses, v.bus, bus)
                    });
                let b = &mut self.buses[bus.index()];
                if heard {
                    b.begin_chain_edit(fade, until, self.frame);
                } else {
                    b.chain.clear_all();
                }
            }
            Command::Group(bus, op) => {
                for i in 0..self.limit {
                    if self.voices[i].state == State::Idle
                        || !bus::routes_into(&self.buses, self.voices[i].bus, bus)
                        || !self.catch_up(i)
                    {
                        continue;
                    }
                    let v = &mut self.voices[i];
                    match op {
                        GroupOp::Pause => v.pause(fade),
                        GroupOp::Resume => v.resume(fade),
                        GroupOp::Stop => v.stop(fade),
                    }
                    self.changed(i);
                }
            }
            Command::SetVoiceBus(id, bus) => {
                if self.buses.get(bus.index()).is_some_and(|b| b.live) {
                    self.control(id, |v, _| v.bus = bus);
                }
            }
            Command::Seek(id, seconds) => self.control(id, |v, _| v.seek(seconds)),
            Command::RemoveBus(bus) => {
                let i = bus.index();
                if i == 0 || i >= B {
                    return;
                }
                self.buses[i].chain.clear_all();
                self.buses[i].outgoing.clear_all();
                self.buses[i].outgoing_until = 0;
                let heir = self.buses[i].parent.unwrap_or(BusId::MASTER);
                for b in self.buses.iter_mut() {
                    if b.parent == Some(bus) {
                        b.parent = Some(heir);
                    }
                }
                for v in self.voices[..self.limit].iter_mut() {
                    if v.bus == bus {
                        v.bus = heir;
                    }
                }
                self.buses[i].live = false;
                self.order = bus::fold_order(&self.buses);
                self.rank_dirty |= self.virtualizes;
            }
        }
    }

    /// Give `bus` its `parent` and its gain (through `gain`), and fold the buses in their new
    /// order.
    fn route_bus(&mut self, bus: BusId, parent: Option<BusId>, gain: impl FnOnce(&mut Bus<E>)) {
        let Some(b) = self.buses.get_mut(bus.index()) else {
            return;
        };
        gain(b);
        b.parent = parent;
        self.order = bus::fold_order(&self.buses);
        self.rank_dirty |= self.virtualizes;
    }

    /// Apply `f` to the voice `id` names, if it is still there (a virtual one is moved on to
    /// now first, and may turn out to have ended).
    fn control(&mut self, id: crate::VoiceId, f: impl FnOnce(&mut Voice<H>, &ListenerFrame)) {
        let i = id.slot() as usize;
        let Some(v) = self.voices.get(i) else {
            return;
        };
        if v.generation != id.generation() || v.state == State::Idle || !self.catch_up(i) {
            return;
        }
        let listener = self.listener;
        f(&mut self.voices[i], &listener);
        self.changed(i);
    }

    /// Move voice `i` on to now if it is virtual; `false` if it ended on the way (it is
    /// retired).
    fn catch_up(&mut self, i: usize) -> bool {
        let v = &mut self.voices[i];
        if v.is_virtual() && v.catch_up(self.frame) == Outcome::Ended {
            self.retire(i);
            return false;
        }
        true
    }

    /// After a change to voice `i`: a virtual one is woken again when its new state asks
    /// (and republished), and the ranking looks again.
    fn changed(&mut self, i: usize) {
        if self.voices[i].is_virtual() {
            self.schedule(i);
            self.publish_voice(i);
        }
        self.rank_dirty |= self.virtualizes;
    }

    /// Set voice `i`'s next wake-up (it is virtual), or drop it when it needs none.
    fn schedule(&mut self, i: usize) {
        let v = &mut self.voices[i];
        let at = v.next_wake(self.frame);
        if at == u64::MAX {
            self.wakes.remove(i);
        } else {
            self.wakes.set(Wake {
                at,
                slot: i as u32,
                generation: v.generation,
            });
        }
    }

    /// Move on the virtual voices whose wake-up has come: retire those that ended, publish
    /// where the others are, and set their next wake-up.
    fn wake_due(&mut self) {
        while let Some(w) = self.wakes.peek().filter(|w| w.at <= self.frame) {
            self.wakes.pop();
            let i = w.slot as usize;
            let Some(v) = self.voices.get(i) else {
                continue;
            };
            if !v.is_virtual() || v.generation != w.generation {
                continue;
            }
            if self.catch_up(i) {
                self.schedule(i);
                self.publish_voice(i);
            }
        }
    }

    /// Put slot `i` in the mix loop, or take it out.
    fn set_mixing(&mut self, i: usize, on: bool) {
        let bit = 1u8 << (i % 8);
        if on {
            self.mixing[i / 8] |= bit;
        } else {
            self.mixing[i / 8] &= !bit;
        }
    }

    /// The first slot from `from` on whose voice is in the mix loop.
    #[inline]
    /// Add `n` to the game's count of non-finite samples replaced by silence (saturating).
    fn count_scrubbed(&self, n: u32) {
        use core::sync::atomic::Ordering;
        let c = &self.shared.scrubbed;
        c.store(
            c.load(Ordering::Relaxed).saturating_add(n),
            Ordering::Relaxed,
        );
    }

    fn next_mixing(&self, from: usize) -> Option<usize> {
        let bytes = &self.mixing[..self.limit.div_ceil(8)];
        let mut start = from / 64 * 8;
        let mut mask = !0u64 << (from % 64);
        while start < bytes.len() {
            let end = (start + 8).min(bytes.len());
            let mut word = [0u8; 8];
            word[..end - start].copy_from_slice(&bytes[start..end]);
            let bits = u64::from_le_bytes(word) & mask;
            if bits != 0 {
                return Some(start * 8 + bits.trailing_zeros() as usize);
            }
            start += 8;
            mask = !0;
        }
        None
    }

    /// Move on the virtual voices of the next part of the pool, so that every one is looked
    /// at about once per `refresh` frames (its published position stays that fresh): publish
    /// where each is, and retire those that ended.
    fn sweep(&mut self, frames: u64) {
        if self.virtual_count == 0 || self.limit == 0 {
            return;
        }
        let count = if frames >= self.refresh {
            // A second or more at once: every slot.
            self.sweep_frames = 0;
            self.limit
        } else {
            // Under 2^32 frames times under 2^22 slots: no overflow.
            self.sweep_frames += frames * self.limit as u64;
            let count = (self.sweep_frames / self.refresh).min(self.limit as u64) as usize;
            self.sweep_frames %= self.refresh;
            count
        };
        for _ in 0..count {
            let i = self.sweep;
            self.sweep = if i + 1 >= self.limit { 0 } else { i + 1 };
            if self.voices[i].is_virtual() && self.catch_up(i) {
                self.publish_voice(i);
            }
        }
    }

    /// The product of the gain targets of the buses `bus` goes through, to the output.
    fn route_gain(&self, bus: BusId) -> f32 {
        let mut gain = 1.0;
        let mut at = Some(bus);
        for _ in 0..B {
            let Some(b) = at
                .and_then(|b| self.buses.get(b.index()))
                .filter(|b| b.live)
            else {
                break;
            };
            gain *= b.gain.target;
            at = b.parent;
        }
        gain
    }

    /// Decide whether the voice just started in slot `i` is mixed from its first frame: not
    /// when it is under the audibility threshold, nor when the real voices are all taken by
    /// voices at least as loud (it is ranked with the others at the next grid point).
    fn place(&mut self, i: usize) {
        self.rank_dirty = true;
        let v = &self.voices[i];
        if !v.is_candidate() {
            return;
        }
        let audible = v.audible() * self.route_gain(v.bus);
        let quiet = audible < self.config.virtual_below
            || (self.admitted >= self.room
                && rank::level(rank::key(v.priority, audible, false, i)) <= self.floor);
        if quiet {
            self.make_virtual(i, self.frame);
        } else {
            self.admitted += 1;
        }
    }

    /// Voice `i` is virtual from frame `at` on: out of the mix loop, counted, and woken when
    /// it must be.
    fn make_virtual(&mut self, i: usize, at: u64) {
        self.voices[i].go_virtual(at);
        self.set_mixing(i, false);
        self.virtual_count += 1;
        self.schedule(i);
        self.publish_voice(i);
    }

    /// Voice `i` leaves the mix (fading out over the smoothing ramp, at once if not heard).
    fn demote(&mut self, i: usize) {
        if self.voices[i].presence != Presence::Real {
            return;
        }
        if self.voices[i].leave(self.config.smoothing_frames) {
            self.make_virtual(i, self.frame);
        }
    }

    /// Voice `i` joins the mix (moved on to now, fading in); `false` if it ended on the way.
    fn promote(&mut self, i: usize) -> bool {
        let was_virtual = self.voices[i].is_virtual();
        if !self.catch_up(i) {
            return false;
        }
        self.voices[i].rejoin(self.config.smoothing_frames);
        self.wakes.remove(i);
        if was_virtual {
            self.set_mixing(i, true);
            self.virtual_count -= 1;
        }
        true
    }

    /// Rank the playing voices and mix the most important (see [`rank`]).
    fn rank(&mut self) {
        self.rank_dirty = false;
        let mut gains = [1.0f32; B];
        for (b, g) in gains.iter_mut().enumerate() {
            *g = self.route_gain(BusId(b as u8));
        }
        let below = self.config.virtual_below;
        let mut n = 0;
        let mut streams = 0usize;
        let mut kept = 0usize;
        // A bus level moving moves its voices' audible levels: rank again.
        self.rank_dirty |= self.buses.iter().any(|b| b.live && b.tween.is_some());
        for i in 0..self.limit {
            let v = &self.voices[i];
            if v.state != State::Playing {
                continue;
            }
            if v.is_stream() {
                streams += 1;
                continue;
            }
            if v.enveloped() {
                // Its level moves: rank again at the next grid point. A fade or a tween in
                // progress keeps a mixed voice mixed (leaving would cut its 32-frame pieces
                // short); a virtual one is ranked where its envelope has taken it.
                self.rank_dirty = true;
                if v.presence == Presence::Real {
                    kept += 1;
                    continue;
                }
                if !self.catch_up(i) {
                    continue;
                }
            }
            let v = &self.voices[i];
            let audible = v.audible() * gains.get(v.bus.index()).copied().unwrap_or(1.0);
            if audible < below {
                self.demote(i);
                continue;
            }
            self.keys[n] = rank::key(v.priority, audible, v.presence == Presence::Real, i);
            n += 1;
        }
        let room = self.config.real_voices.saturating_sub(streams + kept);
        rank::select(&mut self.keys[..n], room);
        let real = room.min(n);
        let mut floor = u64::MAX;
        for k in 0..n {
            let key = self.keys[k];
            let i = rank::slot_of(key);
            if k < real {
                floor = floor.min(rank::level(key));
                if self.voices[i].presence != Presence::Real && !self.promote(i) {
                    // It ended on the way: its room goes at the next grid point.
                    self.rank_dirty = true;
                }
            } else {
                self.demote(i);
            }
        }
        self.room = room;
        self.admitted = real;
        self.floor = if real == room && real > 0 { floor } else { 0 };
    }

    /// Hand the ended voice's sound back to the game thread and publish the end.
    fn retire(&mut self, i: usize) {
        self.set_mixing(i, false);
        self.wakes.remove(i);
        let voice = &mut self.voices[i];
        if voice.is_virtual() {
            self.virtual_count -= 1;
        } else {
            self.rank_dirty |= self.virtualizes;
        }
        voice.presence = Presence::Real;
        voice.state = State::Retiring;
        let Some(sound) = voice.sound.take() else {
            voice.state = State::Idle;
            self.shared.status[i].publish_ended(voice.generation);
            return;
        };
        if let Some(stream) = sound.stream() {
            // Its producer (a decoder thread) may stop now, not when the handle comes back.
            stream.close();
        }
        match self.retired.push(sound) {
            Ok(()) => {
                voice.state = State::Idle;
                self.shared.status[i].publish_ended(voice.generation);
            }
            Err(sound) => {
                voice.sound = Some(sound);
                self.retiring += 1;
            }
        }
    }

    fn retry_retire(&mut self) {
        self.retiring = 0;
        for i in 0..self.limit {
            if self.voices[i].state == State::Retiring {
                self.retire(i);
            }
        }
    }

    fn publish(&self) {
        use core::sync::atomic::Ordering;
        self.shared.clock.publish(self.frame);
        let mut real = 0u32;
        let mut next = 0;
        while let Some(i) = self.next_mixing(next) {
            next = i + 1;
            self.publish_voice(i);
            real += u32::from(self.voices[i].moves());
        }
        self.shared.real_voices.store(real, Ordering::Relaxed);
        self.shared
            .virtual_voices
            .store(self.virtual_count as u32, Ordering::Relaxed);
    }

    /// Publish where voice `i` is, and its state.
    fn publish_voice(&self, i: usize) {
        let voice = &self.voices[i];
        if !matches!(voice.state, State::Idle | State::Retiring) {
            self.shared.status[i].publish_position(
                voice.generation,
                voice.position(),
                voice.code(),
            );
        }
    }
}

/// The voices of one bus waiting to be mixed together (see [`tile`]): slots
/// whose voices said yes to [`Voice::tiles`] for this pass.
#[derive(Default)]
struct Tile {
    voices: [u32; TILE],
    len: usize,
    bus: usize,
}

impl Tile {
    /// Mix the waiting voices into their bus and move them on; the tile is empty after.
    fn mix<H: SoundData, const E: usize>(
        &mut self,
        voices: &mut [Voice<H>],
        buses: &mut [Bus<E>],
        n: usize,
    ) {
        if self.len == 0 {
            return;
        }
        let slots = &self.voices[..self.len];
        let mut units = [Unit::EMPTY; TILE];
        for (u, &i) in units.iter_mut().zip(slots) {
            *u = voices[i as usize].unit(n);
        }
        let bus = &mut buses[self.bus];
        bus.touched = true;
        tile::mix(&units[..self.len], &mut bus.left[..n], &mut bus.right[..n]);
        for &i in slots {
            voices[i as usize].unit_ran(n);
        }
        self.len = 0;
    }
}
