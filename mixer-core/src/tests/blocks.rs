//! Every effect renders the same bits whatever the length of the `process` calls, including
//! across a parameter change: the renderer splits blocks differently for different callers,
//! and renders must not depend on it.

use super::*;
use crate::effect::params::*;
use crate::effect::{EffectContext, EffectParams as P, Processor};

/// A deterministic test signal: two sines and some noise, stereo.
fn signal(frames: usize) -> (Vec<f32>, Vec<f32>) {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut noise = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    (0..frames)
        .map(|i| {
            let t = i as f32 / 48_000.0;
            let a = 0.4 * crate::math::sin(2.0 * core::f32::consts::PI * 440.0 * t);
            let b = 0.3 * crate::math::sin(2.0 * core::f32::consts::PI * 3100.0 * t);
            (a + 0.1 * noise(), b + 0.1 * noise())
        })
        .unzip()
}

/// Run `before` then, from frame `change`, `after`, in calls of `block` frames.
fn run(before: &P, after: &P, block: usize) -> Vec<u32> {
    let ctx = EffectContext::new(48_000);
    let mut mem = std::vec![0.0f32; before.memory_len(&ctx)];
    let mut p = Processor::new(before, &ctx, &mut mem);
    let (mut l, mut r) = signal(9_000);
    let change = 3_000;
    let mut at = 0;
    while at < l.len() {
        if at == change {
            assert!(p.set(after), "same kind");
        }
        let end = (at + block)
            .min(l.len())
            .min(if at < change { change } else { usize::MAX });
        p.process(&mut mem, &mut l[at..end], &mut r[at..end]);
        at = end;
    }
    l.iter().chain(r.iter()).map(|s| s.to_bits()).collect()
}

/// Tests every effect kind with a parameter change, in calls of 1, 7, 64 and 128 frames.
#[test]
fn effects_are_block_size_invariant() {
    let cases: [(P, P); 14] = [
        (
            P::Delay(DelayParams {
                time_seconds: 0.018,
                feedback: 0.45,
                wet: 0.35,
                dry: 0.8,
            }),
            P::Delay(DelayParams {
                time_seconds: 0.025,
                feedback: 0.45,
                wet: 0.35,
                dry: 0.8,
            }),
        ),
        (
            P::HighPass(FilterParams {
                cutoff_hz: 300.0,
                q: 0.9,
            }),
            P::HighPass(FilterParams {
                cutoff_hz: 600.0,
                q: 0.9,
            }),
        ),
        (
            P::Compressor(CompressorParams {
                threshold_db: -18.0,
                ratio: 3.0,
                ..CompressorParams::default()
            }),
            P::Compressor(CompressorParams {
                threshold_db: -24.0,
                ratio: 4.0,
                ..CompressorParams::default()
            }),
        ),
        (
            P::Gain(GainParams { volume_db: 0.0 }),
            P::Gain(GainParams { volume_db: -9.0 }),
        ),
        (
            P::LowPass(FilterParams {
                cutoff_hz: 500.0,
                q: 0.7,
            }),
            P::LowPass(FilterParams {
                cutoff_hz: 4000.0,
                q: 2.0,
            }),
        ),
        (
            P::HighPass(FilterParams::default()),
            P::HighPass(FilterParams {
                cutoff_hz: 200.0,
                q: 1.0,
            }),
        ),
        (
            P::BandPass(FilterParams::default()),
            P::BandPass(FilterParams {
                cutoff_hz: 3000.0,
                q: 3.0,
            }),
        ),
        (
            P::Notch(FilterParams::default()),
            P::Notch(FilterParams {
                cutoff_hz: 440.0,
                q: 5.0,
            }),
        ),
        (P::ParametricEq(EqParams::default()), {
            let mut eq = EqParams::default();
            eq.push(EqBand {
                freq: 2000.0,
                gain_db: 6.0,
                ..EqBand::default()
            });
            P::ParametricEq(eq)
        }),
        (
            P::Delay(DelayParams::default()),
            P::Delay(DelayParams {
                time_seconds: 0.02,
                feedback: 0.7,
                ..DelayParams::default()
            }),
        ),
        (
            P::Reverb(ReverbParams::default()),
            P::Reverb(ReverbParams {
                room_size: 0.9,
                freeze: true,
                ..ReverbParams::default()
            }),
        ),
        (
            P::SoftClip(SoftClipParams::default()),
            P::SoftClip(SoftClipParams {
                drive: 8.0,
                output_gain: 0.5,
            }),
        ),
        (
            P::Compressor(CompressorParams {
                threshold_db: -30.0,
                attack: 0.001,
                ..CompressorParams::default()
            }),
            P::Compressor(CompressorParams {
                threshold_db: -10.0,
                ratio: 8.0,
                knee_db: 0.0,
                ..CompressorParams::default()
            }),
        ),
        (
            P::Limiter(LimiterParams {
                ceiling_db: -6.0,
                ..LimiterParams::default()
            }),
            P::Limiter(LimiterParams {
                ceiling_db: -12.0,
                lookahead: 0.002,
                release: 0.05,
            }),
        ),
    ];
    for (before, after) in cases {
        let reference = run(&before, &after, 128);
        for block in [1, 7, 64] {
            let out = run(&before, &after, block);
            let first = out.iter().zip(&reference).position(|(a, b)| a != b);
            assert_eq!(
                first,
                None,
                "{} differs at {first:?} in blocks of {block}",
                before.tag()
            );
        }
    }
}
