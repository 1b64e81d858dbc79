//! Levels: gain, the balance pan law, channel layouts, the first frame.

use super::*;
use crate::{Channels, Config, Controller, PlayParams, Renderer, Shared};

fn params(volume_db: f32, pan: f32) -> PlayParams {
    PlayParams {
        volume_db,
        pan,
        ..PlayParams::default()
    }
}

/// Tests the balance pan law at its corners and the clamp beyond them.
#[test]
fn balance_pan_law() {
    for (pan, l, r) in [
        (0.0, 1.0, 1.0),
        (-0.5, 1.0, 0.5),
        (0.5, 0.5, 1.0),
        (-1.0, 1.0, 0.0),
        (1.0, 0.0, 1.0),
        (-7.0, 1.0, 0.0),
        (f32::INFINITY, 0.0, 1.0),
    ] {
        let (mut c, mut r_) = stereo();
        c.play(dc(0.5, 4800), &params(0.0, pan)).unwrap();
        let out = render(&mut r_, 256);
        assert_eq!((out[0], out[1]), (0.5 * l, 0.5 * r), "pan {pan}");
        assert_eq!((out[510], out[511]), (0.5 * l, 0.5 * r), "pan {pan}");
    }
}

/// Tests that volume_db and gain_db add, −80 dB is silence, and +inf clamps to +24 dB.
#[test]
fn gain_in_decibels() {
    let (mut c, mut r) = stereo();
    let p = PlayParams {
        volume_db: -6.0206,
        gain_db: -6.0206,
        ..PlayParams::default()
    };
    c.play(dc(1.0, 4800), &p).unwrap();
    let out = render(&mut r, 128);
    near(f64::from(out[0]), 0.25, 1e-5);
    assert!(out.iter().all(|&s| s == out[0]));

    let (mut c, mut r) = stereo();
    c.play(dc(1.0, 4800), &params(-80.0, 0.0)).unwrap();
    c.play(dc(1.0, 4800), &params(-200.0, 0.0)).unwrap();
    assert!(render(&mut r, 128).iter().all(|&s| s == 0.0));

    let (mut c, mut r) = stereo();
    c.play(dc(0.01, 4800), &params(f32::INFINITY, 0.0)).unwrap();
    near(f64::from(render(&mut r, 1)[0]), 0.01 * 15.848_932, 1e-5);
}

/// Tests the must-show case: a 0.5-amplitude 1 kHz tone at −6.0206 dB, pan −0.5.
#[test]
fn tone_levels_per_channel() {
    let (mut c, mut r) = stereo();
    c.play(sine(1000.0, 0.5, 48_000, 48_000), &params(-6.0206, -0.5))
        .unwrap();
    let out = render(&mut r, 48_000);
    let (l, rr) = (channel(&out, 0, 2), channel(&out, 1, 2));
    near(rms(&l), 0.1768, 0.1768 * 0.005);
    near(rms(&rr), 0.0884, 0.0884 * 0.005);
}

/// Tests that a stereo sound keeps its sides apart and pans by balance.
#[test]
fn stereo_sound_keeps_sides() {
    let pcm = (0..960).flat_map(|_| [0.25f32, -0.5]).collect();
    let snd = sound(pcm, Channels::Stereo, 48_000);
    let (mut c, mut r) = stereo();
    c.play(snd, &params(0.0, 0.5)).unwrap();
    let out = render(&mut r, 64);
    assert_eq!((out[0], out[1]), (0.125, -0.5));
}

/// Tests mono output (the two sides averaged) and more than two channels (the rest silent).
#[test]
fn output_layouts() {
    let (mut c, mut r) = mixer(Config::new(48_000, 1));
    c.play(dc(0.5, 4800), &params(0.0, -1.0)).unwrap();
    let out = render(&mut r, 64);
    assert_eq!(out.len(), 64);
    assert!(out.iter().all(|&s| s == 0.25));

    let (mut c, mut r) = mixer(Config::new(48_000, 4));
    c.play(dc(0.5, 4800), &params(0.0, 0.5)).unwrap();
    let out = render(&mut r, 64);
    assert_eq!(&out[..8], &[0.25, 0.5, 0.0, 0.0, 0.25, 0.5, 0.0, 0.0]);
}

/// Tests that a trailing partial frame of the caller's buffer is silenced, not left as is.
#[test]
fn partial_frame_is_silenced() {
    let (mut c, mut r) = stereo();
    c.play(dc(0.5, 4800), &PlayParams::default()).unwrap();
    let mut out = [f32::NAN; 7];
    r.render(&mut out);
    assert_eq!(out, [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.0]);
}

/// Tests that many voices sum linearly.
#[test]
fn voices_sum() {
    let (mut c, mut r) = stereo();
    for _ in 0..VOICES {
        c.play(dc(0.125, 4800), &PlayParams::default()).unwrap();
    }
    assert!(render(&mut r, 300).iter().all(|&s| s == 1.0));
}

/// Tests that voices at pitch 1 (mixed in tiles of the bus) and voices at other pitches
/// between them sum on the bus in their order, bit for bit: the mix of nineteen voices is the
/// in-order sum of each voice rendered alone, over blocks where loops wrap (a voice that
/// wraps mixes on its own) and more voices than a tile holds.
#[test]
fn pitch_one_voices_sum_in_their_order() {
    const VOICES_HERE: usize = 19;
    let voice = |k: usize| {
        let s = sound(
            lcg_noise(4_000 + 37 * k, 11 + k as u32),
            Channels::Mono,
            48_000,
        );
        let p = PlayParams {
            volume_db: -3.0 - 0.7 * k as f32,
            pan: (k as f32 * 0.37) % 2.0 - 1.0,
            pitch: if k % 6 == 3 { 1.5 } else { 1.0 },
            looping: true,
            ..PlayParams::default()
        };
        (s, p)
    };
    // A pool bigger than the tests' own, to hold more voices than a tile.
    const POOL: usize = 24;
    let shared: &'static Shared<Snd, POOL> = Shared::init(Box::leak(Box::new_uninit()));
    let (mut c, mut r): (
        Controller<Snd, _, POOL, BUSES, EFFECTS>,
        Renderer<Snd, _, Box<[f32]>, POOL, BUSES, EFFECTS>,
    ) = crate::split(
        shared,
        vec![0.0f32; 1024].into_boxed_slice(),
        Config::new(48_000, 2),
    )
    .expect("split");
    for k in 0..VOICES_HERE {
        let (s, p) = voice(k);
        c.play(s, &p).unwrap();
    }
    let mut mix = vec![f32::NAN; 2 * 48_000];
    r.render(&mut mix);
    let mut sum = std::vec![0.0f32; mix.len()];
    for k in 0..VOICES_HERE {
        let (mut c, mut r) = stereo();
        let (s, p) = voice(k);
        c.play(s, &p).unwrap();
        for (acc, x) in sum.iter_mut().zip(render(&mut r, 48_000)) {
            *acc += x;
        }
    }
    assert!(rms(&mix) > 0.1);
    let differ = mix
        .iter()
        .zip(&sum)
        .filter(|(a, b)| a.to_bits() != b.to_bits())
        .count();
    assert_eq!(differ, 0, "{differ} of {} samples differ", mix.len());
}
