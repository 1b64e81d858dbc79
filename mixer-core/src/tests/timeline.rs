//! Timelines: resampling, loops and their seams, from_position, one-shot lengths, positions,
//! commands at exact frames, block-size invariance.

use super::*;
use crate::{Channels, Interpolation, PlayParams};

fn looping() -> PlayParams {
    PlayParams {
        looping: true,
        ..PlayParams::default()
    }
}

/// Tests that a 44.1 kHz tone plays at its own pitch and length on a 48 kHz mixer, and that
/// pitch is the resampling ratio.
#[test]
fn resampled_frequency_and_length() {
    for (pitch, want_hz, want_frames) in [
        (1.0, 1000.0, 48_000),
        (0.5, 500.0, 96_000),
        (2.0, 2000.0, 24_000),
    ] {
        let (mut c, mut r) = stereo();
        let id = c
            .play(
                sine(1000.0, 0.5, 44_100, 44_100),
                &PlayParams {
                    pitch,
                    ..PlayParams::default()
                },
            )
            .unwrap();
        let out = render(&mut r, 100_000);
        let l = channel(&out, 0, 2);
        let heard = l.iter().rposition(|&s| s != 0.0).unwrap() + 1;
        assert!(
            heard <= want_frames && heard + 2 >= want_frames,
            "pitch {pitch}: {heard} frames"
        );
        near(frequency(&l[..heard], 48_000.0), want_hz, want_hz * 1e-4);
        assert!(!c.is_active(id));
    }
}

/// Tests the cubic interpolator on the same job (same pitch, lower error than linear).
#[test]
fn cubic_resampling() {
    let error = |interpolation| {
        let mut config = crate::Config::new(48_000, 2);
        config.interpolation = interpolation;
        let (mut c, mut r) = mixer(config);
        c.play(sine(1000.0, 0.5, 44_100, 44_100), &PlayParams::default())
            .unwrap();
        let l = channel(&render(&mut r, 24_000), 0, 2);
        near(frequency(&l, 48_000.0), 1000.0, 0.1);
        let w = core::f64::consts::TAU * 1000.0 / 48_000.0;
        (10..24_000)
            .map(|i| (f64::from(l[i]) - 0.5 * libm::sin(w * i as f64)).abs())
            .fold(0.0, f64::max)
    };
    let (linear, cubic) = (error(Interpolation::Linear), error(Interpolation::Cubic));
    assert!(cubic < linear / 4.0, "cubic {cubic} vs linear {linear}");
    assert!(cubic < 1e-4, "cubic error {cubic}");
}

/// Tests that a loop is seamless: a constant loop resampled at an odd pitch never dips at the
/// seam (the interpolator reads across it into the loop's start).
#[test]
fn loop_seam_is_seamless() {
    for interpolation in [Interpolation::Linear, Interpolation::Cubic] {
        let mut config = crate::Config::new(48_000, 2);
        config.interpolation = interpolation;
        let (mut c, mut r) = mixer(config);
        let p = PlayParams {
            pitch: 0.73,
            looping: true,
            ..PlayParams::default()
        };
        c.play(dc(0.5, 100), &p).unwrap();
        let out = render(&mut r, 10_000);
        assert!(
            out.iter().all(|&s| (s - 0.5).abs() < 1e-6),
            "{interpolation:?} dips at the seam"
        );
    }
}

/// Tests that a loop of whole sine cycles plays as one continuous sine across many seams.
#[test]
fn loop_of_cycles_is_continuous() {
    let (mut c, mut r) = stereo();
    c.play(sine(1000.0, 0.5, 48_000, 480), &looping()).unwrap();
    let l = channel(&render(&mut r, 4_800), 0, 2);
    let w = core::f64::consts::TAU * 1000.0 / 48_000.0;
    for (i, &s) in l.iter().enumerate() {
        near(f64::from(s), 0.5 * libm::sin(w * i as f64), 1e-6);
    }
}

/// Tests from_position: the first frame is the sound's frame at that time; loops wrap it; a
/// one-shot started past its end ends at once.
#[test]
fn from_position() {
    let snd = ramp(4800);
    let (mut c, mut r) = stereo();
    let p = PlayParams {
        from_position: 0.05,
        ..PlayParams::default()
    };
    let id = c.play(snd, &p).unwrap();
    let l = channel(&render(&mut r, 960), 0, 2);
    for (k, &s) in l.iter().enumerate() {
        assert_eq!(s, (2400 + k) as f32 / 4800.0);
    }
    near(c.position(id), (2400.0 + 960.0) / 48_000.0, 1e-9);

    let (mut c, mut r) = stereo();
    let id = c
        .play(
            snd,
            &PlayParams {
                from_position: 0.15,
                looping: true,
                ..PlayParams::default()
            },
        )
        .unwrap();
    assert_eq!(render(&mut r, 1)[0], 0.5);
    render(&mut r, 4799);
    near(c.position(id), 0.05, 1e-9); // one whole loop later, wrapped

    let (mut c, mut r) = stereo();
    let id = c
        .play(
            snd,
            &PlayParams {
                from_position: 5.0,
                ..PlayParams::default()
            },
        )
        .unwrap();
    assert!(render(&mut r, 64).iter().all(|&s| s == 0.0));
    assert!(!c.is_active(id));

    let (mut c, _r) = stereo();
    let bad = PlayParams {
        from_position: f64::NAN,
        ..PlayParams::default()
    };
    assert_eq!(
        c.play(snd, &bad),
        Err(crate::Error::InvalidParameter(crate::Param::FromPosition))
    );
}

/// Tests that a one-shot lasts exactly its frames and reports inactive in the block it ends.
#[test]
fn one_shot_length_and_end() {
    let (mut c, mut r) = stereo();
    let id = c.play(dc(0.5, 1000), &PlayParams::default()).unwrap();
    let out = render(&mut r, 1000);
    assert!(out.iter().all(|&s| s == 0.5));
    assert!(!c.is_active(id));
    assert!(render(&mut r, 100).iter().all(|&s| s == 0.0));
    assert_eq!(c.position(id), 0.0);
}

/// Tests that the position reported is the sound's own timeline (a 24 kHz sound at 48 kHz
/// advances half a second per second of output) and that it wraps for loops.
#[test]
fn position_in_sound_seconds() {
    let slow = sound(std::vec![0.1; 24_000], Channels::Mono, 24_000);
    let (mut c, mut r) = stereo();
    let id = c.play(slow, &looping()).unwrap();
    render(&mut r, 12_000);
    near(c.position(id), 0.25, 1e-9);
    render(&mut r, 48_000 + 12_000);
    near(c.position(id), 0.5, 1e-9);
}

/// Tests that a command takes effect at the first frame of the next render, whatever frame
/// the mixer is at (not at the next quantum boundary).
#[test]
fn commands_apply_at_exact_frames() {
    let (mut c, mut r) = stereo();
    render(&mut r, 77);
    c.play(dc(0.5, 4800), &PlayParams::default()).unwrap();
    let out = render(&mut r, 10);
    assert_eq!(out[0], 0.5);
    assert_eq!(r.frames_rendered(), 87);
}

/// Tests that the same calls at the same frames give the same bits at any block size.
#[test]
fn block_size_invariance() {
    let run = |block: usize| {
        let (mut c, mut r) = stereo();
        let a = c
            .play(
                sine(440.0, 0.3, 44_100, 30_000),
                &PlayParams {
                    pitch: 1.3,
                    ..PlayParams::default()
                },
            )
            .unwrap();
        let b = c
            .play(
                ramp(7_000),
                &PlayParams {
                    looping: true,
                    pan: 0.4,
                    ..PlayParams::default()
                },
            )
            .unwrap();
        let mut out = std::vec::Vec::new();
        let events: [(usize, u8); 4] = [(1_000, 0), (5_003, 1), (9_999, 2), (14_000, 3)];
        let mut frame = 0;
        for (at, what) in events.into_iter().chain([(20_000, 9)]) {
            while frame < at {
                let n = block.min(at - frame);
                out.extend(render(&mut r, n));
                frame += n;
            }
            match what {
                0 => c.set_mix(a, -3.0, -0.7).unwrap(),
                1 => c.set_pitch(b, 2.5).unwrap(),
                2 => c.pause(b).unwrap(),
                3 => c.resume(b).unwrap(),
                _ => {}
            }
        }
        out.iter()
            .map(|s| s.to_bits())
            .collect::<std::vec::Vec<u32>>()
    };
    let reference = run(480);
    for block in [1, 13, 128, 1000, 20_000] {
        assert!(run(block) == reference, "block size {block} differs");
    }
}
