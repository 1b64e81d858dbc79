//! [`spectrum`]: the level of a stretch of audio in frequency bands (an FFT of the last
//! frames, with `realfft`), for an analyser on a [`Tap`](crate::Tap) of the output.

/// One band of a [`spectrum`]: its edges in Hz and its level in dBFS (a full-scale sine in
/// the band reads 0 dB; silence reads −∞).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    /// Its lower edge, Hz.
    pub low_hz: f32,
    /// Its upper edge, Hz.
    pub high_hz: f32,
    /// Its level, dBFS.
    pub db: f32,
}

/// The levels of `bands` bands, spaced evenly in octaves from 20 Hz to half `sample_rate`, of
/// the last frames of interleaved `samples` (`channels` per frame, averaged to one): the
/// largest power of two of them up to 8192, Hann-windowed. Fewer than 64 frames, or no
/// bands: an empty list.
///
/// ```
/// let sine: Vec<f32> = (0..8192)
///     .map(|i| 0.5 * (std::f32::consts::TAU * 1000.0 * i as f32 / 48_000.0).sin())
///     .collect();
/// let bands = simvx_audio::spectrum(&sine, 1, 48_000, 10);
/// let loudest = bands.iter().max_by(|a, b| a.db.total_cmp(&b.db)).unwrap();
/// assert!(loudest.low_hz <= 1000.0 && 1000.0 < loudest.high_hz);
/// assert!((loudest.db + 6.02).abs() < 0.5, "{}", loudest.db);
/// ```
pub fn spectrum(samples: &[f32], channels: usize, sample_rate: u32, bands: usize) -> Vec<Band> {
    let ch = channels.max(1);
    let frames = samples.len() / ch;
    if frames < 64 || bands == 0 || sample_rate == 0 {
        return Vec::new();
    }
    let n = (1usize << (usize::BITS - 1 - frames.leading_zeros())).min(8192);
    let start = (frames - n) * ch;
    let mut input: Vec<f32> = samples[start..start + n * ch]
        .chunks_exact(ch)
        .enumerate()
        .map(|(i, f)| {
            let hann = 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / n as f32).cos();
            hann * f.iter().sum::<f32>() / ch as f32
        })
        .collect();
    let mut planner = realfft::RealFftPlanner::<f32>::new();
    let fft = planner.plan_fft_forward(n);
    let mut out = fft.make_output_vec();
    if fft.process(&mut input, &mut out).is_err() {
        return Vec::new();
    }
    // A sine of amplitude A puts (A·n/4)² · 1.5 of power in its bins (Hann: coherent gain
    // 1/2, noise bandwidth 1.5 bins), so this reference makes it read 20·log10(A).
    let reference = (n as f64 / 4.0).powi(2) * 1.5;
    let bin_hz = f64::from(sample_rate) / n as f64;
    let nyquist = f64::from(sample_rate) / 2.0;
    let (lo, hi) = (20f64.min(nyquist), nyquist);
    let step = (hi / lo).ln() / bands as f64;
    (0..bands)
        .map(|b| {
            let low = lo * (step * b as f64).exp();
            let high = lo * (step * (b + 1) as f64).exp();
            let power: f64 = out
                .iter()
                .enumerate()
                .filter(|&(k, _)| {
                    let f = k as f64 * bin_hz;
                    f >= low && (f < high || (b + 1 == bands && f <= high))
                })
                .map(|(_, c)| f64::from(c.norm_sqr()))
                .sum();
            Band {
                low_hz: low as f32,
                high_hz: high as f32,
                db: if power > 0.0 {
                    (10.0 * (power / reference).log10()) as f32
                } else {
                    f32::NEG_INFINITY
                },
            }
        })
        .collect()
}
