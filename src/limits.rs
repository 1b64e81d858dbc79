//! The sizes and levels the engine accepts, each checked before anything is allocated.
//!
//! A header, a scene or a call states a sample rate, a length or a buffer; nothing is sized
//! from it until it is checked against these, so no input makes the engine ask for more
//! memory than they allow (a refused input is a typed [`AudioError`](crate::AudioError) that
//! names the limit, and changes nothing).
//!
//! | what | limit |
//! |---|---|
//! | a sample rate (sounds, files, streams, scenes) | 1 ..= [`MAX_SAMPLE_RATE`] Hz |
//! | a sample's magnitude (sounds, decoded files, tones) | [`MAX_SAMPLE`] (+36.1 dBFS) |
//! | a sound held whole in memory (decoded, made or baked) | [`MAX_SOUND_SAMPLES`] samples |
//! | all stream rings of one backend together | [`MAX_STREAM_RING_BYTES`] bytes |
//! | a render kept in memory ([`render_scene`](crate::render_scene)) | [`MAX_SOUND_SAMPLES`] samples |
//! | a WAV file written | 4 GiB of data (RIFF's 32-bit sizes) |
//!
//! Longer audio is streamed: [`Streaming::open_stream`](crate::Streaming::open_stream) plays a
//! file of any length in a ring of a fraction of a second, and
//! [`render_scene_to`](crate::render_scene_to) renders a scene of any length in constant memory.

use crate::error::AudioError;

pub use mixer_core::MAX_SAMPLE;

/// The highest sample rate anything may state: 768 kHz.
pub const MAX_SAMPLE_RATE: u32 = 768_000;

/// The most samples (frames × channels) a sound held whole in memory may have: 2²⁶, that is
/// 256 MiB of `f32`, 11 min 39 s of 48 kHz stereo or 23 min 18 s of mono. Music longer than
/// that is streamed (and usually should be well before it).
pub const MAX_SOUND_SAMPLES: usize = 1 << 26;

/// The most memory the stream rings of one backend may take together: 256 MiB (a ring of
/// `buffer_seconds` at the stream's rate costs `4 · rate · channels · buffer_seconds` bytes;
/// the default half second of 48 kHz stereo is 192 KB).
pub const MAX_STREAM_RING_BYTES: usize = 256 << 20;

/// `rate` if it is inside `1..=MAX_SAMPLE_RATE`; else [`AudioError::InvalidStream`].
pub(crate) fn check_rate(rate: u32) -> Result<u32, AudioError> {
    if rate == 0 || rate > MAX_SAMPLE_RATE {
        return Err(AudioError::InvalidStream(format!(
            "sample rate {rate} Hz is outside 1..={MAX_SAMPLE_RATE}"
        )));
    }
    Ok(rate)
}

/// The index of the first sample of `samples` that is not finite or beyond ±[`MAX_SAMPLE`].
pub(crate) fn first_out_of_range(samples: &[f32]) -> Option<usize> {
    samples
        .iter()
        .position(|s| !s.is_finite() || s.abs() > MAX_SAMPLE)
}

/// Why sample `value` is refused (NaN, infinite or too loud), for error messages.
pub(crate) fn why_refused(value: f32) -> String {
    if value.is_finite() {
        format!("{value} is beyond ±{MAX_SAMPLE} (+36.1 dBFS), the most a sample may hold")
    } else {
        format!("{value} is not finite")
    }
}

/// The error for a sound of `samples` samples, more than [`MAX_SOUND_SAMPLES`]; `what` says
/// what it is ("the file", "a tone of 90000 s at 48000 Hz").
pub(crate) fn too_long(what: &str, samples: u64) -> AudioError {
    AudioError::InvalidStream(format!(
        "{what} holds {samples} samples, more than a sound held whole in memory may \
         ({MAX_SOUND_SAMPLES}, about 11 min of 48 kHz stereo): stream it instead \
         (open_stream plays a file of any length in a small ring)"
    ))
}
