//! Behaviour tests of the core through its public API: levels, timelines, controls, buses.
//!
//! They run on the host with `std` (test builds only); the crate itself stays `no_std`.

extern crate std;

mod blocks;
mod control;
mod footprint;
mod mix;
mod platforms;
mod route;
mod scrub;
mod stream;
mod time;
mod timeline;
mod virtual_voices;

use std::boxed::Box;
use std::vec;
use std::vec::Vec;

use crate::{Channels, Config, Controller, Renderer, Shared, StaticSound};

/// The handle the tests play: a leaked, `'static` sound.
pub(crate) type Snd = &'static StaticSound<'static>;
/// Voices in the tests' pool.
pub(crate) const VOICES: usize = 8;
/// Buses in the tests' table.
pub(crate) const BUSES: usize = 4;
/// Effect slots per bus.
pub(crate) const EFFECTS: usize = 3;
/// Effect memory, in floats (enough for two 5 s stereo delays at 48 kHz).
pub(crate) const MEMORY: usize = 1 << 21;

pub(crate) type Ctl = Controller<Snd, &'static Shared<Snd, VOICES>, VOICES, BUSES, EFFECTS>;
pub(crate) type Rnd =
    Renderer<Snd, &'static Shared<Snd, VOICES>, Box<[f32]>, VOICES, BUSES, EFFECTS>;

/// A fresh mixer over leaked shared memory (initialised in place, as the facade does, so Miri
/// checks `Shared::init` under every control test).
pub(crate) fn mixer(config: Config) -> (Ctl, Rnd) {
    let shared: &'static Shared<Snd, VOICES> = Shared::init(Box::leak(Box::new_uninit()));
    let memory = vec![0.0f32; MEMORY].into_boxed_slice();
    crate::split(shared, memory, config).expect("split")
}

/// A 48 kHz stereo mixer.
pub(crate) fn stereo() -> (Ctl, Rnd) {
    mixer(Config::new(48_000, 2))
}

/// A leaked f32 sound.
pub(crate) fn sound(samples: Vec<f32>, channels: Channels, rate: u32) -> Snd {
    let samples: &'static [f32] = Box::leak(samples.into_boxed_slice());
    Box::leak(Box::new(StaticSound::f32(samples, channels, rate)))
}

/// A mono sound holding `value` for `frames` frames.
pub(crate) fn dc(value: f32, frames: usize) -> Snd {
    sound(vec![value; frames], Channels::Mono, 48_000)
}

/// A mono sine of `freq` Hz at `rate`, `frames` long.
pub(crate) fn sine(freq: f64, amplitude: f32, rate: u32, frames: usize) -> Snd {
    let w = core::f64::consts::TAU * freq / f64::from(rate);
    let pcm = (0..frames)
        .map(|i| amplitude * libm::sin(w * i as f64) as f32)
        .collect();
    sound(pcm, Channels::Mono, rate)
}

/// A mono ramp: frame `i` holds `i / frames`, so a sample names its frame.
pub(crate) fn ramp(frames: usize) -> Snd {
    sound(
        (0..frames).map(|i| i as f32 / frames as f32).collect(),
        Channels::Mono,
        48_000,
    )
}

/// Renders `frames` frames, interleaved in the renderer's channel count.
pub(crate) fn render(r: &mut Rnd, frames: usize) -> Vec<f32> {
    let mut out = vec![f32::NAN; frames * r.config().channels as usize];
    r.render(&mut out);
    out
}

/// Channel `c` of an interleaved buffer of `n` channels.
pub(crate) fn channel(x: &[f32], c: usize, n: usize) -> Vec<f32> {
    x.iter().skip(c).step_by(n).copied().collect()
}

/// Root mean square.
pub(crate) fn rms(x: &[f32]) -> f64 {
    let sum: f64 = x.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    libm::sqrt(sum / x.len() as f64)
}

/// Frequency from rising zero crossings, interpolated to a fraction of a frame.
pub(crate) fn frequency(x: &[f32], rate: f64) -> f64 {
    let mut crossings = Vec::new();
    for i in 1..x.len() {
        let (a, b) = (x[i - 1], x[i]);
        if a < 0.0 && b >= 0.0 {
            crossings.push((i - 1) as f64 + f64::from(-a / (b - a)));
        }
    }
    let (first, last) = (crossings[0], crossings[crossings.len() - 1]);
    (crossings.len() - 1) as f64 * rate / (last - first)
}

/// Asserts `a` is within `tol` of `b`.
#[track_caller]
pub(crate) fn near(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} is not within {tol} of {b}");
}

/// One step of a xorshift32 white noise in [−1, 1); `seed` is the state (never 0).
pub(crate) fn xorshift(seed: &mut u32) -> f32 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 17;
    *seed ^= *seed << 5;
    (*seed >> 8) as f32 / 8_388_608.0 - 1.0
}

/// `n` samples of a deterministic LCG white noise in [−1, 1).
pub(crate) fn lcg_noise(n: usize, seed: u32) -> Vec<f32> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (s >> 8) as f32 / (1u32 << 23) as f32 - 1.0
        })
        .collect()
}
