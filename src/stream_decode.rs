//! The decoder thread of a backend-decoded stream: pulls packets from a decoder and keeps the
//! stream's ring filled, with bounded memory (one packet in hand), looping by rewinding, and
//! decode errors reported as events instead of panics.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::error::AudioError;
use crate::stream::Ring;

/// What a decoder thread pulls from.
pub(crate) trait ChunkSource: Send + 'static {
    /// Append up to one packet of interleaved `f32` frames to `out`; the frames appended, 0 at
    /// the end.
    fn next_chunk(&mut self, out: &mut Vec<f32>) -> Result<usize, AudioError>;
    /// Go back to the start (for loops).
    fn rewind(&mut self) -> Result<(), AudioError>;
    /// Interleaved channels of the chunks (1 or 2).
    fn channels(&self) -> usize;
}

/// A running decoder thread. Dropping it stops and joins the thread.
#[derive(Debug)]
pub(crate) struct DecoderThread {
    stop: Arc<AtomicBool>,
    error: Arc<Mutex<Option<AudioError>>>,
    thread: Option<JoinHandle<()>>,
}

impl DecoderThread {
    /// Start feeding `ring` from `source`.
    pub(crate) fn spawn(
        name: String,
        mut source: impl ChunkSource,
        ring: Arc<Ring>,
        looping: bool,
    ) -> Result<Self, AudioError> {
        let stop = Arc::new(AtomicBool::new(false));
        let error = Arc::new(Mutex::new(None));
        let (flag, report) = (stop.clone(), error.clone());
        let thread = std::thread::Builder::new()
            .name(format!("simvx-audio decoder: {name}"))
            .spawn(move || {
                if let Err(e) = pump(&mut source, &ring, looping, &flag) {
                    *report.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                }
                ring.end();
            })
            .map_err(|e| {
                AudioError::InvalidStream(format!("cannot start a decoder thread: {e}"))
            })?;
        Ok(Self {
            stop,
            error,
            thread: Some(thread),
        })
    }

    /// The decode error that ended the stream, once (later calls return `None`).
    pub(crate) fn take_error(&self) -> Option<AudioError> {
        self.error.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// Whether the thread has returned (the file ended, decoding failed, or it was stopped).
    pub(crate) fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Wake the thread if it is waiting for room in its ring (someone wants frames now).
    pub(crate) fn wake(&self) {
        if let Some(t) = &self.thread {
            t.thread().unpark();
        }
    }
}

impl Drop for DecoderThread {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Keep `ring` filled from `source` until the end (or `stop`).
fn pump(
    source: &mut impl ChunkSource,
    ring: &Ring,
    looping: bool,
    stop: &AtomicBool,
) -> Result<(), AudioError> {
    let ch = source.channels().clamp(1, 2);
    let mut packet: Vec<f32> = Vec::new();
    let mut at = 0;
    let mut empty_loops = 0;
    while !stop.load(Ordering::Acquire) {
        if at == packet.len() {
            packet.clear();
            at = 0;
            let got = source.next_chunk(&mut packet)?;
            packet.truncate(packet.len() / ch * ch);
            if got == 0 || packet.is_empty() {
                if !looping || empty_loops > 1 {
                    return Ok(());
                }
                // A loop that yields nothing twice in a row has nothing to loop.
                empty_loops += 1;
                source.rewind()?;
                continue;
            }
            empty_loops = 0;
        }
        let frames = ring.write(&packet[at..]);
        at += frames * ch;
        if at < packet.len() {
            // The ring is full: the mixer reads it in real time (or the game renders it; an
            // offline render that needs frames wakes the thread at once).
            std::thread::park_timeout(Duration::from_millis(2));
        }
    }
    Ok(())
}

/// A file decoded for a stream: the symphonia stream decoder, started at `from_position`.
#[derive(Debug)]
pub(crate) struct FileDecoder(crate::decode::StreamDecoder);

impl FileDecoder {
    pub(crate) fn rate(&self) -> u32 {
        self.0.sample_rate()
    }
    pub(crate) fn channel_count(&self) -> u16 {
        self.0.channels()
    }
}

impl ChunkSource for FileDecoder {
    fn next_chunk(&mut self, out: &mut Vec<f32>) -> Result<usize, AudioError> {
        self.0.next_chunk(out)
    }
    fn rewind(&mut self) -> Result<(), AudioError> {
        self.0.rewind()
    }
    fn channels(&self) -> usize {
        usize::from(self.0.channels())
    }
}

/// Open `path` for streaming from `from_position` seconds (negative: the start; past the end:
/// an empty stream).
pub(crate) fn open_file(
    path: &std::path::Path,
    from_position: f64,
) -> Result<FileDecoder, AudioError> {
    let mut d = crate::decode::StreamDecoder::open(path)?;
    if from_position > 0.0 {
        d.seek(from_position)?;
    }
    Ok(FileDecoder(d))
}
