//! The decoder thread of a backend-decoded stream: pulls packets from a decoder and keeps the
//! stream's ring filled, with bounded memory (one packet in hand), looping by rewinding, and
//! decode errors reported as events instead of panics.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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
    /// The file frame the first chunk starts at (where a seek put it).
    fn start_frame(&self) -> u64 {
        0
    }
}

/// Where a decoded stream's frames lie on its file's timeline, as the decoder thread learns
/// it: the file frame of the first frame it writes, and the frames of one pass of a loop once
/// it has met the file's end. The thread publishes a pass's length before it writes any frame
/// of the next pass, so a position read after the voice played past the end sees it.
#[derive(Debug, Default)]
pub(crate) struct Timeline {
    start: AtomicU64,
    /// 0 until a looping decoder has met the end.
    loop_frames: AtomicU64,
}

impl Timeline {
    /// The file frame a voice stands at after `played` frames of the ring: from the start
    /// frame, wrapped by the loop's length once known (before that, nothing played has
    /// crossed the end).
    pub(crate) fn frame_of(&self, played: u64) -> u64 {
        let at = self.start.load(Ordering::Acquire).saturating_add(played);
        match self.loop_frames.load(Ordering::Acquire) {
            0 => at,
            n => at % n,
        }
    }
}

/// A running decoder thread. Dropping it stops and joins the thread.
#[derive(Debug)]
pub(crate) struct DecoderThread {
    stop: Arc<AtomicBool>,
    timeline: Arc<Timeline>,
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
        let timeline = Arc::new(Timeline {
            start: AtomicU64::new(source.start_frame()),
            loop_frames: AtomicU64::new(0),
        });
        let (flag, report, times) = (stop.clone(), error.clone(), timeline.clone());
        let thread = std::thread::Builder::new()
            .name(format!("simvx-audio decoder: {name}"))
            .spawn(move || {
                if let Err(e) = pump(&mut source, &ring, looping, &flag, &times) {
                    *report.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                }
                ring.end();
            })
            .map_err(|e| {
                AudioError::InvalidStream(format!("cannot start a decoder thread: {e}"))
            })?;
        Ok(Self {
            stop,
            timeline,
            error,
            thread: Some(thread),
        })
    }

    /// Where the stream's frames lie on its file's timeline.
    pub(crate) fn timeline(&self) -> &Timeline {
        &self.timeline
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
    timeline: &Timeline,
) -> Result<(), AudioError> {
    let ch = source.channels().clamp(1, 2);
    let mut packet: Vec<f32> = Vec::new();
    let mut at = 0;
    let mut empty_loops = 0;
    // Frames decoded in this pass, and whether it started at the file's start (a rewind).
    let (mut pass, mut from_start) = (0u64, source.start_frame() == 0);
    // Until stopped, or the voice reading the ring has ended (played out or stopped).
    while !stop.load(Ordering::Acquire) && !ring.is_closed() {
        if at == packet.len() {
            packet.clear();
            at = 0;
            let got = source.next_chunk(&mut packet)?;
            packet.truncate(packet.len() / ch * ch);
            if got == 0 || packet.is_empty() {
                if !looping || empty_loops > 1 {
                    return Ok(());
                }
                if timeline.loop_frames.load(Ordering::Relaxed) == 0 {
                    if pass == 0 && !from_start {
                        // Started past the end: the first frame written is the file's first.
                        timeline.start.store(0, Ordering::Release);
                    } else if pass > 0 {
                        let start = if from_start { 0 } else { source.start_frame() };
                        timeline.loop_frames.store(start + pass, Ordering::Release);
                    }
                }
                // A loop that yields nothing twice in a row has nothing to loop.
                empty_loops += 1;
                source.rewind()?;
                (pass, from_start) = (0, true);
                continue;
            }
            empty_loops = 0;
            pass += (packet.len() / ch) as u64;
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

/// A file decoded for a stream: the symphonia stream decoder, started at `from_position`
/// (its file frame).
#[derive(Debug)]
pub(crate) struct FileDecoder(crate::sound::decode::StreamDecoder, u64);

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
    fn start_frame(&self) -> u64 {
        self.1
    }
}

/// Open `path` for streaming from `from_position` seconds (negative: the start; past the end:
/// an empty stream).
pub(crate) fn open_file(
    path: &std::path::Path,
    from_position: f64,
) -> Result<FileDecoder, AudioError> {
    let mut d = crate::sound::decode::StreamDecoder::open(path)?;
    let mut start = 0;
    if from_position > 0.0 {
        d.seek(from_position)?;
        // Where `seek` puts the next chunk.
        start = (from_position * f64::from(d.sample_rate())).round() as u64;
    }
    Ok(FileDecoder(d, start))
}
