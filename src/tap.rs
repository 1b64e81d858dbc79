//! [`Tap`]: the mixer's output, copied to the game thread as it plays.

use std::sync::Arc;
use std::sync::atomic::AtomicU32;

use crate::error::AudioError;
use crate::stream::Ring;
use crate::wav::{RenderStats, WavFormat, WavStream};

/// A copy of the mixer's output (stereo, after every bus, at the output rate), filled by the
/// audio thread without ever waiting and read here. Frames it has no room for are dropped
/// and counted ([`Backend::tap_dropped`](crate::Backend::tap_dropped)); read it at least as
/// often as its length. Made by [`Backend::open_tap`](crate::Backend::open_tap).
#[derive(Debug, Clone)]
pub struct Tap {
    ring: Arc<Ring>,
}

impl Tap {
    pub(crate) fn new(frames: usize, sample_rate: u32) -> Self {
        let buf: Box<[AtomicU32]> = (0..frames.max(1) * 2).map(|_| AtomicU32::new(0)).collect();
        Self {
            ring: Arc::new(Ring::new(buf, 2, sample_rate)),
        }
    }

    pub(crate) fn ring(&self) -> Arc<Ring> {
        self.ring.clone()
    }

    /// The output's rate.
    pub fn sample_rate(&self) -> u32 {
        self.ring.sample_rate()
    }

    /// Frames waiting to be read.
    pub fn available(&self) -> usize {
        self.ring.queued()
    }

    /// Append every waiting frame to `out` (interleaved stereo); returns the frames read.
    pub fn read_into(&self, out: &mut Vec<f32>) -> usize {
        let n = self.ring.queued();
        let start = out.len();
        out.resize(start + 2 * n, 0.0);
        let got = self.ring.read(&mut out[start..]);
        out.truncate(start + 2 * got);
        got
    }

    /// A recorder of this tap into the WAV file at `path` (see [`TapRecorder`]).
    ///
    /// # Errors
    /// [`AudioError::Io`].
    pub fn record(
        &self,
        path: &std::path::Path,
        format: WavFormat,
    ) -> Result<TapRecorder, AudioError> {
        Ok(TapRecorder {
            tap: self.clone(),
            wav: WavStream::create(path, 2, self.sample_rate(), format)?,
            scratch: Vec::new(),
        })
    }
}

/// Records a [`Tap`] to a WAV file on the game thread: call [`pump`](Self::pump) every frame
/// (or so), then [`finish`](Self::finish).
#[derive(Debug)]
pub struct TapRecorder {
    tap: Tap,
    wav: WavStream,
    scratch: Vec<f32>,
}

impl TapRecorder {
    /// Write what the tap holds; returns the frames written.
    ///
    /// # Errors
    /// [`AudioError::Io`].
    pub fn pump(&mut self) -> Result<usize, AudioError> {
        self.scratch.clear();
        let n = self.tap.read_into(&mut self.scratch);
        self.wav.write(&self.scratch)?;
        Ok(n)
    }

    /// Write what is left and finish the file; what was recorded.
    ///
    /// # Errors
    /// [`AudioError::Io`].
    pub fn finish(mut self) -> Result<RenderStats, AudioError> {
        self.pump()?;
        self.wav.finish()
    }
}
