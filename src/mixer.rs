//! The game-thread side of every mixing backend (offline now, the device backends later):
//! the core's [`Controller`](mixer_core::Controller) plus bus names, the listener and the
//! shutdown guard.

use std::sync::Arc;

use mixer_core::{BusId, VoiceId};

use crate::backend::{ChannelId, PlayParams, Playback};
use crate::capability::CapabilitySet;
use crate::effect::Effect;
use crate::error::{AudioError, not_nan};
use crate::listener::{Field, Listener};
use crate::sound::Sound;
use crate::stream::{Feed, Source, StreamState, Streams};

/// Voices in a mixer's pool at most (the run-time limit is [`AudioConfig::voices`](crate::AudioConfig)).
pub const MAX_VOICES: usize = 4096;
/// Bus slots in a mixer.
pub const MAX_BUSES: usize = 32;
/// Effect slots per bus: a bus's effect list may hold this many effects.
pub const MAX_EFFECTS: usize = 8;
/// The default buses: Master and its children.
pub const DEFAULT_BUSES: [&str; 5] = ["Master", "Music", "SFX", "Voice", "UI"];

pub(crate) type SharedMem = mixer_core::Shared<Source, MAX_VOICES>;
pub(crate) type CoreController =
    mixer_core::Controller<Source, Arc<SharedMem>, MAX_VOICES, MAX_BUSES, MAX_EFFECTS>;
pub(crate) type CoreRenderer =
    mixer_core::Renderer<Source, Arc<SharedMem>, Box<[f32]>, MAX_VOICES, MAX_BUSES, MAX_EFFECTS>;

/// What the mixer last pushed for one bus slot: `sync_bus_layout` compares against it and
/// sends only the differences.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BusState {
    pub name: String,
    pub volume_db: f32,
    pub mute: bool,
    pub solo: bool,
    pub parent: Option<BusId>,
    pub effects: Vec<Effect>,
}

/// The controller side of a mixing backend.
#[derive(Debug)]
pub(crate) struct Mixer {
    /// Boxed: ~75 KB with 4096 voices, too big to move around a test thread's stack.
    pub(crate) controller: Box<CoreController>,
    /// Per core bus slot: the bus living there, as last pushed.
    pub(crate) buses: Vec<Option<BusState>>,
    /// Streaming channels.
    streams: Streams,
    /// Output channels.
    output_channels: u16,
    listener: Listener,
    shut_down: bool,
}

impl Mixer {
    /// A mixer and its renderer, with the default buses and `memory` floats of effect memory.
    pub(crate) fn new(
        config: mixer_core::Config,
        memory: usize,
    ) -> Result<(Self, Box<CoreRenderer>), AudioError> {
        // Built in place: a 4096-voice `Shared` is ~150 KB.
        let mut shared = Arc::<SharedMem>::new_uninit();
        SharedMem::init(Arc::get_mut(&mut shared).expect("a fresh Arc is unique"));
        // SAFETY: `init` initialised it.
        let shared = unsafe { shared.assume_init() };
        let memory = vec![0.0f32; memory].into_boxed_slice();
        // Built in place on the heap: a renderer is ~1 MB, too big to move around the
        // stack of a test thread in an unoptimised build.
        let mut place = Box::<CoreRenderer>::new_uninit();
        let controller = mixer_core::split_into(shared, memory, config, &mut place)
            .map_err(|e| AudioError::BackendUnavailable {
                cause: e.to_string(),
            })?
            .0;
        // SAFETY: `split_into` returned `Ok`, so it initialised the renderer in `place`.
        let renderer = unsafe { place.assume_init() };
        let mut mixer = Self {
            controller: Box::new(controller),
            buses: vec![None; MAX_BUSES],
            streams: Streams::default(),
            output_channels: config.channels,
            listener: Listener::default(),
            shut_down: false,
        };
        let state = |name: &str, parent| BusState {
            name: name.into(),
            volume_db: 0.0,
            mute: false,
            solo: false,
            parent,
            effects: Vec::new(),
        };
        mixer.buses[0] = Some(state(DEFAULT_BUSES[0], None));
        for (i, name) in DEFAULT_BUSES.iter().enumerate().skip(1) {
            let bus = BusId(i as u8);
            mixer
                .controller
                .set_bus(bus, Some(BusId::MASTER), 0.0)
                .map_err(|e| AudioError::BackendUnavailable {
                    cause: e.to_string(),
                })?;
            mixer.buses[i] = Some(state(name, Some(BusId::MASTER)));
        }
        Ok((mixer, renderer))
    }

    /// The core slot of the bus called `name`.
    pub(crate) fn slot_of(&self, name: &str) -> Option<usize> {
        self.buses
            .iter()
            .position(|b| b.as_ref().is_some_and(|b| b.name == name))
    }

    /// The bus called `name`.
    pub(crate) fn bus_id(&self, name: &str) -> Result<BusId, AudioError> {
        self.slot_of(name).map(|i| BusId(i as u8)).ok_or_else(|| {
            let mut available: Vec<String> = self
                .buses
                .iter()
                .flatten()
                .map(|b| b.name.clone())
                .collect();
            available.sort();
            AudioError::UnknownBus {
                name: name.into(),
                available,
            }
        })
    }

    /// Whether `shutdown` was called.
    pub(crate) fn is_shut_down(&self) -> bool {
        self.shut_down
    }

    /// The listener as last set.
    pub(crate) fn listener(&self) -> &Listener {
        &self.listener
    }

    /// Voices in use at once, at most.
    pub(crate) fn capacity(&self) -> usize {
        self.controller.voice_limit()
    }

    pub(crate) fn live(&mut self) -> Result<&mut CoreController, AudioError> {
        if self.shut_down {
            Err(AudioError::Shutdown)
        } else {
            Ok(&mut self.controller)
        }
    }

    pub(crate) fn err(&self, e: mixer_core::Error) -> AudioError {
        AudioError::from_core(e, self.controller.voice_limit())
    }

    fn control(
        &mut self,
        id: ChannelId,
        f: impl FnOnce(&mut CoreController, VoiceId) -> Result<(), mixer_core::Error>,
    ) -> Result<(), AudioError> {
        let capacity = self.controller.voice_limit();
        let controller = self.live()?;
        match VoiceId::from_bits(id.0) {
            Some(v) => f(controller, v).map_err(|e| AudioError::from_core(e, capacity)),
            None => Ok(()),
        }
    }

    fn set_listener(&mut self, field: Field, v: [f32; 3]) -> Result<(), AudioError> {
        self.live()?;
        let mut next = self.listener;
        next.set(field, v)?;
        let core = mixer_core::spatial::Listener {
            position: next.position,
            velocity: next.velocity,
            forward: next.direction,
            up: next.world_up,
        };
        self.controller.set_listener(&core);
        self.listener = next;
        Ok(())
    }
}

impl crate::backend::Buses for Mixer {
    fn sync_bus_layout(&mut self, layout: &crate::AudioBusLayout) -> Result<(), AudioError> {
        self.sync_layout(layout)
    }
}

impl Playback for Mixer {
    fn play_audio(&mut self, sound: &Sound, params: &PlayParams) -> Result<ChannelId, AudioError> {
        self.live()?;
        params.check()?;
        let bus = self.bus_id(&params.bus)?;
        let core = mixer_core::PlayParams {
            volume_db: params.volume_db,
            gain_db: params.gain_db,
            pan: params.pan,
            pitch: params.pitch,
            looping: params.looping,
            from_position: params.from_position,
            bus,
            emitter: params.emitter,
        };
        match self.controller.play(Source::Sound(sound.clone()), &core) {
            Ok(v) => Ok(ChannelId(v.to_bits())),
            Err(e) => Err(self.err(e)),
        }
    }

    fn stop_audio(&mut self, id: ChannelId) -> Result<(), AudioError> {
        self.control(id, |c, v| c.stop(v))
    }

    fn pause_audio(&mut self, id: ChannelId) -> Result<(), AudioError> {
        self.control(id, |c, v| c.pause(v))
    }

    fn resume_audio(&mut self, id: ChannelId) -> Result<(), AudioError> {
        self.control(id, |c, v| c.resume(v))
    }

    fn update_audio_2d(
        &mut self,
        id: ChannelId,
        volume_db: f32,
        pan: f32,
    ) -> Result<(), AudioError> {
        not_nan("volume_db", volume_db)?;
        not_nan("pan", pan)?;
        self.control(id, |c, v| c.set_mix(v, volume_db, pan))
    }

    fn update_audio_3d(
        &mut self,
        id: ChannelId,
        volume_db: f32,
        pan: f32,
        pitch: f32,
    ) -> Result<(), AudioError> {
        not_nan("volume_db", volume_db)?;
        not_nan("pan", pan)?;
        not_nan("pitch", pitch)?;
        self.control(id, |c, v| {
            c.set_mix(v, volume_db, pan)?;
            c.set_pitch(v, pitch)
        })
    }

    fn set_pitch(&mut self, id: ChannelId, pitch: f32) -> Result<(), AudioError> {
        not_nan("pitch", pitch)?;
        self.control(id, |c, v| c.set_pitch(v, pitch))
    }

    fn set_emitter(&mut self, id: ChannelId, emitter: &crate::Emitter) -> Result<(), AudioError> {
        crate::error::check_emitter(emitter)?;
        self.control(id, |c, v| {
            c.set_emitter(v, emitter);
            Ok(())
        })
    }

    fn set_listener_position(&mut self, v: [f32; 3]) -> Result<(), AudioError> {
        self.set_listener(Field::Position, v)
    }

    fn set_listener_velocity(&mut self, v: [f32; 3]) -> Result<(), AudioError> {
        self.set_listener(Field::Velocity, v)
    }

    fn set_listener_direction(&mut self, v: [f32; 3]) -> Result<(), AudioError> {
        self.set_listener(Field::Direction, v)
    }

    fn set_listener_world_up(&mut self, v: [f32; 3]) -> Result<(), AudioError> {
        self.set_listener(Field::WorldUp, v)
    }

    fn get_playback_position(&mut self, id: ChannelId) -> f64 {
        match VoiceId::from_bits(id.0) {
            Some(v) if !self.shut_down && self.controller.is_active(v) => {
                self.streams.position(id, self.controller.position(v))
            }
            _ => 0.0,
        }
    }

    fn is_channel_active(&mut self, id: ChannelId) -> bool {
        self.controller.collect();
        match VoiceId::from_bits(id.0) {
            Some(v) if !self.shut_down => self.controller.is_active(v),
            _ => false,
        }
    }

    fn shutdown(&mut self) {
        if self.shut_down {
            return;
        }
        self.shut_down = true;
        self.streams.clear();
        // Stop everything; the renderer fades the voices out and hands their sounds back.
        let _ = self.controller.stop_all();
    }

    fn list_capabilities(&self) -> CapabilitySet {
        CapabilitySet::MIXER
    }
}

impl crate::backend::Streaming for Mixer {
    fn open_stream(
        &mut self,
        volume_db: f32,
        bus: &str,
        buffer_seconds: f64,
        looping: bool,
        stream: Option<&std::path::Path>,
        from_position: f64,
    ) -> Result<ChannelId, AudioError> {
        self.live()?;
        not_nan("volume_db", volume_db)?;
        if from_position.is_nan() {
            return Err(AudioError::InvalidParameter {
                name: "from_position",
                reason: "NaN".into(),
            });
        }
        let bus_id = self.bus_id(bus)?;
        let (rate, channels) = self.stream_format_now();
        let (ring, feed) = match stream {
            None => (
                crate::stream::ring(buffer_seconds, rate, channels)?,
                Feed::Caller,
            ),
            Some(path) => match crate::stream::container_of(path)? {
                // As in the original, WAV is always decoded by the caller and fed.
                crate::sound::Container::Wav => (
                    crate::stream::ring(buffer_seconds, rate, channels)?,
                    Feed::Caller,
                ),
                _ => {
                    let decoder = crate::stream_decode::open_file(path, from_position)?;
                    let ring = crate::stream::ring(
                        buffer_seconds,
                        decoder.rate(),
                        decoder.channel_count(),
                    )?;
                    let name = path.display().to_string();
                    let thread = crate::stream_decode::DecoderThread::spawn(
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
        let id = match self.controller.play(Source::Stream(ring.clone()), &params) {
            Ok(v) => ChannelId(v.to_bits()),
            Err(e) => return Err(self.err(e)),
        };
        self.prune_streams();
        self.streams.insert(id, StreamState::new(ring, feed));
        Ok(id)
    }

    fn feed_audio_chunk(&mut self, id: ChannelId, bytes: &[u8]) -> Result<usize, AudioError> {
        self.live()?;
        Ok(self.streams.feed(id, bytes))
    }

    fn take_stream_errors(&mut self) -> Vec<(ChannelId, AudioError)> {
        self.streams.take_errors()
    }

    fn stream_stats(&self, id: ChannelId) -> Option<crate::StreamStats> {
        self.streams.stats(id)
    }
}

impl crate::backend::StreamPacing for Mixer {
    fn stream_format(&self) -> (u32, u16) {
        self.stream_format_now()
    }

    fn frames_available(&mut self, id: ChannelId) -> usize {
        if self.shut_down {
            return 0;
        }
        self.streams.frames_available(id)
    }
}

impl crate::backend::StreamDraining for Mixer {
    fn end_of_stream(&mut self, id: ChannelId) -> Result<(), AudioError> {
        self.live()?;
        self.streams.end(id);
        Ok(())
    }
}

impl Mixer {
    /// `(sample_rate, channels)` of PCM fed to streams: the mixer's rate; mono for a mono
    /// output, else stereo.
    fn stream_format_now(&self) -> (u32, u16) {
        (self.controller.sample_rate(), self.output_channels.min(2))
    }

    /// The streaming channels (for a driver that waits for their decoders).
    pub(crate) fn streams(&self) -> &Streams {
        &self.streams
    }

    /// Forget the streams whose channels have ended.
    fn prune_streams(&mut self) {
        self.controller.collect();
        let c = &self.controller;
        self.streams
            .retain(|id| mixer_core::VoiceId::from_bits(id.0).is_some_and(|v| c.is_active(v)));
    }
}
