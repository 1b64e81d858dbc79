//! Running scenes: [`ScenePlayer`] applies a scene's calls to any backend, and
//! [`render_scene`] renders a scene offline, bit-identically on every run.

use std::collections::{BTreeMap, HashMap};

use crate::backend::{Buses, ChannelId, Playback};
use crate::config::{AudioConfig, FallbackPolicy};
use crate::error::AudioError;
use crate::mixer::MAX_VOICES;
use crate::offline::OfflineBackend;
use crate::scene::{BUSES_EVENT, Call, Event, LISTENER_EVENT, ListenerField, Scene, SceneError};
use crate::sound::Sound;

/// Applies a scene's events to a backend, keeping the scene's channel names.
#[derive(Debug)]
pub struct ScenePlayer<'s> {
    scene: &'s Scene,
    sounds: &'s BTreeMap<String, Sound>,
    channels: HashMap<String, ChannelId>,
}

impl<'s> ScenePlayer<'s> {
    /// A player for `scene` with its loaded `sounds` (see [`Scene::load_sounds`]).
    pub fn new(scene: &'s Scene, sounds: &'s BTreeMap<String, Sound>) -> Self {
        Self {
            scene,
            sounds,
            channels: HashMap::new(),
        }
    }

    /// The backend channel a scene channel name was last started as.
    pub fn channel(&self, name: &str) -> Option<ChannelId> {
        self.channels.get(name).copied()
    }

    /// Make `event`'s call on `backend`.
    ///
    /// # Errors
    /// [`AudioError::Scene`] naming the event, wrapping what the backend refused.
    pub fn apply<B: Playback + Buses + ?Sized>(
        &mut self,
        backend: &mut B,
        event: &Event,
    ) -> Result<(), AudioError> {
        self.call(backend, &event.call).map_err(|e| {
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

    fn call<B: Playback + Buses + ?Sized>(
        &mut self,
        b: &mut B,
        call: &Call,
    ) -> Result<(), AudioError> {
        // `check_channels` proved every control names a started channel.
        let id = |c: &str| self.channels.get(c).copied();
        match call {
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
                let cid = b.play_audio(s, params)?;
                self.channels.insert(channel.clone(), cid);
                Ok(())
            }
            Call::StopAudio(c) => id(c).map_or(Ok(()), |i| b.stop_audio(i)),
            Call::PauseAudio(c) => id(c).map_or(Ok(()), |i| b.pause_audio(i)),
            Call::ResumeAudio(c) => id(c).map_or(Ok(()), |i| b.resume_audio(i)),
            Call::UpdateAudio2d {
                channel,
                volume_db,
                pan,
            } => id(channel).map_or(Ok(()), |i| b.update_audio_2d(i, *volume_db, *pan)),
            Call::UpdateAudio3d {
                channel,
                volume_db,
                pan,
                pitch,
            } => id(channel).map_or(Ok(()), |i| b.update_audio_3d(i, *volume_db, *pan, *pitch)),
            Call::SetPitch { channel, pitch } => {
                id(channel).map_or(Ok(()), |i| b.set_pitch(i, *pitch))
            }
            Call::SetListener(field, v) => match field {
                ListenerField::Position => b.set_listener_position(*v),
                ListenerField::Velocity => b.set_listener_velocity(*v),
                ListenerField::Direction => b.set_listener_direction(*v),
                ListenerField::WorldUp => b.set_listener_world_up(*v),
            },
            Call::SyncBusLayout(layout) => b.sync_bus_layout(layout),
            Call::SetEmitter { channel, emitter } => {
                id(channel).map_or(Ok(()), |i| b.set_emitter(i, emitter))
            }
        }
    }
}

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
/// [`AudioError::Scene`] for a call the backend refuses (naming the event).
pub fn render_scene(
    scene: &Scene,
    sounds: &BTreeMap<String, Sound>,
    block: usize,
    mut progress: impl FnMut(u64),
) -> Result<Vec<f32>, AudioError> {
    let config = AudioConfig {
        sample_rate: scene.sample_rate,
        channels: scene.channels,
        voices: MAX_VOICES,
        fallback: FallbackPolicy::Allow,
        ..AudioConfig::default()
    };
    let mut backend = OfflineBackend::new(&config)?;
    let mut player = ScenePlayer::new(scene, sounds);
    let ch = scene.channels as usize;
    let total = scene.frames();
    let block = block.max(1) as u64;
    let mut out = vec![0.0f32; total as usize * ch];
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
        backend.render(&mut out[done as usize * ch..end as usize * ch]);
        done = end;
        progress(done);
    }
    Ok(out)
}
