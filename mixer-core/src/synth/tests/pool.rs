//! The voice pool: levels, pan law, errors, gates, bake, soft clip, smoothing, block splits.

use std::println;
use std::vec;
use std::vec::Vec;

use super::*;
use crate::tests::{near, rms};

/// A constant +1: a square that never leaves the start of its cycle.
const DC: Oscillator = Oscillator::Square {
    freq: 0.0,
    duty: 0.5,
};

fn render<const N: usize>(synth: &mut Synth<N>, frames: usize, channels: usize) -> Vec<f32> {
    let mut out = vec![f32::NAN; frames * channels];
    synth.render(&mut out, channels, SR).unwrap();
    out
}

fn channel(x: &[f32], c: usize) -> Vec<f32> {
    x.iter().skip(c).step_by(2).copied().collect()
}

/// Tests the balance pan law and gain: pan 0.5 gives the left half and the right all of the
/// mono level, pan ±1 silences one side, and mono is the plain gained sum.
#[test]
fn pan_law_and_gain() {
    for (pan, l, r) in [
        (0.0, 1.0, 1.0),
        (0.5, 0.5, 1.0),
        (-0.5, 1.0, 0.5),
        (1.0, 0.0, 1.0),
        (-1.0, 1.0, 0.0),
        (f32::INFINITY, 0.0, 1.0),
    ] {
        let voice = SynthVoice::new(Oscillator::sine(440.0))
            .with_gain(0.25)
            .with_pan(pan);
        let mut mono: Synth<1> = Synth::new();
        mono.add(voice).unwrap();
        let m = render(&mut mono, 4800, 1);
        let mut stereo: Synth<1> = Synth::new();
        stereo.add(voice).unwrap();
        let s = render(&mut stereo, 4800, 2);
        for (i, &x) in m.iter().enumerate() {
            assert_eq!(s[2 * i], x * l, "pan {pan} left at {i}");
            assert_eq!(s[2 * i + 1], x * r, "pan {pan} right at {i}");
        }
        // 4800 frames = 44 whole cycles of 440 Hz: RMS of the gained sine.
        near(rms(&m), 0.25 / libm::sqrt(2.0), 2e-3);
    }
    // Mono sums voices.
    let mut two: Synth<2> = Synth::new();
    two.add(SynthVoice::new(DC).with_gain(0.25)).unwrap();
    two.add(SynthVoice::new(DC).with_gain(0.5).with_pan(1.0))
        .unwrap();
    assert_eq!(render(&mut two, 3, 1), [0.75; 3]);
    // Switching to stereo ramps the channel gains to the pan law's (5 ms), then holds them.
    let s = render(&mut two, 241, 2);
    assert_eq!((s[480], s[481]), (0.25, 0.75));
}

/// Tests the pool: full is an error naming the capacity, indices count from 0, clear empties.
#[test]
fn pool_full_and_clear() {
    let mut synth: Synth<3> = Synth::new();
    for i in 0..3 {
        assert_eq!(synth.add(SynthVoice::new(DC)), Ok(i));
    }
    assert_eq!(
        synth.add(SynthVoice::new(DC)),
        Err(SynthError::Full { capacity: 3 })
    );
    assert_eq!(synth.voice_count(), 3);
    synth.clear();
    assert_eq!(synth.voice_count(), 0);
    assert_eq!(synth.add(SynthVoice::new(DC)), Ok(0));
    assert_eq!(synth.capacity(), 3);
}

/// Tests that set_param's errors are typed and leave the voice unchanged, and that values
/// land (duty and pan clamped).
#[test]
fn set_param_errors() {
    let mut synth: Synth<4> = Synth::new();
    let sine = synth.add(SynthVoice::new(Oscillator::sine(100.0))).unwrap();
    let noise = synth
        .add(SynthVoice::new(Oscillator::Pink { seed: 1 }))
        .unwrap();
    let square = synth
        .add(
            SynthVoice::new(Oscillator::square(100.0))
                .with_filter(Filter::LowPass { cutoff_hz: 500.0 }),
        )
        .unwrap();
    let before = synth.voice(sine);
    use SynthParam::*;
    for (index, param, value, err) in [
        (9, Gain, 1.0, SynthError::UnknownVoice(9)),
        (noise, Freq, 1.0, SynthError::NotApplicable(Freq)),
        (sine, Duty, 0.5, SynthError::NotApplicable(Duty)),
        (square, Phase, 0.5, SynthError::NotApplicable(Phase)),
        (sine, Cutoff, 100.0, SynthError::NotApplicable(Cutoff)),
        (sine, Freq, f32::NAN, SynthError::NaN(Freq)),
        (sine, Gain, f32::NAN, SynthError::NaN(Gain)),
        (sine, Pan, f32::NAN, SynthError::NaN(Pan)),
        (sine, Phase, f32::NAN, SynthError::NaN(Phase)),
        (sine, Freq, f32::INFINITY, SynthError::OutOfRange(Freq)),
        (sine, Gain, f32::NEG_INFINITY, SynthError::OutOfRange(Gain)),
        (square, Cutoff, -5.0, SynthError::OutOfRange(Cutoff)),
    ] {
        assert_eq!(synth.set_param(index, param, value), Err(err), "{param:?}");
    }
    assert_eq!(synth.voice(sine), before);
    synth.set_param(sine, Freq, 220.0).unwrap();
    synth.set_param(sine, Phase, 1.0).unwrap();
    synth.set_param(sine, Pan, 7.0).unwrap();
    synth.set_param(sine, Gain, -0.5).unwrap();
    synth.set_param(square, Duty, 0.0).unwrap();
    synth.set_param(square, Cutoff, 900.0).unwrap();
    let v = synth.voice(sine).unwrap();
    assert_eq!(
        v.oscillator,
        Oscillator::Sine {
            freq: 220.0,
            phase: 1.0
        }
    );
    assert_eq!((v.gain, v.pan), (-0.5, 1.0));
    let q = synth.voice(square).unwrap();
    assert_eq!(
        q.oscillator,
        Oscillator::Square {
            freq: 100.0,
            duty: 0.01
        }
    );
    assert_eq!(q.filter, Some(Filter::LowPass { cutoff_hz: 900.0 }));
    // add validates too.
    assert_eq!(
        synth.add(SynthVoice::new(DC).with_gain(f32::NAN)),
        Err(SynthError::NaN(Gain))
    );
    assert!(matches!(
        synth.add(SynthVoice::new(DC).with_envelope(Envelope::Exponential {
            start: 0.0,
            end: 1.0,
            power: 1.0
        })),
        Err(SynthError::InvalidEnvelope(_))
    ));
    assert_eq!(synth.voice_count(), 3);
    // Gating a voice without an ADSR.
    assert_eq!(synth.note_on(sine), Err(SynthError::NotGated(sine)));
    assert_eq!(synth.note_off(7), Err(SynthError::UnknownVoice(7)));
}

/// Tests bake: exactly `len / channels` frames from cursor 0, envelopes applied over that
/// length, a trailing partial frame silent, the live state untouched.
#[test]
fn bake_length_and_envelope() {
    let mut synth: Synth<2> = Synth::new();
    synth
        .add(
            SynthVoice::new(DC)
                .with_envelope(Envelope::Linear {
                    start: 1.0,
                    end: 0.0,
                })
                .with_gain(0.5)
                .with_pan(0.5),
        )
        .unwrap();
    let mut out = vec![f32::NAN; 2 * 101 + 1];
    synth.bake(&mut out, 2, SR).unwrap();
    let frames = (out.len() - 1) / 2;
    assert_eq!(frames, 101);
    assert_eq!((out[0], out[1]), (0.25, 0.5));
    assert_eq!((out[100], out[101]), (0.125, 0.25));
    assert_eq!((out[200], out[201]), (0.0, 0.0));
    assert_eq!(out[202], 0.0);

    // Bake starts from the start whatever the live synth did, and twice gives the same bits.
    let mut live: Synth<2> = Synth::new();
    live.add(SynthVoice::new(Oscillator::sine(440.0))).unwrap();
    live.add(SynthVoice::new(Oscillator::White { seed: 5 }).with_gain(0.1))
        .unwrap();
    let mut a = vec![0.0; 4000];
    live.bake(&mut a, 1, SR).unwrap();
    let first = render(&mut live, 3000, 1);
    assert!(same_bits(&first, &a[..3000]));
    let mut b = vec![0.0; 4000];
    live.bake(&mut b, 1, SR).unwrap();
    assert!(same_bits(&a, &b));
    // …and leaves the live state where it was.
    let next = render(&mut live, 1000, 1);
    assert!(same_bits(&next, &a[3000..]));

    // An ADSR voice in a bake: the fixed-duration shape, ending at exactly 0, no gate needed.
    let mut adsr: Synth<1> = Synth::new();
    adsr.add(SynthVoice::new(DC).with_envelope(Envelope::Adsr(Adsr::default())))
        .unwrap();
    let mut out = vec![0.0; 9600];
    adsr.bake(&mut out, 1, SR).unwrap();
    assert_eq!((out[0], out[480], out[9599]), (0.0, 1.0, 0.0));
    // Odd lengths and empty buffers are fine.
    for len in [0, 1, 2, 3, 7] {
        let mut o = vec![f32::NAN; len];
        adsr.bake(&mut o, 2, SR).unwrap();
        assert!(o.iter().all(|s| s.is_finite()));
    }
}

/// Tests the soft clip: a real tanh (not a hard clip), strictly inside (−1, 1), off by
/// default.
#[test]
fn soft_clip_bounds() {
    let mut synth: Synth<8> = Synth::new();
    for _ in 0..8 {
        synth
            .add(SynthVoice::new(Oscillator::square(220.0)))
            .unwrap();
    }
    let loud = render(&mut synth, 1000, 2);
    assert_eq!(loud[0], 8.0);
    synth.set_soft_clip(true);
    assert!(synth.soft_clip());
    let out = render(&mut synth, 48_000, 2);
    assert!(out.iter().all(|&s| s > -1.0 && s < 1.0));
    let peak = out.iter().fold(0.0f32, |m, s| m.max(s.abs()));
    assert_eq!(peak, libm::tanhf(8.0));
    // Far beyond, tanhf rounds to 1; the clip keeps it just inside.
    assert_eq!(super::super::soft_clip(1e9), super::super::SOFT_CLIP_MAX);
    assert_eq!(super::super::soft_clip(-1e9), -super::super::SOFT_CLIP_MAX);
    const { assert!(super::super::SOFT_CLIP_MAX < 1.0) };
    let mut soft: Synth<1> = Synth::new();
    soft.set_soft_clip(true);
    soft.add(SynthVoice::new(DC).with_gain(0.5)).unwrap();
    let x = render(&mut soft, 4, 1);
    assert_eq!(x[0], libm::tanhf(0.5));
    let mut out = vec![0.0; 10];
    soft.bake(&mut out, 1, SR).unwrap();
    assert_eq!(out[9], libm::tanhf(0.5));
}

/// Tests that gain and pan changes while rendering ramp: no step larger than the signal's own
/// largest step (plus 1 %), and the new level is reached within 5 ms.
#[test]
fn parameter_changes_do_not_click() {
    let mut synth: Synth<1> = Synth::new();
    let v = synth
        .add(SynthVoice::new(Oscillator::sine(1000.0)).with_pan(-1.0))
        .unwrap();
    let mut out = render(&mut synth, 4801, 2);
    synth.set_param(v, SynthParam::Gain, 0.1).unwrap();
    out.extend(render(&mut synth, 4800, 2));
    synth.set_param(v, SynthParam::Gain, 1.0).unwrap();
    synth.set_param(v, SynthParam::Pan, 1.0).unwrap();
    synth.set_param(v, SynthParam::Freq, 1500.0).unwrap();
    out.extend(render(&mut synth, 4800, 2));
    let own = core::f32::consts::TAU * 1500.0 / SR as f32;
    let (l, r) = (channel(&out, 0), channel(&out, 1));
    println!(
        "largest steps: left {}, right {}, the 1.5 kHz sine's own {own}",
        max_step(&l),
        max_step(&r)
    );
    assert!(max_step(&l) <= own * 1.01);
    assert!(max_step(&r) <= own * 1.01);
    // Ramp done after 240 frames: left silent, right at unity.
    let tail = 4801 + 4800 + 240;
    assert!(l[tail..].iter().all(|&s| s == 0.0));
    near(rms(&r[tail..tail + 960]), libm::sqrt(0.5), 1e-3);
    // Without the ramp the gain drop would step by ~0.9 at a peak.
    let at_change = 4801;
    assert!((l[at_change] - l[at_change - 1]).abs() < 0.14);
}

/// Tests gated voices: silent until note-on, the attack and release as the gate's, silent
/// after, and a voice's filter tail rendered past the gate's end.
#[test]
fn gated_voices() {
    let mut synth: Synth<2> = Synth::new();
    let adsr = Adsr {
        attack: 0.01,
        decay: 0.0,
        sustain: 1.0,
        release: 0.01,
    };
    let v = synth
        .add(SynthVoice::new(DC).with_envelope(Envelope::Adsr(adsr)))
        .unwrap();
    assert_eq!(synth.stage(v), Some(Stage::Idle));
    assert!(render(&mut synth, 1000, 1).iter().all(|&s| s == 0.0));
    synth.note_on(v).unwrap();
    let on = render(&mut synth, 1000, 1);
    assert_eq!((on[0], on[240], on[480], on[999]), (0.0, 0.5, 1.0, 1.0));
    synth.note_off(v).unwrap();
    let off = render(&mut synth, 1000, 1);
    assert_eq!(off[0], 479.0 / 480.0);
    assert_eq!(off[479], 0.0);
    assert!(off[479..].iter().all(|&s| s == 0.0));
    assert_eq!(synth.stage(v), Some(Stage::Idle));

    // With a low-pass the tail outlives the gate, and still ends in exact silence.
    let w = synth
        .add(
            SynthVoice::new(DC)
                .with_envelope(Envelope::Adsr(adsr))
                .with_filter(Filter::LowPass { cutoff_hz: 20.0 }),
        )
        .unwrap();
    synth.note_on(w).unwrap();
    render(&mut synth, 4800, 1);
    synth.note_off(w).unwrap();
    let tail = render(&mut synth, 48_000, 1);
    assert!(tail[480] > 0.01, "the filter's tail {}", tail[480]);
    assert_eq!(tail[47_999], 0.0);
}

/// Tests that a busy synth (noise, filters, gates, pans, a note-off and parameter changes at
/// fixed frames) renders the same bits in one call per segment or in 37-frame calls, in mono
/// and stereo.
#[test]
fn chunked_render_equals_one_call() {
    fn build() -> Synth<6> {
        let mut s: Synth<6> = Synth::new();
        s.add(SynthVoice::new(Oscillator::sine(440.0)).with_pan(-0.3))
            .unwrap();
        s.add(
            SynthVoice::new(Oscillator::Pink { seed: 3 })
                .with_filter(Filter::HighPass { cutoff_hz: 300.0 })
                .with_gain(0.3),
        )
        .unwrap();
        s.add(
            SynthVoice::new(Oscillator::White { seed: 4 })
                .with_envelope(Envelope::Adsr(Adsr {
                    attack: 0.005,
                    decay: 0.01,
                    sustain: 0.4,
                    release: 0.02,
                }))
                .with_filter(Filter::LowPass { cutoff_hz: 30.0 })
                .with_pan(0.7),
        )
        .unwrap();
        s.add(
            SynthVoice::new(Oscillator::Square {
                freq: 110.0,
                duty: 0.3,
            })
            .with_envelope(Envelope::Adsr(Adsr::default())),
        )
        .unwrap();
        s.note_on(2).unwrap();
        s.note_on(3).unwrap();
        s.set_soft_clip(true);
        s
    }
    fn script(s: &mut Synth<6>, step: usize, channels: usize) -> Vec<f32> {
        let mut out = Vec::new();
        let mut seg = |s: &mut Synth<6>, frames: usize| {
            let mut buf = vec![0.0; frames * channels];
            for chunk in buf.chunks_mut(step * channels) {
                s.render(chunk, channels, SR).unwrap();
            }
            out.extend(buf);
        };
        seg(s, 12_000);
        s.note_off(2).unwrap();
        s.set_param(0, SynthParam::Freq, 660.0).unwrap();
        s.set_param(1, SynthParam::Gain, 0.1).unwrap();
        seg(s, 12_000);
        s.note_off(3).unwrap();
        s.set_param(0, SynthParam::Pan, 0.9).unwrap();
        s.set_param(1, SynthParam::Cutoff, 3000.0).unwrap();
        seg(s, 24_000);
        s.note_on(2).unwrap();
        seg(s, 6_000);
        out
    }
    for channels in [1, 2] {
        let whole = script(&mut build(), 1 << 20, channels);
        let parts = script(&mut build(), 37, channels);
        assert!(same_bits(&whole, &parts), "{channels} channels");
        assert!(whole.iter().all(|s| s.is_finite() && s.abs() < 1.0));
    }
}

/// Tests that render never panics and refuses bad formats: any length, 1 or 2 channels; 0 or 3
/// channels and a 0 sample rate are errors with a silent output.
#[test]
fn any_buffer_length() {
    let mut synth: Synth<2> = Synth::new();
    synth.add(SynthVoice::new(Oscillator::sine(440.0))).unwrap();
    for channels in [1, 2] {
        for len in [0, 1, 2, 3, 5, 255, 256, 257, 511, 513, 1001] {
            let mut out = vec![f32::NAN; len];
            synth.render(&mut out, channels, SR).unwrap();
            assert!(out.iter().all(|s| s.is_finite()));
            if len % channels != 0 {
                assert_eq!(out[len - 1], 0.0);
            }
        }
    }
    let mut out = vec![f32::NAN; 6];
    assert_eq!(
        synth.render(&mut out, 0, SR),
        Err(SynthError::UnsupportedChannels(0))
    );
    assert_eq!(
        synth.render(&mut out, 3, SR),
        Err(SynthError::UnsupportedChannels(3))
    );
    assert_eq!(
        synth.render(&mut out, 2, 0),
        Err(SynthError::ZeroSampleRate)
    );
    assert_eq!(
        synth.bake(&mut out, 5, SR),
        Err(SynthError::UnsupportedChannels(5))
    );
    assert!(out.iter().all(|&s| s == 0.0));
    // An empty synth renders silence.
    let mut empty: Synth<1> = Synth::default();
    assert!(render(&mut empty, 100, 2).iter().all(|&s| s == 0.0));
}
