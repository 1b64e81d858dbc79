//! One-pole filters: measured response against the analytic one, persistent state.

use std::println;
use std::vec;
use std::vec::Vec;

use super::*;
use crate::tests::lcg_noise;

/// The analytic gain of `filter` at `freq` Hz: `|H(e^{jω})|`.
fn analytic(filter: Filter, freq: f64) -> f64 {
    let a = f64::from(filter.coefficient(SR));
    let w = core::f64::consts::TAU * freq / f64::from(SR);
    // |1 − a·e^{−jω}|
    let den = libm::hypot(1.0 - a * libm::cos(w), a * libm::sin(w));
    match filter {
        Filter::LowPass { .. } => (1.0 - a) / den,
        Filter::HighPass { .. } => a * 2.0 * libm::sin(w / 2.0) / den,
    }
}

/// The gain of `filter` at `freq` Hz (an integer, so 0.5 s holds whole cycles), measured by
/// filtering 1 s of a unit sine and projecting the last half onto sine and cosine.
fn measured(filter: Filter, freq: f64) -> f64 {
    let x = samples(Oscillator::sine(freq as f32), SR as usize, SR);
    let mut y = x.clone();
    OnePole::new(filter).process(&mut y, SR);
    let tail = SR as usize / 2;
    let w = core::f64::consts::TAU * freq / f64::from(SR);
    let (mut s, mut c) = (0.0, 0.0);
    for (i, &v) in y.iter().enumerate().skip(tail) {
        s += f64::from(v) * libm::sin(w * i as f64);
        c += f64::from(v) * libm::cos(w * i as f64);
    }
    2.0 * libm::hypot(s, c) / tail as f64
}

/// Tests that the low-pass and high-pass gains at fc/4, fc and 4·fc, measured, are within 0.5 dB
/// of the analytic one-pole response (they agree to a few thousandths of a dB: the tolerance
/// only covers the f32 arithmetic), and that the low-pass is 3 dB down at fc when fc ≪ sr.
#[test]
fn response_matches_analytic() {
    for fc in [100.0f32, 1000.0, 5000.0] {
        for filter in [
            Filter::LowPass { cutoff_hz: fc },
            Filter::HighPass { cutoff_hz: fc },
        ] {
            for f in [f64::from(fc) / 4.0, f64::from(fc), 4.0 * f64::from(fc)] {
                let (m, a) = (
                    20.0 * libm::log10(measured(filter, f)),
                    20.0 * libm::log10(analytic(filter, f)),
                );
                println!("{filter:?} at {f} Hz: measured {m:.4} dB, analytic {a:.4} dB");
                assert!((m - a).abs() < 0.5, "{filter:?} at {f} Hz: {m} vs {a}");
            }
        }
    }
    let at_fc = 20.0 * libm::log10(measured(Filter::LowPass { cutoff_hz: 1000.0 }, 1000.0));
    assert!((at_fc + 3.0103).abs() < 0.1, "{at_fc}");
}

/// Tests that DC passes the low-pass and is removed by the high-pass.
#[test]
fn dc() {
    let mut lp = OnePole::new(Filter::LowPass { cutoff_hz: 50.0 });
    let mut hp = OnePole::new(Filter::HighPass { cutoff_hz: 50.0 });
    let (mut a, mut b) = (vec![1.0f32; SR as usize], vec![1.0f32; SR as usize]);
    lp.process(&mut a, SR);
    hp.process(&mut b, SR);
    assert!((a[a.len() - 1] - 1.0).abs() < 1e-5, "{}", a[a.len() - 1]);
    assert_eq!(b[0], hp.filter().coefficient(SR)); // a·(0 + 1 − 0)
    assert_eq!(b[b.len() - 1], 0.0);
}

/// Tests that the state persists across calls: filtering noise in one call or in 37-frame
/// calls gives the same bits, and a cutoff change keeps the state.
#[test]
fn state_persists_across_calls() {
    let x = lcg_noise(SR as usize, 3);
    for filter in [
        Filter::LowPass { cutoff_hz: 800.0 },
        Filter::HighPass { cutoff_hz: 800.0 },
    ] {
        let mut whole = x.clone();
        OnePole::new(filter).process(&mut whole, SR);
        let mut parts = x.clone();
        let mut f = OnePole::new(filter);
        for chunk in parts.chunks_mut(37) {
            f.process(chunk, SR);
        }
        assert!(same_bits(&whole, &parts), "{filter:?}");
        // The original restarted from 0 every chunk: a different signal.
        let mut reset: Vec<f32> = x.clone();
        for chunk in reset.chunks_mut(37) {
            OnePole::new(filter).process(chunk, SR);
        }
        assert!(!same_bits(&whole, &reset));
    }
    // A cutoff change keeps the state and takes effect at the next sample.
    let mut f = OnePole::new(Filter::LowPass { cutoff_hz: 100.0 });
    let mut a = [1.0f32; 100];
    f.process(&mut a, SR);
    let y = a[99];
    f.set_cutoff(200.0).unwrap();
    let next = f.tick(1.0, SR);
    let c = Filter::LowPass { cutoff_hz: 200.0 }.coefficient(SR);
    assert_eq!(next, c * y + (1.0 - c) * 1.0);
    assert_eq!(
        f.set_cutoff(-1.0),
        Err(SynthError::OutOfRange(SynthParam::Cutoff))
    );
    assert_eq!(
        f.set_cutoff(f32::NAN),
        Err(SynthError::NaN(SynthParam::Cutoff))
    );
    assert_eq!(f.filter(), Filter::LowPass { cutoff_hz: 200.0 });
}

/// Tests that a silent input lets the state settle at exactly 0.
#[test]
fn settles_at_zero() {
    let mut f = OnePole::new(Filter::LowPass { cutoff_hz: 1000.0 });
    f.tick(1.0, SR);
    assert!(!f.is_silent());
    let mut zeros = [0.0f32; 4800];
    f.process(&mut zeros, SR);
    assert!(f.is_silent());
    assert_eq!(zeros[4799], 0.0);
}
