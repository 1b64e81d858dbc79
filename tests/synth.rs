//! The facade's synth: baked sounds play at the right pitch, length, rate and layout; chunks
//! carry on; errors are the facade's.

mod common;

use common::{dominant_frequency, rms, split_stereo};
use simvx_audio::{
    Adsr, AudioConfig, AudioError, AudioSynth, Envelope, Filter, OfflineBackend, Oscillator,
    PlayParams, Playback, SYNTH_VOICES, SynthParam, SynthVoice,
};

/// Tests that a baked 440 Hz sine is a stereo 48 kHz sound of exactly 48 000 frames that plays
/// at 440 Hz (within 0.05 Hz) and at its level on the offline mixer.
#[test]
fn bake_plays_at_pitch() {
    let mut synth = AudioSynth::new();
    synth
        .add(SynthVoice::new(Oscillator::sine(440.0)).with_gain(0.5))
        .unwrap();
    let sound = synth.bake(1.0, 48_000, 2).unwrap();
    assert_eq!(sound.frames(), 48_000);
    assert_eq!(sound.rate(), 48_000);
    assert_eq!(sound.channel_count(), 2);

    let mut mixer = OfflineBackend::new(&AudioConfig::default()).unwrap();
    let id = mixer.play_audio(&sound, &PlayParams::default()).unwrap();
    let out = mixer.render_frames(48_000);
    assert_eq!(out.len(), 96_000);
    let (l, r) = split_stereo(&out);
    let f = dominant_frequency(&l, 48_000.0, 400.0, 480.0);
    println!("baked 440 Hz sine plays at {f:.4} Hz, RMS {:.5}", rms(&l));
    assert!((f - 440.0).abs() < 0.05, "{f}");
    assert!((rms(&l) - 0.5 / 2f64.sqrt()).abs() < 1e-3);
    assert_eq!(l, r);
    assert!(mixer.render_frames(10).iter().all(|&s| s == 0.0));
    assert!(!mixer.is_channel_active(id));
}

/// Tests a mono bake at 44.1 kHz: 44 100 frames that play at their own pitch on the 48 kHz
/// mixer, and a square's pitch as well.
#[test]
fn bake_mono_foreign_rate() {
    let mut synth = AudioSynth::new();
    synth
        .add(SynthVoice::new(Oscillator::Triangle { freq: 1000.0 }).with_gain(0.25))
        .unwrap();
    let sound = synth.bake(1.0, 44_100, 1).unwrap();
    assert_eq!(
        (sound.frames(), sound.rate(), sound.channel_count()),
        (44_100, 44_100, 1)
    );
    let mut mixer = OfflineBackend::new(&AudioConfig::default()).unwrap();
    mixer.play_audio(&sound, &PlayParams::default()).unwrap();
    let (l, _) = split_stereo(&mixer.render_frames(48_000));
    let f = dominant_frequency(&l, 48_000.0, 900.0, 1100.0);
    println!("baked 1 kHz triangle at 44.1 kHz plays at {f:.4} Hz");
    assert!((f - 1000.0).abs() < 0.5, "{f}");
}

/// Tests bake lengths (`max(1, floor(d·sr))`) and the envelope applied over them, and bake's
/// refusals: non-positive, NaN or infinite durations, 3 channels, rate 0.
#[test]
fn bake_lengths_and_errors() {
    let mut synth = AudioSynth::new();
    synth
        .add(
            SynthVoice::new(Oscillator::square(100.0))
                .with_envelope(Envelope::Adsr(Adsr::default())),
        )
        .unwrap();
    for (d, n) in [
        (0.1, 4_800),
        (0.3, 14_400),
        (1e-9, 1),
        (0.000_02, 1),
        (2.5, 120_000),
    ] {
        assert_eq!(synth.bake(d, 48_000, 1).unwrap().frames(), n, "{d} s");
    }
    for d in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(
            matches!(
                synth.bake(d, 48_000, 2),
                Err(AudioError::InvalidParameter {
                    name: "duration_seconds",
                    ..
                })
            ),
            "{d}"
        );
    }
    assert!(matches!(
        synth.bake(1.0, 48_000, 3),
        Err(AudioError::InvalidParameter {
            name: "channels",
            ..
        })
    ));
    assert!(synth.bake(1.0, 0, 2).is_err());
    assert!(synth.render_chunk(10, 48_000, 0).is_err());
}

/// Tests that render_chunk carries on from chunk to chunk: 100 chunks of 480 frames equal one
/// chunk of 48 000, bit for bit, with a filter, noise and a gate, and it plays at pitch.
#[test]
fn render_chunk_carries_on() {
    let build = || {
        let mut s = AudioSynth::new();
        s.add(
            SynthVoice::new(Oscillator::Saw { freq: 220.0 })
                .with_filter(Filter::LowPass { cutoff_hz: 2_000.0 }),
        )
        .unwrap();
        s.add(SynthVoice::new(Oscillator::Pink { seed: 9 }).with_gain(0.05))
            .unwrap();
        let g = s
            .add(
                SynthVoice::new(Oscillator::sine(880.0))
                    .with_envelope(Envelope::Adsr(Adsr::default())),
            )
            .unwrap();
        s.note_on(g).unwrap();
        s
    };
    let mut one = build();
    let whole = one.render_chunk(48_000, 48_000, 2).unwrap();
    let mut many = build();
    let parts: Vec<f32> = (0..100)
        .flat_map(|_| many.render_chunk(480, 48_000, 2).unwrap())
        .collect();
    assert_eq!(whole.len(), parts.len());
    assert!(
        whole
            .iter()
            .zip(&parts)
            .all(|(a, b)| a.to_bits() == b.to_bits())
    );
    let (l, _) = split_stereo(&whole);
    let f = dominant_frequency(&l, 48_000.0, 200.0, 240.0);
    assert!((f - 220.0).abs() < 0.05, "{f}");
}

/// Tests the facade's errors: a full pool, unknown voices, parameters a voice lacks, NaN.
#[test]
fn errors() {
    let mut synth = AudioSynth::new();
    for i in 0..SYNTH_VOICES {
        assert_eq!(
            synth.add(SynthVoice::new(Oscillator::sine(100.0))).unwrap(),
            i
        );
    }
    assert!(matches!(
        synth.add(SynthVoice::new(Oscillator::sine(100.0))),
        Err(AudioError::NoFreeVoice {
            capacity: SYNTH_VOICES
        })
    ));
    synth.clear();
    assert_eq!(synth.voice_count(), 0);
    let n = synth
        .add(SynthVoice::new(Oscillator::White { seed: 1 }))
        .unwrap();
    let e = synth.set_param(n, SynthParam::Freq, 100.0).unwrap_err();
    assert!(
        matches!(e, AudioError::InvalidParameter { name: "freq", .. }),
        "{e}"
    );
    println!("{e}");
    assert!(matches!(
        synth.set_param(5, SynthParam::Gain, 1.0),
        Err(AudioError::InvalidParameter { name: "voice", .. })
    ));
    assert!(matches!(
        synth.set_param(n, SynthParam::Gain, f32::NAN),
        Err(AudioError::InvalidParameter { name: "gain", .. })
    ));
    assert!(matches!(
        synth.note_on(n),
        Err(AudioError::InvalidParameter { name: "voice", .. })
    ));
    assert!(matches!(
        synth.add(
            SynthVoice::new(Oscillator::sine(1.0)).with_envelope(Envelope::Exponential {
                start: 0.0,
                end: 1.0,
                power: 1.0
            })
        ),
        Err(AudioError::InvalidParameter {
            name: "envelope",
            ..
        })
    ));
    assert_eq!(
        synth.voice(n).unwrap().oscillator,
        Oscillator::White { seed: 1 }
    );
    synth.set_soft_clip(true);
    assert!(synth.soft_clip());
}

/// Tests a live synth through a stream: it plays at its pitch and is never fed faster than
/// the mixer consumes (pumping twice in a row feeds nothing the second time).
#[test]
fn live_synth_stream_is_paced() {
    use simvx_audio::{AudioConfig, OfflineBackend, SynthStream};
    let mut backend = OfflineBackend::new(&AudioConfig::default()).unwrap();
    let mut synth = simvx_audio::AudioSynth::new();
    synth
        .add(simvx_audio::SynthVoice::new(simvx_audio::Oscillator::sine(440.0)).with_gain(0.5))
        .unwrap();
    let mut live = SynthStream::open(&mut backend, synth, "Music", 0.05).unwrap();
    assert_eq!(
        live.pump(&mut backend).unwrap(),
        2400,
        "fills the 50 ms ring"
    );
    assert_eq!(
        live.pump(&mut backend).unwrap(),
        0,
        "nothing more until the mixer plays"
    );
    let mut out = Vec::new();
    let mut fed = 2400;
    for _ in 0..100 {
        out.extend(backend.render_frames(480));
        fed += live.pump(&mut backend).unwrap();
    }
    assert!(fed <= 48_000 + 2400, "fed {fed} frames for 48 000 played");
    let (l, _) = common::split_stereo(&out);
    let f = common::dominant_frequency(&l[480..], 48_000.0, 400.0, 480.0);
    assert!((f - 440.0).abs() < 0.5, "{f} Hz");
}
