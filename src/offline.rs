//! [`OfflineBackend`]: the core with no device and no clock; the caller pulls blocks.

use crate::backend::{BackendInfo, BackendKind};
use crate::config::AudioConfig;
use crate::error::AudioError;
use crate::forward::{forward_playback, forward_streaming};
use crate::listener::Listener;
use crate::mixer::{CoreRenderer, Mixer};

/// A mixing backend rendered on demand: for tests, tools and the CLI's `render`.
///
/// Calls take effect at the next rendered frame, so a driver that renders up to an event's
/// frame and then makes the event's calls applies it at exactly that frame; the same calls at
/// the same frames give the same bits on every run, every machine and every block size.
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
#[derive(Debug)]
pub struct OfflineBackend {
    mixer: Mixer,
    renderer: Box<CoreRenderer>,
    info: BackendInfo,
}

impl OfflineBackend {
    /// A backend rendering at `config`'s rate and channels.
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`] for a configuration out of range.
    pub fn new(config: &AudioConfig) -> Result<Self, AudioError> {
        let (mixer, renderer) = Mixer::new(config.core()?, config.effect_memory_floats()?)?;
        let info = BackendInfo {
            kind: BackendKind::Offline,
            device: "none".into(),
            buffer_frames: None,
            latency_seconds: None,
            sample_rate: config.sample_rate,
            channels: config.channels,
            sample_format: "f32".into(),
        };
        Ok(Self {
            mixer,
            renderer,
            info,
        })
    }

    /// Render the next `out.len() / channels` frames, interleaved. After shutdown: silence.
    pub fn render(&mut self, out: &mut [f32]) {
        self.mixer.streams().render_decoded(&mut self.renderer, out);
        if self.mixer.is_shut_down() {
            out.fill(0.0);
        }
    }

    /// Render the next `frames` frames into a new buffer.
    pub fn render_frames(&mut self, frames: usize) -> Vec<f32> {
        let mut out = vec![0.0; frames * self.info.channels as usize];
        self.render(&mut out);
        out
    }

    /// Frames rendered so far.
    pub fn frames_rendered(&self) -> u64 {
        self.renderer.frames_rendered()
    }

    /// What this backend is.
    pub fn info(&self) -> &BackendInfo {
        &self.info
    }

    /// The listener as last set.
    pub fn listener(&self) -> &Listener {
        self.mixer.listener()
    }

    /// Voices in use at once, at most.
    pub fn voice_capacity(&self) -> usize {
        self.mixer.capacity()
    }

    /// Hand queued commands to the renderer now (at the current frame), so the queue never
    /// fills between renders however many calls a frame carries.
    fn flush(&mut self) {
        self.renderer.render(&mut []);
    }
}

forward_playback!(OfflineBackend => mixer, then flush);
forward_streaming!(OfflineBackend => mixer, then flush);

impl crate::backend::Buses for OfflineBackend {
    /// Syncs in one call however many commands the change takes: when the command queue
    /// fills, the commands so far are handed to the renderer (at the current frame) and the
    /// sync carries on where it stopped.
    fn sync_bus_layout(&mut self, layout: &crate::AudioBusLayout) -> Result<(), AudioError> {
        // Each pass starts with an empty queue and commits at least one bus (a bus's commands
        // are far fewer than the queue holds); a sync has at most 2 · MAX_BUSES such steps.
        for _ in 0..=2 * crate::MAX_BUSES {
            let r = self.mixer.sync_layout(layout);
            self.flush();
            if !matches!(r, Err(AudioError::Busy)) {
                return r;
            }
        }
        Err(AudioError::Busy)
    }
}

impl crate::backend::HasStreams for OfflineBackend {
    fn streams(&mut self) -> Option<&mut dyn crate::backend::StreamFacets> {
        Some(self)
    }
}
