//! [`Backend`]: the mixer over a driver, and the one implementation of every facet.

use platform_cpal::{DeviceError, Timing};

use crate::backend::driver::{
    Clock, Device, DeviceEvent, Driver, Live, LiveDriver, NullClock, NullLive, Offline,
};
use crate::backend::facet::streaming_missing;
use crate::backend::{
    BackendInfo, BackendKind, Buses, ChannelId, Fading, HasStreams, Mixer, PlayParams, Playback,
    Scheduling, StreamDraining, StreamFacets, StreamPacing, StreamStats, Streaming, Tween,
    Tweening, VoiceControl,
};
use crate::capability::CapabilitySet;
use crate::config::AudioConfig;
use crate::error::{AudioError, check_emitter, not_nan};
use crate::listener::{Field, Listener};
use crate::sound::{Container, Sound};
use crate::stream::{Feed, Source, StreamState};

/// A backend: the mixer (voices, buses, streams, the listener) over a [`Driver`] that decides
/// how samples leave. Every facet is implemented here, once, for every driver.
///
/// - [`make_backend`](crate::make_backend) returns a `Backend` (= `Backend<Live>`): native,
///   legacy or null, chosen at run time.
/// - [`OfflineBackend`] renders when pulled, bit-identically; [`NullBackend`] advances on a
///   clock with no mixing; [`DeviceBackend`] plays through the default output device.
///
/// Calls are never refused because the audio thread is behind: continuous parameters
/// coalesce (the newest value wins) and discrete commands wait on this thread, in order.
#[derive(Debug)]
pub struct Backend<D: Driver = Live> {
    pub(crate) mixer: Mixer,
    pub(crate) driver: D,
}

/// A backend rendered on demand: for tests, tools and the CLI's `render`.
///
/// Calls take effect at the next rendered frame, so a driver that renders up to an event's
/// frame and then makes the event's calls applies it at exactly that frame; the same calls at
/// the same frames give the same bits on every run, every machine and every block size, file
/// streams included (the render waits for their decoders).
///
/// ```
/// use simvx_audio::{AudioConfig, OfflineBackend, PlayParams, Playback, Sound};
/// let mut backend = OfflineBackend::new(&AudioConfig::default()).unwrap();
/// let tone = Sound::tone(440.0, 0.5, 0.1, 48_000, 1).unwrap();
/// let id = backend.play_audio(&tone, &PlayParams::default()).unwrap();
/// let block = backend.render_frames(4_800);
/// assert_eq!(block.len(), 9_600);
/// assert!(!backend.is_channel_active(id)); // 0.1 s played out
/// ```
pub type OfflineBackend = Backend<Offline>;

/// The null backend on its own: the core advanced on a clock with no mixing (SPEC §6).
/// Channels live and end exactly as on a device; nothing is heard; bus names are checked as
/// on every backend; it has no streaming facet.
///
/// ```
/// use simvx_audio::{AudioConfig, NullBackend, PlayParams, Playback, Sound};
/// let mut null = NullBackend::new(&AudioConfig::default()).unwrap();
/// let beep = Sound::tone(440.0, 0.5, 1.0, 48_000, 1).unwrap();
/// let id = null.play_audio(&beep, &PlayParams::default()).unwrap();
/// null.clock().advance(0.5);
/// assert!((null.get_playback_position(id) - 0.5).abs() < 1e-4);
/// null.clock().advance(0.5);
/// assert!(!null.is_channel_active(id));
/// ```
pub type NullBackend = Backend<Clock>;

/// A backend on the default output device, opened with a given timing.
pub type DeviceBackend = Backend<Device>;

impl<D: Driver> Backend<D> {
    /// Which backend this is, its device, buffer, latency, rate and format (after a device
    /// loss: what it runs on now).
    pub fn info(&self) -> &BackendInfo {
        self.driver.info()
    }

    /// Which backend this is.
    pub fn kind(&self) -> BackendKind {
        self.info().kind
    }

    /// The driver beneath the mixer.
    pub fn driver(&self) -> &D {
        &self.driver
    }

    /// The driver beneath the mixer, to control it (simulate a device loss, say).
    pub fn driver_mut(&mut self) -> &mut D {
        &mut self.driver
    }

    /// The device driver's state (device clock, underruns, reopens), when this backend plays
    /// through a device (native or legacy).
    pub fn device(&self) -> Option<&Device> {
        self.driver.device()
    }

    /// What happened to the device since the last call, oldest first: lost, reopened, fell
    /// back to silent, back on a device, format changed, rerouted, lengthened. Each was also
    /// logged as a warning when it happened. A null backend from
    /// [`make_backend`](crate::make_backend) reports `FellBackToSilent` first, and
    /// `BackOnDevice` when it moves onto a device that appeared.
    pub fn take_device_events(&mut self) -> Vec<DeviceEvent> {
        if !self.mixer.shut_down {
            self.driver.before(&mut self.mixer);
        }
        self.driver.take_events()
    }

    /// The device driver's controls (loss simulation), when this backend plays through a
    /// device.
    pub fn as_device(&mut self) -> Option<&mut Device> {
        self.driver.device_mut()
    }

    /// The listener as last set.
    pub fn listener(&self) -> &Listener {
        self.mixer.listener()
    }

    /// Voices in use at once, at most.
    pub fn voice_capacity(&self) -> usize {
        self.mixer.capacity()
    }

    /// Voices mixed and virtual as of the audio thread's last block, and plays that would
    /// find a voice now (see [`AudioConfig::real_voices`](crate::AudioConfig::real_voices)).
    pub fn voice_counts(&self) -> mixer_core::VoiceCounts {
        self.mixer.controller.voice_counts()
    }

    /// What the channel is doing (playing, virtual, paused or stopping) as of the audio
    /// thread's last block; `None` once it ended, or for an id this backend never issued.
    pub fn voice_state(&self, id: ChannelId) -> Option<mixer_core::VoiceState> {
        let v = id.voice(self.mixer.tag)?;
        self.mixer.controller.voice_state(v)
    }

    /// Non-finite samples (NaN, ±∞) the audio thread found in a bus or the output and
    /// replaced by silence, so far (saturating at 2³² − 1). Always 0 for sounds this crate
    /// made, whose samples are held to [`MAX_SAMPLE`](crate::MAX_SAMPLE); a count above 0
    /// means a mix overflowed (say, effect gains far past any sane setting), and the bus
    /// whose chain made it had that chain's state reset rather than ringing NaN for ever.
    pub fn scrubbed(&self) -> u32 {
        self.mixer.controller.scrubbed()
    }

    /// The level meter of the bus called `name` (after its effects and its level): peak and
    /// RMS of the last 50 ms window, linear and in dBFS (`MeterReading::peak_db`); `windows`
    /// is 0 before the first window (or with `AudioConfig::meters` off).
    ///
    /// # Errors
    /// [`AudioError::UnknownBus`].
    pub fn meter(&self, name: &str) -> Result<mixer_core::MeterReading, AudioError> {
        let bus = self.mixer.bus_id(name)?;
        Ok(self.mixer.controller.meter(bus).unwrap_or_default())
    }

    /// Start copying the output (stereo, after every bus) into a new [`Tap`](crate::Tap) of
    /// `seconds` of room, from the audio thread's next block; it replaces a tap opened before.
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`] for a length that is not positive and at most an
    /// hour, [`AudioError::Shutdown`].
    pub fn open_tap(&mut self, seconds: f64) -> Result<crate::Tap, AudioError> {
        self.tap_at(None, seconds)
    }

    /// Start copying bus `name` (stereo, after its effects and its level: what it sends on,
    /// and what its [`meter`](Self::meter) reads) into a new [`Tap`](crate::Tap), as
    /// [`open_tap`](Self::open_tap) does the output; one tap at a time (this replaces an
    /// output tap, and the reverse). Feed a [`Loudness`](crate::Loudness) with it for the
    /// bus's EBU R128 loudness.
    ///
    /// # Errors
    /// [`AudioError::UnknownBus`], and as [`open_tap`](Self::open_tap).
    pub fn open_bus_tap(&mut self, name: &str, seconds: f64) -> Result<crate::Tap, AudioError> {
        self.tap_at(Some(name), seconds)
    }

    fn tap_at(&mut self, bus: Option<&str>, seconds: f64) -> Result<crate::Tap, AudioError> {
        if !(seconds > 0.0 && seconds <= 3600.0) {
            return Err(AudioError::InvalidParameter {
                name: "seconds",
                reason: format!("{seconds} is not in (0, 3600]"),
            });
        }
        let bus = bus.map(|name| self.mixer.bus_id(name)).transpose()?;
        let rate = self.info().sample_rate;
        let tap = crate::Tap::new((seconds * f64::from(rate)).ceil() as usize, rate);
        let mixer = self.live()?;
        let ring = Some(crate::stream::Source::Stream(tap.ring()));
        let r = match bus {
            Some(bus) => mixer.controller.set_bus_tap(ring, bus),
            None => mixer.controller.set_tap(ring),
        };
        r.map_err(|e| mixer.err(e))?;
        Ok(tap)
    }

    /// Stop copying the output into the tap.
    ///
    /// # Errors
    /// [`AudioError::Shutdown`].
    pub fn close_tap(&mut self) -> Result<(), AudioError> {
        let mixer = self.live()?;
        let r = mixer.controller.set_tap(None);
        r.map_err(|e| mixer.err(e))
    }

    /// Output frames the tap had no room for, so far.
    pub fn tap_dropped(&self) -> u32 {
        self.mixer.controller.tap_dropped()
    }

    /// The names of the buses, sorted.
    pub fn bus_names(&self) -> Vec<String> {
        self.mixer.bus_names()
    }

    /// The output's level meter (what the device gets), as [`meter`](Self::meter).
    pub fn output_meter(&self) -> mixer_core::MeterReading {
        self.mixer.controller.output_meter()
    }

    /// The channel as one view: its state, its own level, pan and pitch as last asked for
    /// (spatial attenuation and doppler not included), its bus, priority and position;
    /// `None` once it ended.
    pub fn channel_info(&self, id: ChannelId) -> Option<ChannelInfo> {
        let v = self.mixer.controller.voice(id.voice(self.mixer.tag)?)?;
        Some(ChannelInfo {
            state: v.state,
            volume_db: v.volume_db,
            pan: v.pan,
            pitch: v.pitch,
            bus: self.mixer.bus_name(v.bus),
            priority: v.priority,
            position: v.position,
        })
    }

    /// Discrete commands waiting on this thread for the audio thread to take them (0 unless
    /// the audio thread fell behind a burst).
    pub fn pending_commands(&self) -> usize {
        self.mixer.controller.pending_commands()
    }

    /// The streaming facet, where this backend has one (null never does).
    pub fn streaming(&mut self) -> Option<&mut dyn Streaming> {
        self.driver.has_streams().then_some(self)
    }

    /// The pacing facet, where this backend has one.
    pub fn stream_pacing(&mut self) -> Option<&mut dyn StreamPacing> {
        self.driver.has_streams().then_some(self)
    }

    /// The draining facet, where this backend has one.
    pub fn stream_draining(&mut self) -> Option<&mut dyn StreamDraining> {
        self.driver.has_streams().then_some(self)
    }

    /// The streaming facet, or [`AudioError::Capability`] naming what the backend offers.
    ///
    /// # Errors
    /// [`AudioError::Capability`] when the backend has no streaming facet.
    pub fn require_streaming(&mut self) -> Result<&mut dyn Streaming, AudioError> {
        let missing = streaming_missing(self.kind(), self.list_capabilities());
        self.streaming().ok_or(missing)
    }

    /// Take the device watcher's news now (what every call does first: the device now
    /// playing, its events; a null backend moves onto a device that appeared), without a
    /// call of its own. Never waits on the device. No-op after shutdown.
    pub fn maintain(&mut self) {
        if !self.mixer.shut_down {
            self.driver.before(&mut self.mixer);
        }
    }

    /// The mixer as it stands (no driver turn).
    pub(crate) fn mixer(&self) -> &Mixer {
        &self.mixer
    }

    /// [`live`](Self::live), for the typed layer.
    pub(crate) fn live_mixer(&mut self) -> Result<&mut Mixer, AudioError> {
        self.live()
    }

    /// The mixer, after the driver's turn (a lost device recovers, a clock catches up), or
    /// [`AudioError::Shutdown`].
    fn live(&mut self) -> Result<&mut Mixer, AudioError> {
        if self.mixer.shut_down {
            return Err(AudioError::Shutdown);
        }
        self.driver.before(&mut self.mixer);
        Ok(&mut self.mixer)
    }

    /// The mixer for a query: after the driver's turn, or `None` after shutdown.
    fn query(&mut self) -> Option<&mut Mixer> {
        if self.mixer.shut_down {
            return None;
        }
        self.driver.before_query(&mut self.mixer);
        Some(&mut self.mixer)
    }
}

/// A channel as [`Backend::channel_info`] reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelInfo {
    /// Playing, virtual, paused or stopping.
    pub state: mixer_core::VoiceState,
    /// Its own level in dB (−80 is silence).
    pub volume_db: f32,
    /// Its own balance pan.
    pub pan: f32,
    /// Its own pitch.
    pub pitch: f32,
    /// The name of the bus it plays into.
    pub bus: String,
    /// Its priority.
    pub priority: u8,
    /// Its cursor in seconds of its sound.
    pub position: f64,
}

impl<D: Driver> Scheduling for Backend<D> {
    fn now_frames(&mut self) -> u64 {
        let frames = self.mixer.controller.now();
        match self.query() {
            Some(m) => m.controller.now(),
            None => frames,
        }
    }

    fn play_audio_at(
        &mut self,
        sound: &Sound,
        params: &PlayParams,
        at: u64,
    ) -> Result<ChannelId, AudioError> {
        let bus = self.live()?.bus_id(&params.bus)?;
        self.play_on(sound, params, bus, at)
    }

    fn stop_audio_at(&mut self, id: ChannelId, at: u64) -> Result<(), AudioError> {
        self.live()?.control(id, |c, v| c.stop_at(v, at))
    }

    fn pause_audio_at(&mut self, id: ChannelId, at: u64) -> Result<(), AudioError> {
        self.live()?.control(id, |c, v| c.pause_at(v, at))
    }

    fn resume_audio_at(&mut self, id: ChannelId, at: u64) -> Result<(), AudioError> {
        self.live()?.control(id, |c, v| c.resume_at(v, at))
    }
}

impl<D: Driver> Backend<D> {
    /// Start `sound` on core bus `bus` (`params.bus` is not looked at) at frame `at`.
    pub(crate) fn play_on(
        &mut self,
        sound: &Sound,
        params: &PlayParams,
        bus: mixer_core::BusId,
        at: u64,
    ) -> Result<ChannelId, AudioError> {
        let mixer = self.live()?;
        params.check()?;
        let core = mixer_core::PlayParams {
            volume_db: params.volume_db,
            gain_db: params.gain_db,
            pan: params.pan,
            pitch: params.pitch,
            looping: params.looping,
            from_position: params.from_position,
            bus,
            emitter: params.emitter,
            priority: params.priority,
        };
        match mixer
            .controller
            .play_at(Source::Sound(sound.clone()), &core, at)
        {
            Ok(v) => Ok(ChannelId::issue(mixer.tag, v)),
            Err(e) => Err(mixer.err(e)),
        }
    }
}

impl<D: Driver> Fading for Backend<D> {
    fn fade_at(
        &mut self,
        id: ChannelId,
        from: Option<f32>,
        to: f32,
        seconds: f64,
        curve: mixer_core::fade::Curve,
        stop: bool,
        at: u64,
    ) -> Result<(), AudioError> {
        let frames = self.frames_of(seconds)?;
        let params = mixer_core::fade::FadeParams {
            from,
            to,
            frames,
            curve,
            stop,
        };
        self.live()?.control(id, |c, v| c.fade_at(v, &params, at))
    }
}

impl<D: Driver> Backend<D> {
    /// Frames of `seconds` at the output rate (NaN refused; negative: 0).
    fn frames_of(&self, seconds: f64) -> Result<u32, AudioError> {
        if seconds.is_nan() {
            return Err(AudioError::InvalidParameter {
                name: "seconds",
                reason: "NaN".into(),
            });
        }
        let rate = f64::from(self.info().sample_rate);
        Ok((seconds.max(0.0) * rate).round().min(f64::from(u32::MAX)) as u32)
    }

    pub(crate) fn tween(
        &mut self,
        id: ChannelId,
        volume_db: Option<f32>,
        pan: Option<f32>,
        pitch: Option<f32>,
        tween: Tween,
    ) -> Result<(), AudioError> {
        let frames = self.frames_of(tween.seconds)?;
        if let Some(v) = volume_db {
            not_nan("volume_db", v)?;
        }
        if let Some(p) = pan {
            not_nan("pan", p)?;
        }
        if let Some(p) = pitch {
            not_nan("pitch", p)?;
        }
        let params = mixer_core::fade::TweenParams {
            gain: volume_db.map(|v| mixer_core::db::db_to_linear(v.clamp(-1000.0, 1000.0))),
            pan,
            pitch,
            frames,
            curve: tween.curve,
        };
        self.live()?
            .control(id, |c, v| c.tween_at(v, &params, tween.start_at))
    }
}

impl<D: Driver> Backend<D> {
    /// `op` on the group of bus `bus` (by name), from now.
    fn on_bus(
        &mut self,
        bus: &str,
        op: fn(
            &mut crate::backend::mixer::CoreController,
            mixer_core::BusId,
            u64,
        ) -> Result<(), mixer_core::Error>,
    ) -> Result<(), AudioError> {
        let mixer = self.live()?;
        let b = mixer.bus_id(bus)?;
        op(&mut mixer.controller, b, 0).map_err(|e| mixer.err(e))
    }
}

impl<D: Driver> VoiceControl for Backend<D> {
    fn pause_bus(&mut self, bus: &str) -> Result<(), AudioError> {
        self.on_bus(bus, |c, b, at| c.pause_bus_at(b, at))
    }

    fn resume_bus(&mut self, bus: &str) -> Result<(), AudioError> {
        self.on_bus(bus, |c, b, at| c.resume_bus_at(b, at))
    }

    fn stop_bus(&mut self, bus: &str) -> Result<(), AudioError> {
        self.on_bus(bus, |c, b, at| c.stop_bus_at(b, at))
    }

    fn move_to_bus(&mut self, id: ChannelId, bus: &str) -> Result<(), AudioError> {
        let mixer = self.live()?;
        let b = mixer.bus_id(bus)?;
        mixer.control(id, |c, v| c.set_voice_bus(v, b))
    }

    fn seek(&mut self, id: ChannelId, seconds: f64) -> Result<(), AudioError> {
        self.live()?.control(id, |c, v| c.seek(v, seconds))
    }
}

impl<D: Driver> Tweening for Backend<D> {
    fn tween_audio_2d(
        &mut self,
        id: ChannelId,
        volume_db: f32,
        pan: f32,
        tween: Tween,
    ) -> Result<(), AudioError> {
        self.tween(id, Some(volume_db), Some(pan), None, tween)
    }

    fn tween_audio_3d(
        &mut self,
        id: ChannelId,
        volume_db: f32,
        pan: f32,
        pitch: f32,
        tween: Tween,
    ) -> Result<(), AudioError> {
        self.tween(id, Some(volume_db), Some(pan), Some(pitch), tween)
    }

    fn tween_pitch(&mut self, id: ChannelId, pitch: f32, tween: Tween) -> Result<(), AudioError> {
        self.tween(id, None, None, Some(pitch), tween)
    }

    fn tween_emitter(
        &mut self,
        id: ChannelId,
        emitter: &crate::Emitter,
        tween: Tween,
    ) -> Result<(), AudioError> {
        let frames = self.frames_of(tween.seconds)?;
        check_emitter(emitter)?;
        self.live()?.control(id, |c, v| {
            c.tween_emitter(v, emitter, frames, tween.curve, tween.start_at)
        })
    }
}

impl<D: Driver> Playback for Backend<D> {
    fn play_audio(&mut self, sound: &Sound, params: &PlayParams) -> Result<ChannelId, AudioError> {
        self.play_audio_at(sound, params, mixer_core::ASAP)
    }

    fn stop_audio(&mut self, id: ChannelId) -> Result<(), AudioError> {
        self.stop_audio_at(id, mixer_core::ASAP)
    }

    fn pause_audio(&mut self, id: ChannelId) -> Result<(), AudioError> {
        self.pause_audio_at(id, mixer_core::ASAP)
    }

    fn resume_audio(&mut self, id: ChannelId) -> Result<(), AudioError> {
        self.resume_audio_at(id, mixer_core::ASAP)
    }

    fn update_audio_2d(
        &mut self,
        id: ChannelId,
        volume_db: f32,
        pan: f32,
    ) -> Result<(), AudioError> {
        let mixer = self.live()?;
        not_nan("volume_db", volume_db)?;
        not_nan("pan", pan)?;
        mixer.control(id, |c, v| c.set_mix(v, volume_db, pan))
    }

    fn update_audio_3d(
        &mut self,
        id: ChannelId,
        volume_db: f32,
        pan: f32,
        pitch: f32,
    ) -> Result<(), AudioError> {
        let mixer = self.live()?;
        not_nan("volume_db", volume_db)?;
        not_nan("pan", pan)?;
        not_nan("pitch", pitch)?;
        mixer.control(id, |c, v| {
            c.set_mix(v, volume_db, pan)?;
            c.set_pitch(v, pitch)
        })
    }

    fn set_pitch(&mut self, id: ChannelId, pitch: f32) -> Result<(), AudioError> {
        let mixer = self.live()?;
        not_nan("pitch", pitch)?;
        mixer.control(id, |c, v| c.set_pitch(v, pitch))
    }

    fn set_emitter(&mut self, id: ChannelId, emitter: &crate::Emitter) -> Result<(), AudioError> {
        let mixer = self.live()?;
        check_emitter(emitter)?;
        mixer.control(id, |c, v| {
            c.set_emitter(v, emitter);
            Ok(())
        })
    }

    fn set_listener_position(&mut self, v: [f32; 3]) -> Result<(), AudioError> {
        self.live()?.set_listener(Field::Position, v)
    }

    fn set_listener_velocity(&mut self, v: [f32; 3]) -> Result<(), AudioError> {
        self.live()?.set_listener(Field::Velocity, v)
    }

    fn set_listener_direction(&mut self, v: [f32; 3]) -> Result<(), AudioError> {
        self.live()?.set_listener(Field::Direction, v)
    }

    fn set_listener_world_up(&mut self, v: [f32; 3]) -> Result<(), AudioError> {
        self.live()?.set_listener(Field::WorldUp, v)
    }

    fn get_playback_position(&mut self, id: ChannelId) -> f64 {
        let Some(mixer) = self.query() else {
            return 0.0;
        };
        match id.voice(mixer.tag) {
            Some(v) if mixer.controller.is_active(v) => {
                mixer.streams.position(id, mixer.controller.position(v))
            }
            _ => 0.0,
        }
    }

    fn is_channel_active(&mut self, id: ChannelId) -> bool {
        let Some(mixer) = self.query() else {
            return false;
        };
        mixer.controller.collect();
        id.voice(mixer.tag)
            .is_some_and(|v| mixer.controller.is_active(v))
    }

    fn shutdown(&mut self) {
        if self.mixer.shut_down {
            return;
        }
        self.mixer.shut_down = true;
        self.mixer.streams.clear();
        // Stop everything (the renderer fades the voices out and hands their sounds back
        // while it still runs), then let the driver free the device.
        let _ = self.mixer.controller.stop_all();
        self.driver.release();
    }

    fn list_capabilities(&self) -> CapabilitySet {
        // Null (the only backend without streams) keeps the original's `play.basic`.
        if self.driver.has_streams() {
            CapabilitySet::MIXER
        } else {
            CapabilitySet::NULL
        }
    }
}

impl<D: Driver> Buses for Backend<D> {
    fn sync_bus_layout(&mut self, layout: &crate::AudioBusLayout) -> Result<(), AudioError> {
        self.live()?.sync_layout(layout, None)
    }

    fn sync_bus_layout_tweened(
        &mut self,
        layout: &crate::AudioBusLayout,
        tween: crate::Tween,
    ) -> Result<(), AudioError> {
        let frames = self.frames_of(tween.seconds)?;
        self.live()?
            .sync_layout(layout, Some((frames, tween.curve, tween.start_at)))
    }
}

impl<D: Driver> Streaming for Backend<D> {
    fn open_stream_with(&mut self, p: &crate::StreamParams) -> Result<ChannelId, AudioError> {
        let (volume_db, bus, buffer_seconds) = (p.volume_db, p.bus.as_str(), p.buffer_seconds);
        let (looping, stream, from_position) = (p.looping, p.stream.as_deref(), p.from_position);
        if !self.driver.has_streams() {
            return Err(streaming_missing(self.kind(), self.list_capabilities()));
        }
        let mixer = self.live()?;
        not_nan("volume_db", volume_db)?;
        if from_position.is_nan() {
            return Err(AudioError::InvalidParameter {
                name: "from_position",
                reason: "NaN".into(),
            });
        }
        let bus_id = mixer.bus_id(bus)?;
        let (rate, channels) = mixer.stream_format_now();
        mixer.prune_streams();
        let used = mixer.streams.ring_bytes();
        let (ring, feed) = match stream {
            None => (
                crate::stream::ring(buffer_seconds, rate, channels, used)?,
                Feed::Caller,
            ),
            Some(path) => match crate::stream::container_of(path)? {
                // As in the original, WAV is always decoded by the caller and fed.
                Container::Wav => (
                    crate::stream::ring(buffer_seconds, rate, channels, used)?,
                    Feed::Caller,
                ),
                _ => {
                    let decoder = crate::stream::decoder::open_file(path, from_position)?;
                    let ring = crate::stream::ring(
                        buffer_seconds,
                        decoder.rate(),
                        decoder.channel_count(),
                        used,
                    )?;
                    let name = path.display().to_string();
                    let thread = crate::stream::decoder::DecoderThread::spawn(
                        name,
                        decoder,
                        ring.clone(),
                        looping,
                    )?;
                    (ring, Feed::Decoder(thread))
                }
            },
        };
        let params = mixer_core::PlayParams {
            volume_db,
            bus: bus_id,
            ..mixer_core::PlayParams::default()
        };
        let played = mixer
            .controller
            .play_at(Source::Stream(ring.clone()), &params, p.start_at);
        let id = match played {
            Ok(v) => ChannelId::issue(mixer.tag, v),
            Err(e) => return Err(mixer.err(e)),
        };
        mixer.prune_streams();
        mixer.streams.insert(id, StreamState::new(ring, feed));
        Ok(id)
    }

    fn feed_audio_chunk(&mut self, id: ChannelId, bytes: &[u8]) -> Result<usize, AudioError> {
        Ok(self.live()?.streams.feed(id, bytes))
    }

    fn take_stream_errors(&mut self) -> Vec<(ChannelId, AudioError)> {
        self.mixer.streams.take_errors()
    }

    fn stream_stats(&self, id: ChannelId) -> Option<StreamStats> {
        self.mixer.streams.stats(id)
    }
}

impl<D: Driver> StreamPacing for Backend<D> {
    fn stream_format(&self) -> (u32, u16) {
        self.mixer.stream_format_now()
    }

    fn frames_available(&mut self, id: ChannelId) -> usize {
        self.query().map_or(0, |m| m.streams.frames_available(id))
    }
}

impl<D: Driver> StreamDraining for Backend<D> {
    fn end_of_stream(&mut self, id: ChannelId) -> Result<(), AudioError> {
        self.live()?.streams.end(id);
        Ok(())
    }
}

impl<D: Driver> HasStreams for Backend<D> {
    fn streams(&mut self) -> Option<&mut dyn StreamFacets> {
        self.driver.has_streams().then_some(self)
    }
}

// A backend may move to another thread (a game's audio-owner thread, or the Python bindings,
// which keep one behind a mutex): every driver must stay `Send`.
const _: () = {
    const fn send<T: Send>() {}
    send::<Backend<Live>>();
    send::<Backend<Offline>>();
    send::<Backend<Clock>>();
    send::<Backend<Device>>();
};

impl Backend<Offline> {
    /// A backend rendering at `config`'s rate and channels.
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`] for a configuration out of range.
    pub fn new(config: &AudioConfig) -> Result<Self, AudioError> {
        let (mixer, driver) = Offline::open(config)?;
        Ok(Self { mixer, driver })
    }

    /// Render the next `out.len() / channels` frames, interleaved. Every call made so far
    /// applies at the first of them. After shutdown: silence.
    pub fn render(&mut self, out: &mut [f32]) {
        self.driver.render(&mut self.mixer, out);
        if self.mixer.shut_down {
            out.fill(0.0);
        }
    }

    /// Render the next `frames` frames into a new buffer.
    pub fn render_frames(&mut self, frames: usize) -> Vec<f32> {
        let mut out = vec![0.0; frames * self.info().channels as usize];
        self.render(&mut out);
        out
    }

    /// Frames rendered so far.
    pub fn frames_rendered(&self) -> u64 {
        self.driver.frames_rendered()
    }
}

impl Backend<Clock> {
    /// A null backend for `config`, on a manual clock at 0 s.
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`] for a configuration out of range.
    pub fn new(config: &AudioConfig) -> Result<Self, AudioError> {
        let (mixer, driver) = Clock::open(config)?;
        Ok(Self { mixer, driver })
    }

    /// The clock: advance it, or hand it to the wall clock.
    pub fn clock(&mut self) -> NullClock<'_> {
        NullClock {
            mixer: &mut self.mixer,
            clock: &mut self.driver,
        }
    }
}

impl Backend<Device> {
    /// Open the default output device with `timing`; the mixer runs at the rate and channel
    /// count the device grants (sounds are resampled to it).
    ///
    /// # Errors
    /// The device's [`DeviceError`] (typed from cpal's errors), or a configuration error
    /// wrapped as [`DeviceError::Unsupported`].
    pub fn open(config: &AudioConfig, timing: Timing) -> Result<Self, DeviceError> {
        let (mixer, driver) = Device::open(config, timing)?;
        Ok(Self { mixer, driver })
    }
}

impl Backend<Live> {
    pub(crate) fn from_device(backend: Backend<Device>) -> Self {
        Self {
            mixer: backend.mixer,
            driver: Live(LiveDriver::Device(Box::new(backend.driver))),
        }
    }

    /// The null backend, on its own (no device is looked for).
    pub(crate) fn from_null(backend: Backend<Clock>) -> Self {
        Self::null_looking(backend, None)
    }

    /// The null backend, with `looking` (a device driver on standby) to move onto when a
    /// device opens.
    pub(crate) fn null_looking(backend: Backend<Clock>, looking: Option<Device>) -> Self {
        Self {
            mixer: backend.mixer,
            driver: Live(LiveDriver::Null(Box::new(NullLive {
                clock: backend.driver,
                looking: looking.map(Box::new),
            }))),
        }
    }

    /// The null backend's clock, when this is the null backend.
    pub fn as_null(&mut self) -> Option<NullClock<'_>> {
        match &mut self.driver.0 {
            LiveDriver::Null(null) => Some(NullClock {
                mixer: &mut self.mixer,
                clock: &mut null.clock,
            }),
            LiveDriver::Device(_) => None,
        }
    }
}
