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

use crate::bus::{self, Bus};
use crate::chain::Scratch;
use crate::command::{Command, GroupOp, Stamped};
use crate::config::Config;
use crate::effect::EffectContext;
use crate::id::BusId;
use crate::mailbox::{self, field, is_newer};
use crate::ring::{Consumer, Producer};
use crate::shared::{COMMAND_CAPACITY, Shared};
use crate::source::SoundData;
use crate::spatial::ListenerFrame;
use crate::voice::{Outcome, State, Voice};
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
    effect_ctx: EffectContext,
    listener: ListenerFrame,
    /// Bumped whenever the listener changes (never 0, so a new voice is always evaluated).
    listener_epoch: u32,
    /// The listener mailbox's write count last taken.
    listener_seen: u32,
    voices: [Voice<H>; V],
    buses: [Bus<E>; B],
    order: heapless::Vec<u8, B>,
    out_left: [f32; SEGMENT],
    out_right: [f32; SEGMENT],
    config: Config,
    limit: usize,
    frame: u64,
    retiring: usize,
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
        // field's own address, within its `V` or `B` elements. After the last write every
        // field is initialised, so `assume_init_mut` is sound.
        unsafe {
            addr_of_mut!((*p).shared).write(shared);
            addr_of_mut!((*p).commands).write(commands);
            addr_of_mut!((*p).retired).write(retired);
            addr_of_mut!((*p).memory).write(memory);
            addr_of_mut!((*p).scratch).write(Scratch::new());
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
            addr_of_mut!((*p).out_left).write([0.0; SEGMENT]);
            addr_of_mut!((*p).out_right).write([0.0; SEGMENT]);
            addr_of_mut!((*p).config).write(config);
            addr_of_mut!((*p).limit).write(limit);
            addr_of_mut!((*p).frame).write(0);
            addr_of_mut!((*p).retiring).write(0);
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
            self.write_out(&mut out[done * ch..(done + n) * ch], ch);
            done += n;
            self.frame += n as u64;
        }
        out[frames * ch..].fill(0.0);
        if frames > 0 {
            // Positions only move when frames are rendered; a call that only applies
            // commands (a driver flushing after every call) skips the per-voice sweep.
            self.publish();
        }
    }

    /// Move `frames` frames on without mixing: commands apply at their frames, and cursors,
    /// pitch glides, gain ramps, fades, pauses and voice ends move exactly as
    /// [`render`](Self::render) would move them, so every voice is where a render of the same
    /// frames would have left it. Nothing is written and effects do not run (their state and
    /// tails stand still). The cost is O(active voices) per call and per command applied
    /// inside it, not per frame: a null backend (a device that is not there) or a voice that
    /// is not heard costs next to nothing.
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
        if into_quantum == 0 && !*on_grid {
            self.update_spatial();
            *on_grid = true;
        }
        let mut n = most;
        if !*on_grid {
            n = n.min(QUANTUM as u64 - into_quantum);
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
            }
            Some(_) => {}
            None => again = true,
        }
        for i in 0..self.limit {
            again |= self.take_voice_mail(i);
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
            Some(w) => self.apply_mail(i, &w),
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
                    _ => v.set_emitter(mailbox::emitter_from(x), rate),
                }
                v.mail_seen[f] = count;
            } else if is_newer(generation, v.generation) {
                keep = true;
            } else {
                // For a voice that has ended: drop it.
                v.mail_seen[f] = count;
            }
        }
        keep
    }

    /// Re-evaluate spatial voices (on the renderer's own quantum grid); they ramp to the new
    /// values across the quantum, whatever block sizes the caller uses.
    fn update_spatial(&mut self) {
        let rate = self.config.sample_rate;
        for v in self.voices[..self.limit].iter_mut() {
            if v.spatial.is_some() && v.state != State::Idle {
                v.update_spatial(&self.listener, self.listener_epoch, QUANTUM as u32, rate);
            }
        }
    }

    fn render_segment(&mut self, n: usize) {
        for bus in self.buses.iter_mut().filter(|b| b.live) {
            bus.left[..n].fill(0.0);
            bus.right[..n].fill(0.0);
            bus.touched = false;
        }
        let interp = self.config.interpolation;
        for i in 0..self.limit {
            let voice = &mut self.voices[i];
            if !voice.moves() {
                continue;
            }
            let b = voice.bus.index();
            let b = if b < B && self.buses[b].live { b } else { 0 };
            let bus = &mut self.buses[b];
            bus.touched = true;
            if voice.mix(&mut bus.left[..n], &mut bus.right[..n], interp) == Outcome::Ended {
                self.retire(i);
            }
        }
        self.out_left[..n].fill(0.0);
        self.out_right[..n].fill(0.0);
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
            if src.chain.is_active() {
                src.chain.process(
                    &mut src.left[..n],
                    &mut src.right[..n],
                    self.memory.as_mut(),
                    &mut self.scratch,
                );
                src.touched = true;
            }
            if src.touched {
                *dst.2 = true;
                bus::fold(
                    (&src.left[..n], &src.right[..n]),
                    (&mut dst.0[..n], &mut dst.1[..n]),
                    &mut src.gain,
                );
            } else {
                src.gain.advance(n as u32);
            }
        }
    }

    fn advance_segment(&mut self, n: u64) {
        for i in 0..self.limit {
            let voice = &mut self.voices[i];
            if !voice.moves() {
                continue;
            }
            if voice.advance(n) == Outcome::Ended {
                self.retire(i);
            }
        }
        let k = n.min(u64::from(u32::MAX)) as u32;
        for bus in self.buses.iter_mut().filter(|b| b.live) {
            bus.gain.advance(k);
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
                // Values posted for this voice while its start waited apply from its
                // first frame on (ramped from the start's), whatever the block size.
                if self.take_voice_mail(slot) {
                    self.shared
                        .mail_waiting
                        .store(true, core::sync::atomic::Ordering::Relaxed);
                }
            }
            Command::Stop(id) => {
                if let Some(v) = self.voice_mut(id) {
                    v.stop(fade);
                }
            }
            Command::StopAll => {
                for v in self.voices[..self.limit].iter_mut() {
                    v.stop(fade);
                }
            }
            Command::Pause(id) => {
                if let Some(v) = self.voice_mut(id) {
                    v.pause(fade);
                }
            }
            Command::Resume(id) => {
                if let Some(v) = self.voice_mut(id) {
                    v.resume(fade);
                }
            }
            Command::Fade(id, p) => {
                if let Some(v) = self.voice_mut(id) {
                    v.start_fade(p.from, p.to, p.frames, p.curve, p.stop, fade);
                }
            }
            Command::Tween(id, p) => {
                let listener = self.listener;
                if let Some(v) = self.voice_mut(id) {
                    v.start_tween(&p, rate, fade, &listener);
                }
            }
            Command::SetBus { bus, parent, gain } => {
                let Some(b) = self.buses.get_mut(bus.index()) else {
                    return;
                };
                if b.live {
                    b.gain.set(gain, fade);
                } else {
                    b.gain.jump(gain);
                    b.live = true;
                }
                b.parent = parent;
                self.order = bus::fold_order(&self.buses);
            }
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
            Command::ClearEffect { bus, slot } => {
                if let Some(b) = self.buses.get_mut(bus.index()) {
                    b.chain.clear(slot as usize);
                }
            }
            Command::Group(bus, op) => {
                for i in 0..self.limit {
                    if self.voices[i].state == State::Idle
                        || !bus::routes_into(&self.buses, self.voices[i].bus, bus)
                    {
                        continue;
                    }
                    let v = &mut self.voices[i];
                    match op {
                        GroupOp::Pause => v.pause(fade),
                        GroupOp::Resume => v.resume(fade),
                        GroupOp::Stop => v.stop(fade),
                    }
                }
            }
            Command::SetVoiceBus(id, bus) => {
                let live = self.buses.get(bus.index()).is_some_and(|b| b.live);
                if let Some(v) = self.voice_mut(id)
                    && live
                {
                    v.bus = bus;
                }
            }
            Command::Seek(id, seconds) => {
                if let Some(v) = self.voice_mut(id) {
                    v.seek(seconds);
                }
            }
            Command::RemoveBus(bus) => {
                let i = bus.index();
                if i == 0 || i >= B {
                    return;
                }
                self.buses[i].chain.clear_all();
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
            }
        }
    }

    fn voice_mut(&mut self, id: crate::VoiceId) -> Option<&mut Voice<H>> {
        let v = self.voices.get_mut(id.slot() as usize)?;
        (v.generation == id.generation() && v.state != State::Idle).then_some(v)
    }

    /// Hand the ended voice's sound back to the game thread and publish the end.
    fn retire(&mut self, i: usize) {
        let voice = &mut self.voices[i];
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
        self.shared.clock.publish(self.frame);
        for (voice, status) in self.voices[..self.limit]
            .iter()
            .zip(self.shared.status.iter())
        {
            if !matches!(voice.state, State::Idle | State::Retiring) {
                status.publish_position(voice.generation, voice.position());
            }
        }
    }
}
