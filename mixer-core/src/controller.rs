//! The game-thread half: starts and controls voices, routes buses, answers queries.
//!
//! Every call validates its arguments first (NaN is refused, infinities clamp), then either
//! overwrites a mailbox (continuous parameters: the newest value wins) or sends one command to
//! the [`Renderer`](crate::Renderer), stamped with the frame it applies at (discrete commands;
//! those that do not fit wait in the [`Backlog`], in order). Queries read the renderer's
//! published status and clock, so nothing here blocks or waits for the audio thread.

use core::marker::PhantomData;
use core::ops::Deref;
use core::sync::atomic::Ordering;

use crate::backlog::{Backlog, NoBacklog, Queued};
use crate::bus_table::BusMirror;
use crate::command::{ASAP, Command, GroupOp, Stamped, VoiceStart};
use crate::config::WhenFull;
use crate::db::gain_of;
use crate::error::{Error, Param, finite_or};
use crate::fade::{FadeParams, TweenParams};
use crate::id::{BusId, VoiceId};
use crate::info::{VoiceCounts, VoiceInfo, VoiceState};
use crate::mailbox::{self, field};
use crate::math::clamp;
use crate::ring::{Consumer, Producer};
use crate::shared::{COMMAND_CAPACITY, Shared};
use crate::source::SoundData;
use crate::spatial::{Emitter, Listener};

/// The lowest pitch (resampling ratio) a voice plays at; lower values clamp.
pub const MIN_PITCH: f32 = 0.1;
/// The highest pitch a voice plays at; higher values clamp.
pub const MAX_PITCH: f32 = 16.0;

/// How to start a voice. The defaults are the original engine's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlayParams {
    /// Level in dB, added to `gain_db`; −80 and below is silence.
    pub volume_db: f32,
    /// Extra level in dB.
    pub gain_db: f32,
    /// Balance pan in `[-1, 1]` (clamped).
    pub pan: f32,
    /// Resampling ratio, clamped to `[0.1, 16]`.
    pub pitch: f32,
    /// Restart at the end, indefinitely.
    pub looping: bool,
    /// Where to start, in seconds of the sound (wrapped for loops; past the end, a one-shot
    /// ends at once).
    pub from_position: f64,
    /// The bus the voice plays into.
    pub bus: BusId,
    /// Spatialise the voice in the renderer from this emitter and the listener: attenuation,
    /// pan and doppler are applied on top of `volume_db`, `pan` and `pitch`, re-evaluated
    /// every [`QUANTUM`](crate::QUANTUM) frames and ramped. `None`: a plain voice.
    pub emitter: Option<Emitter>,
    /// How important the voice is, 0 to 255 (higher first): with a limit on real voices the
    /// most important are mixed, and with [`WhenFull::Steal`](crate::WhenFull::Steal) the
    /// least important is stopped for a new one of at least its priority.
    pub priority: u8,
}

/// The priority of a voice that does not say: the middle of the range.
pub const DEFAULT_PRIORITY: u8 = 128;

impl Default for PlayParams {
    fn default() -> Self {
        Self {
            volume_db: 0.0,
            gain_db: 0.0,
            pan: 0.0,
            pitch: 1.0,
            looping: false,
            from_position: 0.0,
            bus: BusId::MASTER,
            emitter: None,
            priority: DEFAULT_PRIORITY,
        }
    }
}

/// What the controller remembers of a slot.
#[derive(Debug, Clone, Copy)]
struct Slot {
    generation: u32,
    live: bool,
    start_frame: u32,
    sound_rate: u32,
    /// The frame its stop applies at: `u64::MAX` for none, [`ASAP`] for a stop at once.
    stop_at: u64,
    /// The frame its play was stamped with: its later controls never apply before it.
    start_at: u64,
    /// Its bus (for group control).
    bus: BusId,
    /// Its own linear gain, priority and play number (what stealing compares; the number
    /// wraps, and ages are counted from the newest play).
    gain: f32,
    priority: u8,
    seq: u32,
    /// Its own pan and pitch as last asked for (what [`Controller::voice`] reports).
    pan: f32,
    pitch: f32,
}

impl Default for Slot {
    fn default() -> Self {
        Self {
            generation: 0,
            live: false,
            start_frame: 0,
            sound_rate: 1,
            stop_at: u64::MAX,
            start_at: 0,
            bus: BusId::MASTER,
            gain: 1.0,
            priority: DEFAULT_PRIORITY,
            seq: 0,
            pan: 0.0,
            pitch: 1.0,
        }
    }
}

/// The game-thread half of a mixer. See the [crate documentation](crate) for an example.
///
/// `P` is where discrete commands wait while the queue to the renderer is full (see
/// [`Backlog`]); with the default [`NoBacklog`] a full queue refuses with
/// [`Error::QueueFull`]. [`with_backlog`](Self::with_backlog) gives it one.
#[derive(Debug)]
pub struct Controller<
    H,
    S: Deref,
    const V: usize,
    const B: usize,
    const E: usize,
    P = NoBacklog,
    const Q: usize = COMMAND_CAPACITY,
> {
    shared: S,
    commands: Producer<S, Stamped<H>, Q>,
    retired: Consumer<S, H, V>,
    pending: P,
    slots: [Slot; V],
    pub(crate) buses: [BusMirror<E>; B],
    /// Length of the renderer's effect memory, in `f32`s.
    pub(crate) memory_len: usize,
    next: usize,
    /// Logical voices at most, and the slots they use (with spares for voices fading out).
    limit: usize,
    slots_used: usize,
    when_full: WhenFull,
    /// Slots holding a voice (plays sent less sounds handed back).
    occupied: usize,
    plays: u32,
    smoothing_rate: u32,
    _sound: PhantomData<fn() -> H>,
}

impl<H, S, const V: usize, const B: usize, const E: usize, const Q: usize>
    Controller<H, S, V, B, E, NoBacklog, Q>
where
    H: SoundData,
    S: Deref<Target = Shared<H, V, Q>>,
{
    pub(crate) fn new(
        shared: S,
        commands: Producer<S, Stamped<H>, Q>,
        retired: Consumer<S, H, V>,
        config: &crate::Config,
        memory_len: usize,
    ) -> Self {
        // Logical voices, and the slots they may use (with room for voices fading out).
        let limit = config.voice_limit.min(V);
        let slots_used = config.voice_limit.saturating_add(config.spare_slots).min(V);
        let mut buses = [const { BusMirror::DEAD }; B];
        buses[0] = BusMirror::MASTER;
        Self {
            shared,
            commands,
            retired,
            pending: NoBacklog,
            slots: [Slot::default(); V],
            buses,
            memory_len,
            next: 0,
            limit,
            slots_used,
            when_full: config.when_full,
            occupied: 0,
            plays: 0,
            smoothing_rate: config.sample_rate,
            _sound: PhantomData,
        }
    }

    /// This controller with `backlog` as the place where commands wait while the queue to the
    /// renderer is full (a controller without one has nothing waiting to move over).
    ///
    /// ```
    /// use mixer_core::{Config, Queued, Shared, StaticSound};
    /// static SHARED: Shared<&StaticSound, 8> = Shared::new();
    /// let (controller, _renderer) =
    ///     mixer_core::split::<_, _, _, 8, 1, 0, _>(&SHARED, [], Config::new(48_000, 2)).unwrap();
    /// let controller = controller.with_backlog(heapless::Deque::<Queued<&StaticSound>, 64>::new());
    /// assert_eq!(controller.pending_commands(), 0);
    /// ```
    pub fn with_backlog<N: Backlog<Queued<H>>>(
        self,
        backlog: N,
    ) -> Controller<H, S, V, B, E, N, Q> {
        Controller {
            shared: self.shared,
            commands: self.commands,
            retired: self.retired,
            pending: backlog,
            slots: self.slots,
            buses: self.buses,
            memory_len: self.memory_len,
            next: self.next,
            limit: self.limit,
            slots_used: self.slots_used,
            when_full: self.when_full,
            occupied: self.occupied,
            plays: self.plays,
            smoothing_rate: self.smoothing_rate,
            _sound: PhantomData,
        }
    }
}

impl<H, S, const V: usize, const B: usize, const E: usize, const Q: usize, P>
    Controller<H, S, V, B, E, P, Q>
where
    H: SoundData,
    S: Deref<Target = Shared<H, V, Q>>,
    P: Backlog<Queued<H>>,
{
    /// Commands waiting on this thread for room in the queue to the renderer.
    pub fn pending_commands(&self) -> usize {
        self.pending.len()
    }

    /// The renderer's clock: frames it has rendered (or advanced) so far, as of its last block.
    /// A command stamped with a frame at or before this one applies at the next frame.
    pub fn now(&self) -> u64 {
        self.shared.clock.read()
    }

    /// Send waiting commands as far as the queue has room, and drop the sound handles of
    /// ended voices. Every `&mut self` call does this first; a game that makes no call for a
    /// while and has a backlog may call it once per frame. Returns the commands still waiting.
    pub fn flush(&mut self) -> usize {
        self.collect();
        self.pending.len()
    }

    /// Drop the sound handles of ended voices, here on the game thread. Every `&mut self` call
    /// does this first; call it yourself if you only query for a long time.
    pub fn collect(&mut self) -> usize {
        let mut n = 0;
        while self.retired.pop().is_some() {
            n += 1;
        }
        self.occupied = self.occupied.saturating_sub(n);
        self.drain_backlog();
        n
    }

    /// Move waiting commands into the queue, oldest first, while it has room.
    fn drain_backlog(&mut self) {
        while let Some(item) = self.pending.pop_front() {
            if let Err(item) = self.push_now(item.0) {
                // Just popped, so there is room at the front.
                let _ = self.pending.push_front(Queued(item));
                return;
            }
        }
    }

    // A full queue hands the command back by value: there is no heap to box it on.
    #[allow(clippy::result_large_err)]
    fn push_now(&mut self, item: Stamped<H>) -> Result<(), Stamped<H>> {
        self.commands.push(item)
    }

    /// Start `sound` and return its id.
    ///
    /// When the logical voices are all in use, [`WhenFull`](crate::WhenFull) says what
    /// happens: a refusal, or the least important voice stopped (with the smoothing fade)
    /// for this one.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for NaN, [`Error::EmptySound`], [`Error::UnknownBus`],
    /// [`Error::NoFreeVoice`], [`Error::QueueFull`] (only when the queue and the backlog are
    /// both full). On error nothing starts, nothing is stopped, and `sound` is dropped here.
    pub fn play(&mut self, sound: H, params: &PlayParams) -> Result<VoiceId, Error> {
        self.play_at(sound, params, ASAP)
    }

    /// [`play`](Self::play), starting at frame `at` of the renderer's timeline (see
    /// [`now`](Self::now)); a frame already past starts it at once. The voice counts as active
    /// from this call on, and its first frame is rendered at `at` exactly, even inside a block.
    ///
    /// # Errors
    /// As [`play`](Self::play).
    pub fn play_at(&mut self, sound: H, params: &PlayParams, at: u64) -> Result<VoiceId, Error> {
        self.collect();
        let volume_db = finite_or(Param::VolumeDb, params.volume_db)?;
        let gain_db = finite_or(Param::GainDb, params.gain_db)?;
        let pan = finite_or(Param::Pan, params.pan)?;
        let pitch = finite_or(Param::Pitch, params.pitch)?;
        if params.from_position.is_nan() {
            return Err(Error::InvalidParameter(Param::FromPosition));
        }
        let streaming = sound.stream().is_some();
        let frames = sound.frames();
        let rate = sound.sample_rate();
        if (frames == 0 && !streaming) || rate == 0 {
            return Err(Error::EmptySound);
        }
        if !self.bus_exists(params.bus) {
            return Err(Error::UnknownBus(params.bus));
        }
        let gain = gain_of(clamp(volume_db, -1000.0, 1000.0) + clamp(gain_db, -1000.0, 1000.0));
        let victim = if self.occupied >= self.limit && self.logical_voices() >= self.limit {
            match self.when_full {
                WhenFull::Refuse => return Err(Error::NoFreeVoice),
                WhenFull::Steal => Some(self.victim(params.priority).ok_or(Error::NoFreeVoice)?),
            }
        } else {
            None
        };
        let slot = self.free_slot().ok_or(Error::NoFreeVoice)?;
        let start_frame = if streaming {
            0
        } else {
            start_frame(params.from_position, rate, frames, params.looping)
        };
        let generation = match self.slots[slot].generation.wrapping_add(1) {
            0 => 1,
            g => g,
        };
        let id = VoiceId::new(slot as u32, generation);
        let start = VoiceStart {
            gain,
            pan: clamp(pan, -1.0, 1.0),
            pitch: clamp(pitch, MIN_PITCH, MAX_PITCH),
            looping: params.looping,
            start_frame,
            bus: params.bus,
            emitter: params.emitter.map(|e| e.sanitized()),
            priority: params.priority,
        };
        self.send(at, Command::Play { id, sound, start })?;
        self.slots[slot] = Slot {
            generation,
            live: true,
            start_frame,
            sound_rate: rate,
            stop_at: u64::MAX,
            start_at: at,
            bus: params.bus,
            gain,
            priority: params.priority,
            seq: self.plays,
            pan: start.pan,
            pitch: start.pitch,
        };
        self.plays = self.plays.wrapping_add(1);
        self.occupied += 1;
        self.next = (slot + 1) % self.limit.max(1);
        if let Some(victim) = victim {
            // The new voice is already on its way, so a full queue (and backlog) here leaves
            // the pool one voice over its limit until one ends, and loses nothing.
            let old = VoiceId::new(victim as u32, self.slots[victim].generation);
            let _ = self.stop_at(old, at);
        }
        Ok(id)
    }

    /// Fade the voice out and end it. Stale ids: no-op.
    ///
    /// # Errors
    /// [`Error::QueueFull`].
    pub fn stop(&mut self, id: VoiceId) -> Result<(), Error> {
        self.stop_at(id, ASAP)
    }

    /// [`stop`](Self::stop) at frame `at` of the renderer's timeline: the fade starts there
    /// (at once for a frame already past). The voice counts as active until the renderer's
    /// clock reaches `at`.
    ///
    /// # Errors
    /// [`Error::QueueFull`].
    pub fn stop_at(&mut self, id: VoiceId, at: u64) -> Result<(), Error> {
        self.collect();
        if let Some(slot) = self.active_slot(id) {
            // Never before the voice's own start (a stop sent before its play is due ends it
            // as it starts).
            let at = at.max(self.slots[slot].start_at);
            self.send(at, Command::Stop(id))?;
            let s = &mut self.slots[slot];
            s.stop_at = s.stop_at.min(at);
        }
        Ok(())
    }

    /// Fade every voice out and end it (one command, whatever the pool size).
    ///
    /// # Errors
    /// [`Error::QueueFull`].
    pub fn stop_all(&mut self) -> Result<(), Error> {
        self.collect();
        self.send(ASAP, Command::StopAll)?;
        // Voices whose start is still to come end as they start (silently).
        let now = self.now();
        for i in 0..self.slots.len() {
            let s = self.slots[i];
            if s.live && s.start_at > now && s.stop_at == u64::MAX {
                let id = VoiceId::new(i as u32, s.generation);
                self.send(s.start_at, Command::Stop(id))?;
            }
        }
        for slot in self.slots.iter_mut() {
            slot.stop_at = ASAP;
        }
        Ok(())
    }

    /// Pause every voice of `bus` and of the buses routed into it (a pause menu), from frame
    /// `at` of the renderer's timeline (0: now); each holds its cursor.
    ///
    /// # Errors
    /// [`Error::UnknownBus`], [`Error::QueueFull`].
    pub fn pause_bus_at(&mut self, bus: BusId, at: u64) -> Result<(), Error> {
        self.group(bus, at, GroupOp::Pause)
    }

    /// Resume every paused voice of `bus` and of the buses routed into it, from frame `at`.
    ///
    /// # Errors
    /// As [`pause_bus_at`](Self::pause_bus_at).
    pub fn resume_bus_at(&mut self, bus: BusId, at: u64) -> Result<(), Error> {
        self.group(bus, at, GroupOp::Resume)
    }

    /// Stop every voice of `bus` and of the buses routed into it, from frame `at` (voices
    /// still to start on them end as they start).
    ///
    /// # Errors
    /// As [`pause_bus_at`](Self::pause_bus_at).
    pub fn stop_bus_at(&mut self, bus: BusId, at: u64) -> Result<(), Error> {
        self.group(bus, at, GroupOp::Stop)?;
        for i in 0..self.slots.len() {
            let s = self.slots[i];
            if !s.live || s.stop_at != u64::MAX || !self.routes_into(s.bus, bus) {
                continue;
            }
            let id = VoiceId::new(i as u32, s.generation);
            if s.start_at > at {
                self.send(s.start_at, Command::Stop(id))?;
            }
            self.slots[i].stop_at = at.max(s.start_at);
        }
        Ok(())
    }

    /// The voices on `bus` (being removed) are on `heir` now.
    pub(crate) fn rehome_voices(&mut self, bus: BusId, heir: BusId) {
        for s in self.slots.iter_mut().filter(|s| s.bus == bus) {
            s.bus = heir;
        }
    }

    fn group(&mut self, bus: BusId, at: u64, op: GroupOp) -> Result<(), Error> {
        self.collect();
        if !self.bus_exists(bus) {
            return Err(Error::UnknownBus(bus));
        }
        self.send(at, Command::Group(bus, op))
    }

    /// Whether `bus` is `root` or sends (through any number of buses) into it, as the
    /// controller's mirror of the routes says.
    fn routes_into(&self, bus: BusId, root: BusId) -> bool {
        crate::id::routes_into(bus, root, B, |b| {
            self.buses.get(b.index()).and_then(|m| m.parent)
        })
    }

    /// Route the voice to `bus` from its next block (ramped like any gain change by the
    /// buses' own gains). Stale ids: no-op.
    ///
    /// # Errors
    /// [`Error::UnknownBus`], [`Error::QueueFull`].
    pub fn set_voice_bus(&mut self, id: VoiceId, bus: BusId) -> Result<(), Error> {
        self.collect();
        if !self.bus_exists(bus) {
            return Err(Error::UnknownBus(bus));
        }
        if let Some(slot) = self.active_slot(id) {
            self.send(self.slots[slot].start_at, Command::SetVoiceBus(id, bus))?;
            self.slots[slot].bus = bus;
        }
        Ok(())
    }

    /// Move the voice's cursor to `seconds` of its sound (wrapped for a loop; a one-shot sent
    /// past its end ends). Streams cannot seek (no-op). Stale ids: no-op.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (`from_position`) for NaN, [`Error::QueueFull`].
    pub fn seek(&mut self, id: VoiceId, seconds: f64) -> Result<(), Error> {
        self.collect();
        if seconds.is_nan() {
            return Err(Error::InvalidParameter(Param::FromPosition));
        }
        if let Some(slot) = self.active_slot(id) {
            // The renderer knows the sound's length; the position reads the new cursor once
            // the renderer has moved it.
            self.send(self.slots[slot].start_at, Command::Seek(id, seconds))?;
        }
        Ok(())
    }

    /// Fade the voice out and hold its cursor. Stale ids: no-op.
    ///
    /// # Errors
    /// [`Error::QueueFull`].
    pub fn pause(&mut self, id: VoiceId) -> Result<(), Error> {
        self.pause_at(id, ASAP)
    }

    /// [`pause`](Self::pause) at frame `at` of the renderer's timeline (at once for a frame
    /// already past): the fade out starts there.
    ///
    /// # Errors
    /// [`Error::QueueFull`].
    pub fn pause_at(&mut self, id: VoiceId, at: u64) -> Result<(), Error> {
        self.control(id, at, Command::Pause(id))
    }

    /// Continue a paused voice from its cursor. Stale ids: no-op.
    ///
    /// # Errors
    /// [`Error::QueueFull`].
    pub fn resume(&mut self, id: VoiceId) -> Result<(), Error> {
        self.resume_at(id, ASAP)
    }

    /// [`resume`](Self::resume) at frame `at` of the renderer's timeline (at once for a frame
    /// already past).
    ///
    /// # Errors
    /// [`Error::QueueFull`].
    pub fn resume_at(&mut self, id: VoiceId, at: u64) -> Result<(), Error> {
        self.control(id, at, Command::Resume(id))
    }

    /// Fade the voice's level (a multiplier on its gain) as `params` says, computed in the
    /// renderer frame by frame; with `params.stop`, the voice ends when the fade lands. Stale
    /// ids: no-op.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (`gain`) for a NaN level, [`Error::QueueFull`].
    pub fn fade(&mut self, id: VoiceId, params: &FadeParams) -> Result<(), Error> {
        self.fade_at(id, params, ASAP)
    }

    /// [`fade`](Self::fade) from frame `at` of the renderer's timeline.
    ///
    /// # Errors
    /// As [`fade`](Self::fade).
    pub fn fade_at(&mut self, id: VoiceId, params: &FadeParams, at: u64) -> Result<(), Error> {
        let level = |x: f32| finite_or(Param::Level, x).map(|x| clamp(x, 0.0, 16.0));
        let p = FadeParams {
            from: params.from.map(level).transpose()?,
            to: level(params.to)?,
            ..*params
        };
        // The voice stays active until the renderer has run the fade (a pause holds it).
        self.control(id, at, Command::Fade(id, p))
    }

    /// Move the voice's own gain, pan and pitch to the values `params` gives, along its curve
    /// over its frames, in the renderer (a later [`set_mix`](Self::set_mix) or
    /// [`set_pitch`](Self::set_pitch) replaces a running tween: the newest value wins).
    /// Stale ids: no-op.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for NaN, [`Error::QueueFull`].
    pub fn tween(&mut self, id: VoiceId, params: &TweenParams) -> Result<(), Error> {
        self.tween_at(id, params, ASAP)
    }

    /// [`tween`](Self::tween) from frame `at` of the renderer's timeline.
    ///
    /// # Errors
    /// As [`tween`](Self::tween).
    pub fn tween_at(&mut self, id: VoiceId, params: &TweenParams, at: u64) -> Result<(), Error> {
        let p = TweenParams {
            gain: params
                .gain
                .map(|g| finite_or(Param::VolumeDb, g).map(|g| clamp(g, 0.0, 1.0e6)))
                .transpose()?,
            pan: params
                .pan
                .map(|x| finite_or(Param::Pan, x).map(|x| clamp(x, -1.0, 1.0)))
                .transpose()?,
            pitch: params
                .pitch
                .map(|x| finite_or(Param::Pitch, x).map(|x| clamp(x, MIN_PITCH, MAX_PITCH)))
                .transpose()?,
            ..*params
        };
        self.control(id, at, Command::Tween(id, p))?;
        if let Some(slot) = self.active_slot(id) {
            let s = &mut self.slots[slot];
            s.gain = p.gain.unwrap_or(s.gain);
            s.pan = p.pan.unwrap_or(s.pan);
            s.pitch = p.pitch.unwrap_or(s.pitch);
        }
        Ok(())
    }

    /// Replace the voice's level (`volume_db` alone, no `gain_db`) and pan, ramped from the
    /// renderer's next block. The newest value wins: values replaced before the renderer took
    /// them are never applied, and the call is never refused.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for NaN (checked even for stale ids).
    pub fn set_mix(&mut self, id: VoiceId, volume_db: f32, pan: f32) -> Result<(), Error> {
        let volume_db = finite_or(Param::VolumeDb, volume_db)?;
        let pan = finite_or(Param::Pan, pan)?;
        let gain = gain_of(volume_db);
        let pan = clamp(pan, -1.0, 1.0);
        self.post(id, field::MIX, &[gain.to_bits(), pan.to_bits()]);
        if let Some(slot) = self.active_slot(id) {
            self.slots[slot].gain = gain;
            self.slots[slot].pan = pan;
        }
        Ok(())
    }

    /// Replace the voice's pitch (clamped to `[0.1, 16]`), ramped from the renderer's next
    /// block. The newest value wins, as for [`set_mix`](Self::set_mix).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for NaN.
    pub fn set_pitch(&mut self, id: VoiceId, pitch: f32) -> Result<(), Error> {
        let pitch = finite_or(Param::Pitch, pitch)?;
        let pitch = clamp(pitch, MIN_PITCH, MAX_PITCH);
        self.post(id, field::PITCH, &[pitch.to_bits()]);
        if let Some(slot) = self.active_slot(id) {
            self.slots[slot].pitch = pitch;
        }
        Ok(())
    }

    /// Give the voice a new emitter state (position, velocity, direction, distances, cone,
    /// doppler); a voice started without one becomes spatial. Values are sanitised (NaN takes
    /// the default). Stale ids: no-op. The newest value wins, as for
    /// [`set_mix`](Self::set_mix): moving every voice every frame costs the same however far
    /// behind the audio thread is, and is never refused.
    pub fn set_emitter(&mut self, id: VoiceId, emitter: &Emitter) {
        let words = mailbox::emitter_words(&emitter.sanitized());
        self.post(id, field::EMITTER, &words);
    }

    /// Move the voice's emitter to `emitter` over `frames` frames from frame `at`: its
    /// position along `curve` (re-evaluated every [`QUANTUM`](crate::QUANTUM) frames, as a
    /// moving emitter is), every other field (velocity, distances, cone) at once. A later
    /// [`set_emitter`](Self::set_emitter) replaces the glide. Values are sanitised. Stale
    /// ids: no-op.
    ///
    /// # Errors
    /// [`Error::QueueFull`].
    pub fn tween_emitter(
        &mut self,
        id: VoiceId,
        emitter: &Emitter,
        frames: u32,
        curve: crate::fade::Curve,
        at: u64,
    ) -> Result<(), Error> {
        let e = emitter.sanitized();
        self.control(id, at, Command::TweenEmitter(id, e, frames, curve))
    }

    /// Move the listener (position, velocity, facing); spatial voices follow from the next
    /// quantum. The newest value wins; never refused.
    pub fn set_listener(&mut self, listener: &Listener) {
        self.collect();
        let words = mailbox::listener_words(&listener.sanitized());
        self.shared.listener.write(|w| {
            w.set(0, w.get(0).wrapping_add(1));
            w.set_all(1, &words);
        });
        self.shared.mail_waiting.store(true, Ordering::Release);
    }

    /// Whether the voice is playing or paused: false once it ended, was stopped, or for an id
    /// this controller never issued.
    pub fn is_active(&self, id: VoiceId) -> bool {
        self.active_slot(id).is_some()
    }

    /// The voice's cursor in seconds of its sound (loops wrap); 0 for inactive ids.
    pub fn position(&self, id: VoiceId) -> f64 {
        match self.active_slot(id) {
            Some(slot) => {
                let s = &self.slots[slot];
                let status = &self.shared.status[slot];
                let frame = status.position(s.generation).unwrap_or(s.start_frame);
                frame as f64 / s.sound_rate as f64
            }
            None => 0.0,
        }
    }

    /// Voices in use at once, at most (playing or paused; voices fading out after a stop
    /// use the spare slots).
    pub fn voice_limit(&self) -> usize {
        self.limit
    }

    /// Voices playing, paused or fading now (a snapshot).
    pub fn active_voices(&self) -> usize {
        (0..self.slots_used)
            .filter(|&i| {
                let s = &self.slots[i];
                s.live && !self.shared.status[i].has_ended(s.generation)
            })
            .count()
    }

    /// Voices mixed and virtual as of the renderer's last block, and plays that would find
    /// a voice now.
    pub fn voice_counts(&self) -> VoiceCounts {
        VoiceCounts {
            real: self.shared.real_voices.load(Ordering::Relaxed) as usize,
            virtualized: self.shared.virtual_voices.load(Ordering::Relaxed) as usize,
            free: self.limit.saturating_sub(self.logical_voices()),
        }
    }

    /// What the voice is doing as of the renderer's last block; `None` once it ended (or for
    /// an id this controller never issued).
    pub fn voice_state(&self, id: VoiceId) -> Option<VoiceState> {
        let slot = id.slot() as usize;
        let s = self.slots.get(slot)?;
        let status = &self.shared.status[slot];
        if !s.live || s.generation != id.generation() || status.has_ended(s.generation) {
            return None;
        }
        let stopped = match s.stop_at {
            u64::MAX => false,
            ASAP => true,
            at => self.now() >= at,
        };
        Some(match status.read(s.generation).map(|(_, code)| code) {
            _ if stopped => VoiceState::Stopping,
            Some(crate::status::VIRTUAL) => VoiceState::Virtual,
            Some(crate::status::PAUSED) => VoiceState::Paused,
            Some(crate::status::STOPPING) => VoiceState::Stopping,
            _ => VoiceState::Playing,
        })
    }

    /// Everything about the voice as one view: its state, its own level, pan and pitch as
    /// last asked for (a tween's target; spatial attenuation, pan and doppler not included),
    /// its bus and position (see [`VoiceInfo`]). `None` once it ended, as
    /// [`voice_state`](Self::voice_state).
    pub fn voice(&self, id: VoiceId) -> Option<VoiceInfo> {
        let state = self.voice_state(id)?;
        let s = &self.slots[id.slot() as usize];
        Some(VoiceInfo {
            state,
            volume_db: crate::db::linear_to_db(s.gain),
            pan: s.pan,
            pitch: s.pitch,
            bus: s.bus,
            priority: s.priority,
            position: self.shared.status[id.slot() as usize]
                .position(s.generation)
                .unwrap_or(s.start_frame) as f64
                / s.sound_rate as f64,
        })
    }

    /// The level meter of `bus` (after its effects and its gain): the peak and RMS of the last
    /// complete window of [`Config::meter_frames`](crate::Config::meter_frames) frames;
    /// `windows` 0 when metering is off or nothing was measured yet. `None` for a bus outside
    /// the table.
    pub fn meter(&self, bus: BusId) -> Option<crate::MeterReading> {
        (bus.index() < B).then(|| self.shared.meters[bus.index()].read())
    }

    /// The output's level meter (every bus folded: what the device gets), as
    /// [`meter`](Self::meter).
    pub fn output_meter(&self) -> crate::MeterReading {
        self.shared.meters[crate::meter::OUTPUT_METER].read()
    }

    /// Copy the mixer's output (stereo, after every bus) into `tap`'s stream ring from the
    /// renderer's next block on, without ever waiting: frames that do not fit are dropped
    /// and counted ([`tap_dropped`](Self::tap_dropped)). `None` stops. The tap before is
    /// handed back here (dropped by [`collect`](Self::collect)). A sound with no stream ring
    /// takes nothing.
    ///
    /// # Errors
    /// [`Error::QueueFull`].
    pub fn set_tap(&mut self, tap: Option<H>) -> Result<(), Error> {
        self.tap_at(tap, None)
    }

    /// Like [`set_tap`](Self::set_tap), but copy bus `bus` (stereo, after its effects and its
    /// level: what it sends on, and what its meter reads) instead of the output. One tap at a
    /// time: this replaces an output tap, and the reverse.
    ///
    /// # Errors
    /// [`Error::UnknownBus`], [`Error::QueueFull`].
    pub fn set_bus_tap(&mut self, tap: Option<H>, bus: BusId) -> Result<(), Error> {
        if !self.bus_exists(bus) {
            return Err(Error::UnknownBus(bus));
        }
        self.tap_at(tap, Some(bus))
    }

    fn tap_at(&mut self, tap: Option<H>, bus: Option<BusId>) -> Result<(), Error> {
        self.collect();
        let is = tap.is_some();
        self.send(ASAP, Command::Tap(tap, bus))?;
        // It comes back through the retired queue when replaced: count it as a slot's sound.
        self.occupied += usize::from(is);
        Ok(())
    }

    /// Output frames a full tap could not take, so far (wraps at 2^32).
    pub fn tap_dropped(&self) -> u32 {
        self.shared.tap_dropped.load(Ordering::Relaxed)
    }

    /// Non-finite samples (NaN, ±∞) the renderer found in a bus or the output and replaced by
    /// silence, so far (it saturates at 2^32 − 1). Nothing the facade builds can make one (its
    /// sounds are held to [`MAX_SAMPLE`](crate::MAX_SAMPLE)); sound data that overflows the
    /// mix, or a chain driven past `f32`'s range, does, and the bus whose chain made it has
    /// that chain's state reset (so a filter or reverb never rings NaN for ever). 0 in a
    /// healthy mix.
    pub fn scrubbed(&self) -> u32 {
        self.shared.scrubbed.load(Ordering::Relaxed)
    }

    /// Voices playing or paused, not stopped (what the limit counts).
    fn logical_voices(&self) -> usize {
        (0..self.slots_used)
            .filter(|&i| {
                self.active_slot(VoiceId::new(i as u32, self.slots[i].generation))
                    .is_some()
            })
            .count()
    }

    /// The voice a play of `priority` may take the place of: the lowest priority (at most
    /// `priority`), then a virtual one, then the quietest, then the oldest.
    fn victim(&self, priority: u8) -> Option<usize> {
        (0..self.slots_used)
            .filter(|&i| {
                self.active_slot(VoiceId::new(i as u32, self.slots[i].generation))
                    .is_some()
                    && self.slots[i].priority <= priority
            })
            .min_by(|&a, &b| {
                let key = |i: usize| {
                    let s = &self.slots[i];
                    let heard = self.shared.status[i]
                        .read(s.generation)
                        .is_none_or(|(_, code)| code != crate::status::VIRTUAL);
                    let age = self.plays.wrapping_sub(s.seq);
                    (s.priority, heard, s.gain, age)
                };
                let (ka, kb) = (key(a), key(b));
                ka.0.cmp(&kb.0)
                    .then(ka.1.cmp(&kb.1))
                    .then(ka.2.total_cmp(&kb.2))
                    .then(kb.3.cmp(&ka.3))
            })
    }

    /// The output sample rate this controller was made for.
    pub fn sample_rate(&self) -> u32 {
        self.smoothing_rate
    }

    fn control(&mut self, id: VoiceId, at: u64, cmd: Command<H>) -> Result<(), Error> {
        self.collect();
        if let Some(slot) = self.active_slot(id) {
            self.send(at.max(self.slots[slot].start_at), cmd)?;
        }
        Ok(())
    }

    /// Overwrite field `f` of an active voice's mailbox.
    fn post(&mut self, id: VoiceId, f: usize, values: &[u32]) {
        self.collect();
        if let Some(slot) = self.active_slot(id) {
            self.shared.mail[slot].post(f, id.generation(), values);
            self.shared.mail_waiting.store(true, Ordering::Release);
        }
    }

    /// Queue `cmd` to apply at frame `at`, behind anything already waiting.
    pub(crate) fn send(&mut self, at: u64, cmd: Command<H>) -> Result<(), Error> {
        let item = Stamped { at, cmd };
        let item = if self.pending.is_empty() {
            match self.push_now(item) {
                Ok(()) => return Ok(()),
                Err(item) => item,
            }
        } else {
            item
        };
        self.pending
            .push_back(Queued(item))
            .map_err(|_| Error::QueueFull)
    }

    fn active_slot(&self, id: VoiceId) -> Option<usize> {
        let slot = id.slot() as usize;
        let s = self.slots.get(slot)?;
        let active = s.live
            && s.generation == id.generation()
            && !self.shared.status[slot].has_ended(s.generation)
            && match s.stop_at {
                u64::MAX => true,
                ASAP => false,
                at => self.now() < at,
            };
        active.then_some(slot)
    }

    /// A slot with no voice: the next one round the logical limit's slots, else a spare.
    fn free_slot(&mut self) -> Option<usize> {
        let limit = self.limit.max(1);
        let free = |i: usize| {
            let s = &self.slots[i];
            !s.live || self.shared.status[i].has_ended(s.generation)
        };
        (0..limit)
            .map(|k| (self.next + k) % limit)
            .chain(limit..self.slots_used)
            .find(|&i| free(i))
    }
}

/// The first frame for `from_position` seconds: floor, wrapped for loops, at most `frames`.
pub(crate) fn start_frame(from_position: f64, rate: u32, frames: usize, looping: bool) -> u32 {
    if from_position <= 0.0 {
        return 0;
    }
    let f = from_position * rate as f64;
    let frames = frames as f64;
    let f = if looping {
        if f.is_finite() {
            crate::math::fmod(f, frames)
        } else {
            0.0
        }
    } else if f > frames {
        frames
    } else {
        f
    };
    f as u32
}
