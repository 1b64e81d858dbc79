//! [`Convert`]: a renderer made for one rate and channel count, feeding a device that runs at
//! another (a default device replaced by one that only takes 44 100 Hz, or mono).
//!
//! The renderer keeps its rate: a band-limited sinc resampler ([`rubato`], cubic
//! interpolation over a 128-tap Blackman–Harris filter) turns its frames into the device's,
//! and the channels are mapped ([`map_channels`]). Every buffer is allocated when the stream
//! is built; the callback never allocates.

use audioadapter_buffers::direct::InterleavedSlice;
use rubato::{
    Async, FixedAsync, Resampler, SincInterpolationParameters, SincInterpolationType,
    WindowFunction,
};

use crate::Render;

/// Device frames made per resampler run.
const CHUNK: usize = 128;

/// What a [`Convert`] turns into what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conversion {
    /// The renderer's rate, in Hz.
    pub from_rate: u32,
    /// The renderer's interleaved channels.
    pub from_channels: u16,
    /// The device's rate, in Hz.
    pub to_rate: u32,
    /// The device's interleaved channels.
    pub to_channels: u16,
}

impl Conversion {
    /// Whether there is anything to convert.
    pub fn is_identity(&self) -> bool {
        self.from_rate == self.to_rate && self.from_channels == self.to_channels
    }
}

/// A [`Render`] at the conversion's source rate and channels, rendering at its target's.
///
/// ```
/// use platform_cpal::{Conversion, Convert, Render};
/// let conversion = Conversion { from_rate: 48_000, from_channels: 2, to_rate: 44_100, to_channels: 2 };
/// let silence = |out: &mut [f32]| out.fill(0.0);
/// let mut device_side = Convert::new(silence, conversion).unwrap();
/// let mut buffer = [1.0f32; 441 * 2];
/// device_side.render(&mut buffer); // 441 frames at 44.1 kHz, from 480 at 48 kHz
/// assert!(buffer.iter().all(|&s| s == 0.0));
/// ```
pub struct Convert<R> {
    inner: R,
    from_ch: usize,
    to_ch: usize,
    resampler: Option<Async<f32>>,
    /// Frames rendered at the source rate (interleaved, source channels).
    source: Vec<f32>,
    /// Frames at the device rate, still in source channels; `next..ready` not handed out yet.
    ready_buf: Vec<f32>,
    next: usize,
    ready: usize,
}

impl<R> std::fmt::Debug for Convert<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Convert")
            .field("from_channels", &self.from_ch)
            .field("to_channels", &self.to_ch)
            .field("resampling", &self.resampler.is_some())
            .finish_non_exhaustive()
    }
}

impl<R: Render> Convert<R> {
    /// Wrap `inner` for `conversion`.
    ///
    /// # Errors
    /// A description when the resampler cannot be made for the two rates (one of them 0).
    pub fn new(inner: R, conversion: Conversion) -> Result<Self, String> {
        let from_ch = usize::from(conversion.from_channels.max(1));
        let to_ch = usize::from(conversion.to_channels.max(1));
        let resampler = if conversion.from_rate == conversion.to_rate {
            None
        } else {
            let ratio = f64::from(conversion.to_rate) / f64::from(conversion.from_rate);
            let params = SincInterpolationParameters::new(128, WindowFunction::BlackmanHarris2)
                .oversampling_factor(256)
                .interpolation(SincInterpolationType::Cubic);
            let r = Async::<f32>::new_sinc(ratio, 1.0, &params, CHUNK, from_ch, FixedAsync::Output)
                .map_err(|e| format!("no resampler from {conversion:?}: {e}"))?;
            Some(r)
        };
        let source_frames = resampler.as_ref().map_or(CHUNK, |r| r.input_frames_max());
        Ok(Self {
            inner,
            from_ch,
            to_ch,
            resampler,
            source: vec![0.0; source_frames * from_ch],
            ready_buf: vec![0.0; CHUNK * from_ch],
            next: 0,
            ready: 0,
        })
    }

    /// The delay the resampler adds, in device frames.
    pub fn delay_frames(&self) -> usize {
        self.resampler.as_ref().map_or(0, |r| r.output_delay())
    }

    /// Make the next chunk of device-rate frames (silence if the resampler fails, which it
    /// does not with buffers sized as here).
    fn refill(&mut self) {
        self.next = 0;
        match &mut self.resampler {
            None => {
                self.inner.render(&mut self.source[..CHUNK * self.from_ch]);
                self.ready_buf
                    .copy_from_slice(&self.source[..CHUNK * self.from_ch]);
                self.ready = CHUNK;
            }
            Some(r) => {
                let need = r.input_frames_next();
                let input = &mut self.source[..need * self.from_ch];
                self.inner.render(input);
                let made = InterleavedSlice::new(&self.source[..], self.from_ch, need)
                    .ok()
                    .zip(
                        InterleavedSlice::new_mut(&mut self.ready_buf[..], self.from_ch, CHUNK)
                            .ok(),
                    )
                    .and_then(|(i, mut o)| r.process_into_buffer(&i, &mut o, None).ok());
                match made {
                    Some((_, out)) => self.ready = out,
                    None => {
                        self.ready_buf.fill(0.0);
                        self.ready = CHUNK;
                    }
                }
            }
        }
    }
}

impl<R: Render> Render for Convert<R> {
    fn render(&mut self, out: &mut [f32]) {
        let frames = out.len() / self.to_ch;
        let mut done = 0;
        while done < frames {
            if self.next == self.ready {
                self.refill();
            }
            let n = (self.ready - self.next).min(frames - done);
            let src = &self.ready_buf[self.next * self.from_ch..(self.next + n) * self.from_ch];
            let dst = &mut out[done * self.to_ch..(done + n) * self.to_ch];
            map_channels(src, self.from_ch, dst, self.to_ch);
            self.next += n;
            done += n;
        }
    }
}

/// Copy interleaved frames of `from` channels into frames of `to` channels: the same count
/// copies; to mono, the mean of every channel; from mono, the one channel on the first two
/// (front left and right), the others silent; otherwise the first channels in order, the
/// ones left over silent or dropped.
///
/// ```
/// use platform_cpal::map_channels;
/// let mut mono = [0.0; 2];
/// map_channels(&[0.2, 0.6, 1.0, 0.0], 2, &mut mono, 1);
/// assert_eq!(mono, [0.4, 0.5]);
/// let mut quad = [9.0; 4];
/// map_channels(&[0.5], 1, &mut quad, 4);
/// assert_eq!(quad, [0.5, 0.5, 0.0, 0.0]);
/// ```
pub fn map_channels(src: &[f32], from: usize, dst: &mut [f32], to: usize) {
    if from == to {
        dst.copy_from_slice(src);
        return;
    }
    for (s, d) in src.chunks_exact(from).zip(dst.chunks_exact_mut(to)) {
        if to == 1 {
            d[0] = s.iter().sum::<f32>() / from as f32;
        } else if from == 1 {
            d[..2].fill(s[0]);
            d[2..].fill(0.0);
        } else {
            let k = from.min(to);
            d[..k].copy_from_slice(&s[..k]);
            d[k..].fill(0.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source of a sine at `freq`, stereo, at `rate`.
    fn sine(freq: f64, rate: u32) -> impl FnMut(&mut [f32]) + Send {
        let mut n = 0u64;
        move |out: &mut [f32]| {
            for f in out.chunks_exact_mut(2) {
                let v = (std::f64::consts::TAU * freq * n as f64 / f64::from(rate)).sin() * 0.5;
                f.fill(v as f32);
                n += 1;
            }
        }
    }

    /// The frequency of the strongest zero-crossing rate in `x`, by counting rising crossings
    /// with linear interpolation (exact to a few mHz over a second of a clean tone).
    fn frequency(x: &[f32], rate: f64) -> f64 {
        let mut first = None;
        let mut last = 0.0;
        let mut count = 0;
        for i in 1..x.len() {
            if x[i - 1] < 0.0 && x[i] >= 0.0 {
                let t = (i - 1) as f64 + f64::from(-x[i - 1] / (x[i] - x[i - 1]));
                if first.is_none() {
                    first = Some(t);
                } else {
                    count += 1;
                }
                last = t;
            }
        }
        f64::from(count) * rate / (last - first.unwrap())
    }

    /// Tests that a 1 kHz tone rendered at 48 kHz reaches a 44.1 kHz mono device as a 1 kHz
    /// tone at its level, whatever the device's callback sizes.
    #[test]
    fn a_tone_keeps_its_pitch_and_level_across_rates() {
        let conv = Conversion {
            from_rate: 48_000,
            from_channels: 2,
            to_rate: 44_100,
            to_channels: 1,
        };
        let mut c = Convert::new(sine(1000.0, 48_000), conv).unwrap();
        let mut out = vec![0.0f32; 44_100 * 2];
        let mut at = 0;
        for size in [441usize, 17, 1000, 64].iter().cycle() {
            let n = (*size).min(out.len() - at);
            c.render(&mut out[at..at + n]);
            at += n;
            if at == out.len() {
                break;
            }
        }
        let tail = &out[4_410..];
        let f = frequency(tail, 44_100.0);
        assert!((f - 1000.0).abs() < 0.01, "{f} Hz");
        let rms =
            (tail.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / tail.len() as f64).sqrt();
        let want = 0.5 / std::f64::consts::SQRT_2;
        assert!((rms - want).abs() < want * 0.002, "rms {rms}");
        assert!(c.delay_frames() > 0 && c.delay_frames() < 200);
    }

    /// Tests that with equal rates only the channels are mapped, sample for sample.
    #[test]
    fn equal_rates_map_channels_only() {
        let conv = Conversion {
            from_rate: 48_000,
            from_channels: 2,
            to_rate: 48_000,
            to_channels: 4,
        };
        let mut n = 0.0f32;
        let src = move |out: &mut [f32]| {
            for f in out.chunks_exact_mut(2) {
                f[0] = n;
                f[1] = -n;
                n += 1.0;
            }
        };
        let mut c = Convert::new(src, conv).unwrap();
        let mut out = vec![0.0f32; 300 * 4];
        c.render(&mut out[..7 * 4]);
        c.render(&mut out[7 * 4..]);
        for (i, f) in out.chunks_exact(4).enumerate() {
            assert_eq!(f, [i as f32, -(i as f32), 0.0, 0.0]);
        }
        assert_eq!(c.delay_frames(), 0);
    }
}
