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

impl WavFormat {
    /// Bytes per sample: 4 or 2.
    pub const fn bytes_per_sample(self) -> u64 {
        match self {
            WavFormat::F32 => 4,
            WavFormat::S16 => 2,
        }
    }
}

/// The most sample data a WAV file holds: RIFF states its sizes in 32 bits, so the data and
/// its header must stay under 4 GiB (4 KiB is kept for the header). Past it a writer would
/// wrap the sizes, and players read a fraction of the file.
pub const MAX_WAV_DATA_BYTES: u64 = u32::MAX as u64 - 4096;

/// Refuse, before anything is written, a WAV of `frames` frames of `channels` channels in
/// `format` that would not fit [`MAX_WAV_DATA_BYTES`].
///
/// ```
/// use simvx_audio::{WavFormat, wav_fits};
/// let hours = |h: u64| 48_000 * 3600 * h;
/// assert!(wav_fits(hours(1), 2, WavFormat::F32).is_ok()); // 1.4 GB
/// assert!(wav_fits(hours(4), 2, WavFormat::F32).is_err()); // 5.5 GB
/// assert!(wav_fits(hours(4), 2, WavFormat::S16).is_ok()); // 2.8 GB
/// ```
///
/// # Errors
/// [`AudioError::InvalidParameter`] naming the size and what would fit.
pub fn wav_fits(frames: u64, channels: u16, format: WavFormat) -> Result<(), AudioError> {
    let frame_bytes = u64::from(channels.max(1)) * format.bytes_per_sample();
    let bytes = frames.saturating_mul(frame_bytes);
    if bytes > MAX_WAV_DATA_BYTES {
        let most = MAX_WAV_DATA_BYTES / frame_bytes;
        return Err(AudioError::InvalidParameter {
            name: "duration",
            reason: format!(
                "{frames} frames of {channels} channel(s) are {bytes} bytes, more than a WAV \
                 file holds ({MAX_WAV_DATA_BYTES}, RIFF's 32-bit sizes): at most {most} \
                 frames fit; render a shorter scene, fewer channels or --format s16"
            ),
        });
    }
    Ok(())
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
    /// Samples outside what the format holds (for [`WavFormat::S16`]: beyond ±1, clipped
    /// when written; always 0 for `F32`).
    pub clipped: usize,
}

impl RenderStats {
    /// Measure interleaved `samples` with `channels` channels; the hash covers the samples as
    /// `format` would write them.
    pub fn measure(samples: &[f32], channels: u16, format: WavFormat) -> Self {
        let mut m = Measure::new(channels, format);
        m.add(samples);
        m.finish()
    }
}

/// [`RenderStats`] of samples that arrive block by block (in memory constant in their length).
#[derive(Debug, Clone)]
struct Measure {
    format: WavFormat,
    samples: usize,
    peak: Vec<f32>,
    sum: Vec<f64>,
    hash: Fnv,
    clipped: usize,
}

impl Measure {
    fn new(channels: u16, format: WavFormat) -> Self {
        let ch = channels.max(1) as usize;
        Self {
            format,
            samples: 0,
            peak: vec![0.0; ch],
            sum: vec![0.0; ch],
            hash: Fnv::new(),
            clipped: 0,
        }
    }

    /// The next interleaved samples (whole frames, or the rest of a frame begun before).
    fn add(&mut self, samples: &[f32]) {
        let ch = self.peak.len();
        for &s in samples {
            let c = self.samples % ch;
            self.peak[c] = self.peak[c].max(s.abs());
            self.sum[c] += s as f64 * s as f64;
            self.samples += 1;
            match self.format {
                WavFormat::F32 => self.hash.write(&s.to_le_bytes()),
                WavFormat::S16 => {
                    self.clipped += usize::from(!(-1.0..=1.0).contains(&s));
                    self.hash.write(&to_s16(s).to_le_bytes());
                }
            }
        }
    }

    fn finish(self) -> RenderStats {
        let ch = self.peak.len();
        let frames = self.samples / ch;
        let rms = self
            .sum
            .iter()
            .map(|s| {
                if frames == 0 {
                    0.0
                } else {
                    (s / frames as f64).sqrt()
                }
            })
            .collect();
        RenderStats {
            frames,
            peak: self.peak,
            rms,
            hash: self.hash.0,
            clipped: self.clipped,
        }
    }
}

/// A WAV file written block by block as a render goes (memory constant in its length), with
/// the [`RenderStats`] of what was written.
///
/// ```
/// use simvx_audio::{WavFormat, WavStream};
/// let path = std::env::temp_dir().join("simvx-audio-doc-stream.wav");
/// let mut wav = WavStream::create(&path, 2, 48_000, WavFormat::S16)?;
/// wav.write(&[0.5, -0.5, 1.5, 0.0])?; // one sample beyond full scale
/// let stats = wav.finish()?;
/// assert_eq!((stats.frames, stats.clipped), (2, 1));
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), simvx_audio::AudioError>(())
/// ```
pub struct WavStream {
    writer: hound::WavWriter<std::io::BufWriter<std::fs::File>>,
    measure: Measure,
    path: std::path::PathBuf,
}

impl std::fmt::Debug for WavStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavStream")
            .field("path", &self.path)
            .field("format", &self.measure.format)
            .field("samples", &self.measure.samples)
            .finish_non_exhaustive()
    }
}

impl WavStream {
    /// Create (or replace) the WAV file at `path` for interleaved samples of `channels`
    /// channels at `sample_rate`, stored as `format`.
    ///
    /// # Errors
    /// [`AudioError::Io`] when the file cannot be created.
    pub fn create(
        path: &Path,
        channels: u16,
        sample_rate: u32,
        format: WavFormat,
    ) -> Result<Self, AudioError> {
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
        let writer = hound::WavWriter::create(path, spec).map_err(|e| io_error(path, e))?;
        Ok(Self {
            writer,
            measure: Measure::new(channels, format),
            path: path.to_path_buf(),
        })
    }

    /// Append interleaved `samples`.
    ///
    /// # Errors
    /// [`AudioError::Io`] (a full disk); [`AudioError::InvalidParameter`] for samples that
    /// would take the file past [`MAX_WAV_DATA_BYTES`] (nothing of them is written, and the
    /// file written so far stays a valid WAV once finished).
    pub fn write(&mut self, samples: &[f32]) -> Result<(), AudioError> {
        let ch = self.measure.peak.len() as u64;
        let total = (self.measure.samples + samples.len()) as u64;
        wav_fits(total / ch, ch as u16, self.measure.format)?;
        let io = |e| io_error(&self.path, e);
        match self.measure.format {
            WavFormat::F32 => {
                for &s in samples {
                    self.writer.write_sample(s).map_err(io)?;
                }
            }
            WavFormat::S16 => {
                let mut w = self.writer.get_i16_writer(samples.len() as u32);
                for &s in samples {
                    w.write_sample(to_s16(s));
                }
                w.flush().map_err(io)?;
            }
        }
        self.measure.add(samples);
        Ok(())
    }

    /// Finish the file (its header) and return what was written.
    ///
    /// # Errors
    /// [`AudioError::Io`].
    pub fn finish(self) -> Result<RenderStats, AudioError> {
        let path = self.path;
        self.writer.finalize().map_err(|e| io_error(&path, e))?;
        Ok(self.measure.finish())
    }
}

fn io_error(path: &Path, e: hound::Error) -> AudioError {
    AudioError::Io {
        context: format!("writing {}", path.display()),
        source: match e {
            hound::Error::IoError(e) => e,
            other => std::io::Error::other(other.to_string()),
        },
    }
}

/// FNV-1a, 64-bit: tiny, stable, and the same on every platform.
#[derive(Debug, Clone)]
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
    let mut wav = WavStream::create(path, channels, sample_rate, format)?;
    wav.write(samples)?;
    wav.finish()
}
