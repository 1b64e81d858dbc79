//! One voice: a sound, a cursor into it, and its state machine.
//!
//! ```text
//!   Play ──▶ Playing ──pause──▶ Pausing ──(fade done)──▶ Paused ──resume──▶ Playing
//!               │                  │                        │
//!             stop               stop                     stop
//!               ▼                  ▼                        ▼
//!            Stopping ──(fade done)──────────────────────▶ ended ◀── one-shot ran out
//! ```
//! Every transition that changes what is heard ramps (see [`smooth`](crate::smooth)); the
//! first frame of a new voice already has its gain, pan and pitch.

use crate::command::VoiceStart;
use crate::controller::{MAX_PITCH, MIN_PITCH};
use crate::fade::{Curve, Fade, PitchTween, Tween, TweenParams};
use crate::gather;
use crate::id::BusId;
use crate::math;
use crate::resample::{self, Interpolation, Pcm, cubic, fraction, frame, frame_at_edge, linear};
use crate::smooth::Ramp;
use crate::source::{Channels, Samples, SoundData};
use crate::spatial::{Emitter, ListenerFrame, balance};
use crate::stream::StreamSource;

/// Where a voice is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// The slot holds no voice.
    Idle,
    /// Rendering.
    Playing,
    /// Fading out to `Paused`.
    Pausing,
    /// Holding its cursor, silent.
    Paused,
    /// Fading out to the end.
    Stopping,
    /// Ended; its sound waits for room in the retired queue.
    Retiring,
}

/// Whether a voice is heard (see [`rank`](crate::rank)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Presence {
    /// Mixed.
    Real,
    /// Mixed while its gains ramp to silence; then virtual.
    Leaving,
    /// Not mixed: its cursor stands at frame `since` of the timeline and is moved on, in
    /// closed form, when the voice is next looked at.
    Virtual { since: u64 },
}

/// What a call to [`Voice::mix`] left the voice as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Still playing, paused or fading.
    Live,
    /// Ended in this block; the caller retires it.
    Ended,
}

/// The cursor and mix state of a voice (everything but the sound handle). In C order, what
/// every pass reads first (position, step, gains), so a voice's hot fields share few cache
/// lines.
#[derive(Debug, Clone)]
#[repr(C)]
struct Cursor {
    /// Read position, 32.32 fixed point in the sound's frames.
    pos: u64,
    /// Added to `pos` per output frame.
    step: u64,
    left: Ramp,
    right: Ramp,
    step_left: u32,
    looping: bool,
    /// A stream voice found its ring empty at the end of the last frame it tried.
    starved: bool,
    sound_rate: u32,
    /// The requested linear gain and pan (the targets while playing).
    gain: f32,
    pan: f32,
    step_target: u64,
    step_delta: i64,
}

/// A spatial voice's own values, before the emitter's attenuation, pan and doppler.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spatial {
    pub emitter: Emitter,
    pub gain: f32,
    pub pan: f32,
    pub pitch: f32,
    /// The listener epoch last evaluated against, and whether the emitter changed since:
    /// a still voice heard by a still listener costs nothing per block.
    pub seen: u32,
    pub dirty: bool,
    /// A tween of the emitter's position in progress.
    pub glide: Option<Glide>,
}

/// An emitter moving from one position to another along a curve, from frame `start` of the
/// renderer's timeline over `frames` frames.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Glide {
    pub from: crate::spatial::Vec3,
    pub to: crate::spatial::Vec3,
    pub start: u64,
    pub frames: u32,
    pub curve: crate::fade::Curve,
}

impl Glide {
    /// Where it is at frame `frame` (at `to` from the end on); the curve's shape is taken
    /// as a fraction (an exponential one moves linearly: distance has no decibels).
    pub fn at(&self, frame: u64) -> crate::spatial::Vec3 {
        let t = frame.saturating_sub(self.start) as f32 / self.frames.max(1) as f32;
        let f = match self.curve {
            crate::fade::Curve::Exponential => math::clamp(t, 0.0, 1.0),
            c => c.at(0.0, 1.0, t),
        };
        core::array::from_fn(|k| self.from[k] + (self.to[k] - self.from[k]) * f)
    }
}

impl Spatial {
    /// The voice's (gain, pan, pitch) heard from `listener`.
    pub fn heard(&self, listener: &ListenerFrame) -> (f32, f32, f32) {
        // The emitter is kept sanitized (the controller sends it so, and a glide's positions
        // are sanitized as they are made), so it is not sanitized again per evaluation.
        let s = listener.spatialize_sanitized(&self.emitter);
        (
            self.gain * s.gain,
            math::clamp(self.pan + s.pan, -1.0, 1.0),
            math::clamp(self.pitch * s.pitch, MIN_PITCH, MAX_PITCH),
        )
    }
}

/// A voice slot of the renderer's pool. In C order, the fields every pass reads first (state,
/// presence, sound, whether an envelope runs, the cursor), so that a pass over a thousand
/// voices touches few cache lines of each.
#[derive(Debug)]
#[repr(C)]
pub(crate) struct Voice<H> {
    pub state: State,
    pub bus: BusId,
    /// Whether the ramps and the pitch glide already aim at the end of the current piece of
    /// the running fade and tweens.
    aimed: bool,
    /// Whether any frame of the voice has been rendered (or advanced) yet.
    heard: bool,
    /// Its priority (higher is more important).
    pub priority: u8,
    pub generation: u32,
    /// The level multiplier on top of the gain (1 unless a fade moved it).
    level: f32,
    /// Mixed, leaving the mix, or virtual.
    pub presence: Presence,
    pub sound: Option<H>,
    /// The fade that moves the level, if one runs.
    fade: Option<Fade>,
    /// Tweens of the voice's own gain and pan, and of its pitch.
    tween: Option<Tween>,
    pitch_tween: Option<PitchTween>,
    cursor: Cursor,
    /// Set for voices spatialised by the renderer.
    pub spatial: Option<Spatial>,
    /// The mailbox write counts last taken for this slot, per field (see `mailbox`).
    pub mail_seen: [u32; crate::mailbox::field::COUNT],
}

impl<H: SoundData> Voice<H> {
    /// An idle slot.
    pub const fn idle() -> Self {
        Self {
            sound: None,
            generation: 0,
            state: State::Idle,
            bus: BusId::MASTER,
            spatial: None,
            mail_seen: [0; crate::mailbox::field::COUNT],
            cursor: Cursor {
                pos: 0,
                step: resample::ONE,
                step_target: resample::ONE,
                step_delta: 0,
                step_left: 0,
                looping: false,
                sound_rate: 1,
                gain: 0.0,
                pan: 0.0,
                left: Ramp::at(0.0),
                right: Ramp::at(0.0),
                starved: false,
            },
            level: 1.0,
            fade: None,
            tween: None,
            pitch_tween: None,
            aimed: false,
            heard: false,
            presence: Presence::Real,
            priority: 0,
        }
    }

    /// Start `sound` as generation `generation`, already at its gain, pan and pitch (heard
    /// from `listener` if it has an emitter).
    pub fn start(
        &mut self,
        generation: u32,
        sound: H,
        mut start: VoiceStart,
        output_rate: u32,
        listener: &ListenerFrame,
    ) {
        self.spatial = start.emitter.map(|emitter| Spatial {
            emitter,
            gain: start.gain,
            pan: start.pan,
            pitch: start.pitch,
            seen: 0,
            dirty: true,
            glide: None,
        });
        if let Some(sp) = &self.spatial {
            (start.gain, start.pan, start.pitch) = sp.heard(listener);
        }
        let (pl, pr) = self.pan_gains(start.pan);
        let step = resample::step_for(sound.sample_rate(), output_rate, start.pitch);
        self.cursor = Cursor {
            pos: (start.start_frame as u64) << 32,
            step,
            step_target: step,
            step_delta: 0,
            step_left: 0,
            looping: start.looping,
            sound_rate: sound.sample_rate(),
            gain: start.gain,
            pan: start.pan,
            left: Ramp::at(start.gain * pl),
            right: Ramp::at(start.gain * pr),
            starved: false,
        };
        self.sound = Some(sound);
        self.generation = generation;
        self.bus = start.bus;
        self.state = State::Playing;
        self.level = 1.0;
        self.fade = None;
        self.tween = None;
        self.pitch_tween = None;
        self.aimed = false;
        self.heard = false;
        self.presence = Presence::Real;
        self.priority = start.priority;
    }

    /// Fade the level multiplier from `from` (which applies only to a voice not heard yet:
    /// one already heard fades from its current level, so nothing clicks) to `to` over
    /// `frames` frames on `curve`, then end the voice if `stop`. A fade of 0 frames moves the
    /// level over `smoothing` frames instead. The fade runs while the voice plays (a pause
    /// holds it).
    pub fn start_fade(
        &mut self,
        from: Option<f32>,
        to: f32,
        frames: u32,
        curve: Curve,
        stop: bool,
        smoothing: u32,
    ) {
        if !matches!(self.state, State::Playing | State::Pausing | State::Paused) {
            return;
        }
        if let Some(from) = from.filter(|_| !self.heard) {
            self.level = from;
            if self.state == State::Playing {
                let (pl, pr) = self.pan_gains(self.cursor.pan);
                let g = self.cursor.gain * from * self.mixed();
                self.cursor.left.jump(g * pl);
                self.cursor.right.jump(g * pr);
            }
        }
        self.aimed = false;
        if frames == 0 {
            self.fade = None;
            self.level = to;
            if stop {
                self.stop(smoothing);
            } else if self.state == State::Playing {
                self.ramp_to_mix(smoothing);
            }
            return;
        }
        self.fade = Some(Fade {
            from: self.level,
            to,
            frames,
            done: 0,
            curve,
            stop,
        });
    }

    /// Tween the voice's own gain, pan and pitch as `p` says (a non-spatial voice follows the
    /// curve; a spatial one, whose heard values the listener moves too, ramps linearly).
    pub fn start_tween(
        &mut self,
        p: &TweenParams,
        output_rate: u32,
        smoothing: u32,
        listener: &ListenerFrame,
    ) {
        if !matches!(self.state, State::Playing | State::Pausing | State::Paused) {
            return;
        }
        let (gain, pan) = (
            p.gain.unwrap_or(self.own_gain()),
            p.pan.unwrap_or(self.own_pan()),
        );
        let frames = if p.frames == 0 { smoothing } else { p.frames };
        if self.spatial.is_some() || p.frames == 0 {
            if p.gain.is_some() || p.pan.is_some() {
                self.control_mix(gain, pan, frames, listener);
            }
            if let Some(pitch) = p.pitch {
                self.control_pitch(pitch, frames, output_rate, listener);
            }
            return;
        }
        if p.gain.is_some() || p.pan.is_some() {
            self.tween = Some(Tween {
                gain: (self.cursor.gain, gain),
                pan: (self.cursor.pan, pan),
                frames,
                done: 0,
                curve: p.curve,
            });
        }
        if let Some(pitch) = p.pitch {
            self.pitch_tween = Some(PitchTween {
                pitch: (self.pitch(output_rate), pitch),
                frames,
                done: 0,
                curve: p.curve,
                output_rate,
            });
        }
        self.aimed = false;
    }

    fn own_gain(&self) -> f32 {
        self.spatial.map_or(self.cursor.gain, |s| s.gain)
    }

    fn own_pan(&self) -> f32 {
        self.spatial.map_or(self.cursor.pan, |s| s.pan)
    }

    /// The pitch the cursor's target step means.
    fn pitch(&self, output_rate: u32) -> f32 {
        (self.cursor.step_target as f64 * f64::from(output_rate)
            / (resample::ONE as f64 * f64::from(self.cursor.sound_rate.max(1)))) as f32
    }

    /// Frames to the next piece boundary of the running fade and tweens (`None` when none
    /// runs on a playing voice).
    fn piece(&self) -> Option<u32> {
        if self.state != State::Playing {
            return None;
        }
        [
            self.fade.map(|f| f.piece()),
            self.tween.map(|t| t.piece()),
            self.pitch_tween.map(|t| t.piece()),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Aim the ramps and the pitch glide at the end of the next `piece` frames (from where
    /// they are now), on the curves.
    fn aim(&mut self, piece: u32) {
        if self.fade.is_some() || self.tween.is_some() {
            let level = self.fade.map_or(self.level, |f| f.level_at(f.done + piece));
            let (gain, pan) = self.tween.map_or((self.cursor.gain, self.cursor.pan), |t| {
                t.at(t.done + piece)
            });
            let (pl, pr) = self.pan_gains(pan);
            let g = gain * level * self.mixed();
            self.cursor.left.set(g * pl, piece);
            self.cursor.right.set(g * pr, piece);
        }
        if let Some(t) = self.pitch_tween {
            self.glide_to(t.at(t.done + piece), piece, t.output_rate);
        }
        self.aimed = true;
    }

    /// The frames of the current piece to run now (aiming first if needed).
    fn piece_start(&mut self) -> Option<u32> {
        let piece = self.piece()?;
        if !self.aimed {
            self.aim(piece);
        }
        Some(piece)
    }

    /// Run `frames` of the current `piece` (the ramps and glide ran them); `true` if a fade
    /// landed on a stop.
    fn envelopes_ran(&mut self, frames: u32, piece: u32) -> bool {
        if let Some(f) = self.fade.as_mut() {
            f.done += frames;
        }
        if let Some(t) = self.tween.as_mut() {
            t.done += frames;
        }
        if let Some(t) = self.pitch_tween.as_mut() {
            t.done += frames;
        }
        if frames < piece {
            return false;
        }
        // A piece ended: every value is on its curve again.
        self.aimed = false;
        if let Some(t) = self.tween {
            (self.cursor.gain, self.cursor.pan) = t.at(t.done);
            if t.done >= t.frames {
                self.tween = None;
            }
        }
        if self.pitch_tween.is_some_and(|t| t.done >= t.frames) {
            self.pitch_tween = None;
        }
        let Some(f) = self.fade else {
            return false;
        };
        self.level = f.level_at(f.done);
        if f.done < f.frames {
            return false;
        }
        self.fade = None;
        if f.stop {
            self.stop(0);
        }
        f.stop
    }

    /// The cursor in whole frames of the sound. A looping voice's cursor may stand past the
    /// end after a block (it wraps when the next block reads on), so it is wrapped here: a
    /// loop never reports a position outside its sound.
    pub fn position(&self) -> u32 {
        let local = self.cursor.pos >> 32;
        match self.sound.as_ref() {
            Some(s) => match s.stream() {
                Some(ring) => (ring.released() as u32).wrapping_add(local as u32),
                None if self.cursor.looping && s.frames() > 0 => (local % s.frames() as u64) as u32,
                None => local as u32,
            },
            None => local as u32,
        }
    }

    /// Frames a stream voice's ring must hold for the voice to render its next `frames`
    /// output frames without an underrun: every frame its cursor reaches at the fastest step
    /// it may take in them, plus the frame ahead the interpolator reads. A spatial voice's
    /// doppler may change within the frames, so its fastest step is the pitch limit's.
    /// `None` for a voice that reads no ring in them (not a stream, paused, idle).
    pub fn stream_demand(&self, frames: usize, output_rate: u32) -> Option<usize> {
        let n = self.frames_to_move(frames as u64)? as usize;
        self.sound.as_ref()?.stream()?;
        if n == 0 {
            return None;
        }
        let c = &self.cursor;
        let mut step = c.step.max(c.step_target);
        if self.spatial.is_some() {
            step = step.max(resample::step_for(c.sound_rate, output_rate, MAX_PITCH));
        }
        // The last frame's cursor, at most; it reads that frame and the next.
        let last = c.pos.saturating_add(step.saturating_mul(n as u64 - 1));
        Some(((last >> 32) as usize).saturating_add(2))
    }

    /// Fade out, then end. A paused voice, or one not heard yet, ends at once.
    pub fn stop(&mut self, fade: u32) {
        match self.state {
            State::Playing | State::Pausing => {
                let fade = if self.heard { fade } else { 0 };
                self.cursor.left.set(0.0, fade);
                self.cursor.right.set(0.0, fade);
                self.state = State::Stopping;
            }
            State::Paused => self.state = State::Stopping,
            _ => {}
        }
    }

    /// Move the cursor to `seconds` of the sound (wrapped for a loop, at most the end for a
    /// one-shot, which then ends). A stream voice cannot seek.
    pub fn seek(&mut self, seconds: f64) {
        let Some(sound) = self.sound.as_ref().filter(|s| s.stream().is_none()) else {
            return;
        };
        let frame = crate::controller::start_frame(
            seconds,
            sound.sample_rate(),
            sound.frames(),
            self.cursor.looping,
        );
        self.cursor.pos = u64::from(frame) << 32;
    }

    /// Fade out, then hold the cursor (a running fade holds too). A voice not heard yet
    /// holds at once.
    pub fn pause(&mut self, fade: u32) {
        if self.state == State::Playing {
            let fade = if self.heard { fade } else { 0 };
            self.aimed = false;
            self.cursor.left.set(0.0, fade);
            self.cursor.right.set(0.0, fade);
            self.state = State::Pausing;
        }
    }

    /// Continue from the held cursor, fading back in.
    pub fn resume(&mut self, fade: u32) {
        if matches!(self.state, State::Paused | State::Pausing) {
            self.state = State::Playing;
            self.ramp_to_mix(fade);
        }
    }

    /// New own gain and pan for a voice, spatial or not (ramped over `fade`).
    pub fn control_mix(&mut self, gain: f32, pan: f32, fade: u32, listener: &ListenerFrame) {
        match &mut self.spatial {
            Some(sp) => {
                sp.gain = gain;
                sp.pan = pan;
                let (g, p, _) = sp.heard(listener);
                self.set_mix(g, p, fade);
            }
            None => self.set_mix(gain, pan, fade),
        }
    }

    /// New own pitch for a voice, spatial or not (ramped over `fade`).
    pub fn control_pitch(&mut self, pitch: f32, fade: u32, rate: u32, listener: &ListenerFrame) {
        match &mut self.spatial {
            Some(sp) => {
                sp.pitch = pitch;
                let (_, _, p) = sp.heard(listener);
                self.set_pitch(p, fade, rate);
            }
            None => self.set_pitch(pitch, fade, rate),
        }
    }

    /// Make the voice spatial with `emitter` (its current values become its own values).
    pub fn set_emitter(&mut self, emitter: Emitter, rate: u32) {
        match &mut self.spatial {
            Some(sp) => {
                sp.emitter = emitter;
                sp.dirty = true;
                // The newest value wins over a running glide.
                sp.glide = None;
            }
            None => {
                let pitch = self.pitch(rate);
                self.spatial = Some(Spatial {
                    emitter,
                    gain: self.cursor.gain,
                    pan: self.cursor.pan,
                    pitch,
                    seen: 0,
                    dirty: true,
                    glide: None,
                });
            }
        }
    }

    /// Move the voice's emitter to `emitter` over `frames` frames from frame `now`: its
    /// position along `curve`, re-evaluated on the spatial grid, every other field (velocity
    /// included) at once. A voice without an emitter gets this one at once.
    pub fn tween_emitter(
        &mut self,
        emitter: Emitter,
        frames: u32,
        curve: crate::fade::Curve,
        now: u64,
        rate: u32,
    ) {
        let Some(from) = self.spatial.map(|sp| sp.emitter.position) else {
            return self.set_emitter(emitter, rate);
        };
        self.set_emitter(
            Emitter {
                position: from,
                ..emitter
            },
            rate,
        );
        if let Some(sp) = self.spatial.as_mut().filter(|_| frames > 0) {
            sp.glide = Some(Glide {
                from,
                to: emitter.position,
                start: now,
                frames,
                curve,
            });
        } else if let Some(sp) = self.spatial.as_mut() {
            sp.emitter.position = emitter.position;
        }
    }

    /// Move a gliding emitter to where it is a quantum after `frame` (the evaluation there
    /// ramps to it over the quantum); whether it still glides after.
    pub fn move_emitter(&mut self, frame: u64, quantum: u64) -> bool {
        let Some(sp) = self.spatial.as_mut() else {
            return false;
        };
        let Some(g) = sp.glide else { return false };
        let at = frame + quantum;
        sp.emitter.position = crate::spatial::sanitize_position(g.at(at));
        sp.dirty = true;
        if at >= g.start + u64::from(g.frames) {
            sp.glide = None;
            return false;
        }
        true
    }

    /// Re-evaluate a spatial voice from `listener` (whose state is numbered `epoch`) if either
    /// moved since the last time, ramping to the result over `frames`.
    pub fn update_spatial(&mut self, listener: &ListenerFrame, epoch: u32, frames: u32, rate: u32) {
        let Some(sp) = &mut self.spatial else {
            return;
        };
        if !sp.dirty && sp.seen == epoch {
            return;
        }
        sp.dirty = false;
        sp.seen = epoch;
        let (g, p, pitch) = sp.heard(listener);
        if g.to_bits() != self.cursor.gain.to_bits() || p.to_bits() != self.cursor.pan.to_bits() {
            self.set_mix(g, p, frames);
        }
        let step = resample::step_for(self.cursor.sound_rate, rate, pitch);
        if step != self.cursor.step_target {
            self.set_pitch(pitch, frames, rate);
        }
    }

    /// New gain and pan; ramped while playing, remembered while paused.
    pub fn set_mix(&mut self, gain: f32, pan: f32, fade: u32) {
        if matches!(self.state, State::Stopping | State::Retiring | State::Idle) {
            return;
        }
        // The newest value wins over a running tween.
        if self.tween.take().is_some() {
            self.aimed = false;
        }
        self.cursor.gain = gain;
        self.cursor.pan = pan;
        if self.state == State::Playing {
            self.ramp_to_mix(fade);
        }
    }

    /// New pitch, ramped over `fade` frames.
    pub fn set_pitch(&mut self, pitch: f32, fade: u32, output_rate: u32) {
        if self.pitch_tween.take().is_some() {
            self.aimed = false;
        }
        self.glide_to(pitch, fade, output_rate);
    }

    /// Glide the pitch to `pitch` over `fade` frames (at once when 0).
    fn glide_to(&mut self, pitch: f32, fade: u32, output_rate: u32) {
        let c = &mut self.cursor;
        let target = resample::step_for(c.sound_rate, output_rate, pitch);
        c.step_target = target;
        if fade == 0 || target == c.step {
            c.step = target;
            c.step_left = 0;
        } else {
            c.step_delta = (target as i64 - c.step as i64) / fade as i64;
            c.step_left = fade;
        }
    }

    /// The left and right gains of `pan`: the emitter's [`PanLaw`] for a voice spatialised
    /// in the engine, the original players' balance law for the others.
    ///
    /// [`PanLaw`]: crate::spatial::PanLaw
    fn pan_gains(&self, pan: f32) -> (f32, f32) {
        match &self.spatial {
            Some(sp) => sp.emitter.pan_law.gains(pan),
            None => balance(pan),
        }
    }

    fn ramp_to_mix(&mut self, fade: u32) {
        if (self.fade.is_some() || self.tween.is_some()) && self.state == State::Playing {
            // The fade's next piece aims at the new values.
            self.aimed = false;
            return;
        }
        let (pl, pr) = self.pan_gains(self.cursor.pan);
        let gain = self.cursor.gain * self.level * self.mixed();
        self.cursor.left.set(gain * pl, fade);
        self.cursor.right.set(gain * pr, fade);
    }

    /// 1 for a voice in the mix, 0 for one leaving it or virtual (its ramps aim at silence).
    fn mixed(&self) -> f32 {
        if self.presence == Presence::Real {
            1.0
        } else {
            0.0
        }
    }

    /// The step the cursor moves by (or glides to), 32.32 frames of the sound per frame.
    pub fn step_target(&self) -> u64 {
        self.cursor.step_target
    }

    /// Whether the voice is virtual.
    pub fn is_virtual(&self) -> bool {
        matches!(self.presence, Presence::Virtual { .. })
    }

    /// What the voice would be heard at, before its bus: its gain (spatial attenuation and
    /// cone included), fade level and the louder side of its pan.
    pub fn audible(&self) -> f32 {
        let (pl, pr) = self.pan_gains(self.cursor.pan);
        self.cursor.gain * self.level * pl.max(pr)
    }

    /// Whether a fade or a tween moves the voice's level or gain now.
    pub fn enveloped(&self) -> bool {
        self.fade.is_some() || self.tween.is_some()
    }

    /// Whether the voice reads a stream (streams are never virtual: their rings must be read
    /// as they are fed).
    pub fn is_stream(&self) -> bool
    where
        H: SoundData,
    {
        self.sound.as_ref().is_some_and(|s| s.stream().is_some())
    }

    /// Leave the mix (a mixed voice): ramp to silence over `fade` frames, then be virtual (see
    /// [`left_mix`](Self::left_mix)). `true` (nothing changed) for a voice not heard yet,
    /// which can go virtual at once.
    pub fn leave(&mut self, fade: u32) -> bool {
        if !self.heard {
            return true;
        }
        self.presence = Presence::Leaving;
        self.ramp_to_mix(fade);
        false
    }

    /// Whether a leaving voice is silent (playing with its ramps at zero, or paused): it is
    /// virtual from here.
    pub fn left_mix(&self) -> bool {
        let silent = |r: &Ramp| r.value == 0.0 && r.target == 0.0;
        self.presence == Presence::Leaving
            && matches!(self.state, State::Playing | State::Paused)
            && silent(&self.cursor.left)
            && silent(&self.cursor.right)
    }

    /// Whether ranking may make the voice virtual: it is playing a static sound (a stream is
    /// always mixed, its ring must be read as it is fed; a pause or a stop keeps its place).
    pub fn is_candidate(&self) -> bool
    where
        H: SoundData,
    {
        self.state == State::Playing && !self.is_stream()
    }

    /// Whether the next spatial evaluation would look at this voice (its emitter or the
    /// listener moved since the last one).
    pub fn spatial_stale(&self, epoch: u32) -> bool {
        self.spatial.is_some_and(|sp| sp.dirty || sp.seen != epoch)
    }

    /// What a reader of the voice's status sees it as (see `status`).
    pub fn code(&self) -> u32 {
        match (self.state, self.presence) {
            (State::Pausing | State::Paused, _) => crate::status::PAUSED,
            (State::Stopping | State::Retiring | State::Idle, _) => crate::status::STOPPING,
            (State::Playing, Presence::Virtual { .. }) => crate::status::VIRTUAL,
            (State::Playing, _) => crate::status::PLAYING,
        }
    }

    /// Be virtual from frame `now` on: silent, its cursor standing until it is moved on.
    pub fn go_virtual(&mut self, now: u64) {
        self.presence = Presence::Virtual { since: now };
        self.cursor.left.jump(0.0);
        self.cursor.right.jump(0.0);
    }

    /// Join the mix again (a virtual voice already moved on to now), ramping in over `fade`.
    pub fn rejoin(&mut self, fade: u32) {
        self.presence = Presence::Real;
        if self.state == State::Playing {
            self.ramp_to_mix(fade);
        }
    }

    /// Move a virtual voice on to frame `now` (as a render would have); its cursor stands at
    /// `now` afterwards.
    pub fn catch_up(&mut self, now: u64) -> Outcome
    where
        H: SoundData,
    {
        let Presence::Virtual { since } = self.presence else {
            return Outcome::Live;
        };
        self.presence = Presence::Virtual { since: now };
        if now > since {
            return self.advance(now - since);
        }
        Outcome::Live
    }

    /// The frame by which a virtual voice standing at `now` must be moved on (`u64::MAX`:
    /// none): at or before its end (a one-shot running out, a stop's or a fade-out's
    /// landing), where its pitch glide lands (the end is estimated again from there), and
    /// where a pause lands. Waking early is harmless: moving on is exact whenever it happens.
    pub fn next_wake(&self, now: u64) -> u64
    where
        H: SoundData,
    {
        let c = &self.cursor;
        let due = match self.state {
            State::Pausing | State::Stopping => u64::from(c.left.left),
            State::Playing => {
                let mut due = u64::MAX;
                if let Some(f) = self.fade.filter(|f| f.stop) {
                    due = due.min(u64::from(f.frames - f.done.min(f.frames)));
                }
                if let Some(t) = self.pitch_tween {
                    due = due.min(u64::from(t.piece()));
                }
                if c.step_left > 0 {
                    due = due.min(u64::from(c.step_left));
                }
                if !c.looping {
                    let end = (self.sound.as_ref().map_or(0, |s| s.frames()) as u64) << 32;
                    let fastest = c.step.max(c.step_target).max(1);
                    due = due.min(end.saturating_sub(c.pos).div_ceil(fastest));
                }
                due
            }
            _ => u64::MAX,
        };
        // At least a frame on: a voice due now (a one-shot at its very end, a stop whose ramp
        // has run) is moved on by the next render, and the renderer's wake-up loop, which
        // runs while wake-ups are due at the current frame, never meets it again in the same
        // frame (a wake-up at `now` would spin there for ever).
        now.saturating_add(due.max(1))
    }

    /// Add this voice's next `out_l.len()` frames into the two planar buffers.
    pub fn mix(&mut self, out_l: &mut [f32], out_r: &mut [f32], interp: Interpolation) -> Outcome {
        let n = out_l.len();
        let mut off = 0;
        while off < n {
            let Some(piece) = self.piece_start() else {
                break;
            };
            let k = (piece as usize).min(n - off);
            let (l, r) = (&mut out_l[off..off + k], &mut out_r[off..off + k]);
            if self.mix_plain(l, r, interp) == Outcome::Ended {
                return Outcome::Ended;
            }
            off += k;
            if self.envelopes_ran(k as u32, piece) {
                return Outcome::Ended;
            }
        }
        if off == n {
            return Outcome::Live;
        }
        let (l, r) = (&mut out_l[off..], &mut out_r[off..]);
        self.mix_plain(l, r, interp)
    }

    /// Whether the next `n` frames of the voice can be mixed in a [tile](crate::tile): it
    /// plays a static mono `f32` sound at pitch 1, linearly, with steady gains, no fade,
    /// tween or glide, in the mix (not leaving it), every frame and the one after inside the
    /// sound. For such a voice [`mix`](Self::mix) adds exactly [`unit`](Self::unit)'s frames
    /// and then does what [`unit_ran`](Self::unit_ran) does.
    pub fn tiles(&self, n: usize, interp: Interpolation) -> bool {
        let c = &self.cursor;
        let plain = self.state == State::Playing
            && self.presence == Presence::Real
            && self.piece().is_none()
            && interp == Interpolation::Linear
            && c.step == resample::ONE
            && c.step_left == 0
            && c.left.is_settled()
            && c.right.is_settled();
        let Some(d) = self.mono_f32().filter(|_| plain) else {
            return false;
        };
        // The last frame read is `first + n`.
        (c.pos >> 32)
            .checked_add(n as u64 + 1)
            .is_some_and(|end| end <= d.len() as u64)
    }

    /// The samples of the voice's sound if it is a static mono `f32` one (the tiles' kind).
    fn mono_f32(&self) -> Option<&[f32]> {
        let sound = self.sound.as_ref()?;
        if sound.stream().is_some() || sound.channels() != Channels::Mono {
            return None;
        }
        match sound.samples() {
            Samples::F32(d) => Some(d),
            Samples::I16(_) => None,
        }
    }

    /// The voice's next `n` frames as a tile's unit; call only where [`tiles`](Self::tiles)
    /// said yes (anything else is an empty unit).
    pub fn unit(&self, n: usize) -> crate::tile::Unit<'_> {
        let Some(d) = self.mono_f32() else {
            return crate::tile::Unit::EMPTY;
        };
        let c = &self.cursor;
        let first = (c.pos >> 32) as usize;
        crate::tile::Unit {
            win: &d[first..first + n + 1],
            t: fraction(c.pos),
            l: c.left.value,
            r: c.right.value,
        }
    }

    /// The rest of mixing `n` frames of a voice that [`tiles`](Self::tiles), after its unit
    /// was mixed: the cursor moves on (within the sound, so nothing ends).
    pub fn unit_ran(&mut self, n: usize) {
        self.cursor.pos += (n as u64) << 32;
        self.heard |= n > 0;
    }

    fn mix_plain(
        &mut self,
        out_l: &mut [f32],
        out_r: &mut [f32],
        interp: Interpolation,
    ) -> Outcome {
        let Some(n) = self.frames_to_move(out_l.len() as u64) else {
            return Outcome::Live;
        };
        self.heard |= n > 0;
        let n = n as usize;
        let Some(sound) = self.sound.as_ref() else {
            return Outcome::Ended;
        };
        let (out_l, out_r) = (&mut out_l[..n], &mut out_r[..n]);
        let c = &mut self.cursor;
        let ran_out = if let Some(ring) = sound.stream() {
            c.stream::<true>(ring, out_l, out_r, n)
        } else {
            match (sound.samples(), sound.channels(), interp) {
                (Samples::I16(d), Channels::Mono, Interpolation::Linear) => {
                    c.run::<i16, 1, false>(d, out_l, out_r)
                }
                (Samples::I16(d), Channels::Stereo, Interpolation::Linear) => {
                    c.run::<i16, 2, false>(d, out_l, out_r)
                }
                (Samples::F32(d), Channels::Mono, Interpolation::Linear) => {
                    c.run::<f32, 1, false>(d, out_l, out_r)
                }
                (Samples::F32(d), Channels::Stereo, Interpolation::Linear) => {
                    c.run::<f32, 2, false>(d, out_l, out_r)
                }
                (Samples::I16(d), Channels::Mono, Interpolation::Cubic) => {
                    c.run::<i16, 1, true>(d, out_l, out_r)
                }
                (Samples::I16(d), Channels::Stereo, Interpolation::Cubic) => {
                    c.run::<i16, 2, true>(d, out_l, out_r)
                }
                (Samples::F32(d), Channels::Mono, Interpolation::Cubic) => {
                    c.run::<f32, 1, true>(d, out_l, out_r)
                }
                (Samples::F32(d), Channels::Stereo, Interpolation::Cubic) => {
                    c.run::<f32, 2, true>(d, out_l, out_r)
                }
            }
        };
        self.after_frames(ran_out)
    }
}

impl<H: SoundData> Voice<H> {
    /// Move the voice `frames` frames on without mixing, exactly as [`mix`](Self::mix) would:
    /// the same cursor, pitch glide, gain ramps, state changes and end. A static sound costs
    /// O(1) (its cursor moves in closed form); ramps cost at most their length; a stream
    /// voice consumes its ring frame by frame, as it would when mixed.
    pub fn advance(&mut self, frames: u64) -> Outcome {
        let mut done = 0u64;
        while done < frames {
            let Some(piece) = self.piece_start() else {
                break;
            };
            let k = u64::from(piece).min(frames - done);
            if self.advance_plain(k) == Outcome::Ended {
                return Outcome::Ended;
            }
            done += k;
            if self.envelopes_ran(k as u32, piece) {
                return Outcome::Ended;
            }
        }
        if done == frames {
            return Outcome::Live;
        }
        self.advance_plain(frames - done)
    }

    fn advance_plain(&mut self, frames: u64) -> Outcome {
        let Some(n) = self.frames_to_move(frames) else {
            return Outcome::Live;
        };
        self.heard |= n > 0;
        let Some(sound) = self.sound.as_ref() else {
            return Outcome::Ended;
        };
        let c = &mut self.cursor;
        let ran_out = if let Some(ring) = sound.stream() {
            c.stream::<false>(ring, &mut [], &mut [], n as usize)
        } else {
            let ran_out = c.skip(sound.frames() as u64, n);
            // Ramps move per frame (their values are running sums, as in the kernels), but
            // never for longer than they last.
            let k = n.min(u64::from(c.left.left)) as u32;
            c.left.advance(k);
            c.right.advance(k);
            ran_out
        };
        self.after_frames(ran_out)
    }
}

impl<H> Voice<H> {
    /// Whether a block moves the voice: playing, or fading to a pause or a stop.
    pub fn moves(&self) -> bool {
        matches!(
            self.state,
            State::Playing | State::Pausing | State::Stopping
        )
    }

    /// Of the next `frames` frames, how many move the voice: all while playing, up to the end
    /// of its fade while pausing or stopping, none (`None`) otherwise.
    fn frames_to_move(&self, frames: u64) -> Option<u64> {
        match self.state {
            State::Playing => Some(frames),
            State::Pausing | State::Stopping => Some(frames.min(u64::from(self.cursor.left.left))),
            _ => None,
        }
    }

    /// The state change at the end of a mix or an advance: a one-shot that ran out has ended;
    /// a pause or a stop whose fade landed holds or ends.
    fn after_frames(&mut self, ran_out: bool) -> Outcome {
        if ran_out {
            return Outcome::Ended;
        }
        match self.state {
            State::Pausing if self.cursor.left.is_settled() => self.state = State::Paused,
            State::Stopping if self.cursor.left.is_settled() => return Outcome::Ended,
            _ => {}
        }
        Outcome::Live
    }
}

impl Cursor {
    /// Move a static sound's cursor `n` frames on as the render loops do (render a frame,
    /// advance by the current step, then move the step's glide), in closed form; `true` if a
    /// one-shot ran out. Loops wrap by the sound's length.
    fn skip(&mut self, frames: u64, n: u64) -> bool {
        if frames == 0 {
            return true;
        }
        let end = u128::from(frames) << 32;
        if !self.looping && u128::from(self.pos) >= end {
            return true;
        }
        if self.step_left == 0 && frames < 1 << 32 {
            // No glide, and (nearly always) no overflow: the same result in 64 bits.
            let end = frames << 32;
            if let Some(pos) = n
                .checked_mul(self.step)
                .and_then(|t| t.checked_add(self.pos))
            {
                if self.looping {
                    self.pos = pos % end;
                    return false;
                }
                self.pos = pos;
                return pos >= end;
            }
        }
        let n128 = i128::from(n);
        let step0 = i128::from(self.step);
        let glide = i128::from(self.step_left);
        let delta = i128::from(self.step_delta);
        // Frame j (from 0) moves by step0 + j·delta while it glides, then by the target.
        let total = if glide == 0 {
            n128 * step0
        } else if n128 <= glide {
            n128 * step0 + delta * n128 * (n128 - 1) / 2
        } else {
            glide * step0
                + delta * glide * (glide - 1) / 2
                + (n128 - glide) * i128::from(self.step_target)
        };
        if glide > 0 {
            if n128 >= glide {
                self.step = self.step_target;
                self.step_left = 0;
            } else {
                self.step = (step0 + n128 * delta).max(1) as u64;
                self.step_left -= n as u32;
            }
        }
        let pos = u128::from(self.pos) + total.max(0) as u128;
        if self.looping {
            self.pos = (pos % end) as u64;
            false
        } else if pos >= end {
            self.pos = (pos.min(u128::from(u64::MAX))) as u64;
            true
        } else {
            self.pos = pos as u64;
            false
        }
    }

    /// Move a gliding pitch one frame on (the last frame of a glide lands on its target).
    #[inline(always)]
    fn glide_step(&mut self) {
        if self.step_left > 0 {
            self.step_left -= 1;
            self.step = if self.step_left == 0 {
                self.step_target
            } else {
                self.step.saturating_add_signed(self.step_delta).max(1)
            };
        }
    }

    /// Render from a stream ring; `true` once the stream has ended and everything queued was
    /// played. Reads only frames already written: when the next frame the interpolator needs
    /// is not there yet, the frame is silent (an underrun, counted) and the cursor waits.
    /// Streams interpolate linearly whatever the mixer's interpolation.
    /// With `MIX` false nothing is written (`out_l` and `out_r` may be empty) and `n` frames
    /// are consumed as they would be mixed; with `MIX`, `n` is `out_l.len()`.
    fn stream<const MIX: bool>(
        &mut self,
        ring: &dyn StreamSource,
        out_l: &mut [f32],
        out_r: &mut [f32],
        n: usize,
    ) -> bool {
        // Read `end` before the write index: a producer writes, then ends, so everything it
        // wrote before ending is counted in `avail`.
        let mut done = ring.is_ended();
        let mut avail = ring.readable();
        let mut ended = false;
        let (mut starved, mut stretches) = (0usize, 0usize);
        for k in 0..n {
            let idx = (self.pos >> 32) as usize;
            if idx + 1 >= avail && !done {
                // Out of frames: look again once (the producer may have written meanwhile).
                done = ring.is_ended();
                avail = ring.readable();
            }
            if idx + 1 < avail || (done && idx < avail) {
                if MIX {
                    let (a0, b0) = ring.frame(idx);
                    let (a1, b1) = if idx + 1 < avail {
                        ring.frame(idx + 1)
                    } else {
                        (0.0, 0.0)
                    };
                    let t = fraction(self.pos);
                    out_l[k] += linear(a0, a1, t) * self.left.value;
                    out_r[k] += linear(b0, b1, t) * self.right.value;
                }
                self.pos += self.step;
                self.glide_step();
                self.starved = false;
            } else if done {
                ended = true;
                break;
            } else {
                // Underrun: silence; a new stretch counts once, every frame counts.
                if !self.starved {
                    stretches += 1;
                }
                starved += 1;
                self.starved = true;
            }
            self.left.advance(1);
            self.right.advance(1);
        }
        if starved > 0 {
            ring.count_underrun(stretches, starved);
        }
        let whole = ((self.pos >> 32) as usize).min(avail);
        if whole > 0 {
            ring.release(whole);
            self.pos -= (whole as u64) << 32;
        }
        ended
    }

    /// Render into `out_l`/`out_r`; `true` if a one-shot ran out of frames.
    fn run<T: Pcm, const CH: usize, const CUBIC: bool>(
        &mut self,
        data: &[T],
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) -> bool {
        let frames = data.len() / CH;
        if frames == 0 {
            return true;
        }
        let end = (frames as u64) << 32;
        let (behind, ahead) = if CUBIC { (1, 2) } else { (0, 1) };
        let n = out_l.len();
        let mut done = 0;
        while done < n {
            if self.pos >= end {
                if !self.looping {
                    return true;
                }
                self.pos %= end;
            }
            let mut run = n - done;
            let ramp = !self.left.is_settled();
            if ramp {
                run = run.min(self.left.left as usize);
            }
            let idx = (self.pos >> 32) as usize;
            let safe = if self.step_left == 0 && idx >= behind && idx + ahead < frames {
                let limit = (((frames - 1 - ahead) as u64) << 32) | 0xFFFF_FFFF;
                ((limit - self.pos) / self.step + 1).min(run as u64) as usize
            } else {
                0
            };
            // While the pitch glides, a window the fastest step cannot overrun.
            let glide = if safe == 0
                && self.step_left > 0
                && !CUBIC
                && idx >= behind
                && idx + ahead < frames
            {
                let limit = (((frames - 1 - ahead) as u64) << 32) | 0xFFFF_FFFF;
                let fastest = self.step.max(self.step_target);
                ((limit - self.pos) / fastest + 1).min(run as u64) as usize
            } else {
                0
            };
            let (ol, or) = (&mut out_l[done..], &mut out_r[done..]);
            if glide > 0 {
                self.gliding_linear::<T, CH>(data, &mut ol[..glide], &mut or[..glide], ramp);
                done += glide;
            } else if safe > 0 && !CUBIC {
                // The hot path: steady pitch, linear interpolation, every frame inside the
                // sound (gains steady, or ramping in closed form). Same arithmetic as the
                // kernel, in a form that vectorises.
                if ramp {
                    self.steady_linear::<T, CH, true>(data, &mut ol[..safe], &mut or[..safe]);
                } else {
                    self.steady_linear::<T, CH, false>(data, &mut ol[..safe], &mut or[..safe]);
                }
                done += safe;
            } else if safe > 0 {
                let fetch = |i: i64| frame::<T, CH>(data, i as usize);
                if ramp {
                    self.kernel::<_, CUBIC, true>(fetch, &mut ol[..safe], &mut or[..safe]);
                } else {
                    self.kernel::<_, CUBIC, false>(fetch, &mut ol[..safe], &mut or[..safe]);
                }
                done += safe;
            } else {
                let looping = self.looping;
                let fetch = |i: i64| frame_at_edge::<T, CH>(data, frames, i, looping);
                if ramp {
                    self.kernel::<_, CUBIC, true>(fetch, &mut ol[..1], &mut or[..1]);
                } else {
                    self.kernel::<_, CUBIC, false>(fetch, &mut ol[..1], &mut or[..1]);
                }
                self.glide_step();
                done += 1;
            }
        }
        // A one-shot whose last frame was just rendered has ended now, not at the next block,
        // so a device reports it inactive as soon as its last sample is out.
        !self.looping && self.pos >= end
    }

    /// [`kernel`](Self::kernel) for linear interpolation at a steady pitch, over frames the
    /// caller proved are inside `data` (`pos` + `(n − 1)·step` + 1 frame) and, with `RAMP`,
    /// within the gain ramps. Bit-identical to the kernel: the same `a0 + (a1 − a0)·t`, the
    /// same gains (a ramp's `start + f32(done + k)·step`), products and sums, in the same order.
    #[inline(always)]
    fn steady_linear<T: Pcm, const CH: usize, const RAMP: bool>(
        &mut self,
        data: &[T],
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) {
        let n = out_l.len().min(out_r.len());
        debug_assert!(!RAMP || (self.left.done == self.right.done && n <= self.left.left as usize));
        let gains = self.gains(RAMP);
        self.steady_frames::<T, CH, RAMP>(data, gains, out_l, out_r);
        if RAMP {
            self.left.advance(n as u32);
            self.right.advance(n as u32);
        }
    }

    /// The gains of the frames from here: the ramps' closed form (`ramp`), or steady.
    fn gains(&self, ramp: bool) -> gather::Gains {
        if ramp {
            gather::Gains {
                l: self.left.start,
                r: self.right.start,
                dl: self.left.step,
                dr: self.right.step,
                k0: self.left.done,
                ramp: true,
            }
        } else {
            gather::Gains::steady(self.left.value, self.right.value)
        }
    }

    /// The frames of [`steady_linear`](Self::steady_linear), at `gains`.
    #[inline(always)]
    fn steady_frames<T: Pcm, const CH: usize, const RAMP: bool>(
        &mut self,
        data: &[T],
        gains: gather::Gains,
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) {
        let n = out_l.len().min(out_r.len());
        let at = |k: usize| {
            if RAMP {
                gains.at(k as u32)
            } else {
                (gains.l, gains.r)
            }
        };
        let first = (self.pos >> 32) as usize;
        if self.step == resample::ONE {
            // Pitch 1: a fixed fraction over contiguous frames.
            let t = fraction(self.pos);
            let win = &data[first * CH..(first + n + 1) * CH];
            if CH == 1 {
                // Mono f32: eight frames a step where the CPU has AVX2 (four on NEON).
                let wide = match T::as_f32(win) {
                    Some(w) => gather::unit_mono(w, t, gains, out_l, out_r),
                    None => 0,
                };
                for (k, ((ol, or), w)) in out_l[wide..]
                    .iter_mut()
                    .zip(out_r[wide..].iter_mut())
                    .zip(win[wide..].windows(2))
                    .enumerate()
                {
                    let (gl, gr) = at(wide + k);
                    let s = linear(w[0].to_f32(), w[1].to_f32(), t);
                    *ol += s * gl;
                    *or += s * gr;
                }
            } else {
                for (k, ((ol, or), w)) in out_l
                    .iter_mut()
                    .zip(out_r.iter_mut())
                    .zip(win.windows(4).step_by(2))
                    .enumerate()
                {
                    let (gl, gr) = at(k);
                    *ol += linear(w[0].to_f32(), w[2].to_f32(), t) * gl;
                    *or += linear(w[1].to_f32(), w[3].to_f32(), t) * gr;
                }
            }
            self.pos += (n as u64) << 32;
            return;
        }
        // Any other pitch: positions relative to a window holding every frame needed.
        let step = self.step;
        let base = (first as u64) << 32;
        let last = ((self.pos + (n as u64 - 1) * step) >> 32) as usize;
        let win = &data[first * CH..(last + 2) * CH];
        let mut p = self.pos - base;
        let (mut out_l, mut out_r) = (out_l, out_r);
        let mut skip = 0;
        if let (1, Some(rest)) = (CH, T::as_f32(&data[first..])) {
            // Mono f32 (the common case): several frames at a time, the same bits. It gets
            // the rest of the sound, not just `win`: its wide loads may run past the last
            // frame needed (and ignore what they read there), so a window that ends at the
            // sound's end is the only one that makes it stop early.
            let (done, end) = gather::linear_mono(rest, p, step, gains, out_l, out_r);
            p = end;
            out_l = &mut out_l[done..];
            out_r = &mut out_r[done..];
            skip = done;
        }
        for (k, (ol, or)) in out_l.iter_mut().zip(out_r.iter_mut()).enumerate() {
            let (gl, gr) = at(skip + k);
            let j = (p >> 32) as usize * CH;
            let t = fraction(p);
            if CH == 1 {
                let s = linear(win[j].to_f32(), win[j + 1].to_f32(), t);
                *ol += s * gl;
                *or += s * gr;
            } else {
                *ol += linear(win[j].to_f32(), win[j + 2].to_f32(), t) * gl;
                *or += linear(win[j + 1].to_f32(), win[j + 3].to_f32(), t) * gr;
            }
            p += step;
        }
        self.pos = base + p;
    }

    /// Linear interpolation while the pitch glides (and the gains may ramp), over frames the
    /// caller proved are inside `data`: the per-frame sequence of the edge path (render the
    /// frame, advance by the current step, then move the step), without its per-frame checks.
    fn gliding_linear<T: Pcm, const CH: usize>(
        &mut self,
        data: &[T],
        out_l: &mut [f32],
        out_r: &mut [f32],
        ramp: bool,
    ) {
        let (mut out_l, mut out_r) = (out_l, out_r);
        if let (1, Some(win)) = (CH, T::as_f32(data)) {
            // Mono f32: the frames of the glide in closed form, in lanes; the same bits.
            let fast = self.glide_in_lanes(win, out_l, out_r, ramp);
            out_l = &mut out_l[fast..];
            out_r = &mut out_r[fast..];
        }
        let (left, right) = (self.left, self.right);
        let n = out_l.len().min(out_r.len());
        for (k, (ol, or)) in out_l.iter_mut().zip(out_r.iter_mut()).enumerate() {
            let i = (self.pos >> 32) as usize;
            let t = fraction(self.pos);
            let (a0, b0) = frame::<T, CH>(data, i);
            let (a1, b1) = frame::<T, CH>(data, i + 1);
            let (gl, gr) = if ramp {
                (left.within(k as u32), right.within(k as u32))
            } else {
                (left.value, right.value)
            };
            *ol += linear(a0, a1, t) * gl;
            *or += linear(b0, b1, t) * gr;
            self.pos += self.step;
            self.glide_step();
        }
        if ramp {
            self.left.advance(n as u32);
            self.right.advance(n as u32);
        }
    }

    /// The frames of [`gliding_linear`](Self::gliding_linear) that are still gliding, for a
    /// mono f32 sound: [`gather::linear_mono_glide`] with the cursor and the ramps moved on as
    /// the frame-by-frame loop moves them. Returns the frames mixed.
    fn glide_in_lanes(
        &mut self,
        win: &[f32],
        out_l: &mut [f32],
        out_r: &mut [f32],
        ramp: bool,
    ) -> usize {
        let n = out_l.len().min(out_r.len()).min(self.step_left as usize);
        // Steps move linearly from `step` towards the target, so checking both ends of the
        // frames shows no step reaches the floor of 1 (where the running sum would clamp).
        let last = self.step as i64 + self.step_delta * (n as i64 - 1).max(0);
        if n < 4 || last < 1 {
            return 0;
        }
        let gains = self.gains(ramp);
        let (o_l, o_r) = (&mut out_l[..n], &mut out_r[..n]);
        self.pos =
            gather::linear_mono_glide(win, self.pos, self.step, self.step_delta, gains, o_l, o_r);
        self.step_left -= n as u32;
        self.step = if self.step_left == 0 {
            self.step_target
        } else {
            (self.step as i64 + self.step_delta * n as i64) as u64
        };
        if ramp {
            self.left.advance(n as u32);
            self.right.advance(n as u32);
        }
        n
    }

    /// The inner loop: interpolate, apply gains, accumulate, advance. `RAMP` callers keep the
    /// slice within the gain ramp.
    #[inline(always)]
    fn kernel<F: Fn(i64) -> (f32, f32), const CUBIC: bool, const RAMP: bool>(
        &mut self,
        fetch: F,
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) {
        let mut pos = self.pos;
        let step = self.step;
        let (left, right) = (self.left, self.right);
        for (k, (ol, or)) in out_l.iter_mut().zip(out_r.iter_mut()).enumerate() {
            let (gl, gr) = if RAMP {
                (left.within(k as u32), right.within(k as u32))
            } else {
                (left.value, right.value)
            };
            let i = (pos >> 32) as i64;
            let t = fraction(pos);
            let (l, r) = if CUBIC {
                let (am, bm) = fetch(i - 1);
                let (a0, b0) = fetch(i);
                let (a1, b1) = fetch(i + 1);
                let (a2, b2) = fetch(i + 2);
                (cubic(am, a0, a1, a2, t), cubic(bm, b0, b1, b2, t))
            } else {
                let (a0, b0) = fetch(i);
                let (a1, b1) = fetch(i + 1);
                (linear(a0, a1, t), linear(b0, b1, t))
            };
            *ol += l * gl;
            *or += r * gr;
            pos += step;
        }
        self.pos = pos;
        if RAMP {
            let k = out_l.len().min(out_r.len()) as u32;
            self.left.advance(k);
            self.right.advance(k);
        }
    }
}
