//! [`Sound`]: decoded PCM shared between the game and the audio thread.
//!
//! A `Sound` is a cheap handle (`Arc`) over immutable samples. The renderer borrows it while a
//! voice plays and hands it back to the game thread when the voice ends, so the samples are
//! never freed on the audio thread.

pub(crate) mod decode;

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use mixer_core::{Channels, Samples, SoundData};

use crate::error::AudioError;

/// A container, detected from a file's first bytes (never from its extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// RIFF/WAVE.
    Wav,
    /// Ogg (Vorbis).
    Ogg,
    /// MPEG audio (ID3 tag or frame sync).
    Mp3,
    /// FLAC.
    Flac,
    /// None of the above, or fewer than 4 bytes.
    Unknown,
}

impl Container {
    /// Detect the container from the first (up to 12) bytes, as the original engine does.
    ///
    /// ```
    /// use simvx_audio::Container;
    /// assert_eq!(Container::detect(b"RIFF\0\0\0\0WAVE"), Container::Wav);
    /// assert_eq!(Container::detect(b"OggS\0\0"), Container::Ogg);
    /// assert_eq!(Container::detect(&[0xFF, 0xFB, 0x90, 0x00]), Container::Mp3);
    /// assert_eq!(Container::detect(b"abc"), Container::Unknown);
    /// ```
    pub fn detect(head: &[u8]) -> Self {
        if head.len() < 4 {
            return Container::Unknown;
        }
        if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WAVE" {
            Container::Wav
        } else if &head[..4] == b"OggS" {
            Container::Ogg
        } else if &head[..4] == b"fLaC" {
            Container::Flac
        } else if &head[..3] == b"ID3" || (head[0] == 0xFF && head[1] & 0xE0 == 0xE0) {
            Container::Mp3
        } else {
            Container::Unknown
        }
    }

    /// The container's name as scene files and capabilities spell it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Container::Wav => "wav",
            Container::Ogg => "ogg",
            Container::Mp3 => "mp3",
            Container::Flac => "flac",
            Container::Unknown => "unknown",
        }
    }
}

enum Pcm {
    I16(Box<[i16]>),
    F32(Box<[f32]>),
}

struct Inner {
    pcm: Pcm,
    channels: Channels,
    sample_rate: u32,
}

/// Immutable PCM (i16 or f32, mono or stereo, any sample rate) behind a cheap, clonable handle.
///
/// ```
/// use simvx_audio::Sound;
/// let beep = Sound::tone(1000.0, 0.5, 0.25, 44_100, 1).unwrap();
/// assert_eq!(beep.frames(), 11_025);
/// assert_eq!(beep.duration(), 0.25);
/// ```
#[derive(Clone)]
pub struct Sound(Arc<Inner>);

fn channels_of(n: u16) -> Result<Channels, AudioError> {
    Channels::from_count(n as usize).ok_or_else(|| {
        AudioError::InvalidStream(format!("{n} channels: only mono and stereo are supported"))
    })
}

use crate::limits::{MAX_SAMPLE, MAX_SOUND_SAMPLES, check_rate};

impl Sound {
    /// A sound over interleaved 16-bit samples. A trailing partial frame is ignored.
    ///
    /// # Errors
    /// [`AudioError::InvalidStream`] for a channel count other than 1 or 2, a sample rate of 0
    /// (or above 768 kHz), no whole frame, or more than
    /// [`MAX_SOUND_SAMPLES`](crate::MAX_SOUND_SAMPLES) samples (stream longer audio).
    pub fn from_pcm_i16(
        samples: Vec<i16>,
        channels: u16,
        sample_rate: u32,
    ) -> Result<Self, AudioError> {
        Self::new(Pcm::I16(samples.into()), channels, sample_rate)
    }

    /// A sound over interleaved float samples (full scale ±1). A trailing partial frame is
    /// ignored.
    ///
    /// # Errors
    /// As [`Sound::from_pcm_i16`], and for a sample that is NaN, infinite or beyond
    /// ±[`MAX_SAMPLE`](crate::MAX_SAMPLE) (+36 dBFS; such values would overflow the mix).
    pub fn from_pcm_f32(
        samples: Vec<f32>,
        channels: u16,
        sample_rate: u32,
    ) -> Result<Self, AudioError> {
        if let Some(i) = crate::limits::first_out_of_range(&samples) {
            return Err(AudioError::InvalidStream(format!(
                "sample {i}: {}",
                crate::limits::why_refused(samples[i])
            )));
        }
        Self::new(Pcm::F32(samples.into()), channels, sample_rate)
    }

    fn new(pcm: Pcm, channels: u16, sample_rate: u32) -> Result<Self, AudioError> {
        let channels = channels_of(channels)?;
        let sample_rate = check_rate(sample_rate)?;
        let samples = match &pcm {
            Pcm::I16(s) => s.len(),
            Pcm::F32(s) => s.len(),
        };
        if samples > MAX_SOUND_SAMPLES {
            return Err(crate::limits::too_long("the sound", samples as u64));
        }
        let sound = Self(Arc::new(Inner {
            pcm,
            channels,
            sample_rate,
        }));
        if sound.frames() == 0 {
            return Err(AudioError::InvalidStream("the sound has no frames".into()));
        }
        Ok(sound)
    }

    /// A plain sine (no fades): `amplitude · sin(2π·frequency·n / sample_rate)` in every
    /// channel, computed with `libm` so it is the same on every machine.
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`] for a NaN or non-positive frequency or length, an
    /// amplitude beyond ±[`MAX_SAMPLE`](crate::MAX_SAMPLE), or a length whose samples would
    /// be more than [`MAX_SOUND_SAMPLES`](crate::MAX_SOUND_SAMPLES) (checked before anything
    /// is allocated); as [`Sound::from_pcm_f32`].
    pub fn tone(
        frequency: f64,
        amplitude: f32,
        seconds: f64,
        sample_rate: u32,
        channels: u16,
    ) -> Result<Self, AudioError> {
        let frames = frames_for("seconds", seconds, sample_rate, channels)?;
        if frequency.is_nan() || frequency < 0.0 {
            return Err(AudioError::InvalidParameter {
                name: "frequency",
                reason: format!("{frequency} is not a frequency"),
            });
        }
        amplitude_in_range(amplitude)?;
        let ch = channels.max(1) as usize;
        let w = 2.0 * std::f64::consts::PI * frequency / sample_rate as f64;
        let mut out = Vec::with_capacity(frames * ch);
        for n in 0..frames {
            let s = amplitude * libm::sin(w * n as f64) as f32;
            out.extend(std::iter::repeat_n(s, ch));
        }
        Self::from_pcm_f32(out, channels, sample_rate)
    }

    /// Mono white noise, uniform in `[−amplitude, amplitude]`, from `seed` (a 64-bit xorshift*
    /// generator: the same seed gives the same samples everywhere).
    ///
    /// # Errors
    /// As [`Sound::tone`].
    pub fn noise(
        amplitude: f32,
        seconds: f64,
        seed: u64,
        sample_rate: u32,
    ) -> Result<Self, AudioError> {
        let frames = frames_for("seconds", seconds, sample_rate, 1)?;
        amplitude_in_range(amplitude)?;
        let mut state = seed ^ 0x9E37_79B9_7F4A_7C15;
        if state == 0 {
            state = 0x9E37_79B9_7F4A_7C15;
        }
        let samples = (0..frames)
            .map(|_| {
                state ^= state >> 12;
                state ^= state << 25;
                state ^= state >> 27;
                let r = state.wrapping_mul(0x2545_F491_4F6C_DD1D);
                // 24 random bits to [-1, 1).
                let u = (r >> 40) as f32 / (1u32 << 23) as f32 - 1.0;
                amplitude * u
            })
            .collect();
        Self::from_pcm_f32(samples, 1, sample_rate)
    }

    /// Load a whole sound file (WAV, Ogg Vorbis, MP3 or FLAC), detecting its container from its
    /// first bytes, never from its extension, at the file's own sample rate and channel count
    /// (more than two channels are downmixed to stereo). Same as [`crate::decode_file`], whose
    /// documentation gives the formats and the decoding policy.
    ///
    /// # Errors
    /// [`AudioError::FileNotFound`]; [`AudioError::InvalidStream`] for an empty file, an unknown
    /// container, an unsupported codec, or corrupt or truncated data.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, AudioError> {
        crate::sound::decode::decode_file(path)
    }

    /// Whole frames.
    pub fn frames(&self) -> usize {
        SoundData::frames(self)
    }

    /// Interleaved channels (1 or 2).
    pub fn channel_count(&self) -> u16 {
        self.0.channels.count() as u16
    }

    /// Frames per second of the sound's own timeline.
    pub fn rate(&self) -> u32 {
        self.0.sample_rate
    }

    /// Length in seconds.
    pub fn duration(&self) -> f64 {
        self.frames() as f64 / self.0.sample_rate as f64
    }

    /// Whether two handles share the same samples.
    pub fn ptr_eq(&self, other: &Sound) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// Handles alive for these samples (this one included).
    pub fn handle_count(&self) -> usize {
        Arc::strong_count(&self.0)
    }
}

/// The frames of `seconds` at `rate`, once the rate, the length and the samples they make
/// (`channels` each) are inside their limits.
fn frames_for(
    name: &'static str,
    seconds: f64,
    rate: u32,
    channels: u16,
) -> Result<usize, AudioError> {
    check_rate(rate)?;
    if !(seconds > 0.0 && seconds <= 24.0 * 3600.0) {
        return Err(AudioError::InvalidParameter {
            name,
            reason: format!("{seconds} is not a length in (0, 86400] seconds"),
        });
    }
    let frames = libm::round(seconds * rate as f64) as u64;
    let samples = frames.saturating_mul(u64::from(channels.max(1)));
    if samples > MAX_SOUND_SAMPLES as u64 {
        return Err(AudioError::InvalidParameter {
            name,
            reason: format!(
                "{seconds} s at {rate} Hz is {samples} samples, more than a sound held whole \
                 may hold ({MAX_SOUND_SAMPLES}): stream long audio instead"
            ),
        });
    }
    Ok(frames as usize)
}

/// `amplitude` unless it is NaN or beyond ±[`MAX_SAMPLE`].
fn amplitude_in_range(amplitude: f32) -> Result<f32, AudioError> {
    crate::error::not_nan("amplitude", amplitude)?;
    if amplitude.abs() > MAX_SAMPLE {
        return Err(AudioError::InvalidParameter {
            name: "amplitude",
            reason: crate::limits::why_refused(amplitude),
        });
    }
    Ok(amplitude)
}

impl SoundData for Sound {
    fn samples(&self) -> Samples<'_> {
        match &self.0.pcm {
            Pcm::I16(s) => Samples::I16(s),
            Pcm::F32(s) => Samples::F32(s),
        }
    }
    fn channels(&self) -> Channels {
        self.0.channels
    }
    fn sample_rate(&self) -> u32 {
        self.0.sample_rate
    }
}

impl fmt::Debug for Sound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let format = match self.0.pcm {
            Pcm::I16(_) => "i16",
            Pcm::F32(_) => "f32",
        };
        f.debug_struct("Sound")
            .field("frames", &self.frames())
            .field("channels", &self.channel_count())
            .field("sample_rate", &self.0.sample_rate)
            .field("format", &format)
            .finish()
    }
}
