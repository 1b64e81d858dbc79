//! Sounds the renderer reads: borrowed PCM, i16 or f32, mono or stereo, at any sample rate.
//!
//! The core never owns sample memory. A voice holds a *handle* `H: SoundData` (an `Arc` on
//! desktop, a `&'static` on a board) and reads the samples through it. When the voice ends the
//! handle goes back to the game thread (see [`Controller::collect`](crate::Controller::collect)),
//! so the last reference is never dropped on the audio thread.

/// The sample layout of a sound's PCM data, interleaved when stereo.
#[derive(Debug, Clone, Copy)]
pub enum Samples<'a> {
    /// Signed 16-bit samples; full scale is ±32768.
    I16(&'a [i16]),
    /// 32-bit float samples; full scale is ±1.0.
    F32(&'a [f32]),
}

impl Samples<'_> {
    /// The number of samples (not frames).
    pub fn len(&self) -> usize {
        match self {
            Samples::I16(s) => s.len(),
            Samples::F32(s) => s.len(),
        }
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The number of interleaved channels of a sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Channels {
    /// One channel.
    Mono,
    /// Two interleaved channels, left first.
    Stereo,
}

impl Channels {
    /// 1 or 2.
    pub const fn count(self) -> usize {
        match self {
            Channels::Mono => 1,
            Channels::Stereo => 2,
        }
    }

    /// `Mono` for 1, `Stereo` for 2, `None` otherwise.
    pub const fn from_count(n: usize) -> Option<Self> {
        match n {
            1 => Some(Channels::Mono),
            2 => Some(Channels::Stereo),
            _ => None,
        }
    }
}

/// What the renderer needs to know of a sound. Implemented for handles the game keeps alive.
///
/// Implementations must return the same answers for the life of the handle (the renderer reads
/// them every block and never re-validates).
pub trait SoundData {
    /// The PCM samples, interleaved when stereo.
    fn samples(&self) -> Samples<'_>;
    /// Mono or stereo.
    fn channels(&self) -> Channels;
    /// Frames per second of the sound's own timeline.
    fn sample_rate(&self) -> u32;

    /// Whole frames in the sound (a trailing partial frame is ignored).
    fn frames(&self) -> usize {
        self.samples().len() / self.channels().count()
    }

    /// For a streaming sound, its ring: the voice reads frames from it as they are written
    /// (and [`samples`](Self::samples) is ignored). `None` (the default): a static sound.
    fn stream(&self) -> Option<&dyn StreamSource> {
        None
    }
}

/// A sound over borrowed PCM: the handle type for boards (`&'static StaticSound`) and tests.
///
/// ```
/// use mixer_core::{Channels, SoundData, StaticSound};
/// static PCM: [i16; 4] = [0, 16384, 0, -16384];
/// static BLIP: StaticSound = StaticSound::i16(&PCM, Channels::Mono, 8000);
/// assert_eq!(BLIP.frames(), 4);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct StaticSound<'a> {
    samples: Samples<'a>,
    channels: Channels,
    sample_rate: u32,
}

impl<'a> StaticSound<'a> {
    /// A sound over 16-bit samples.
    pub const fn i16(samples: &'a [i16], channels: Channels, sample_rate: u32) -> Self {
        Self {
            samples: Samples::I16(samples),
            channels,
            sample_rate,
        }
    }

    /// A sound over float samples.
    pub const fn f32(samples: &'a [f32], channels: Channels, sample_rate: u32) -> Self {
        Self {
            samples: Samples::F32(samples),
            channels,
            sample_rate,
        }
    }
}

impl SoundData for StaticSound<'_> {
    fn samples(&self) -> Samples<'_> {
        self.samples
    }
    fn channels(&self) -> Channels {
        self.channels
    }
    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }
}

impl<T: SoundData + ?Sized> SoundData for &T {
    fn stream(&self) -> Option<&dyn StreamSource> {
        (**self).stream()
    }
    fn samples(&self) -> Samples<'_> {
        (**self).samples()
    }
    fn channels(&self) -> Channels {
        (**self).channels()
    }
    fn sample_rate(&self) -> u32 {
        (**self).sample_rate()
    }
}

/// The read side of a ring as a voice sees it, whatever the ring's storage.
pub trait StreamSource {
    /// Mono or stereo.
    fn channels(&self) -> Channels;
    /// The frames' rate.
    fn sample_rate(&self) -> u32;
    /// Frames readable now.
    fn readable(&self) -> usize;
    /// Frame `i` past the read position.
    fn frame(&self, i: usize) -> (f32, f32);
    /// Release `n` frames.
    fn release(&self, n: usize);
    /// Frames released so far.
    fn released(&self) -> usize;
    /// Whether the producer said it is done.
    fn is_ended(&self) -> bool;
    /// Count underruns: `stretches` new empty stretches, `frames` silent frames.
    fn count_underrun(&self, stretches: usize, frames: usize);
    /// The voice reading the stream has ended; nothing will read it again (the renderer
    /// calls this once the voice has played out or its stop has faded; it must not block).
    fn close(&self) {}
    /// As a tap of the output: take the frames of planar `left` and `right` that fit, without
    /// blocking; the frames taken (a source that is no tap takes none).
    fn write_planar(&self, _left: &[f32], _right: &[f32]) -> usize {
        0
    }
}
