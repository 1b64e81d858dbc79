//! Envelopes: fixed-duration values at their boundaries, truncation, and the gate.

use std::vec;
use std::vec::Vec;

use super::*;
use crate::tests::near;

/// At 1 kHz, seconds are thousandths: 10 ms attack, 20 ms decay, 30 ms release.
const RATE: u32 = 1_000;

fn adsr() -> Envelope {
    Envelope::Adsr(Adsr {
        attack: 0.01,
        decay: 0.02,
        sustain: 0.5,
        release: 0.03,
    })
}

fn shape(env: Envelope, n: usize) -> Vec<f32> {
    let mut out = vec![f32::NAN; n];
    env.render(&mut out, RATE);
    out
}

/// Tests the ADSR at its segment boundaries: 0 at the start, 1 where the decay starts, the
/// sustain where it is held, the release from the sustain to exactly 0 at the last frame.
#[test]
fn adsr_boundaries() {
    let e = shape(adsr(), 100);
    assert_eq!(e[0], 0.0);
    assert_eq!(e[5], 0.5); // half the attack
    assert_eq!(e[9], 0.9); // last attack frame
    assert_eq!(e[10], 1.0); // decay starts at 1
    assert_eq!(e[20], 0.75); // half the decay
    assert_eq!(e[30], 0.5); // sustain
    assert_eq!(e[69], 0.5); // last sustain frame
    assert_eq!(e[70], 0.5 * 29.0 / 30.0); // release
    assert_eq!(e[85], 0.5 * 14.0 / 30.0);
    assert_eq!(e[99], 0.0);
    assert_eq!(adsr().value_at(100, 100, RATE), 0.0);
    assert_eq!(adsr().value_at(42, 100, RATE), e[42]);
    // Monotone within each segment.
    assert!(e[..10].windows(2).all(|w| w[1] > w[0]));
    assert!(e[10..30].windows(2).all(|w| w[1] < w[0]));
    assert!(e[70..].windows(2).all(|w| w[1] < w[0]));
    // The defaults at 48 kHz: 480 frames of attack, 2400 of decay and of release.
    let d = Envelope::Adsr(Adsr::default());
    assert_eq!(d.value_at(480, 48_000, 48_000), 1.0);
    assert_eq!(d.value_at(479, 48_000, 48_000), 479.0 / 480.0);
    assert_eq!(d.value_at(2880, 48_000, 48_000), 1.0);
    assert_eq!(d.value_at(45_599, 48_000, 48_000), 1.0);
    assert_eq!(d.value_at(45_600, 48_000, 48_000), 2399.0 / 2400.0);
    assert_eq!(d.value_at(47_999, 48_000, 48_000), 0.0);
}

/// Tests short clips: attack and decay truncate with no release; the release takes only the
/// room they leave.
#[test]
fn adsr_short_clip_truncation() {
    // Inside the attack: a plain rise, cut off.
    assert_eq!(shape(adsr(), 5), [0.0, 0.1, 0.2, 0.3, 0.4]);
    // Inside the decay: no release at all.
    let e = shape(adsr(), 25);
    assert_eq!(e[10], 1.0);
    assert_eq!(e[24], 1.0 - 0.5 * 14.0 / 20.0);
    // 10 frames of room after attack and decay: the release gets them, from the sustain.
    let e = shape(adsr(), 40);
    assert_eq!(e[29], 1.0 - 0.5 * 19.0 / 20.0);
    assert_eq!(e[30], 0.5 * 9.0 / 10.0);
    assert_eq!(e[39], 0.0);
    // Exactly enough room for everything, no hold.
    let e = shape(adsr(), 60);
    assert_eq!(e[30], 0.5 * 29.0 / 30.0);
    assert_eq!(e[59], 0.0);
    // One frame.
    assert_eq!(shape(adsr(), 1), [0.0]);
    assert!(shape(adsr(), 0).is_empty());
    // A zero-length attack starts at 1.
    let e = shape(
        Envelope::Adsr(Adsr {
            attack: 0.0,
            ..Adsr::default()
        }),
        10,
    );
    assert_eq!(e[0], 1.0);
}

/// Tests the linear and exponential ramps' endpoints and midpoints.
#[test]
fn linear_and_exponential() {
    let e = shape(
        Envelope::Linear {
            start: 1.0,
            end: 0.0,
        },
        101,
    );
    assert_eq!((e[0], e[50], e[100]), (1.0, 0.5, 0.0));
    let e = shape(
        Envelope::Linear {
            start: 0.2,
            end: 0.7,
        },
        11,
    );
    assert_eq!((e[0], e[10]), (0.2, 0.7));
    near(f64::from(e[5]), 0.45, 1e-7);
    assert_eq!(
        shape(
            Envelope::Linear {
                start: 0.3,
                end: 0.9
            },
            1
        ),
        [0.3]
    );

    let exp = |power| Envelope::Exponential {
        start: 1.0,
        end: 0.01,
        power,
    };
    let e = shape(exp(1.0), 101);
    assert_eq!((e[0], e[100]), (1.0, 0.01));
    near(f64::from(e[50]), 0.1, 1e-6); // halfway in log level
    near(f64::from(e[25]), libm::pow(0.01, 0.25), 1e-6);
    let e = shape(exp(2.0), 101);
    assert_eq!((e[0], e[100]), (1.0, 0.01));
    near(f64::from(e[50]), libm::pow(0.01, 0.25), 1e-6); // u² = ¼ of the way
    let e = shape(
        Envelope::Exponential {
            start: 0.5,
            end: 2.0,
            power: 1.0,
        },
        3,
    );
    assert_eq!((e[0], e[2]), (0.5, 2.0));
    near(f64::from(e[1]), 1.0, 1e-6);
}

/// Tests envelope validation: the original's ValueErrors, and the sustain clamp.
#[test]
fn envelope_validation() {
    let bad = |e: Envelope| matches!(e.validated(), Err(SynthError::InvalidEnvelope(_)));
    for (start, end, power) in [(0.0, 1.0, 1.0), (1.0, -1.0, 1.0), (1.0, 0.5, 0.0)] {
        assert!(bad(Envelope::Exponential { start, end, power }));
    }
    assert!(bad(Envelope::Linear {
        start: f32::NAN,
        end: 0.0
    }));
    assert!(bad(Envelope::Adsr(Adsr {
        attack: -0.1,
        ..Adsr::default()
    })));
    assert!(bad(Envelope::Adsr(Adsr {
        release: f32::INFINITY,
        ..Adsr::default()
    })));
    assert_eq!(
        Envelope::Adsr(Adsr {
            sustain: 3.0,
            ..Adsr::default()
        })
        .validated(),
        Ok(Envelope::Adsr(Adsr::default()))
    );
}

fn run(env: &mut GatedAdsr, n: usize) -> Vec<f32> {
    (0..n).map(|_| env.next(RATE)).collect()
}

/// Tests the gate's whole life: attack, decay, sustain held while gated, release from the
/// sustain, idle after.
#[test]
fn gated_adsr_cycle() {
    let mut env = GatedAdsr::new(Adsr {
        attack: 0.01,
        decay: 0.02,
        sustain: 0.5,
        release: 0.03,
    });
    assert!(env.is_idle());
    assert_eq!(run(&mut env, 5), [0.0; 5]);
    env.note_on();
    let e = run(&mut env, 1000);
    assert_eq!(e[0], 0.0);
    assert_eq!(e[5], 0.5);
    assert_eq!(e[10], 1.0);
    assert_eq!(e[20], 0.75);
    assert!(e[30..].iter().all(|&x| x == 0.5));
    assert_eq!(env.stage(), Stage::Sustain);
    env.note_off();
    assert_eq!(env.stage(), Stage::Release);
    let r = run(&mut env, 40);
    assert_eq!(r[0], 0.5 * 29.0 / 30.0);
    assert_eq!(r[29], 0.0);
    assert!(r[30..].iter().all(|&x| x == 0.0));
    assert!(env.is_idle());
}

/// Tests that a note-off during the attack releases from the level reached, not from the
/// sustain, and a note-on during the release attacks from where it is: no jumps.
#[test]
fn gated_release_from_current_level() {
    let mut env = GatedAdsr::new(Adsr {
        attack: 0.1,
        decay: 0.1,
        sustain: 0.8,
        release: 0.05,
    });
    env.note_on();
    let up = run(&mut env, 30);
    assert_eq!(up[29], 0.29);
    assert_eq!(env.level(), 0.29);
    env.note_off();
    let down = run(&mut env, 20);
    assert_eq!(down[0], 0.29 * (49.0 / 50.0));
    assert_eq!(down[19], 0.29 * (30.0 / 50.0));
    let level = env.level();
    env.note_on();
    let again = run(&mut env, 100);
    assert_eq!(again[0], level);
    near(
        f64::from(again[50]),
        f64::from(level + (1.0 - level) * 0.5),
        1e-7,
    );
    // Every step is at most the steepest segment's (the release from 0.29 over 50 frames).
    let all: Vec<f32> = up.iter().chain(&down).chain(&again).copied().collect();
    assert!(max_step(&all) <= 0.0102, "{}", max_step(&all));
    // Zero release: idle at once.
    let mut env = GatedAdsr::new(Adsr {
        attack: 0.0,
        decay: 0.0,
        sustain: 1.0,
        release: 0.0,
    });
    env.note_on();
    assert_eq!(run(&mut env, 3), [1.0; 3]);
    env.note_off();
    assert_eq!(run(&mut env, 2), [0.0; 2]);
    assert!(env.is_idle());
}
