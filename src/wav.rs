//! Writing renders to WAV (hound) and measuring them.

use std::path::Path;

use crate::error::AudioError;

/// The sample format of a written WAV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WavFormat {
    /// 32-bit IEEE float.
    #[default]
    F32,
    /// 16-bit signed integer (`round(x · 32767)`, clipped).
    S16,
}

/// Frames, per-channel peak and RMS, and a hash of a render's samples.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderStats {
    /// Frames.
    pub frames: usize,
    /// Peak absolute sample per channel.
    pub peak: Vec<f32>,
    /// RMS per channel.
    pub rms: Vec<f64>,
    /// FNV-1a 64 over the samples' little-endian bytes in the written format.
    pub hash: u64,
}

impl RenderStats {
    /// Measure interleaved `samples` with `channels` channels; the hash covers the samples as
    /// `format` would write them.
    pub fn measure(samples: &[f32], channels: u16, format: WavFormat) -> Self {
        let ch = channels.max(1) as usize;
        let frames = samples.len() / ch;
        let mut peak = vec![0.0f32; ch];
        let mut sum = vec![0.0f64; ch];
        for frame in samples.chunks_exact(ch) {
            for (c, &s) in frame.iter().enumerate() {
                peak[c] = peak[c].max(s.abs());
                sum[c] += s as f64 * s as f64;
            }
        }
        let rms = sum
            .iter()
            .map(|s| {
                if frames == 0 {
                    0.0
                } else {
                    (s / frames as f64).sqrt()
                }
            })
            .collect();
        let mut hash = Fnv::new();
        match format {
            WavFormat::F32 => samples.iter().for_each(|s| hash.write(&s.to_le_bytes())),
            WavFormat::S16 => samples
                .iter()
                .for_each(|&s| hash.write(&to_s16(s).to_le_bytes())),
        }
        Self {
            frames,
            peak,
            rms,
            hash: hash.0,
        }
    }
}

/// FNV-1a, 64-bit: tiny, stable, and the same on every platform.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= b as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// `round(x · 32767)` clipped to the 16-bit range.
pub fn to_s16(x: f32) -> i16 {
    (x * 32767.0).round().clamp(-32768.0, 32767.0) as i16
}

/// Write interleaved `samples` to a WAV file and return their [`RenderStats`].
///
/// # Errors
/// [`AudioError::Io`] when the file cannot be written.
pub fn write_wav(
    path: &Path,
    samples: &[f32],
    channels: u16,
    sample_rate: u32,
    format: WavFormat,
) -> Result<RenderStats, AudioError> {
    let io = |e: hound::Error| AudioError::Io {
        context: format!("writing {}", path.display()),
        source: match e {
            hound::Error::IoError(e) => e,
            other => std::io::Error::other(other.to_string()),
        },
    };
    let spec = hound::WavSpec {
        channels,
        sample_rate,
        bits_per_sample: match format {
            WavFormat::F32 => 32,
            WavFormat::S16 => 16,
        },
        sample_format: match format {
            WavFormat::F32 => hound::SampleFormat::Float,
            WavFormat::S16 => hound::SampleFormat::Int,
        },
    };
    let mut writer = hound::WavWriter::create(path, spec).map_err(io)?;
    match format {
        WavFormat::F32 => {
            for &s in samples {
                writer.write_sample(s).map_err(io)?;
            }
        }
        WavFormat::S16 => {
            let mut w = writer.get_i16_writer(samples.len() as u32);
            for &s in samples {
                w.write_sample(to_s16(s));
            }
            w.flush().map_err(io)?;
        }
    }
    writer.finalize().map_err(io)?;
    Ok(RenderStats::measure(samples, channels, format))
}
