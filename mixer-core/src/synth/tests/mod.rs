//! Measured tests of the synth: oscillator frequencies and shapes, noise statistics and
//! spectrum, envelope values, filter responses, and the voice pool.

extern crate std;

mod envelope;
mod filter;
mod osc;
mod pool;

use std::vec;
use std::vec::Vec;

pub(crate) use super::{
    Adsr, Envelope, Filter, GatedAdsr, Generator, OnePole, Oscillator, Stage, Synth, SynthError,
    SynthParam, SynthVoice,
};

/// 48 kHz, the rate most tests measure at.
pub(crate) const SR: u32 = 48_000;

/// `n` samples of `osc` from its start, rendered in one call.
pub(crate) fn samples(osc: Oscillator, n: usize, rate: u32) -> Vec<f32> {
    let mut g = Generator::new(osc);
    let mut out = vec![0.0; n];
    g.render(&mut out, rate);
    out
}

/// Whether two buffers hold the same bits.
pub(crate) fn same_bits(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// Largest absolute difference between consecutive samples.
pub(crate) fn max_step(x: &[f32]) -> f32 {
    x.windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max)
}

/// In-place radix-2 FFT of `re`/`im` (length a power of two).
fn fft(re: &mut [f64], im: &mut [f64]) {
    let n = re.len();
    let mut j = 0;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let w = -core::f64::consts::TAU / len as f64;
        for start in (0..n).step_by(len) {
            for k in 0..len / 2 {
                let (s, c) = (libm::sin(w * k as f64), libm::cos(w * k as f64));
                let (a, b) = (start + k, start + k + len / 2);
                let tr = re[b] * c - im[b] * s;
                let ti = re[b] * s + im[b] * c;
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] += tr;
                im[a] += ti;
            }
        }
        len <<= 1;
    }
}

/// Welch power spectral density: Hann-windowed, half-overlapping segments of `seg` frames,
/// averaged. Returns the power per bin for bins `0 ..= seg / 2` (arbitrary scale).
pub(crate) fn psd(x: &[f32], seg: usize) -> Vec<f64> {
    let window: Vec<f64> = (0..seg)
        .map(|i| 0.5 - 0.5 * libm::cos(core::f64::consts::TAU * i as f64 / seg as f64))
        .collect();
    let mut acc = vec![0.0; seg / 2 + 1];
    let mut count = 0;
    let mut start = 0;
    while start + seg <= x.len() {
        let mut re: Vec<f64> = (0..seg)
            .map(|i| f64::from(x[start + i]) * window[i])
            .collect();
        let mut im = vec![0.0; seg];
        fft(&mut re, &mut im);
        for (k, a) in acc.iter_mut().enumerate() {
            *a += re[k] * re[k] + im[k] * im[k];
        }
        count += 1;
        start += seg / 2;
    }
    acc.iter().map(|a| a / f64::from(count)).collect()
}

/// `10·log10(x)`.
pub(crate) fn db(x: f64) -> f64 {
    10.0 * libm::log10(x)
}
