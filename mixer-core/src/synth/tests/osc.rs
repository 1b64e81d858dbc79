//! Oscillators: frequency, duty, shapes, phase continuity, drift, noise.

use std::println;
use std::vec;
use std::vec::Vec;

use super::*;
use crate::tests::{frequency, near, rms};

fn periodic(freq: f32) -> [(&'static str, Oscillator); 4] {
    [
        ("sine", Oscillator::Sine { freq, phase: 0.0 }),
        ("square", Oscillator::Square { freq, duty: 0.5 }),
        ("saw", Oscillator::Saw { freq }),
        ("triangle", Oscillator::Triangle { freq }),
    ]
}

fn all_kinds() -> [Oscillator; 6] {
    let [(_, a), (_, b), (_, c), (_, d)] = periodic(441.3);
    [
        a,
        b,
        c,
        d,
        Oscillator::White { seed: 7 },
        Oscillator::Pink { seed: 7 },
    ]
}

/// Tests that every periodic oscillator's frequency, measured from rising zero crossings over
/// 1 s at 48 kHz, is within 0.01 % of the asked frequency.
#[test]
fn frequency_within_a_hundredth_of_a_percent() {
    for freq in [440.0f32, 1234.5, 97.0] {
        for (name, osc) in periodic(freq) {
            let x = samples(osc, SR as usize, SR);
            let f = frequency(&x, f64::from(SR));
            let err = (f - f64::from(freq)) / f64::from(freq);
            println!(
                "{name} {freq} Hz: measured {f:.4} Hz, error {:+.5} %",
                err * 100.0
            );
            assert!(err.abs() < 1e-4, "{name} at {freq} Hz measured {f} Hz");
        }
    }
}

/// Tests that the square's measured duty (fraction of +1 samples over 1 s) matches 0.25, 0.5
/// and 0.75, and that the duty clamps to [0.01, 0.99].
#[test]
fn square_duty_measured() {
    for (duty, expect) in [
        (0.25, 0.25),
        (0.5, 0.5),
        (0.75, 0.75),
        (0.0, 0.01),
        (1.0, 0.99),
        (f32::INFINITY, 0.99),
    ] {
        let x = samples(Oscillator::Square { freq: 441.0, duty }, SR as usize, SR);
        assert!(x.iter().all(|&s| s == 1.0 || s == -1.0));
        let high = x.iter().filter(|&&s| s == 1.0).count() as f64 / x.len() as f64;
        println!("duty {duty}: measured {high:.5}");
        near(high, expect, 1e-3);
    }
}

/// Tests the sine against `sin(2π·f·t + phase)` computed in f64.
#[test]
fn sine_matches_reference() {
    let (freq, phase) = (1000.0f32, 0.75f32);
    let x = samples(Oscillator::Sine { freq, phase }, SR as usize, SR);
    let worst = x
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            let t = i as f64 / f64::from(SR);
            let r = libm::sin(core::f64::consts::TAU * f64::from(freq) * t + f64::from(phase));
            (f64::from(s) - r).abs()
        })
        .fold(0.0, f64::max);
    println!("sine worst error {worst:e}");
    assert!(worst < 2e-6, "{worst}");
}

/// Tests the saw's and triangle's ranges and shapes: the saw rises from −1 at 2·f/sr per
/// frame, the triangle starts at +1, reaches −1 at half cycle, and both follow the original's
/// formulas of the cycle position.
#[test]
fn saw_and_triangle_shapes() {
    // 480 Hz at 48 kHz: 100 frames per cycle.
    let saw = samples(Oscillator::Saw { freq: 480.0 }, SR as usize, SR);
    let tri = samples(Oscillator::Triangle { freq: 480.0 }, SR as usize, SR);
    assert_eq!(saw[0], -1.0);
    assert_eq!(tri[0], 1.0);
    near(f64::from(tri[50]), -1.0, 1e-5);
    for (i, (&s, &t)) in saw.iter().zip(&tri).enumerate() {
        assert!((-1.0..1.0).contains(&s), "saw {s} at {i}");
        assert!((-1.0..=1.0).contains(&t), "triangle {t} at {i}");
        let p = (i as f64 / 100.0).fract();
        let p = if p > 1.0 - 1e-9 { 0.0 } else { p };
        near(f64::from(s), 2.0 * p - 1.0, 1e-5);
        near(f64::from(t), 4.0 * (p - 0.5).abs() - 1.0, 1e-5);
    }
    let (lo, hi) = saw
        .iter()
        .fold((1.0f32, -1.0f32), |(a, b), &s| (a.min(s), b.max(s)));
    println!("saw range [{lo}, {hi}]");
    // Rising within the cycle, one drop per cycle.
    let drops = saw.windows(2).filter(|w| w[1] < w[0]).count();
    assert_eq!(drops, 479);
    assert!(max_step(&tri) < 0.041, "{}", max_step(&tri));
}

/// Tests that rendering 1 s in one call equals rendering it in 37-frame calls, bit for bit, for
/// every oscillator.
#[test]
fn chunked_equals_one_call() {
    for osc in all_kinds() {
        let whole = samples(osc, SR as usize, SR);
        let mut g = Generator::new(osc);
        let mut parts = vec![0.0; SR as usize];
        for chunk in parts.chunks_mut(37) {
            g.render(chunk, SR);
        }
        assert!(same_bits(&whole, &parts), "{osc:?}");
    }
}

/// Tests that after 10 minutes of a 1 kHz sine rendered in 480-frame calls the phase is within
/// 1e-6 cycles of the exact value, and the samples still match the ideal sine.
#[test]
fn no_drift_after_ten_minutes() {
    let mut g = Generator::new(Oscillator::sine(1000.0));
    let mut block = [0.0f32; 480];
    let calls = 10 * 60 * 100;
    for _ in 0..calls {
        g.render(&mut block, SR);
    }
    // 28.8 M frames at 1000/48000 cycles per frame: exactly 600 000 cycles.
    let p = g.phase();
    let err = p.min(1.0 - p);
    println!("phase error after 10 min: {err:e} cycles");
    assert!(err < 1e-6, "{err}");
    g.render(&mut block, SR);
    for (i, &s) in block.iter().enumerate() {
        let r = libm::sin(core::f64::consts::TAU * (i % 48) as f64 / 48.0);
        near(f64::from(s), r, 2e-6);
    }
}

/// Tests that a frequency change keeps the cycle position: no step larger than the new sine's
/// own largest step, and the phase carries on from where it was.
#[test]
fn frequency_change_is_phase_continuous() {
    let mut g = Generator::new(Oscillator::sine(440.0));
    let mut x = vec![0.0; 2000];
    g.render(&mut x[..1013], SR);
    let before = g.phase();
    g.set_freq(660.0).unwrap();
    assert_eq!(g.phase(), before);
    g.render(&mut x[1013..], SR);
    let own = core::f32::consts::TAU * 660.0 / SR as f32;
    println!("largest step {} vs the 660 Hz sine's {own}", max_step(&x));
    assert!(max_step(&x) <= own * 1.001);
    // The new frequency is what plays.
    let f = frequency(
        &samples(Oscillator::sine(660.0), SR as usize, SR),
        f64::from(SR),
    );
    near(f, 660.0, 0.066);
    // Noise has no frequency; nothing changes on error.
    let mut n = Generator::new(Oscillator::White { seed: 1 });
    assert_eq!(
        n.set_freq(100.0),
        Err(SynthError::NotApplicable(SynthParam::Freq))
    );
    assert_eq!(g.set_freq(f32::NAN), Err(SynthError::NaN(SynthParam::Freq)));
    assert_eq!(g.oscillator().freq(), Some(660.0));
}

/// Tests that noise is seeded: the same seed gives the same bits, different seeds differ.
#[test]
fn noise_is_seeded() {
    for make in [
        (|seed| Oscillator::White { seed }) as fn(u64) -> Oscillator,
        |seed| Oscillator::Pink { seed },
    ] {
        let a = samples(make(42), 10_000, SR);
        let b = samples(make(42), 10_000, SR);
        let c = samples(make(43), 10_000, SR);
        assert!(same_bits(&a, &b));
        let differ = a.iter().zip(&c).filter(|(x, y)| x != y).count();
        assert!(differ > 9_900, "{differ}");
        let mut g = Generator::new(make(42));
        let mut d = vec![0.0; 10_000];
        g.render(&mut d, SR);
        g.reset();
        g.render(&mut d, SR);
        assert!(same_bits(&a, &d), "reset goes back to the seed");
    }
}

/// Tests white noise over 10 s: mean ≈ 0, RMS within 1 % of 1/√3 (uniform on [−1, 1]), and
/// samples inside (−1, 1) reaching close to both ends.
#[test]
fn white_noise_statistics() {
    let x = samples(Oscillator::White { seed: 12345 }, 10 * SR as usize, SR);
    let mean = x.iter().map(|&s| f64::from(s)).sum::<f64>() / x.len() as f64;
    let r = rms(&x);
    let (lo, hi) = x
        .iter()
        .fold((0.0f32, 0.0f32), |(a, b), &s| (a.min(s), b.max(s)));
    let expect = 1.0 / libm::sqrt(3.0);
    println!(
        "white: mean {mean:+.6}, RMS {r:.6} (1/√3 = {expect:.6}, {:+.3} %), range [{lo}, {hi}]",
        (r / expect - 1.0) * 100.0
    );
    assert!(mean.abs() < 0.005, "{mean}");
    assert!((r / expect - 1.0).abs() < 0.01, "{r}");
    assert!(lo > -1.0 && hi < 1.0 && lo < -0.9999 && hi > 0.9999);
}

/// Tests the pink noise's spectrum: the power density falls 3 dB per octave (±1 dB per
/// octave step) from 100 Hz to 6.4 kHz, measured over 10 s with a Welch average, and the
/// output stays inside [−1, 1].
#[test]
fn pink_noise_slope() {
    let x = samples(Oscillator::Pink { seed: 99 }, 10 * SR as usize, SR);
    assert!(x.iter().all(|s| s.abs() <= 1.0));
    let seg = 1 << 14;
    let p = psd(&x, seg);
    let bin = f64::from(SR) / seg as f64;
    // Mean density per octave band [100·2^k, 100·2^(k+1)).
    let bands: Vec<f64> = (0..6)
        .map(|k| {
            let (lo, hi) = (100.0 * f64::from(1 << k), 100.0 * f64::from(2 << k));
            let bins: Vec<f64> = (0..p.len())
                .filter(|&i| (lo..hi).contains(&(i as f64 * bin)))
                .map(|i| p[i])
                .collect();
            db(bins.iter().sum::<f64>() / bins.len() as f64)
        })
        .collect();
    let steps: Vec<f64> = bands.windows(2).map(|w| w[1] - w[0]).collect();
    let overall = (bands[5] - bands[0]) / 5.0;
    println!("pink: octave steps {steps:.2?} dB, mean {overall:.3} dB/octave");
    for s in &steps {
        assert!((s + 3.0103).abs() <= 1.0, "step {s} dB");
    }
    assert!((overall + 3.0103).abs() <= 0.5, "mean slope {overall}");
}

/// Tests that `validated` checks and clamps: NaN and infinities refused where nothing clamps.
#[test]
fn oscillator_validation() {
    assert_eq!(
        Oscillator::Sine {
            freq: f32::INFINITY,
            phase: 0.0
        }
        .validated(),
        Err(SynthError::OutOfRange(SynthParam::Freq))
    );
    assert_eq!(
        Oscillator::Sine {
            freq: 1.0,
            phase: f32::NAN
        }
        .validated(),
        Err(SynthError::NaN(SynthParam::Phase))
    );
    assert_eq!(
        Oscillator::Square {
            freq: 1.0,
            duty: 2.0
        }
        .validated(),
        Ok(Oscillator::Square {
            freq: 1.0,
            duty: 0.99
        })
    );
    assert_eq!(
        Oscillator::Square {
            freq: 1.0,
            duty: f32::NAN
        }
        .validated(),
        Err(SynthError::NaN(SynthParam::Duty))
    );
    // Negative frequencies run the cycle backwards.
    let up = samples(Oscillator::Saw { freq: 480.0 }, 200, SR);
    let down = samples(Oscillator::Saw { freq: -480.0 }, 200, SR);
    assert!(down[1] > 0.9 && down[2] < down[1]);
    assert_eq!(up[0], down[0]);
}
