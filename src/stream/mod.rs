//! Streaming channels on a mixing backend: rings the game feeds with s16 PCM, and files the
//! backend decodes itself on a decoder thread.
//!
//! What a voice plays is a [`Source`]: a decoded [`Sound`] or a stream's ring. The ring is
//! the core's lock-free [`StreamRing`] over a boxed slice made when the stream opens (on the
//! game thread), so feeding never allocates on the audio thread and the ring is freed on the
//! game thread when the voice's handle comes back.

pub(crate) mod decoder;

use std::collections::HashMap;
use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU32;

use mixer_core::stream::{StreamRing, StreamSource};
use mixer_core::{Channels, Renderer, Samples, Shared, SoundData};

use crate::channel::ChannelId;
use crate::error::AudioError;
use crate::limits::MAX_STREAM_RING_BYTES;
use crate::log::warn_once;
use crate::sound::{Container, Sound};

/// A ring over heap storage.
pub(crate) type Ring = StreamRing<Box<[AtomicU32]>>;

/// What a voice plays.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// Decoded PCM.
    Sound(Sound),
    /// A stream's ring.
    Stream(Arc<Ring>),
}

impl SoundData for Source {
    fn samples(&self) -> Samples<'_> {
        match self {
            Source::Sound(s) => s.samples(),
            Source::Stream(_) => Samples::F32(&[]),
        }
    }
    fn channels(&self) -> Channels {
        match self {
            Source::Sound(s) => SoundData::channels(s),
            Source::Stream(r) => r.channels(),
        }
    }
    fn sample_rate(&self) -> u32 {
        match self {
            Source::Sound(s) => SoundData::sample_rate(s),
            Source::Stream(r) => r.sample_rate(),
        }
    }
    fn stream(&self) -> Option<&dyn StreamSource> {
        match self {
            Source::Sound(_) => None,
            Source::Stream(r) => Some(r.as_ref()),
        }
    }
}

/// A new ring of `seconds` at `rate` for `channels` (1 or 2), when the backend's rings take
/// `used` bytes already: refused before anything is allocated if the rate is out of range or
/// the rings would take more than [`MAX_STREAM_RING_BYTES`] together.
pub(crate) fn ring(
    seconds: f64,
    rate: u32,
    channels: u16,
    used: usize,
) -> Result<Arc<Ring>, AudioError> {
    if !(seconds > 0.0 && seconds <= 60.0) {
        return Err(AudioError::InvalidParameter {
            name: "buffer_seconds",
            reason: format!("{seconds} is not in (0, 60]"),
        });
    }
    let rate = crate::limits::check_rate(rate)?;
    let ch = usize::from(channels.clamp(1, 2));
    let frames = (libm::ceil(seconds * f64::from(rate)) as usize).max(1);
    let bytes = frames * ch * 4;
    if used.saturating_add(bytes) > MAX_STREAM_RING_BYTES {
        return Err(AudioError::InvalidParameter {
            name: "buffer_seconds",
            reason: format!(
                "a ring of {seconds} s at {rate} Hz takes {bytes} bytes, and the backend's \
                 open streams take {used}: together more than the {MAX_STREAM_RING_BYTES} \
                 all stream rings may (close streams, or give them shorter buffers; half a \
                 second is plenty for a decoder thread)"
            ),
        });
    }
    let buf: Box<[AtomicU32]> = (0..frames * ch).map(|_| AtomicU32::new(0)).collect();
    Ok(Arc::new(StreamRing::new(buf, ch as u8, rate)))
}

/// How a stream is fed.
#[derive(Debug)]
pub(crate) enum Feed {
    /// The caller feeds s16 PCM.
    Caller,
    /// A decoder thread feeds it from a file.
    Decoder(crate::stream::decoder::DecoderThread),
}

/// The game-thread side of one streaming channel.
#[derive(Debug)]
pub(crate) struct StreamState {
    pub ring: Arc<Ring>,
    pub feed: Feed,
    /// Bytes offered to `feed_audio_chunk` that did not fit.
    pub dropped_bytes: u64,
    /// Scratch for converting fed bytes (reused, grows on the game thread only).
    scratch: Vec<i16>,
}

impl StreamState {
    pub(crate) fn new(ring: Arc<Ring>, feed: Feed) -> Self {
        Self {
            ring,
            feed,
            dropped_bytes: 0,
            scratch: Vec::new(),
        }
    }
}

/// The streams of a backend, by channel.
#[derive(Debug, Default)]
pub(crate) struct Streams {
    map: HashMap<ChannelId, StreamState>,
    /// Errors of streams already forgotten, not yet taken.
    pending: Vec<(ChannelId, AudioError)>,
}

impl Streams {
    /// The bytes the rings of the streams still here take.
    pub(crate) fn ring_bytes(&self) -> usize {
        self.map
            .values()
            .map(|s| s.ring.capacity() * s.ring.channels().count() * 4)
            .sum()
    }

    pub(crate) fn insert(&mut self, id: ChannelId, state: StreamState) {
        self.map.insert(id, state);
    }

    /// Forget streams whose channels are gone (their decoder threads stop).
    pub(crate) fn retain(&mut self, mut alive: impl FnMut(ChannelId) -> bool) {
        let pending = &mut self.pending;
        self.map.retain(|&id, s| {
            let keep = alive(id);
            if !keep
                && let Feed::Decoder(d) = &s.feed
                && let Some(e) = d.take_error()
            {
                pending.push((id, e));
            }
            keep
        });
    }

    /// Queue `bytes` of interleaved s16 LE on a caller-fed stream; the bytes accepted.
    pub(crate) fn feed(&mut self, id: ChannelId, bytes: &[u8]) -> usize {
        let Some(s) = self.map.get_mut(&id) else {
            return 0;
        };
        if let Feed::Decoder(_) = s.feed {
            warn_once(
                "feed-decoded".into(),
                "simvx-audio: feed_audio_chunk on a channel the backend decodes itself is \
                 ignored (its file feeds it)",
            );
            return 0;
        }
        let ch = match s.ring.channels() {
            Channels::Mono => 1,
            Channels::Stereo => 2,
        };
        let frame_bytes = 2 * ch;
        let whole = bytes.len() / frame_bytes * frame_bytes;
        let fit = whole.min(s.ring.frames_available() * frame_bytes);
        s.scratch.clear();
        s.scratch.extend(
            bytes[..fit]
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]])),
        );
        let frames = s.ring.write_i16(&s.scratch);
        let accepted = frames * frame_bytes;
        let dropped = (whole - accepted) as u64;
        if dropped > 0 {
            s.dropped_bytes += dropped;
            warn_once(
                format!("stream-full:{}", id.0),
                &format!(
                    "simvx-audio: stream {} is full: {dropped} bytes were not accepted (the \
                     caller was told; feed at the pace of frames_available, or open the stream \
                     with a larger buffer_seconds)",
                    id.0
                ),
            );
        }
        accepted
    }

    /// Frames a caller may feed now: 0 when full, unknown, or backend-decoded.
    pub(crate) fn frames_available(&self, id: ChannelId) -> usize {
        match self.map.get(&id) {
            Some(s) if matches!(s.feed, Feed::Caller) && !s.ring.is_ended() => {
                s.ring.frames_available()
            }
            _ => 0,
        }
    }

    /// "No more chunks": the channel plays what is queued, then ends.
    pub(crate) fn end(&mut self, id: ChannelId) {
        if let Some(s) = self.map.get(&id)
            && matches!(s.feed, Feed::Caller)
        {
            s.ring.end();
        }
    }

    /// Stream `id`'s counters, if it is a stream of this table.
    pub(crate) fn stats(&self, id: ChannelId) -> Option<crate::StreamStats> {
        let s = self.map.get(&id)?;
        Some(crate::StreamStats {
            underruns: s.ring.underruns() as u64,
            underrun_frames: s.ring.underrun_frames() as u64,
            dropped_bytes: s.dropped_bytes,
            queued_frames: s.ring.queued(),
            capacity_frames: s.ring.capacity(),
            decoding: matches!(&s.feed, Feed::Decoder(d) if !d.is_finished()),
        })
    }

    /// The playback position in seconds of stream `id`'s own timeline, from the core's
    /// `played` seconds of its ring: for a backend-decoded file, counted from where it
    /// started (`from_position`) and wrapped at the file's end when it loops (SPEC §3); for a
    /// fed stream, what was played.
    pub(crate) fn position(&self, id: ChannelId, played: f64) -> f64 {
        match self.map.get(&id) {
            Some(StreamState {
                ring,
                feed: Feed::Decoder(d),
                ..
            }) => {
                let rate = f64::from(ring.sample_rate().max(1));
                let frames = (played * rate).round().max(0.0) as u64;
                d.timeline().frame_of(frames) as f64 / rate
            }
            _ => played,
        }
    }

    /// Decode errors that ended streams, once each.
    pub(crate) fn take_errors(&mut self) -> Vec<(ChannelId, AudioError)> {
        let mut errors = std::mem::take(&mut self.pending);
        errors.extend(self.map.iter().filter_map(|(&id, s)| match &s.feed {
            Feed::Decoder(d) => d.take_error().map(|e| (id, e)),
            Feed::Caller => None,
        }));
        errors
    }

    /// Stop every decoder thread.
    pub(crate) fn clear(&mut self) {
        self.map.clear();
    }

    /// The decoder thread feeding `ring`, if a decoder feeds it.
    fn decoder_of(&self, ring: &Arc<Ring>) -> Option<&crate::stream::decoder::DecoderThread> {
        self.map.values().find_map(|s| match &s.feed {
            Feed::Decoder(d) if Arc::ptr_eq(&s.ring, ring) => Some(d),
            _ => None,
        })
    }

    /// Block (the calling thread, for at most [`DECODE_WAIT`]) until the ring of every
    /// backend-decoded stream that plays in the next `frames` frames holds what its voice
    /// reads in them (the frames it crosses at its pitch and rate ratio, plus the
    /// interpolator's frame ahead), or its decoder has finished (the end of a file that does
    /// not loop, or an error). Returns the frames that may be rendered now: `frames`, or fewer
    /// when a ring cannot hold what its voice reads in all of them (the caller renders in
    /// pieces; the renderer gives the same bits for any split). After the timeout it logs a
    /// warning and returns anyway (the render then has an underrun), rather than hang.
    /// Whether any stream is decoded by the backend (an offline render may wait for it).
    pub(crate) fn has_decoders(&self) -> bool {
        self.map
            .values()
            .any(|s| matches!(s.feed, Feed::Decoder(_)))
    }

    pub(crate) fn wait_decoded<
        S,
        M,
        const V: usize,
        const B: usize,
        const E: usize,
        const Q: usize,
    >(
        &self,
        renderer: &Renderer<Source, S, M, V, B, E, Q>,
        frames: usize,
    ) -> usize
    where
        S: Deref<Target = Shared<Source, V, Q>>,
        M: AsMut<[f32]>,
    {
        // The piece: halve it until every decoded stream's ring can hold its demand.
        let mut n = frames.max(1);
        loop {
            let mut fits = true;
            renderer.stream_demand(n, |source, need| {
                if let Source::Stream(ring) = source
                    && need > ring.capacity()
                    && self.decoder_of(ring).is_some()
                {
                    fits = false;
                }
            });
            if fits || n == 1 {
                break;
            }
            n = n.div_ceil(2);
        }
        let start = std::time::Instant::now();
        for polls in 0u32.. {
            let mut ready = true;
            renderer.stream_demand(n, |source, need| {
                let Source::Stream(ring) = source else { return };
                if ring.queued() >= need.min(ring.capacity()) || ring.is_ended() {
                    return;
                }
                if let Some(d) = self.decoder_of(ring)
                    && !d.is_finished()
                {
                    ready = false;
                    d.wake();
                }
            });
            if ready {
                break;
            }
            if start.elapsed() > DECODE_WAIT {
                log::warn!(
                    target: crate::LOG_TARGET,
                    "simvx-audio: a decoder thread gave too few frames within {} s; rendering \
                     on with an underrun (is the machine overloaded, or the file on a stalled \
                     disk?)",
                    DECODE_WAIT.as_secs()
                );
                break;
            }
            if polls < 64 {
                std::thread::yield_now();
            } else {
                std::thread::sleep(std::time::Duration::from_micros(100));
            }
        }
        n
    }
}

/// How long an offline render waits for a decoder thread before each piece, at most.
pub(crate) const DECODE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Where `path`'s stream comes from: a fed ring (`wav`, as in the original, or no file) or the
/// backend's decoder (ogg, mp3, flac).
pub(crate) fn container_of(path: &Path) -> Result<Container, AudioError> {
    use std::io::Read;
    let mut head = [0u8; 12];
    let mut file = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => AudioError::FileNotFound(path.to_path_buf()),
        _ => AudioError::InvalidStream(format!("{}: {e}", path.display())),
    })?;
    let n = file
        .read(&mut head)
        .map_err(|e| AudioError::InvalidStream(format!("{}: {e}", path.display())))?;
    match Container::detect(&head[..n]) {
        Container::Unknown => Err(AudioError::InvalidStream(format!(
            "{}: not a wav, ogg, mp3 or flac file (by its first bytes)",
            path.display()
        ))),
        c => Ok(c),
    }
}
