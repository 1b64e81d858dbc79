//! The typed layer over the original-shaped facets: unit types, a bus handle resolved once,
//! a builder for playing and a channel handle with tweened setters.

use mixer_core::BusId;
use mixer_core::fade::Curve;
use mixer_core::spatial::Emitter;

use crate::backend::engine::{Backend, ChannelInfo};
use crate::backend::{
    ChannelId, Driver, Fading, PlayParams, Playback, Scheduling, Tween, Tweening, VoiceControl,
};
use crate::error::AudioError;
use crate::sound::Sound;

pub use mixer_core::Decibels;

/// A balance pan: −1 is left, 0 the centre, 1 right (clamped where it is used).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Pan(pub f32);

impl Pan {
    /// Hard left.
    pub const LEFT: Self = Self(-1.0);
    /// The centre.
    pub const CENTER: Self = Self(0.0);
    /// Hard right.
    pub const RIGHT: Self = Self(1.0);
}

/// A pitch as a resampling ratio: 1 is the sound's own, 2 an octave up (clamped to
/// `[0.1, 16]` where it is used).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Pitch(pub f32);

impl Pitch {
    /// The sound's own pitch.
    pub const UNITY: Self = Self(1.0);

    /// `semitones` up (down when negative): `2^(semitones/12)`.
    ///
    /// ```
    /// assert!((simvx_audio::Pitch::semitones(12.0).0 - 2.0).abs() < 1e-6);
    /// ```
    pub fn semitones(semitones: f32) -> Self {
        Self(libm::exp2f(semitones / 12.0))
    }
}

impl Default for Pitch {
    fn default() -> Self {
        Self::UNITY
    }
}

/// A length of time in seconds.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Seconds(pub f64);

impl Tween {
    /// A linear tween over `seconds`, from now.
    pub fn seconds(seconds: f64) -> Self {
        Self {
            seconds,
            ..Self::default()
        }
    }

    /// This tween along `curve`.
    pub fn curve(self, curve: Curve) -> Self {
        Self { curve, ..self }
    }

    /// This tween starting at frame `frame` of the backend's timeline.
    pub fn starting_at(self, frame: u64) -> Self {
        Self {
            start_at: frame,
            ..self
        }
    }
}

/// A bus, resolved from its name once ([`Backend::bus`]). It stays valid while the bus is in
/// the layout; once `sync_bus_layout` removes it, calls through the handle are refused with
/// [`AudioError::UnknownBus`] (even if a new bus later takes its slot).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BusHandle {
    id: BusId,
    epoch: u32,
}

impl<D: Driver> Backend<D> {
    /// The handle of the bus called `name`.
    ///
    /// # Errors
    /// [`AudioError::UnknownBus`], [`AudioError::Shutdown`].
    pub fn bus(&mut self, name: &str) -> Result<BusHandle, AudioError> {
        let mixer = self.live_mixer()?;
        let id = mixer.bus_id(name)?;
        Ok(BusHandle {
            id,
            epoch: mixer.bus_epochs[id.index()],
        })
    }

    /// The name of the bus `bus` names, if it still exists.
    pub fn bus_name(&self, bus: BusHandle) -> Option<String> {
        self.resolve(bus).ok().map(|b| self.mixer().bus_name(b))
    }

    /// Start building a play of `sound` (the original's defaults: 0 dB, centred, pitch 1, on
    /// Master, once, now); [`Play::start`] starts it.
    pub fn play<'a>(&'a mut self, sound: &'a Sound) -> Play<'a, D> {
        Play {
            backend: self,
            sound,
            params: PlayParams::default(),
            bus: None,
            at: mixer_core::ASAP,
        }
    }

    /// A handle on channel `id` (its calls are no-ops once it ended, as the facets' are).
    pub fn channel(&mut self, id: ChannelId) -> Channel<'_, D> {
        Channel { backend: self, id }
    }

    fn resolve(&self, bus: BusHandle) -> Result<BusId, AudioError> {
        let mixer = self.mixer();
        let i = bus.id.index();
        if mixer.buses.get(i).is_some_and(Option::is_some) && mixer.bus_epochs[i] == bus.epoch {
            Ok(bus.id)
        } else {
            Err(AudioError::UnknownBus {
                name: "(a bus the layout removed)".into(),
                available: mixer.bus_names(),
            })
        }
    }
}

/// A play being built ([`Backend::play`]).
///
/// ```
/// use simvx_audio::{AudioConfig, Decibels, OfflineBackend, Pan, Pitch, Seconds, Sound, Tween};
///
/// let mut audio = OfflineBackend::new(&AudioConfig::default())?;
/// let sfx = audio.bus("SFX")?; // resolved once
/// let beep = Sound::tone(440.0, 0.5, 1.0, 48_000, 1)?;
/// let id = audio
///     .play(&beep)
///     .bus(sfx)
///     .volume(Decibels(-6.0))
///     .pan(Pan(-0.25))
///     .pitch(Pitch::semitones(7.0))
///     .priority(200)
///     .looping()
///     .from(Seconds(0.25))
///     .start()?;
/// audio.render_frames(4_800);
/// // Duck it by 12 dB over half a second, then read it back.
/// audio
///     .channel(id)
///     .set_volume(Decibels(-18.0), Tween::seconds(0.5))?;
/// let info = audio.channel(id).info().expect("playing");
/// assert_eq!((info.volume_db, info.bus.as_str()), (-18.0, "SFX"));
/// # Ok::<(), simvx_audio::AudioError>(())
/// ```
#[derive(Debug)]
#[must_use = "a play does nothing until `start`"]
pub struct Play<'a, D: Driver> {
    backend: &'a mut Backend<D>,
    sound: &'a Sound,
    params: PlayParams,
    bus: Option<BusHandle>,
    at: u64,
}

impl<D: Driver> Play<'_, D> {
    /// On `bus`.
    pub fn bus(mut self, bus: BusHandle) -> Self {
        self.bus = Some(bus);
        self
    }

    /// At `volume` (−80 dB and below is silence).
    pub fn volume(mut self, volume: Decibels) -> Self {
        self.params.volume_db = volume.0;
        self
    }

    /// Panned to `pan`.
    pub fn pan(mut self, pan: Pan) -> Self {
        self.params.pan = pan.0;
        self
    }

    /// At `pitch`.
    pub fn pitch(mut self, pitch: Pitch) -> Self {
        self.params.pitch = pitch.0;
        self
    }

    /// Looping, indefinitely.
    pub fn looping(mut self) -> Self {
        self.params.looping = true;
        self
    }

    /// From `offset` into the sound.
    pub fn from(mut self, offset: Seconds) -> Self {
        self.params.from_position = offset.0;
        self
    }

    /// With `priority` (0 to 255, default 128: see
    /// [`AudioConfig::real_voices`](crate::AudioConfig::real_voices)).
    pub fn priority(mut self, priority: u8) -> Self {
        self.params.priority = priority;
        self
    }

    /// Spatialised in the engine from `emitter` and the listener.
    pub fn emitter(mut self, emitter: Emitter) -> Self {
        self.params.emitter = Some(emitter);
        self
    }

    /// Starting at frame `frame` of the backend's timeline (see
    /// [`Scheduling::now_frames`]), exactly.
    pub fn start_at(mut self, frame: u64) -> Self {
        self.at = frame;
        self
    }

    /// Start it.
    ///
    /// # Errors
    /// As [`Playback::play_audio`], and [`AudioError::UnknownBus`] for a handle whose bus
    /// was removed.
    pub fn start(self) -> Result<ChannelId, AudioError> {
        let bus = match self.bus {
            Some(h) => self.backend.resolve(h)?,
            None => BusId::MASTER,
        };
        self.backend.play_on(self.sound, &self.params, bus, self.at)
    }
}

/// A handle on one channel ([`Backend::channel`]).
#[derive(Debug)]
pub struct Channel<'a, D: Driver> {
    backend: &'a mut Backend<D>,
    id: ChannelId,
}

impl<D: Driver> Channel<'_, D> {
    /// Its id.
    pub fn id(&self) -> ChannelId {
        self.id
    }

    /// What it is doing, its own level, pan, pitch, bus and position; `None` once it ended.
    pub fn info(&self) -> Option<ChannelInfo> {
        self.backend.channel_info(self.id)
    }

    /// Whether it is playing or paused.
    pub fn is_active(&mut self) -> bool {
        self.backend.is_channel_active(self.id)
    }

    /// Its volume to `volume` along `tween` (a zero-length tween: the short de-click ramp).
    ///
    /// # Errors
    /// As [`Tweening::tween_audio_2d`].
    pub fn set_volume(&mut self, volume: Decibels, tween: Tween) -> Result<(), AudioError> {
        self.backend
            .tween(self.id, Some(volume.0), None, None, tween)
    }

    /// Its pan to `pan` along `tween`.
    ///
    /// # Errors
    /// As [`Tweening::tween_audio_2d`].
    pub fn set_pan(&mut self, pan: Pan, tween: Tween) -> Result<(), AudioError> {
        self.backend.tween(self.id, None, Some(pan.0), None, tween)
    }

    /// Its pitch to `pitch` along `tween`.
    ///
    /// # Errors
    /// As [`Tweening::tween_pitch`].
    pub fn set_pitch(&mut self, pitch: Pitch, tween: Tween) -> Result<(), AudioError> {
        self.backend.tween_pitch(self.id, pitch.0, tween)
    }

    /// Fade it out over `length` along `curve`, then stop it.
    ///
    /// # Errors
    /// As [`Fading::fade_out`].
    pub fn fade_out(&mut self, length: Seconds, curve: Curve) -> Result<(), AudioError> {
        self.backend.fade_out(self.id, length.0, curve)
    }

    /// Stop it (with the short fade), at frame `frame` of the timeline (0: now).
    ///
    /// # Errors
    /// As [`Scheduling::stop_audio_at`].
    pub fn stop_at(&mut self, frame: u64) -> Result<(), AudioError> {
        self.backend.stop_audio_at(self.id, frame)
    }

    /// Pause it, holding its cursor.
    ///
    /// # Errors
    /// As [`Playback::pause_audio`].
    pub fn pause(&mut self) -> Result<(), AudioError> {
        self.backend.pause_audio(self.id)
    }

    /// Resume it from its cursor.
    ///
    /// # Errors
    /// As [`Playback::resume_audio`].
    pub fn resume(&mut self) -> Result<(), AudioError> {
        self.backend.resume_audio(self.id)
    }

    /// Move it to `bus`.
    ///
    /// # Errors
    /// As [`VoiceControl::move_to_bus`], and [`AudioError::UnknownBus`] for a handle whose
    /// bus was removed.
    pub fn move_to(&mut self, bus: BusHandle) -> Result<(), AudioError> {
        let b = self.backend.resolve(bus)?;
        let name = self.backend.mixer().bus_name(b);
        self.backend.move_to_bus(self.id, &name)
    }

    /// Move its cursor to `to` in its sound.
    ///
    /// # Errors
    /// As [`VoiceControl::seek`].
    pub fn seek(&mut self, to: Seconds) -> Result<(), AudioError> {
        self.backend.seek(self.id, to.0)
    }
}
