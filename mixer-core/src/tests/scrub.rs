//! No non-finite sample leaves the mix: sound data that overflows is replaced by silence and
//! counted, and a chain that met it starts again from silence instead of ringing NaN.

use super::*;
use crate::effect::EffectParams;
use crate::effect::params::FilterParams;
use crate::{BusId, PlayParams};

fn on(bus: u8, looping: bool) -> PlayParams {
    PlayParams {
        bus: BusId(bus),
        looping,
        ..PlayParams::default()
    }
}

/// A sound whose every other sample is the largest finite `f32`, of either sign: its linear
/// interpolation between them overflows (`b − a = ∞`), so it makes NaN and ±∞.
fn extremes(frames: usize) -> Snd {
    sound(
        (0..frames)
            .map(|i| if i % 2 == 0 { f32::MAX } else { -f32::MAX })
            .collect(),
        Channels::Mono,
        48_000,
    )
}

/// A 440 Hz tone on bus 1 (a resonant low-pass at 2 kHz, q 4), with and without 0.1 s of
/// extremes on the same bus from frame 0, and 0.1 s of the largest finite level from 0.2 s;
/// one second, in blocks of 480.
fn scene(with_extremes: bool) -> (Vec<f32>, u32) {
    let (mut c, mut r) = stereo();
    c.set_bus(BusId(1), Some(BusId::MASTER), 0.0).unwrap();
    let lp = EffectParams::LowPass(FilterParams {
        cutoff_hz: 2000.0,
        q: 4.0,
    });
    c.set_effect(BusId(1), 0, &lp, true).unwrap();
    c.play(sine(440.0, 0.5, 48_000, 48_000), &on(1, true))
        .unwrap();
    if with_extremes {
        // At a pitch other than 1, so the interpolation runs between the extremes.
        let p = PlayParams {
            pitch: 1.37,
            ..on(1, false)
        };
        c.play(extremes(6_576), &p).unwrap();
        // Finite and summed finite, but past what the filter's state can hold: the chain
        // itself overflows.
        c.play_at(dc(f32::MAX, 4_800), &on(1, false), 9_600)
            .unwrap();
    }
    let mut out = Vec::new();
    for _ in 0..100 {
        out.extend(render(&mut r, 480));
    }
    (out, c.scrubbed())
}

/// Tests that extremes on a filtered bus leave every output sample finite, are counted, and
/// that the filter recovers: from 0.4 s on (0.1 s after the last overflow) the bus sounds as
/// the tone alone does, where without the reset the filter's state would hold NaN for ever.
#[test]
fn extremes_are_scrubbed_and_the_chain_recovers() {
    let (clean, none) = scene(false);
    assert_eq!(none, 0, "a healthy mix scrubs nothing");
    let (out, scrubbed) = scene(true);
    assert!(
        out.iter().all(|x| x.is_finite()),
        "a non-finite sample left the mix"
    );
    assert!(scrubbed > 0, "the scrubbed samples were not counted");
    let from = 2 * 19_200;
    let worst = out[from..]
        .iter()
        .zip(&clean[from..])
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(
        worst < 1e-6,
        "the filter did not recover: {worst} from the tone alone"
    );
    assert!(
        rms(&channel(&out[from..], 0, 2)) > 0.3,
        "the tone went silent"
    );
}

/// Tests that two finite sounds whose sum overflows (3e38 each) are heard as silence where
/// they overflow, not as infinity, on a bus with no chain.
#[test]
fn a_sum_that_overflows_is_scrubbed() {
    let (mut c, mut r) = stereo();
    for _ in 0..2 {
        c.play(dc(3e38, 4_800), &on(0, false)).unwrap();
    }
    let out = render(&mut r, 4_800);
    assert!(out.iter().all(|x| x.is_finite()));
    assert_eq!(
        c.scrubbed(),
        2 * 4_800,
        "every overflowed sample of both channels is counted"
    );
}
