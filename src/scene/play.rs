//! Running scenes: [`ScenePlayer`] applies a scene's calls to any backend, and
//! [`render_scene`] renders a scene offline, bit-identically on every run.

use std::collections::{BTreeMap, HashMap};

use crate::backend::OfflineBackend;
use crate::backend::{
    Buses, ChannelId, Fading, HasStreams, Playback, Scheduling, StreamParams, Tween, Tweening,
};
use crate::config::{AudioConfig, FallbackPolicy};
use crate::error::AudioError;
use crate::scene::{BUSES_EVENT, Call, Event, LISTENER_EVENT, ListenerField, Scene, SceneError};
use crate::sound::Sound;

/// Where an event sits in a scene's order: its frame, then its index in the file.
type Order = (u64, usize);

/// Applies a scene's events to a backend, keeping the scene's channel names.
///
/// Discrete calls (`play_audio`, `stop_audio`, `pause_audio`, `resume_audio`, `open_stream`)
/// are stamped with their frame on the backend's timeline (the scene's frame, or its
/// `start_at`/`stop_at`, plus the player's origin), so they take effect at that frame exactly
/// however early they are made: a live player submits them ahead
/// ([`is_scheduled`](Self::is_scheduled)) and makes the others as their time comes. A
/// channel name means the channel most recently started under it as of the event, in scene
/// order, whatever order the calls are made in.
#[derive(Debug)]
pub struct ScenePlayer<'s> {
    scene: &'s Scene,
    sounds: &'s BTreeMap<String, Sound>,
    /// Each name's channels, by the (frame, index) of the event that started them.
    channels: HashMap<String, Vec<(Order, ChannelId)>>,
    origin: u64,
    rate: u32,
    /// Live: untweened volume, pan and pitch changes are stamped too (as tweens of the
    /// de-click length, which is what they are), so they land on their frame.
    live: bool,
}

impl<'s> ScenePlayer<'s> {
    /// A player for `scene` with its loaded `sounds` (see [`Scene::load_sounds`]), for a
    /// backend whose timeline is the scene's (offline rendering from frame 0).
    pub fn new(scene: &'s Scene, sounds: &'s BTreeMap<String, Sound>) -> Self {
        Self {
            scene,
            sounds,
            channels: HashMap::new(),
            origin: 0,
            rate: scene.sample_rate,
            live: false,
        }
    }

    /// The same player for a backend whose timeline has frame 0 of the scene at `origin`, at
    /// `rate` frames per second (a live backend: its `now_frames()` plus a lead time, and the
    /// rate its device granted). Such a player also stamps untweened `update_audio_2d`,
    /// `update_audio_3d` and `set_pitch` calls (see [`schedules`](Self::schedules)).
    pub fn starting_at(mut self, origin: u64, rate: u32) -> Self {
        self.origin = origin;
        self.rate = rate;
        self.live = true;
        self
    }

    /// Whether this player stamps `event`'s call with its frame, so it may be made ahead of
    /// time: the [`is_scheduled`](Self::is_scheduled) calls, and on a live player also the
    /// untweened volume, pan and pitch changes (made as stamped tweens of the de-click
    /// length: the same ramp the untweened calls make, from their exact frame). Listener,
    /// bus-layout and feeding calls are made as their time comes.
    pub fn schedules(&self, event: &Event) -> bool {
        Self::is_scheduled(event)
            || (self.live
                && matches!(
                    event.call,
                    Call::UpdateAudio2d { .. } | Call::UpdateAudio3d { .. } | Call::SetPitch { .. }
                ))
    }

    /// The backend's frame at which `event` takes effect.
    pub fn frame_of(&self, event: &Event) -> u64 {
        let frame = if self.rate == self.scene.sample_rate {
            event.effect_frame()
        } else {
            let seconds = event.effect_frame() as f64 / f64::from(self.scene.sample_rate);
            (seconds * f64::from(self.rate)).round() as u64
        };
        self.origin + frame
    }

    /// Whether `event`'s call is stamped with its frame, so it may be made ahead of time.
    pub fn is_scheduled(event: &Event) -> bool {
        matches!(
            event.call,
            Call::PlayAudio { .. }
                | Call::StopAudio(_)
                | Call::PauseAudio(_)
                | Call::ResumeAudio(_)
                | Call::OpenStream { .. }
                | Call::Fade { .. }
                | Call::Crossfade { .. }
                | Call::UpdateAudio2d { tween: Some(_), .. }
                | Call::UpdateAudio3d { tween: Some(_), .. }
                | Call::SetPitch { tween: Some(_), .. }
        )
    }

    /// The backend channel a scene channel name was last started as.
    pub fn channel(&self, name: &str) -> Option<ChannelId> {
        self.channels.get(name)?.last().map(|&(_, id)| id)
    }

    /// The channel `name` meant at `event` (started by an earlier event of the scene).
    fn channel_at(&self, name: &str, event: &Event) -> Option<ChannelId> {
        let key = (event.frame, event.index);
        self.channels
            .get(name)?
            .iter()
            .rev()
            .find(|&&(started, _)| started < key)
            .map(|&(_, id)| id)
    }

    fn started(&mut self, name: &str, event: &Event, id: ChannelId) {
        let list = self.channels.entry(name.to_string()).or_default();
        let key = (event.frame, event.index);
        let at = list.partition_point(|&(k, _)| k < key);
        list.insert(at, (key, id));
    }

    /// Make `event`'s call on `backend`.
    ///
    /// # Errors
    /// [`AudioError::Scene`] naming the event, wrapping what the backend refused.
    pub fn apply<B: Playback + Scheduling + Fading + Tweening + Buses + HasStreams + ?Sized>(
        &mut self,
        backend: &mut B,
        event: &Event,
    ) -> Result<(), AudioError> {
        self.call(backend, event).map_err(|e| {
            AudioError::Scene(SceneError {
                file: self.scene.file.clone(),
                location: Some(match event.index {
                    LISTENER_EVENT => "listener".into(),
                    BUSES_EVENT => "buses".into(),
                    i => format!("event {i}"),
                }),
                field: None,
                message: e.to_string(),
            })
        })
    }

    fn call<B: Playback + Scheduling + Fading + Tweening + Buses + HasStreams + ?Sized>(
        &mut self,
        b: &mut B,
        event: &Event,
    ) -> Result<(), AudioError> {
        // `check_channels` proved every control names a started channel.
        let id = |c: &str| self.channel_at(c, event);
        let at = self.frame_of(event);
        // On a live backend an untweened change is a stamped tween of the de-click length.
        let declick = (self.live).then_some((0.0, crate::Curve::Linear));
        match &event.call {
            Call::PlayAudio {
                channel,
                sound,
                params,
            } => {
                let Some(s) = self.sounds.get(sound) else {
                    return Err(AudioError::InvalidStream(format!(
                        "sound {sound:?} was not loaded"
                    )));
                };
                let cid = b.play_audio_at(s, params, at)?;
                self.started(channel, event, cid);
                Ok(())
            }
            Call::StopAudio(c) => id(c).map_or(Ok(()), |i| b.stop_audio_at(i, at)),
            Call::PauseAudio(c) => id(c).map_or(Ok(()), |i| b.pause_audio_at(i, at)),
            Call::ResumeAudio(c) => id(c).map_or(Ok(()), |i| b.resume_audio_at(i, at)),
            Call::Fade {
                channel,
                from,
                to,
                stop,
                seconds,
                curve,
            } => id(channel).map_or(Ok(()), |i| {
                b.fade_at(i, *from, *to, *seconds, *curve, *stop, at)
            }),
            Call::Crossfade {
                channel,
                to,
                seconds,
                curve,
            } => {
                if let Some(i) = id(to) {
                    b.fade_at(i, Some(0.0), 1.0, *seconds, *curve, false, at)?;
                }
                id(channel).map_or(Ok(()), |i| {
                    b.fade_at(i, None, 0.0, *seconds, *curve, true, at)
                })
            }
            Call::UpdateAudio2d {
                channel,
                volume_db,
                pan,
                tween,
            } => id(channel).map_or(Ok(()), |i| match tween.or(declick) {
                Some(t) => b.tween_audio_2d(i, *volume_db, *pan, tween_at(t, at)),
                None => b.update_audio_2d(i, *volume_db, *pan),
            }),
            Call::UpdateAudio3d {
                channel,
                volume_db,
                pan,
                pitch,
                tween,
            } => id(channel).map_or(Ok(()), |i| match tween.or(declick) {
                Some(t) => b.tween_audio_3d(i, *volume_db, *pan, *pitch, tween_at(t, at)),
                None => b.update_audio_3d(i, *volume_db, *pan, *pitch),
            }),
            Call::SetPitch {
                channel,
                pitch,
                tween,
            } => id(channel).map_or(Ok(()), |i| match tween.or(declick) {
                Some(t) => b.tween_pitch(i, *pitch, tween_at(t, at)),
                None => b.set_pitch(i, *pitch),
            }),
            Call::SetListener(field, v) => match field {
                ListenerField::Position => b.set_listener_position(*v),
                ListenerField::Velocity => b.set_listener_velocity(*v),
                ListenerField::Direction => b.set_listener_direction(*v),
                ListenerField::WorldUp => b.set_listener_world_up(*v),
            },
            Call::SyncBusLayout(layout, None) => b.sync_bus_layout(layout),
            Call::SyncBusLayout(layout, Some(t)) => {
                b.sync_bus_layout_tweened(layout, tween_at(*t, at))
            }
            Call::OpenStream {
                channel,
                volume_db,
                bus,
                buffer_seconds,
                looping,
                stream,
                from_position,
            } => {
                let path = match stream {
                    Some(name) => match self.scene.sounds.get(name) {
                        Some(crate::scene::SoundSpec::File(p)) => Some(self.scene.base_dir.join(p)),
                        _ => None,
                    },
                    None => None,
                };
                let streams = b.require_streams()?;
                let id = streams.open_stream_with(&StreamParams {
                    volume_db: *volume_db,
                    bus: bus.clone(),
                    buffer_seconds: *buffer_seconds,
                    looping: *looping,
                    stream: path,
                    from_position: *from_position,
                    start_at: at,
                })?;
                self.started(channel, event, id);
                Ok(())
            }
            Call::FeedAudioChunk { channel, sound } => {
                let Some(i) = id(channel) else { return Ok(()) };
                let s = self.sounds.get(sound).ok_or_else(|| {
                    AudioError::InvalidStream(format!("sound {sound:?} was not loaded"))
                })?;
                let streams = b.require_streams()?;
                let (rate, channels) = streams.stream_format();
                if s.rate() != rate {
                    return Err(AudioError::InvalidParameter {
                        name: "sound",
                        reason: format!(
                            "{sound:?} is at {} Hz; this backend's streams take {rate} Hz",
                            s.rate()
                        ),
                    });
                }
                let bytes = s16_bytes(s, channels);
                let took = streams.feed_audio_chunk(i, &bytes)?;
                if took < bytes.len() {
                    return Err(AudioError::InvalidParameter {
                        name: "sound",
                        reason: format!(
                            "the stream took {took} of {} bytes; open it with a larger buffer_seconds",
                            bytes.len()
                        ),
                    });
                }
                Ok(())
            }
            Call::EndOfStream(channel) => match id(channel) {
                Some(i) => b.require_streams()?.end_of_stream(i),
                None => Ok(()),
            },
            Call::SetEmitter { channel, emitter } => {
                id(channel).map_or(Ok(()), |i| b.set_emitter(i, emitter))
            }
        }
    }
}

/// A scene's `(seconds, curve)` tween, starting at frame `at`.
fn tween_at((seconds, curve): (f64, crate::Curve), at: u64) -> Tween {
    Tween {
        seconds,
        curve,
        start_at: at,
    }
}

/// A sound's samples as interleaved s16 LE bytes with `channels` channels (mono is duplicated
/// to stereo, stereo averaged to mono).
fn s16_bytes(sound: &Sound, channels: u16) -> Vec<u8> {
    use mixer_core::{Samples, SoundData};
    let src = sound.channel_count();
    let samples: Vec<i16> = match sound.samples() {
        Samples::I16(s) => s.to_vec(),
        Samples::F32(s) => s.iter().map(|&v| crate::wav::to_s16(v)).collect(),
    };
    let frames: Vec<i16> = match (src, channels) {
        (1, 2) => samples.iter().flat_map(|&v| [v, v]).collect(),
        (2, 1) => samples
            .chunks_exact(2)
            .map(|f| ((i32::from(f[0]) + i32::from(f[1])) / 2) as i16)
            .collect(),
        _ => samples,
    };
    frames.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Voices a scene may have playing at once (the offline renderer's pool for scenes).
pub const SCENE_VOICES: usize = 1024;

/// Render `scene` offline in blocks of `block` frames (any size gives the same bits):
/// interleaved `f32`, `scene.frames()` frames. `progress` is called after every block with
/// the frames done so far.
///
/// ```
/// let scene = simvx_audio::Scene::parse(
///     r#"{"duration": 0.5, "channels": 1,
///         "sounds": {"a": {"tone": {"frequency": 1000, "amplitude": 0.5, "seconds": 1}}},
///         "events": [{"at": 0.0, "call": "play_audio", "channel": "x", "sound": "a"}]}"#,
///     "<doc>", ".".into()).unwrap();
/// let sounds = scene.load_sounds().unwrap();
/// let out = simvx_audio::render_scene(&scene, &sounds, 480, |_| {}).unwrap();
/// assert_eq!(out.len(), 24_000);
/// ```
///
/// # Errors
/// [`AudioError::Scene`] for a call the backend refuses (naming the event);
/// [`AudioError::InvalidParameter`], before anything is rendered, for a scene whose render
/// would hold more than [`MAX_SOUND_SAMPLES`](crate::MAX_SOUND_SAMPLES) samples (render it
/// with [`render_scene_to`], in constant memory).
pub fn render_scene(
    scene: &Scene,
    sounds: &BTreeMap<String, Sound>,
    block: usize,
    progress: impl FnMut(u64),
) -> Result<Vec<f32>, AudioError> {
    let samples = scene.frames().saturating_mul(u64::from(scene.channels));
    if samples > crate::MAX_SOUND_SAMPLES as u64 {
        return Err(AudioError::InvalidParameter {
            name: "duration",
            reason: format!(
                "the render would hold {samples} samples, more than one kept in memory may \
                 ({}): render it with render_scene_to, which hands out blocks",
                crate::MAX_SOUND_SAMPLES
            ),
        });
    }
    let mut out = Vec::with_capacity(samples as usize);
    render_scene_to(
        scene,
        sounds,
        block,
        |samples, _| {
            out.extend_from_slice(samples);
            Ok(())
        },
        progress,
    )?;
    Ok(out)
}

/// [`render_scene`], handing each rendered block (at most `block` frames, interleaved) to
/// `sink` as it goes instead of keeping them, with the backend that rendered it (to read its
/// meters, say): memory stays constant in the scene's length (`simvx-audio render` writes
/// them to disk this way). The blocks are the same bits as `render_scene`'s output, in
/// order.
///
/// # Errors
/// As [`render_scene`], and whatever `sink` returns (which stops the render).
pub fn render_scene_to(
    scene: &Scene,
    sounds: &BTreeMap<String, Sound>,
    block: usize,
    mut sink: impl FnMut(&[f32], &OfflineBackend) -> Result<(), AudioError>,
    mut progress: impl FnMut(u64),
) -> Result<(), AudioError> {
    let config = AudioConfig {
        sample_rate: scene.sample_rate,
        channels: scene.channels,
        voices: scene.voices,
        real_voices: scene.real_voices,
        fallback: FallbackPolicy::Allow,
        ..AudioConfig::default()
    };
    let mut backend = OfflineBackend::new(&config)?;
    let mut player = ScenePlayer::new(scene, sounds);
    let ch = scene.channels as usize;
    let total = scene.frames();
    let block = block.max(1) as u64;
    let mut buffer = vec![0.0f32; block as usize * ch];
    let mut done = 0u64;
    let mut events = scene.events.iter().peekable();
    while done < total {
        while let Some(e) = events.next_if(|e| e.frame <= done) {
            player.apply(&mut backend, e)?;
        }
        let next_event = events.peek().map_or(total, |e| e.frame.min(total));
        let end = next_event.min(done + block).min(total);
        let end = if end == done {
            (done + block).min(total)
        } else {
            end
        };
        let out = &mut buffer[..(end - done) as usize * ch];
        backend.render(out);
        sink(out, &backend)?;
        done = end;
        progress(done);
    }
    Ok(())
}
