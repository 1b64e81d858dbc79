//! The game-thread half: starts and controls voices, routes buses, answers queries.
//!
//! Every call validates its arguments first (NaN is refused, infinities clamp), then sends one
//! command to the [`Renderer`](crate::Renderer). Queries read the renderer's published status,
//! so nothing here blocks or waits for the audio thread.

use core::marker::PhantomData;
use core::ops::Deref;

use crate::command::{Command, VoiceStart};
use crate::db::{self, MAX_DB};
use crate::error::{Error, Param};
use crate::id::{BusId, VoiceId};
use crate::math::clamp;
use crate::routing::BusMirror;
use crate::shared::Shared;
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
}

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
        }
    }
}

/// What the controller remembers of a slot.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    generation: u32,
    live: bool,
    stopped: bool,
    start_frame: u32,
    sound_rate: u32,
}

/// The game-thread half of a mixer. See the [crate documentation](crate) for an example.
#[derive(Debug)]
pub struct Controller<H, S, const V: usize, const B: usize, const E: usize>
where
    S: Deref<Target = Shared<H, V>>,
{
    shared: S,
    slots: [Slot; V],
    pub(crate) buses: [BusMirror<E>; B],
    /// Length of the renderer's effect memory, in `f32`s.
    pub(crate) memory_len: usize,
    next: usize,
    limit: usize,
    smoothing_rate: u32,
    _sound: PhantomData<fn() -> H>,
}

pub(crate) fn finite_or(param: Param, x: f32) -> Result<f32, Error> {
    if x.is_nan() {
        Err(Error::InvalidParameter(param))
    } else {
        Ok(x)
    }
}

/// Linear gain of `db` decibels, with infinities clamped and the −80 dB floor.
pub(crate) fn gain_of(db: f32) -> f32 {
    db::db_to_linear(clamp(db, -1000.0, MAX_DB))
}

impl<H, S, const V: usize, const B: usize, const E: usize> Controller<H, S, V, B, E>
where
    H: SoundData,
    S: Deref<Target = Shared<H, V>>,
{
    pub(crate) fn new(shared: S, limit: usize, sample_rate: u32, memory_len: usize) -> Self {
        let mut buses = [const { BusMirror::DEAD }; B];
        buses[0] = BusMirror::MASTER;
        Self {
            shared,
            slots: [Slot::default(); V],
            buses,
            memory_len,
            next: 0,
            limit: limit.min(V),
            smoothing_rate: sample_rate,
            _sound: PhantomData,
        }
    }

    /// Drop the sound handles of ended voices, here on the game thread. Every `&mut self` call
    /// does this first; call it yourself if you only query for a long time.
    pub fn collect(&mut self) -> usize {
        let mut n = 0;
        // SAFETY: the controller is the only consumer of the retired queue.
        while unsafe { self.shared.retired.pop() }.is_some() {
            n += 1;
        }
        n
    }

    /// Start `sound` and return its id.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for NaN, [`Error::EmptySound`], [`Error::UnknownBus`],
    /// [`Error::NoFreeVoice`], [`Error::QueueFull`]. On error nothing starts and `sound` is
    /// dropped here.
    pub fn play(&mut self, sound: H, params: &PlayParams) -> Result<VoiceId, Error> {
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
            gain: gain_of(clamp(volume_db, -1000.0, 1000.0) + clamp(gain_db, -1000.0, 1000.0)),
            pan: clamp(pan, -1.0, 1.0),
            pitch: clamp(pitch, MIN_PITCH, MAX_PITCH),
            looping: params.looping,
            start_frame,
            bus: params.bus,
            emitter: params.emitter.map(|e| e.sanitized()),
        };
        self.send(Command::Play { id, sound, start })?;
        self.slots[slot] = Slot {
            generation,
            live: true,
            stopped: false,
            start_frame,
            sound_rate: rate,
        };
        self.next = (slot + 1) % self.limit.max(1);
        Ok(id)
    }

    /// Fade the voice out and end it. Stale ids: no-op.
    ///
    /// # Errors
    /// [`Error::QueueFull`].
    pub fn stop(&mut self, id: VoiceId) -> Result<(), Error> {
        self.collect();
        if let Some(slot) = self.active_slot(id) {
            self.send(Command::Stop(id))?;
            self.slots[slot].stopped = true;
        }
        Ok(())
    }

    /// Fade every voice out and end it (one command, whatever the pool size).
    ///
    /// # Errors
    /// [`Error::QueueFull`].
    pub fn stop_all(&mut self) -> Result<(), Error> {
        self.collect();
        self.send(Command::StopAll)?;
        for slot in self.slots.iter_mut() {
            slot.stopped = true;
        }
        Ok(())
    }

    /// Fade the voice out and hold its cursor. Stale ids: no-op.
    ///
    /// # Errors
    /// [`Error::QueueFull`].
    pub fn pause(&mut self, id: VoiceId) -> Result<(), Error> {
        self.control(id, Command::Pause(id))
    }

    /// Continue a paused voice from its cursor. Stale ids: no-op.
    ///
    /// # Errors
    /// [`Error::QueueFull`].
    pub fn resume(&mut self, id: VoiceId) -> Result<(), Error> {
        self.control(id, Command::Resume(id))
    }

    /// Replace the voice's level (`volume_db` alone, no `gain_db`) and pan, ramped.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for NaN (checked even for stale ids), [`Error::QueueFull`].
    pub fn set_mix(&mut self, id: VoiceId, volume_db: f32, pan: f32) -> Result<(), Error> {
        let volume_db = finite_or(Param::VolumeDb, volume_db)?;
        let pan = finite_or(Param::Pan, pan)?;
        let cmd = Command::SetMix {
            id,
            gain: gain_of(volume_db),
            pan: clamp(pan, -1.0, 1.0),
        };
        self.control(id, cmd)
    }

    /// Replace the voice's pitch (clamped to `[0.1, 16]`), ramped.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for NaN, [`Error::QueueFull`].
    pub fn set_pitch(&mut self, id: VoiceId, pitch: f32) -> Result<(), Error> {
        let pitch = finite_or(Param::Pitch, pitch)?;
        let cmd = Command::SetPitch {
            id,
            pitch: clamp(pitch, MIN_PITCH, MAX_PITCH),
        };
        self.control(id, cmd)
    }

    /// Give the voice a new emitter state (position, velocity, direction, distances, cone,
    /// doppler); a voice started without one becomes spatial. Values are sanitised (NaN takes
    /// the default). Stale ids: no-op.
    ///
    /// # Errors
    /// [`Error::QueueFull`].
    pub fn set_emitter(&mut self, id: VoiceId, emitter: &Emitter) -> Result<(), Error> {
        let emitter = emitter.sanitized();
        self.control(id, Command::SetEmitter { id, emitter })
    }

    /// Move the listener (position, velocity, facing); spatial voices follow from the next
    /// quantum.
    ///
    /// # Errors
    /// [`Error::QueueFull`].
    pub fn set_listener(&mut self, listener: &Listener) -> Result<(), Error> {
        self.collect();
        self.send(Command::SetListener(listener.sanitized()))
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

    /// Voices in use at once, at most.
    pub fn voice_limit(&self) -> usize {
        self.limit
    }

    /// Voices playing, paused or fading now (a snapshot).
    pub fn active_voices(&self) -> usize {
        (0..self.limit)
            .filter(|&i| {
                let s = &self.slots[i];
                s.live && !self.shared.status[i].has_ended(s.generation)
            })
            .count()
    }

    /// The output sample rate this controller was made for.
    pub fn sample_rate(&self) -> u32 {
        self.smoothing_rate
    }

    fn control(&mut self, id: VoiceId, cmd: Command<H>) -> Result<(), Error> {
        self.collect();
        if self.active_slot(id).is_some() {
            self.send(cmd)?;
        }
        Ok(())
    }

    pub(crate) fn send(&mut self, cmd: Command<H>) -> Result<(), Error> {
        // SAFETY: the controller is the only producer of the command queue.
        unsafe { self.shared.commands.push(cmd) }.map_err(|_| Error::QueueFull)
    }

    fn active_slot(&self, id: VoiceId) -> Option<usize> {
        let slot = id.slot() as usize;
        let s = self.slots.get(slot)?;
        let active = s.live
            && !s.stopped
            && s.generation == id.generation()
            && !self.shared.status[slot].has_ended(s.generation);
        active.then_some(slot)
    }

    fn free_slot(&mut self) -> Option<usize> {
        let limit = self.limit;
        (0..limit).map(|k| (self.next + k) % limit).find(|&i| {
            let s = &self.slots[i];
            !s.live || self.shared.status[i].has_ended(s.generation)
        })
    }
}

/// The first frame for `from_position` seconds: floor, wrapped for loops, at most `frames`.
fn start_frame(from_position: f64, rate: u32, frames: usize, looping: bool) -> u32 {
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
