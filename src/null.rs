//! [`NullPlayback`]: the facade over `platform-null` (silent, on a clock the game drives).

use std::num::NonZeroU64;

use platform_null::NullBackend;

use crate::backend::{ChannelId, PlayParams, Playback};
use crate::capability::CapabilitySet;
use crate::error::{AudioError, not_nan, vec_not_nan};
use crate::sound::Sound;

/// The null backend's playback facet: channels live and end on the backend's clock exactly as
/// on a device, and nothing is heard. Buses are accepted by any name (null routes nothing).
#[derive(Debug)]
pub struct NullPlayback {
    inner: NullBackend,
    shut_down: bool,
}

impl NullPlayback {
    /// A null backend with room for `voices` channels, on a manual clock at 0 s.
    pub fn new(sample_rate: u32, channels: u16, voices: usize) -> Self {
        Self {
            inner: NullBackend::new(sample_rate, channels, voices),
            shut_down: false,
        }
    }

    /// Move the manual clock forward by `seconds` (ignored for NaN, negative or infinite
    /// values, and on the wall clock). Returns whether it was applied.
    pub fn advance(&mut self, seconds: f64) -> bool {
        self.inner.advance(seconds)
    }

    /// Follow the wall clock from now on (time never jumps backwards).
    pub fn use_wall_clock(&mut self) {
        self.inner.use_wall_clock();
    }

    /// The clock reading in seconds.
    pub fn now(&self) -> f64 {
        self.inner.now()
    }

    fn live(&mut self) -> Result<&mut NullBackend, AudioError> {
        if self.shut_down {
            Err(AudioError::Shutdown)
        } else {
            Ok(&mut self.inner)
        }
    }
}

fn nid(id: ChannelId) -> NonZeroU64 {
    id.0
}

impl Playback for NullPlayback {
    fn play_audio(&mut self, sound: &Sound, params: &PlayParams) -> Result<ChannelId, AudioError> {
        self.live()?;
        params.check()?;
        self.inner
            .play(
                Some(sound.duration()),
                params.from_position,
                params.pitch,
                params.looping,
            )
            .map(ChannelId)
            .map_err(|full| AudioError::NoFreeVoice {
                capacity: full.capacity,
            })
    }

    fn stop_audio(&mut self, id: ChannelId) -> Result<(), AudioError> {
        self.live()?.stop(nid(id));
        Ok(())
    }

    fn pause_audio(&mut self, id: ChannelId) -> Result<(), AudioError> {
        self.live()?.pause(nid(id));
        Ok(())
    }

    fn resume_audio(&mut self, id: ChannelId) -> Result<(), AudioError> {
        self.live()?.resume(nid(id));
        Ok(())
    }

    fn update_audio_2d(
        &mut self,
        _: ChannelId,
        volume_db: f32,
        pan: f32,
    ) -> Result<(), AudioError> {
        self.live()?;
        not_nan("volume_db", volume_db)?;
        not_nan("pan", pan)?;
        Ok(())
    }

    fn update_audio_3d(
        &mut self,
        id: ChannelId,
        volume_db: f32,
        pan: f32,
        pitch: f32,
    ) -> Result<(), AudioError> {
        self.update_audio_2d(id, volume_db, pan)?;
        self.set_pitch(id, pitch)
    }

    fn set_pitch(&mut self, id: ChannelId, pitch: f32) -> Result<(), AudioError> {
        self.live()?;
        not_nan("pitch", pitch)?;
        self.inner.set_pitch(nid(id), pitch);
        Ok(())
    }

    fn set_emitter(&mut self, _: ChannelId, emitter: &crate::Emitter) -> Result<(), AudioError> {
        self.live()?;
        crate::error::check_emitter(emitter)
    }

    fn set_listener_position(&mut self, v: [f32; 3]) -> Result<(), AudioError> {
        self.live()?;
        vec_not_nan("position", v).map(drop)
    }

    fn set_listener_velocity(&mut self, v: [f32; 3]) -> Result<(), AudioError> {
        self.live()?;
        vec_not_nan("velocity", v).map(drop)
    }

    fn set_listener_direction(&mut self, v: [f32; 3]) -> Result<(), AudioError> {
        self.live()?;
        vec_not_nan("direction", v).map(drop)
    }

    fn set_listener_world_up(&mut self, v: [f32; 3]) -> Result<(), AudioError> {
        self.live()?;
        vec_not_nan("world_up", v).map(drop)
    }

    fn get_playback_position(&mut self, id: ChannelId) -> f64 {
        if self.shut_down {
            return 0.0;
        }
        self.inner.position(nid(id))
    }

    fn is_channel_active(&mut self, id: ChannelId) -> bool {
        !self.shut_down && self.inner.is_active(nid(id))
    }

    fn shutdown(&mut self) {
        self.shut_down = true;
        self.inner.shutdown();
    }

    fn list_capabilities(&self) -> CapabilitySet {
        CapabilitySet::NULL
    }
}

impl crate::backend::Buses for NullPlayback {
    /// Null routes nothing: a valid layout is accepted and ignored.
    fn sync_bus_layout(&mut self, layout: &crate::AudioBusLayout) -> Result<(), AudioError> {
        self.live()?;
        for bus in layout.buses() {
            for e in bus.effects() {
                e.check()?;
            }
        }
        Ok(())
    }
}

impl crate::backend::HasStreams for NullPlayback {
    fn streams(&mut self) -> Option<&mut dyn crate::backend::StreamFacets> {
        None
    }
}
