//! [`StreamRing`]: a single-producer, single-consumer ring of PCM frames for streaming voices.
//!
//! The game (or a decoder thread) writes interleaved frames; the renderer reads them through a
//! streaming voice. The ring never blocks either side: a full ring accepts fewer frames (and
//! says how many), an empty ring makes the voice render silence and count an underrun. Samples
//! are stored as `AtomicU32` bit patterns, so the ring needs no `unsafe` at all: relaxed atomic
//! loads and stores compile to plain moves, and the indices publish them with release/acquire.
//!
//! The storage is the caller's: a `static` array on a board, a boxed slice on desktop.
//!
//! ```
//! use core::sync::atomic::AtomicU32;
//! use mixer_core::stream::StreamRing;
//!
//! static MEM: [AtomicU32; 8] = [const { AtomicU32::new(0) }; 8];
//! static RING: StreamRing<&[AtomicU32]> = StreamRing::new(&MEM, 2, 48_000);
//! assert_eq!(RING.write(&[0.1, 0.2, 0.3, 0.4, 0.5]), 2); // whole frames only
//! assert_eq!(RING.frames_available(), 2);
//! assert_eq!(RING.queued(), 2);
//! ```

use core::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};

use crate::source::Channels;
pub use crate::source::StreamSource;

/// A PCM ring for one streaming voice. `B` is its storage: `capacity · channels` atomics.
#[derive(Debug)]
pub struct StreamRing<B> {
    buf: B,
    channels: u8,
    sample_rate: u32,
    /// Frames written, ever (the producer's index).
    head: AtomicUsize,
    /// Frames released by the reader, ever (the consumer's index).
    tail: AtomicUsize,
    ended: AtomicBool,
    /// The voice reading the ring has ended: nothing will read it again.
    closed: AtomicBool,
    /// Diagnostic counters; `usize` because 64-bit atomics are missing on small targets (they
    /// wrap on 32-bit targets after 2³² events).
    underruns: AtomicUsize,
    underrun_frames: AtomicUsize,
}

impl<B: AsRef<[AtomicU32]>> StreamRing<B> {
    /// A ring over `buf` for `channels` (1 or 2; others count as 2) at `sample_rate`.
    pub const fn new(buf: B, channels: u8, sample_rate: u32) -> Self {
        Self {
            buf,
            channels: if channels == 1 { 1 } else { 2 },
            sample_rate,
            head: AtomicUsize::new(0),
            tail: AtomicUsize::new(0),
            ended: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            underruns: AtomicUsize::new(0),
            underrun_frames: AtomicUsize::new(0),
        }
    }

    /// Frames the ring holds at most.
    pub fn capacity(&self) -> usize {
        self.buf.as_ref().len() / self.channels as usize
    }

    /// Mono or stereo.
    pub fn channels(&self) -> Channels {
        if self.channels == 1 {
            Channels::Mono
        } else {
            Channels::Stereo
        }
    }

    /// The rate the frames are at (the voice resamples them to the mixer's).
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Frames that can be written now (0 when full).
    pub fn frames_available(&self) -> usize {
        let queued = self.queued();
        self.capacity().saturating_sub(queued)
    }

    /// Frames written and not yet released by the reader.
    pub fn queued(&self) -> usize {
        let head = self.head.load(Ordering::Acquire);
        let tail = self.tail.load(Ordering::Acquire);
        head.wrapping_sub(tail)
    }

    /// Producer: write the whole frames of interleaved `samples` that fit; returns the frames
    /// written. Nothing is written after [`end`](Self::end).
    pub fn write(&self, samples: &[f32]) -> usize {
        self.write_with(samples.len(), |i| samples[i])
    }

    /// Producer: write whole frames of interleaved 16-bit samples that fit; returns the frames
    /// written.
    pub fn write_i16(&self, samples: &[i16]) -> usize {
        self.write_with(samples.len(), |i| f32::from(samples[i]) * (1.0 / 32_768.0))
    }

    fn write_with(&self, len: usize, sample: impl Fn(usize) -> f32) -> usize {
        if self.ended.load(Ordering::Acquire) {
            return 0;
        }
        let ch = self.channels as usize;
        let cap = self.capacity();
        if cap == 0 {
            return 0;
        }
        let frames = (len / ch).min(self.frames_available());
        let head = self.head.load(Ordering::Relaxed);
        let buf = self.buf.as_ref();
        for f in 0..frames {
            let slot = head.wrapping_add(f) % cap * ch;
            for c in 0..ch {
                buf[slot + c].store(sample(f * ch + c).to_bits(), Ordering::Relaxed);
            }
        }
        self.head
            .store(head.wrapping_add(frames), Ordering::Release);
        frames
    }

    /// Producer: write the whole frames of planar `left` and `right` (stereo; a mono ring
    /// takes their average) that fit; returns the frames written. This is how the renderer
    /// fills a tap of its output.
    pub fn write_planar(&self, left: &[f32], right: &[f32]) -> usize {
        let n = left.len().min(right.len());
        if self.channels == 1 {
            self.write_with(n, |i| 0.5 * (left[i] + right[i]))
        } else {
            self.write_with(2 * n, |i| {
                if i % 2 == 0 {
                    left[i / 2]
                } else {
                    right[i / 2]
                }
            })
        }
    }

    /// Consumer: read the queued frames that fit in `out` (interleaved in the ring's channel
    /// count) and release them; returns the frames read. This is how the game reads a tap.
    pub fn read(&self, out: &mut [f32]) -> usize {
        let ch = self.channels as usize;
        let n = self.readable().min(out.len() / ch);
        for (i, frame) in out.chunks_exact_mut(ch).take(n).enumerate() {
            let (l, r) = self.frame(i);
            frame[0] = l;
            if ch == 2 {
                frame[1] = r;
            }
        }
        self.release(n);
        n
    }

    /// Producer: no more frames will come. The voice plays what is queued, then ends.
    pub fn end(&self) {
        self.ended.store(true, Ordering::Release);
    }

    /// Whether [`end`](Self::end) was called.
    pub fn is_ended(&self) -> bool {
        self.ended.load(Ordering::Acquire)
    }

    /// Consumer: the voice reading the ring has ended (it ran out or was stopped) and nothing
    /// will read the ring again; a producer may stop.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }

    /// Whether the voice reading the ring has ended (see [`close`](Self::close)): a decoder
    /// feeding it can stop.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Times the reader found the ring empty while playing (each stretch counts once).
    pub fn underruns(&self) -> usize {
        self.underruns.load(Ordering::Relaxed)
    }

    /// Output frames rendered as silence for lack of data.
    pub fn underrun_frames(&self) -> usize {
        self.underrun_frames.load(Ordering::Relaxed)
    }

    /// Consumer: frames readable from the reader's current position.
    pub(crate) fn readable(&self) -> usize {
        self.queued()
    }

    /// Consumer: frame `i` past the reader's position as (left, right); `i < readable()`.
    pub(crate) fn frame(&self, i: usize) -> (f32, f32) {
        let ch = self.channels as usize;
        let cap = self.capacity().max(1);
        let tail = self.tail.load(Ordering::Relaxed);
        let slot = tail.wrapping_add(i) % cap * ch;
        let buf = self.buf.as_ref();
        let l = f32::from_bits(buf.get(slot).map_or(0, |a| a.load(Ordering::Relaxed)));
        if ch == 1 {
            (l, l)
        } else {
            let r = f32::from_bits(buf.get(slot + 1).map_or(0, |a| a.load(Ordering::Relaxed)));
            (l, r)
        }
    }

    /// Consumer: release `frames` frames (the writer may reuse them).
    pub(crate) fn release(&self, frames: usize) {
        let tail = self.tail.load(Ordering::Relaxed);
        self.tail
            .store(tail.wrapping_add(frames), Ordering::Release);
    }

    /// Consumer: frames released so far (the stream's played position).
    pub(crate) fn released(&self) -> usize {
        self.tail.load(Ordering::Relaxed)
    }

    pub(crate) fn count_underrun(&self, stretches: usize, frames: usize) {
        self.underruns.fetch_add(stretches, Ordering::Relaxed);
        self.underrun_frames.fetch_add(frames, Ordering::Relaxed);
    }
}

impl<B: AsRef<[AtomicU32]>> StreamSource for StreamRing<B> {
    fn channels(&self) -> Channels {
        StreamRing::channels(self)
    }
    fn sample_rate(&self) -> u32 {
        StreamRing::sample_rate(self)
    }
    fn readable(&self) -> usize {
        StreamRing::readable(self)
    }
    fn frame(&self, i: usize) -> (f32, f32) {
        StreamRing::frame(self, i)
    }
    fn release(&self, n: usize) {
        StreamRing::release(self, n)
    }
    fn released(&self) -> usize {
        StreamRing::released(self)
    }
    fn is_ended(&self) -> bool {
        StreamRing::is_ended(self)
    }
    fn count_underrun(&self, stretches: usize, frames: usize) {
        StreamRing::count_underrun(self, stretches, frames)
    }
    fn close(&self) {
        StreamRing::close(self)
    }
    fn write_planar(&self, left: &[f32], right: &[f32]) -> usize {
        StreamRing::write_planar(self, left, right)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    fn ring(frames: usize, channels: u8) -> StreamRing<Vec<AtomicU32>> {
        let buf = (0..frames * channels as usize)
            .map(|_| AtomicU32::new(0))
            .collect();
        StreamRing::new(buf, channels, 48_000)
    }

    /// Tests that writes take whole frames that fit, wrap, and report exactly what they took.
    #[test]
    fn whole_frames_that_fit() {
        let r = ring(4, 2);
        assert_eq!(
            r.write(&[1.0, 2.0, 3.0]),
            1,
            "a partial frame is not written"
        );
        assert_eq!(r.write(&[0.0; 10]), 3, "only 3 frames fit");
        assert_eq!(r.frames_available(), 0);
        assert_eq!(r.frame(0), (1.0, 2.0));
        r.release(2);
        assert_eq!(r.write(&[5.0, 6.0, 7.0, 8.0, 9.0, 10.0]), 2);
        assert_eq!(r.frame(2), (5.0, 6.0), "wrapped around");
        assert_eq!(r.frame(3), (7.0, 8.0));
        r.end();
        assert_eq!(r.write(&[0.0; 2]), 0, "nothing after end");
    }

    /// Tests i16 input scaling and mono frames.
    #[test]
    fn i16_and_mono() {
        let r = ring(8, 1);
        assert_eq!(r.write_i16(&[16_384, -32_768]), 2);
        assert_eq!(r.frame(0), (0.5, 0.5));
        assert_eq!(r.frame(1), (-1.0, -1.0));
    }
}
