//! Bad input, call by call: every row of the README's "Bad input" table is a test here.
//!
//! Each bad call is made on a backend that is already playing a *reference* voice (a looping
//! 1 kHz tone at −6 dB on the Music bus) and usually a *victim* (a looping 440 Hz tone on SFX,
//! the voice the bad call is aimed at). Where the result is a typed error or a no-op, the
//! output must be bit-identical to a twin backend that never received the call; where a value
//! clamps, bit-identical to a twin that received the clamped value. Every output sample is
//! checked to be finite, and the reference's level is measured after the call.

mod common;

use std::path::{Path, PathBuf};

use common::{magnitude_at, split_stereo};
use simvx_audio::{
    AudioBusLayout, AudioConfig, AudioError, Buses, ChannelId, Cone, Effect, EffectParams, Emitter,
    FilterParams, HasStreams, OfflineBackend, PlayParams, Playback, Scene, Sound, StreamDraining,
    StreamPacing, Streaming, decode_bytes, decode_file, null_backend,
};

// ---------------------------------------------------------------------------------------------
// The rig: a reference voice, a victim, and a twin to compare against.
// ---------------------------------------------------------------------------------------------

const RATE: f64 = 48_000.0;
/// The reference tone's amplitude in each output channel (0.5 at −6.0206 dB, centred).
const REF_AMP: f64 = 0.25;

struct Rig {
    b: OfflineBackend,
    reference: ChannelId,
    victim: ChannelId,
}

fn reference_sound() -> Sound {
    Sound::tone(1000.0, 0.5, 1.0, 48_000, 1).unwrap()
}

fn victim_sound() -> Sound {
    Sound::tone(440.0, 0.25, 1.0, 48_000, 1).unwrap()
}

fn looping_on(bus: &str) -> PlayParams {
    PlayParams {
        looping: true,
        bus: bus.into(),
        ..PlayParams::default()
    }
}

fn rig_with(voices: usize) -> Rig {
    let mut b = OfflineBackend::new(&AudioConfig {
        voices,
        ..AudioConfig::default()
    })
    .unwrap();
    let reference = b
        .play_audio(
            &reference_sound(),
            &PlayParams {
                volume_db: -6.0206,
                ..looping_on("Music")
            },
        )
        .unwrap();
    let victim = b.play_audio(&victim_sound(), &looping_on("SFX")).unwrap();
    b.render_frames(4800);
    Rig {
        b,
        reference,
        victim,
    }
}

fn rig() -> Rig {
    rig_with(16)
}

/// Every sample finite, and the reference's 1 kHz component at its level in both channels,
/// measured over the last 4800 frames (100 whole cycles) of `out`.
#[track_caller]
fn assert_reference(out: &[f32], what: &str) {
    if let Some(i) = out.iter().position(|s| !s.is_finite()) {
        panic!("{what}: sample {i} is {}", out[i]);
    }
    let tail = &out[out.len() - 9600..];
    let (l, r) = split_stereo(tail);
    for (side, x) in [("left", &l), ("right", &r)] {
        let m = magnitude_at(x, 1000.0, RATE);
        assert!(
            (m - REF_AMP).abs() < REF_AMP * 0.01,
            "{what}: reference {side} level {m}, want {REF_AMP}"
        );
    }
}

/// Bitwise equality of two renders (finite samples: checked by `assert_reference`).
#[track_caller]
fn assert_same(a: &[f32], b: &[f32], what: &str) {
    assert_eq!(a.len(), b.len());
    if let Some(i) = a
        .iter()
        .zip(b)
        .position(|(x, y)| x.to_bits() != y.to_bits())
    {
        panic!("{what}: sample {i} differs: {} vs twin {}", a[i], b[i]);
    }
}

/// What a bad call must give.
#[derive(Debug, Clone, Copy)]
enum Want {
    /// `Ok(())`.
    Ok,
    /// `InvalidParameter` naming this parameter.
    Invalid(&'static str),
}

#[track_caller]
fn check_result(r: Result<(), AudioError>, want: Want, what: &str) {
    match (want, r) {
        (Want::Ok, Ok(())) => {}
        (Want::Invalid(name), Err(AudioError::InvalidParameter { name: n, .. })) if n == name => {}
        (want, got) => panic!("{what}: want {want:?}, got {got:?}"),
    }
}

type Act = Box<dyn Fn(&mut Rig) -> Result<(), AudioError>>;

/// One row: `bad` on one rig, `same_as` on its twin; the results must match `want`, the
/// renders must be bit-identical, finite, and carry the reference at its level.
struct Row {
    what: String,
    bad: Act,
    same_as: Act,
    want: Want,
}

fn row(
    what: impl Into<String>,
    want: Want,
    bad: impl Fn(&mut Rig) -> Result<(), AudioError> + 'static,
    same_as: impl Fn(&mut Rig) -> Result<(), AudioError> + 'static,
) -> Row {
    Row {
        what: what.into(),
        bad: Box::new(bad),
        same_as: Box::new(same_as),
        want,
    }
}

/// A row whose twin gets no call at all (rejected calls and no-ops).
fn rejected(
    what: impl Into<String>,
    want: Want,
    bad: impl Fn(&mut Rig) -> Result<(), AudioError> + 'static,
) -> Row {
    row(what, want, bad, |_| Ok(()))
}

fn run_rows(rows: Vec<Row>) {
    assert!(!rows.is_empty());
    for r in rows {
        let (mut a, mut b) = (rig(), rig());
        check_result((r.bad)(&mut a), r.want, &r.what);
        (r.same_as)(&mut b).unwrap_or_else(|e| panic!("{}: twin call failed: {e}", r.what));
        let (oa, ob) = (a.b.render_frames(7200), b.b.render_frames(7200));
        assert_reference(&oa, &r.what);
        assert_same(&oa, &ob, &r.what);
        assert!(a.b.is_channel_active(a.reference), "{}", r.what);
    }
}

fn probe() -> Sound {
    Sound::tone(300.0, 0.25, 1.0, 48_000, 1).unwrap()
}

/// `play_audio` of the probe on SFX with `params` changed by `f`, looping.
fn play_probe(
    f: impl Fn(&mut PlayParams) + 'static,
) -> impl Fn(&mut Rig) -> Result<(), AudioError> {
    move |r: &mut Rig| {
        let mut p = looping_on("SFX");
        f(&mut p);
        r.b.play_audio(&probe(), &p).map(drop)
    }
}

// ---------------------------------------------------------------------------------------------
// Parameters: NaN, infinities, out of range.
// ---------------------------------------------------------------------------------------------

/// Tests that NaN in any field of `play_audio`'s parameters (emitter included) is
/// `InvalidParameter` naming the field, starts nothing, and leaves the mix bit-identical.
#[test]
fn nan_play_params_are_rejected() {
    let nan = f32::NAN;
    let with_emitter = |f: fn(&mut Emitter)| {
        play_probe(move |p| {
            let mut e = Emitter::default();
            f(&mut e);
            p.emitter = Some(e);
        })
    };
    let rows = vec![
        rejected(
            "play volume_db NaN",
            Want::Invalid("volume_db"),
            play_probe(move |p| p.volume_db = nan),
        ),
        rejected(
            "play gain_db NaN",
            Want::Invalid("gain_db"),
            play_probe(move |p| p.gain_db = nan),
        ),
        rejected(
            "play pan NaN",
            Want::Invalid("pan"),
            play_probe(move |p| p.pan = nan),
        ),
        rejected(
            "play pitch NaN",
            Want::Invalid("pitch"),
            play_probe(move |p| p.pitch = nan),
        ),
        rejected(
            "play max_distance NaN",
            Want::Invalid("max_distance"),
            play_probe(move |p| p.max_distance = nan),
        ),
        rejected(
            "play position NaN",
            Want::Invalid("position"),
            play_probe(move |p| p.position[2] = nan),
        ),
        rejected(
            "play from_position NaN",
            Want::Invalid("from_position"),
            play_probe(|p| p.from_position = f64::NAN),
        ),
        rejected(
            "emitter position NaN",
            Want::Invalid("emitter.position"),
            with_emitter(|e| e.position[0] = f32::NAN),
        ),
        rejected(
            "emitter velocity NaN",
            Want::Invalid("emitter.velocity"),
            with_emitter(|e| e.velocity[1] = f32::NAN),
        ),
        rejected(
            "emitter direction NaN",
            Want::Invalid("emitter.direction"),
            with_emitter(|e| e.direction[2] = f32::NAN),
        ),
        rejected(
            "emitter min_distance NaN",
            Want::Invalid("emitter.min_distance"),
            with_emitter(|e| e.min_distance = f32::NAN),
        ),
        rejected(
            "emitter max_distance NaN",
            Want::Invalid("emitter.max_distance"),
            with_emitter(|e| e.max_distance = f32::NAN),
        ),
        rejected(
            "emitter rolloff NaN",
            Want::Invalid("emitter.rolloff"),
            with_emitter(|e| e.rolloff = f32::NAN),
        ),
        rejected(
            "emitter cone inner NaN",
            Want::Invalid("emitter.cone.inner_angle"),
            with_emitter(|e| e.cone.inner_angle = f32::NAN),
        ),
        rejected(
            "emitter cone outer NaN",
            Want::Invalid("emitter.cone.outer_angle"),
            with_emitter(|e| e.cone.outer_angle = f32::NAN),
        ),
        rejected(
            "emitter cone gain NaN",
            Want::Invalid("emitter.cone.outer_gain"),
            with_emitter(|e| e.cone.outer_gain = f32::NAN),
        ),
        rejected(
            "emitter doppler NaN",
            Want::Invalid("emitter.doppler_factor"),
            with_emitter(|e| e.doppler_factor = f32::NAN),
        ),
    ];
    run_rows(rows);
}

/// Tests that NaN given to a live channel's controls and to the listener is `InvalidParameter`
/// and changes nothing (the victim keeps its level, pan and pitch bit for bit).
#[test]
fn nan_controls_are_rejected() {
    let nan = f32::NAN;
    let rows = vec![
        rejected(
            "update_audio_2d volume NaN",
            Want::Invalid("volume_db"),
            move |r| r.b.update_audio_2d(r.victim, nan, 0.0),
        ),
        rejected("update_audio_2d pan NaN", Want::Invalid("pan"), move |r| {
            r.b.update_audio_2d(r.victim, -6.0, nan)
        }),
        rejected(
            "update_audio_3d volume NaN",
            Want::Invalid("volume_db"),
            move |r| r.b.update_audio_3d(r.victim, nan, 0.0, 2.0),
        ),
        rejected("update_audio_3d pan NaN", Want::Invalid("pan"), move |r| {
            r.b.update_audio_3d(r.victim, 0.0, nan, 2.0)
        }),
        rejected(
            "update_audio_3d pitch NaN",
            Want::Invalid("pitch"),
            move |r| r.b.update_audio_3d(r.victim, -6.0, 0.5, nan),
        ),
        rejected("set_pitch NaN", Want::Invalid("pitch"), move |r| {
            r.b.set_pitch(r.victim, nan)
        }),
        rejected(
            "set_emitter position NaN",
            Want::Invalid("emitter.position"),
            move |r| {
                r.b.set_emitter(
                    r.victim,
                    &Emitter {
                        position: [nan, 0.0, 0.0],
                        ..Emitter::default()
                    },
                )
            },
        ),
        rejected(
            "set_emitter velocity NaN",
            Want::Invalid("emitter.velocity"),
            move |r| {
                r.b.set_emitter(
                    r.victim,
                    &Emitter {
                        velocity: [0.0, 0.0, nan],
                        ..Emitter::default()
                    },
                )
            },
        ),
        rejected(
            "listener position NaN",
            Want::Invalid("position"),
            move |r| r.b.set_listener_position([nan; 3]),
        ),
        rejected(
            "listener velocity NaN",
            Want::Invalid("velocity"),
            move |r| r.b.set_listener_velocity([0.0, nan, 0.0]),
        ),
        rejected(
            "listener direction NaN",
            Want::Invalid("direction"),
            move |r| r.b.set_listener_direction([nan, 0.0, -1.0]),
        ),
        rejected(
            "listener world_up NaN",
            Want::Invalid("world_up"),
            move |r| r.b.set_listener_world_up([0.0, nan, 0.0]),
        ),
    ];
    run_rows(rows);
}

/// Tests that infinities and out-of-range values in `play_audio` clamp: each renders the same
/// bits as the clamped value (volume to [−80, +24] dB, pan to [−1, 1], pitch to [0.1, 16],
/// from_position to the sound), and nothing reaches the mix as NaN or infinity.
#[test]
fn out_of_range_play_params_clamp() {
    let inf = f32::INFINITY;
    let rows = vec![
        row(
            "play volume_db +inf",
            Want::Ok,
            play_probe(move |p| p.volume_db = inf),
            play_probe(|p| p.volume_db = 24.0),
        ),
        row(
            "play volume_db 1e30",
            Want::Ok,
            play_probe(|p| p.volume_db = 1e30),
            play_probe(|p| p.volume_db = 24.0),
        ),
        row(
            "play volume_db -inf",
            Want::Ok,
            play_probe(move |p| p.volume_db = -inf),
            play_probe(|p| p.volume_db = -80.0),
        ),
        row(
            "play volume_db +inf with gain_db -inf",
            Want::Ok,
            play_probe(move |p| {
                p.volume_db = inf;
                p.gain_db = -inf;
            }),
            play_probe(|p| p.volume_db = 0.0),
        ),
        row(
            "play gain_db +inf",
            Want::Ok,
            play_probe(move |p| p.gain_db = inf),
            play_probe(|p| p.gain_db = 24.0),
        ),
        row(
            "play pan +inf",
            Want::Ok,
            play_probe(move |p| p.pan = inf),
            play_probe(|p| p.pan = 1.0),
        ),
        row(
            "play pan -7",
            Want::Ok,
            play_probe(|p| p.pan = -7.0),
            play_probe(|p| p.pan = -1.0),
        ),
        row(
            "play pitch +inf",
            Want::Ok,
            play_probe(move |p| p.pitch = inf),
            play_probe(|p| p.pitch = 16.0),
        ),
        row(
            "play pitch -inf",
            Want::Ok,
            play_probe(move |p| p.pitch = -inf),
            play_probe(|p| p.pitch = 0.1),
        ),
        row(
            "play pitch 0",
            Want::Ok,
            play_probe(|p| p.pitch = 0.0),
            play_probe(|p| p.pitch = 0.1),
        ),
        row(
            "play pitch -2",
            Want::Ok,
            play_probe(|p| p.pitch = -2.0),
            play_probe(|p| p.pitch = 0.1),
        ),
        row(
            "play pitch 1000",
            Want::Ok,
            play_probe(|p| p.pitch = 1000.0),
            play_probe(|p| p.pitch = 16.0),
        ),
        row(
            "play from_position -inf",
            Want::Ok,
            play_probe(|p| p.from_position = f64::NEG_INFINITY),
            play_probe(|p| p.from_position = 0.0),
        ),
        row(
            "play from_position -3",
            Want::Ok,
            play_probe(|p| p.from_position = -3.0),
            play_probe(|p| p.from_position = 0.0),
        ),
        row(
            "play from_position +inf, looping",
            Want::Ok,
            play_probe(|p| p.from_position = f64::INFINITY),
            play_probe(|p| p.from_position = 0.0),
        ),
        row(
            "play from_position 2.5 s of a 1 s loop",
            Want::Ok,
            play_probe(|p| p.from_position = 2.5),
            play_probe(|p| p.from_position = 0.5),
        ),
        row(
            "play from_position +inf, one-shot",
            Want::Ok,
            play_probe(|p| {
                p.looping = false;
                p.from_position = f64::INFINITY;
            }),
            |_| Ok(()),
        ),
        row(
            "play from_position 1e300, one-shot",
            Want::Ok,
            play_probe(|p| {
                p.looping = false;
                p.from_position = 1e300;
            }),
            |_| Ok(()),
        ),
        row(
            "play position ±inf, max_distance -inf (unused by the mixer)",
            Want::Ok,
            play_probe(move |p| {
                p.position = [inf, -inf, inf];
                p.max_distance = -inf;
            }),
            play_probe(|_| {}),
        ),
    ];
    run_rows(rows);
}

/// Tests that infinities and out-of-range values given to a live channel's controls clamp
/// exactly as the clamped values do.
#[test]
fn out_of_range_controls_clamp() {
    let inf = f32::INFINITY;
    let rows = vec![
        row(
            "update_audio_2d +inf dB, pan +inf",
            Want::Ok,
            move |r| r.b.update_audio_2d(r.victim, inf, inf),
            |r| r.b.update_audio_2d(r.victim, 24.0, 1.0),
        ),
        row(
            "update_audio_2d -inf dB, pan -inf",
            Want::Ok,
            move |r| r.b.update_audio_2d(r.victim, -inf, -inf),
            |r| r.b.update_audio_2d(r.victim, -80.0, -1.0),
        ),
        row(
            "update_audio_2d 1e38 dB, pan 3",
            Want::Ok,
            |r| r.b.update_audio_2d(r.victim, 1e38, 3.0),
            |r| r.b.update_audio_2d(r.victim, 24.0, 1.0),
        ),
        row(
            "update_audio_3d pitch +inf",
            Want::Ok,
            move |r| r.b.update_audio_3d(r.victim, 0.0, 0.0, inf),
            |r| r.b.update_audio_3d(r.victim, 0.0, 0.0, 16.0),
        ),
        row(
            "update_audio_3d pitch -1",
            Want::Ok,
            |r| r.b.update_audio_3d(r.victim, 0.0, 0.0, -1.0),
            |r| r.b.update_audio_3d(r.victim, 0.0, 0.0, 0.1),
        ),
        row(
            "set_pitch -inf",
            Want::Ok,
            move |r| r.b.set_pitch(r.victim, -inf),
            |r| r.b.set_pitch(r.victim, 0.1),
        ),
        row(
            "set_pitch 0",
            Want::Ok,
            |r| r.b.set_pitch(r.victim, 0.0),
            |r| r.b.set_pitch(r.victim, 0.1),
        ),
        row(
            "set_pitch 1e9",
            Want::Ok,
            |r| r.b.set_pitch(r.victim, 1e9),
            |r| r.b.set_pitch(r.victim, 16.0),
        ),
    ];
    run_rows(rows);
}

fn far() -> [f32; 3] {
    [f32::INFINITY, f32::NEG_INFINITY, f32::INFINITY]
}

fn far_max() -> [f32; 3] {
    [f32::MAX, -f32::MAX, f32::MAX]
}

/// Tests that infinite emitter and listener positions and velocities clamp to ±f32::MAX
/// (the same bits as ±f32::MAX), and that the extremes, even with the listener and emitter
/// at opposite ends of the float range, and degenerate directions, render finite samples.
#[test]
fn spatial_infinities_clamp_and_stay_finite() {
    let rows = vec![
        row(
            "emitter position ±inf",
            Want::Ok,
            |r| {
                r.b.set_emitter(
                    r.victim,
                    &Emitter {
                        position: far(),
                        ..Emitter::default()
                    },
                )
            },
            |r| {
                r.b.set_emitter(
                    r.victim,
                    &Emitter {
                        position: far_max(),
                        ..Emitter::default()
                    },
                )
            },
        ),
        row(
            "emitter velocity ±inf",
            Want::Ok,
            |r| {
                r.b.set_emitter(
                    r.victim,
                    &Emitter {
                        position: [3.0, 0.0, 0.0],
                        velocity: far(),
                        ..Emitter::default()
                    },
                )
            },
            |r| {
                r.b.set_emitter(
                    r.victim,
                    &Emitter {
                        position: [3.0, 0.0, 0.0],
                        velocity: far_max(),
                        ..Emitter::default()
                    },
                )
            },
        ),
        row(
            "play with emitter position and velocity ±inf",
            Want::Ok,
            play_probe(|p| {
                p.emitter = Some(Emitter {
                    position: far(),
                    velocity: far(),
                    ..Emitter::default()
                })
            }),
            play_probe(|p| {
                p.emitter = Some(Emitter {
                    position: far_max(),
                    velocity: far_max(),
                    ..Emitter::default()
                })
            }),
        ),
        row(
            "listener position ±inf",
            Want::Ok,
            |r| {
                r.b.set_emitter(r.victim, &Emitter::default())?;
                r.b.set_listener_position(far())
            },
            |r| {
                r.b.set_emitter(r.victim, &Emitter::default())?;
                r.b.set_listener_position(far_max())
            },
        ),
        row(
            "listener velocity ±inf",
            Want::Ok,
            |r| {
                r.b.set_emitter(
                    r.victim,
                    &Emitter {
                        position: [0.0, 0.0, -5.0],
                        ..Emitter::default()
                    },
                )?;
                r.b.set_listener_velocity(far())
            },
            |r| {
                r.b.set_emitter(
                    r.victim,
                    &Emitter {
                        position: [0.0, 0.0, -5.0],
                        ..Emitter::default()
                    },
                )?;
                r.b.set_listener_velocity(far_max())
            },
        ),
        row(
            "listener direction and world_up ±inf",
            Want::Ok,
            |r| {
                r.b.set_emitter(
                    r.victim,
                    &Emitter {
                        position: [2.0, 0.0, -5.0],
                        ..Emitter::default()
                    },
                )?;
                r.b.set_listener_direction([f32::INFINITY, 0.0, 0.0])?;
                r.b.set_listener_world_up([0.0, f32::NEG_INFINITY, 0.0])
            },
            |r| {
                r.b.set_emitter(
                    r.victim,
                    &Emitter {
                        position: [2.0, 0.0, -5.0],
                        ..Emitter::default()
                    },
                )?;
                r.b.set_listener_direction([f32::MAX, 0.0, 0.0])?;
                r.b.set_listener_world_up([0.0, -f32::MAX, 0.0])
            },
        ),
    ];
    run_rows(rows);

    // Extremes with no twin: finite output and the reference intact is the whole claim.
    let extremes: Vec<(&str, Act)> = vec![
        (
            "emitter at +MAX, listener at -MAX, both moving at ±MAX",
            Box::new(|r: &mut Rig| {
                r.b.set_emitter(
                    r.victim,
                    &Emitter {
                        position: far_max(),
                        velocity: far_max(),
                        ..Emitter::default()
                    },
                )?;
                r.b.set_listener_position(far_max().map(|x| -x))?;
                r.b.set_listener_velocity(far_max().map(|x| -x))
            }),
        ),
        (
            "emitter on the listener, zero direction, zero-width cone",
            Box::new(|r: &mut Rig| {
                r.b.set_emitter(
                    r.victim,
                    &Emitter {
                        direction: [0.0; 3],
                        cone: Cone {
                            inner_angle: 0.0,
                            outer_angle: 0.0,
                            outer_gain: 0.0,
                        },
                        ..Emitter::default()
                    },
                )
            }),
        ),
        (
            "listener direction parallel to world_up, zero vectors",
            Box::new(|r: &mut Rig| {
                r.b.set_emitter(
                    r.victim,
                    &Emitter {
                        position: [1.0, 2.0, 3.0],
                        ..Emitter::default()
                    },
                )?;
                r.b.set_listener_direction([0.0, 1.0, 0.0])?;
                r.b.set_listener_world_up([0.0, 5.0, 0.0])?;
                r.b.set_listener_direction([0.0; 3])
            }),
        ),
        (
            "emitter ranges inverted and negative",
            Box::new(|r: &mut Rig| {
                r.b.set_emitter(
                    r.victim,
                    &Emitter {
                        position: [10.0, 0.0, 0.0],
                        velocity: [-1e30, 0.0, 0.0],
                        min_distance: -5.0,
                        max_distance: -10.0,
                        rolloff: -3.0,
                        attenuation: simvx_audio::Attenuation::Exponential,
                        cone: Cone {
                            inner_angle: -1.0,
                            outer_angle: 1e9,
                            outer_gain: 7.0,
                        },
                        doppler_factor: f32::INFINITY,
                        ..Emitter::default()
                    },
                )
            }),
        ),
        (
            "linear attenuation over an infinite range, emitter at f32::MAX",
            Box::new(|r: &mut Rig| {
                r.b.set_emitter(
                    r.victim,
                    &Emitter {
                        position: [f32::MAX, 0.0, 0.0],
                        min_distance: f32::INFINITY,
                        max_distance: f32::INFINITY,
                        rolloff: f32::INFINITY,
                        attenuation: simvx_audio::Attenuation::Linear,
                        doppler_factor: 1e30,
                        velocity: [f32::MAX, 0.0, 0.0],
                        ..Emitter::default()
                    },
                )
            }),
        ),
    ];
    for (what, act) in extremes {
        let mut r = rig();
        act(&mut r).unwrap_or_else(|e| panic!("{what}: {e}"));
        let out = r.b.render_frames(7200);
        assert_reference(&out, what);
    }
}

// ---------------------------------------------------------------------------------------------
// Channel ids: stale and forged.
// ---------------------------------------------------------------------------------------------

/// Every control on `id`, each expected to be a quiet `Ok(())` no-op.
fn every_control(b: &mut OfflineBackend, id: ChannelId, what: &str) {
    let e = Emitter::default();
    let results = [
        ("stop_audio", b.stop_audio(id)),
        ("pause_audio", b.pause_audio(id)),
        ("resume_audio", b.resume_audio(id)),
        ("update_audio_2d", b.update_audio_2d(id, 24.0, 1.0)),
        ("update_audio_3d", b.update_audio_3d(id, 24.0, -1.0, 16.0)),
        ("set_pitch", b.set_pitch(id, 0.1)),
        ("set_emitter", b.set_emitter(id, &e)),
        ("end_of_stream", b.end_of_stream(id)),
    ];
    for (call, r) in results {
        assert!(r.is_ok(), "{what}: {call} gave {r:?}");
    }
    assert_eq!(b.feed_audio_chunk(id, &[0u8; 400]).unwrap(), 0, "{what}");
    assert_eq!(b.frames_available(id), 0, "{what}");
    assert!(!b.is_channel_active(id), "{what}");
    assert_eq!(b.get_playback_position(id), 0.0, "{what}");
}

/// Tests that ids of voices that ended by themselves, or were stopped, whose slots were then
/// reused, are inert: every control is `Ok(())` and touches nothing (the voice now in the slot
/// renders bit-identically to a twin's), queries say "not active" and 0.
#[test]
fn stale_ids_are_noops() {
    for how in ["ended", "stopped"] {
        // A two-voice pool: the reference holds one slot, so the stale id's slot is reused.
        let make = || {
            let mut b = OfflineBackend::new(&AudioConfig {
                voices: 2,
                ..AudioConfig::default()
            })
            .unwrap();
            let reference = b
                .play_audio(
                    &reference_sound(),
                    &PlayParams {
                        volume_db: -6.0206,
                        ..looping_on("Music")
                    },
                )
                .unwrap();
            let old = if how == "ended" {
                let short = Sound::tone(440.0, 0.25, 0.01, 48_000, 1).unwrap();
                let one_shot = PlayParams {
                    bus: "SFX".into(),
                    ..PlayParams::default()
                };
                b.play_audio(&short, &one_shot).unwrap()
            } else {
                let id = b.play_audio(&victim_sound(), &looping_on("SFX")).unwrap();
                b.render_frames(480);
                b.stop_audio(id).unwrap();
                id
            };
            b.render_frames(960);
            assert!(!b.is_channel_active(old));
            let new = b.play_audio(&victim_sound(), &looping_on("SFX")).unwrap();
            assert_ne!(old, new);
            // The slot is the id's low 16 bits (above it: the generation, then the backend).
            assert_eq!(
                old.get() & 0xFFFF,
                new.get() & 0xFFFF,
                "the slot was reused"
            );
            (b, reference, old, new)
        };
        let (mut a, reference, old, new) = make();
        let (mut twin, ..) = make();
        every_control(&mut a, old, how);
        assert!(
            a.is_channel_active(new) && a.is_channel_active(reference),
            "{how}"
        );
        let (oa, ob) = (a.render_frames(7200), twin.render_frames(7200));
        assert_reference(&oa, how);
        assert_same(&oa, &ob, how);
    }
}

/// Ids no backend issued: slot 0 with generations never used, a slot beyond the pool, the
/// largest id, an id with no generation (what `from_raw(1)` gives).
fn forged_ids(issued: &[ChannelId]) -> Vec<ChannelId> {
    let mut ids: Vec<ChannelId> = [
        1u64,
        2,
        u64::MAX,
        u64::from(u32::MAX),
        (7u64 << 32) | 5,
        (1u64 << 32) | 100_000,
        (u64::from(u32::MAX) << 32) | 1,
    ]
    .into_iter()
    .filter_map(ChannelId::from_raw)
    .collect();
    // Issued ids with the generation bumped.
    ids.extend(
        issued
            .iter()
            .map(|id| ChannelId::from_raw(id.get() + (1 << 32)).unwrap()),
    );
    ids.retain(|id| !issued.contains(id));
    ids
}

/// Tests that forged ids (never issued, out of the pool, generation 0 or wrong) are inert on
/// the mixing backend, and on null.
#[test]
fn forged_ids_are_noops() {
    let mut a = rig();
    let mut twin = rig();
    for id in forged_ids(&[a.reference, a.victim]) {
        every_control(&mut a.b, id, &format!("forged id {id:#x}", id = id.get()));
    }
    let (oa, ob) = (a.b.render_frames(7200), twin.b.render_frames(7200));
    assert_reference(&oa, "forged ids");
    assert_same(&oa, &ob, "forged ids");

    let mut null = null_backend(&AudioConfig::default()).unwrap();
    let t = victim_sound();
    let real = null.play_audio(&t, &PlayParams::default()).unwrap();
    for id in forged_ids(&[real]) {
        assert!(null.stop_audio(id).is_ok());
        assert!(null.pause_audio(id).is_ok());
        assert!(null.set_pitch(id, 0.5).is_ok());
        assert!(null.update_audio_3d(id, 0.0, 0.0, 2.0).is_ok());
        assert!(!null.is_channel_active(id));
        assert_eq!(null.get_playback_position(id), 0.0);
    }
    null.as_null().unwrap().advance(0.5);
    assert!(
        null.is_channel_active(real),
        "a forged id stopped a real channel"
    );
    assert!((null.get_playback_position(real) - 0.5).abs() < 1e-9);
}

// ---------------------------------------------------------------------------------------------
// Buses and the voice pool.
// ---------------------------------------------------------------------------------------------

/// Tests that an unknown bus (misspelt, wrong case, empty, removed by a sync) is
/// `UnknownBus` listing the buses that exist, for `play_audio` and `open_stream`, and
/// changes nothing, on every backend, null included.
#[test]
fn unknown_buses_are_typed() {
    for name in ["Sfx", "sfx", "", "Master ", "Ambience"] {
        let mut a = rig();
        let mut twin = rig();
        match a.b.play_audio(&probe(), &looping_on(name)) {
            Err(AudioError::UnknownBus { name: n, available }) => {
                assert_eq!(n, name);
                assert_eq!(available, ["Master", "Music", "SFX", "UI", "Voice"]);
            }
            other => panic!("bus {name:?}: {other:?}"),
        }
        assert!(matches!(
            a.b.open_stream(0.0, name, 0.5, false, None, 0.0),
            Err(AudioError::UnknownBus { .. })
        ));
        let (oa, ob) = (a.b.render_frames(7200), twin.b.render_frames(7200));
        assert_reference(&oa, name);
        assert_same(&oa, &ob, name);
    }
    // A bus removed by a sync is unknown from then on.
    let mut a = rig();
    let mut layout = AudioBusLayout::default();
    layout.add_bus("Ambience", 0.0, "Master").unwrap();
    a.b.sync_bus_layout(&layout).unwrap();
    a.b.play_audio(&probe(), &looping_on("Ambience")).unwrap();
    layout.remove_bus("Ambience").unwrap();
    a.b.sync_bus_layout(&layout).unwrap();
    assert!(matches!(
        a.b.play_audio(&probe(), &looping_on("Ambience")),
        Err(AudioError::UnknownBus { .. })
    ));
    assert_reference(&a.b.render_frames(7200), "removed bus");

    // The null backend checks bus names like every other backend (SPEC §3): a misspelt bus
    // fails in a headless CI as it would on a player's machine.
    let mut null = null_backend(&AudioConfig::default()).unwrap();
    match null.play_audio(&probe(), &looping_on("No such bus")) {
        Err(AudioError::UnknownBus { name, available }) => {
            assert_eq!(name, "No such bus");
            assert_eq!(available, ["Master", "Music", "SFX", "UI", "Voice"]);
        }
        other => panic!("null accepted an unknown bus: {other:?}"),
    }
    null.sync_bus_layout(&layout).unwrap();
    assert!(matches!(
        null.play_audio(&probe(), &looping_on("Ambience")),
        Err(AudioError::UnknownBus { .. })
    ));
    assert!(null.play_audio(&probe(), &looping_on("Music")).is_ok());
}

/// Tests that an exhausted pool is `NoFreeVoice` naming the pool size, for plays and for
/// streams, never steals (every playing voice keeps playing, bit for bit), and that a voice
/// is free again as soon as one ends. Null's pool is the same.
#[test]
fn pool_exhaustion_is_typed_never_a_steal() {
    let make = || {
        let mut r = rig_with(4);
        let a = r.b.play_audio(&probe(), &looping_on("SFX")).unwrap();
        let short = Sound::tone(300.0, 0.25, 0.05, 48_000, 1).unwrap();
        let s =
            r.b.play_audio(
                &short,
                &PlayParams {
                    bus: "SFX".into(),
                    ..PlayParams::default()
                },
            )
            .unwrap();
        (r, [a, s])
    };
    let (mut r, [a, short]) = make();
    let (mut twin, _) = make();
    for _ in 0..3 {
        match r.b.play_audio(&probe(), &looping_on("SFX")) {
            Err(AudioError::NoFreeVoice { capacity: 4 }) => {}
            other => panic!("expected NoFreeVoice, got {other:?}"),
        }
        assert!(matches!(
            r.b.open_stream(0.0, "Master", 0.5, false, None, 0.0),
            Err(AudioError::NoFreeVoice { capacity: 4 })
        ));
    }
    for id in [r.reference, r.victim, a, short] {
        assert!(r.b.is_channel_active(id), "a voice was stolen");
    }
    let (oa, ob) = (r.b.render_frames(7200), twin.b.render_frames(7200));
    assert_reference(&oa, "pool full");
    assert_same(&oa, &ob, "pool full");
    assert!(!r.b.is_channel_active(short));
    r.b.play_audio(&probe(), &looping_on("SFX")).unwrap();

    let mut null = null_backend(&AudioConfig {
        voices: 2,
        ..AudioConfig::default()
    })
    .unwrap();
    let t = victim_sound();
    let ids = [
        null.play_audio(&t, &PlayParams::default()).unwrap(),
        null.play_audio(&t, &PlayParams::default()).unwrap(),
    ];
    assert!(matches!(
        null.play_audio(&t, &PlayParams::default()),
        Err(AudioError::NoFreeVoice { capacity: 2 })
    ));
    assert!(ids.iter().all(|&id| null.is_channel_active(id)));
}

// ---------------------------------------------------------------------------------------------
// Shutdown.
// ---------------------------------------------------------------------------------------------

fn is_shutdown<T: std::fmt::Debug>(r: Result<T, AudioError>) -> bool {
    matches!(r, Err(AudioError::Shutdown))
}

/// The calls every backend answers with `Shutdown` once shut down (a play, the controls of
/// `id`, the listener setters, a layout sync), each with whether it did.
fn shutdown_checks<B: Playback + Buses>(
    b: &mut B,
    s: &Sound,
    id: ChannelId,
) -> Vec<(&'static str, bool)> {
    let e = Emitter::default();
    vec![
        (
            "play_audio",
            is_shutdown(b.play_audio(s, &PlayParams::default())),
        ),
        ("stop_audio", is_shutdown(b.stop_audio(id))),
        ("pause_audio", is_shutdown(b.pause_audio(id))),
        ("resume_audio", is_shutdown(b.resume_audio(id))),
        (
            "update_audio_2d",
            is_shutdown(b.update_audio_2d(id, 0.0, 0.0)),
        ),
        (
            "update_audio_3d",
            is_shutdown(b.update_audio_3d(id, 0.0, 0.0, 1.0)),
        ),
        ("set_pitch", is_shutdown(b.set_pitch(id, 1.0))),
        ("set_emitter", is_shutdown(b.set_emitter(id, &e))),
        (
            "set_listener_position",
            is_shutdown(b.set_listener_position([0.0; 3])),
        ),
        (
            "set_listener_velocity",
            is_shutdown(b.set_listener_velocity([0.0; 3])),
        ),
        (
            "set_listener_direction",
            is_shutdown(b.set_listener_direction([0.0, 0.0, -1.0])),
        ),
        (
            "set_listener_world_up",
            is_shutdown(b.set_listener_world_up([0.0, 1.0, 0.0])),
        ),
        (
            "sync_bus_layout",
            is_shutdown(b.sync_bus_layout(&AudioBusLayout::default())),
        ),
    ]
}

/// Tests every call after `shutdown`, on the offline backend: controls, plays, streams and
/// layouts are `Shutdown`; queries say "not active", 0, no room, no errors; rendering gives
/// silence; `shutdown` again is a no-op. Valid and invalid arguments alike get `Shutdown`.
#[test]
fn every_call_after_shutdown_offline() {
    let mut r = rig();
    let stream =
        r.b.open_stream(0.0, "Music", 0.5, false, None, 0.0)
            .unwrap();
    r.b.shutdown();
    r.b.shutdown();
    let b = &mut r.b;
    let id = r.victim;
    let s = victim_sound();
    let mut checks = shutdown_checks(b, &s, id);
    checks.extend([
        (
            "play_audio with NaN",
            is_shutdown(b.play_audio(
                &s,
                &PlayParams {
                    volume_db: f32::NAN,
                    ..PlayParams::default()
                },
            )),
        ),
        (
            "play_audio unknown bus",
            is_shutdown(b.play_audio(&s, &looping_on("Nope"))),
        ),
        (
            "open_stream",
            is_shutdown(b.open_stream(0.0, "Master", 0.5, false, None, 0.0)),
        ),
        (
            "feed_audio_chunk",
            is_shutdown(b.feed_audio_chunk(stream, &[0u8; 40])),
        ),
        ("end_of_stream", is_shutdown(b.end_of_stream(stream))),
    ]);
    for (call, ok) in checks {
        assert!(ok, "{call} after shutdown is not AudioError::Shutdown");
    }
    for id in [r.reference, r.victim, stream] {
        assert!(!b.is_channel_active(id));
        assert_eq!(b.get_playback_position(id), 0.0);
        assert_eq!(b.frames_available(id), 0);
    }
    assert!(b.take_stream_errors().is_empty());
    assert!(
        b.streams().is_some(),
        "the facet is still there, and refuses"
    );
    assert!(b.render_frames(4800).iter().all(|&s| s == 0.0));
}

/// Tests every call after `shutdown` on the null backend and through `Backend` (the type
/// `make_backend` returns): the same contract, and the streaming facet is absent
/// (`Capability`) rather than `Shutdown`.
#[test]
fn every_call_after_shutdown_null() {
    let mut b = null_backend(&AudioConfig::default()).unwrap();
    let s = victim_sound();
    let id = b.play_audio(&s, &looping_on("SFX")).unwrap();
    b.shutdown();
    b.shutdown();
    let checks = shutdown_checks(&mut b, &s, id);
    for (call, ok) in checks {
        assert!(
            ok,
            "null: {call} after shutdown is not AudioError::Shutdown"
        );
    }
    assert!(!b.is_channel_active(id));
    assert_eq!(b.get_playback_position(id), 0.0);
    assert!(matches!(
        b.require_streams(),
        Err(AudioError::Capability { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// Fed streams: misaligned, oversized and late chunks.
// ---------------------------------------------------------------------------------------------

/// `frames` frames of interleaved s16 stereo, little-endian: a 250 Hz sine (right: minus half
/// the left), so a lost, duplicated or shifted frame changes the render's bits, and nothing
/// lands near the reference's 1 kHz.
fn pcm(frames: std::ops::Range<usize>) -> Vec<u8> {
    frames
        .flat_map(|i| {
            let x = (2.0 * std::f64::consts::PI * 250.0 * i as f64 / RATE).sin();
            let l = (3000.0 * x).round() as i16;
            [l.to_le_bytes(), (-l / 2).to_le_bytes()].concat()
        })
        .collect()
}

/// A rig with a fed stream open on the Voice bus, `seconds` of ring.
fn stream_rig(seconds: f64) -> (Rig, ChannelId) {
    let mut r = rig();
    let s =
        r.b.open_stream(0.0, "Voice", seconds, false, None, 0.0)
            .unwrap();
    (r, s)
}

/// Tests chunks whose byte count is not a whole number of frames (4 bytes, s16 stereo): the
/// trailing partial frame is trimmed and the bytes accepted say so (0 for an empty or
/// sub-frame chunk); the render is bit-identical to a twin fed only the whole frames.
#[test]
fn misaligned_chunks_are_trimmed() {
    for extra in [1usize, 2, 3] {
        for frames in [0usize, 1, 480] {
            let what = format!("{frames} frames + {extra} bytes");
            let (mut a, sa) = stream_rig(0.5);
            let (mut twin, st) = stream_rig(0.5);
            let mut chunk = pcm(0..frames);
            let whole = chunk.len();
            chunk.extend_from_slice(&[0x7F; 3][..extra]);
            assert_eq!(a.b.feed_audio_chunk(sa, &chunk).unwrap(), whole, "{what}");
            assert_eq!(twin.b.feed_audio_chunk(st, &chunk[..whole]).unwrap(), whole);
            // The producer retries with the rest: the next chunk starts at the next frame.
            let next = pcm(frames..frames + 480);
            assert_eq!(a.b.feed_audio_chunk(sa, &next).unwrap(), next.len());
            assert_eq!(twin.b.feed_audio_chunk(st, &next).unwrap(), next.len());
            let (oa, ob) = (a.b.render_frames(7200), twin.b.render_frames(7200));
            assert_reference(&oa, &what);
            assert_same(&oa, &ob, &what);
        }
    }
    let (mut a, s) = stream_rig(0.5);
    assert_eq!(a.b.feed_audio_chunk(s, &[]).unwrap(), 0);
    assert_eq!(a.b.feed_audio_chunk(s, &[1, 2, 3]).unwrap(), 0);
    assert_eq!(a.b.frames_available(s), 24_000, "nothing was queued");
}

/// Tests a chunk larger than the ring: what fits is accepted (whole frames), the count says
/// so, nothing else is dropped silently, the stream plays exactly those frames, and the rest
/// can be fed once there is room. An absurd chunk (16 MiB) is the same.
#[test]
fn oversized_chunks_accept_what_fits() {
    let (mut a, s) = stream_rig(0.1);
    let room = a.b.frames_available(s);
    assert_eq!(room, 4800);
    let big = pcm(0..20_000);
    let took = a.b.feed_audio_chunk(s, &big).unwrap();
    assert_eq!(took, room * 4);
    assert_eq!(a.b.frames_available(s), 0);
    assert_eq!(a.b.feed_audio_chunk(s, &big[took..]).unwrap(), 0, "full");
    let huge = vec![0x55u8; 16 << 20];
    assert_eq!(a.b.feed_audio_chunk(s, &huge).unwrap(), 0, "full");
    let out = a.b.render_frames(2400);
    assert!(out.iter().all(|s| s.is_finite()));
    // Half the ring drained: the producer retries with the rest and it goes on.
    let room = a.b.frames_available(s);
    assert_eq!(room, 2400);
    assert_eq!(a.b.feed_audio_chunk(s, &big[took..]).unwrap(), room * 4);

    // The twin fed exactly the accepted frames, in step, renders the same bits.
    let (mut twin, t) = stream_rig(0.1);
    twin.b.feed_audio_chunk(t, &big[..took]).unwrap();
    twin.b.render_frames(2400);
    twin.b
        .feed_audio_chunk(t, &big[took..took + room * 4])
        .unwrap();
    let (oa, ob) = (a.b.render_frames(7200), twin.b.render_frames(7200));
    assert_reference(&oa, "oversized");
    assert_same(&oa, &ob, "oversized");
}

/// Tests chunks fed where they cannot go: after `end_of_stream`, to a stream that has
/// ended, to a channel that is not a stream, to a backend-decoded stream: 0 bytes accepted,
/// no error, nothing heard.
#[test]
fn chunks_fed_where_they_cannot_go() {
    let (mut a, s) = stream_rig(0.5);
    let (mut twin, t) = stream_rig(0.5);
    let chunk = pcm(0..480);
    for (b, id) in [(&mut a.b, s), (&mut twin.b, t)] {
        assert_eq!(b.feed_audio_chunk(id, &chunk).unwrap(), chunk.len());
        b.end_of_stream(id).unwrap();
    }
    assert_eq!(
        a.b.feed_audio_chunk(s, &chunk).unwrap(),
        0,
        "after end_of_stream"
    );
    a.b.end_of_stream(s).unwrap();
    assert_eq!(
        a.b.feed_audio_chunk(a.victim, &chunk).unwrap(),
        0,
        "not a stream"
    );
    let decoded = a
        .b
        // At −80 dB (silence), so the twin needs no copy of it.
        .open_stream(
            -80.0,
            "Voice",
            0.5,
            false,
            Some(&fixture("seek_chirp.ogg")),
            0.0,
        )
        .unwrap();
    a.b.stop_audio(decoded).unwrap();
    assert_eq!(
        a.b.feed_audio_chunk(decoded, &chunk).unwrap(),
        0,
        "backend-decoded"
    );
    let (oa, ob) = (a.b.render_frames(7200), twin.b.render_frames(7200));
    assert!(!a.b.is_channel_active(s), "the stream drained and ended");
    assert_eq!(a.b.feed_audio_chunk(s, &chunk).unwrap(), 0, "ended stream");
    assert_reference(&oa, "late chunks");
    assert_same(&oa, &ob, "late chunks");
}

/// Tests `open_stream`'s numbers: NaN volume or from_position and NaN, infinite, zero,
/// negative or over-long buffers are `InvalidParameter` and open nothing; infinite volume
/// clamps; a seek past the end of a decoded file gives a stream that ends at once; an
/// infinite seek is `InvalidParameter`.
#[test]
fn open_stream_numbers() {
    let mut a = rig();
    let mut twin = rig();
    let refused: [(&str, f32, f64, f64); 9] = [
        ("volume_db", f32::NAN, 0.5, 0.0),
        ("from_position", 0.0, 0.5, f64::NAN),
        ("buffer_seconds", 0.0, f64::NAN, 0.0),
        ("buffer_seconds", 0.0, f64::INFINITY, 0.0),
        ("buffer_seconds", 0.0, f64::NEG_INFINITY, 0.0),
        ("buffer_seconds", 0.0, 0.0, 0.0),
        ("buffer_seconds", 0.0, -1.0, 0.0),
        ("buffer_seconds", 0.0, 60.001, 0.0),
        ("buffer_seconds", 0.0, 1e300, 0.0),
    ];
    for (name, volume_db, buffer, from) in refused {
        for file in [None, Some(fixture("seek_chirp.ogg"))] {
            let r =
                a.b.open_stream(volume_db, "Voice", buffer, false, file.as_deref(), from);
            check_result(
                r.map(drop),
                Want::Invalid(name),
                &format!("{name} {volume_db} {buffer} {from}"),
            );
        }
    }
    let (oa, ob) = (a.b.render_frames(7200), twin.b.render_frames(7200));
    assert_reference(&oa, "open_stream refused");
    assert_same(&oa, &ob, "open_stream refused");

    // +inf dB is +24 dB, bit for bit.
    let (mut a, mut twin) = (rig(), rig());
    let sa =
        a.b.open_stream(f32::INFINITY, "Voice", 0.5, false, None, 0.0)
            .unwrap();
    let st = twin
        .b
        .open_stream(24.0, "Voice", 0.5, false, None, 0.0)
        .unwrap();
    a.b.feed_audio_chunk(sa, &pcm(0..4800)).unwrap();
    twin.b.feed_audio_chunk(st, &pcm(0..4800)).unwrap();
    let (oa, ob) = (a.b.render_frames(7200), twin.b.render_frames(7200));
    assert_reference(&oa, "open_stream +inf dB");
    assert_same(&oa, &ob, "open_stream +inf dB");

    // Seeks in decoded streams: past the end ends at once; negative starts at 0; infinite is
    // refused.
    let mut a = rig();
    let chirp = fixture("seek_chirp.ogg");
    let past =
        a.b.open_stream(0.0, "Voice", 0.5, false, Some(&chirp), 1e9)
            .unwrap();
    let negative =
        a.b.open_stream(0.0, "Voice", 0.5, false, Some(&chirp), -5.0)
            .unwrap();
    let zero =
        a.b.open_stream(0.0, "Voice", 0.5, false, Some(&chirp), 0.0)
            .unwrap();
    let r =
        a.b.open_stream(0.0, "Voice", 0.5, false, Some(&chirp), f64::INFINITY);
    assert!(
        matches!(r, Err(AudioError::InvalidParameter { .. })),
        "{r:?}"
    );
    settle();
    let out = a.b.render_frames(7200);
    assert_reference_finite(&out, "decoded stream seeks");
    assert!(
        !a.b.is_channel_active(past),
        "a seek past the end ends the stream"
    );
    assert!(a.b.is_channel_active(negative));
    let at = a.b.get_playback_position(negative);
    assert!(at > 0.0, "{at}");
    assert_eq!(
        at,
        a.b.get_playback_position(zero),
        "a negative seek starts at 0"
    );
    assert!(a.b.take_stream_errors().is_empty());
}

/// Let decoder threads fill their rings.
fn settle() {
    std::thread::sleep(std::time::Duration::from_millis(300));
}

/// Finite samples and the reference present (other voices may sit near 1 kHz, so the level
/// is only checked loosely).
#[track_caller]
fn assert_reference_finite(out: &[f32], what: &str) {
    assert!(
        out.iter().all(|s| s.is_finite()),
        "{what}: non-finite output"
    );
    let (l, _) = split_stereo(&out[out.len() - 9600..]);
    let m = magnitude_at(&l, 1000.0, RATE);
    assert!(m > REF_AMP * 0.5, "{what}: reference lost ({m})");
}

// ---------------------------------------------------------------------------------------------
// Files: empty, truncated, corrupt, huge.
// ---------------------------------------------------------------------------------------------

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A RIFF/WAVE file with every header field given, so fields can lie.
struct Wav {
    format: u16,
    channels: u16,
    rate: u32,
    byte_rate: u32,
    align: u16,
    bits: u16,
    /// What the data chunk says it holds.
    data_len: u32,
    /// What follows it.
    data: Vec<u8>,
}

impl Wav {
    fn pcm16(frames: usize) -> Self {
        Self {
            format: 1,
            channels: 2,
            rate: 48_000,
            byte_rate: 192_000,
            align: 4,
            bits: 16,
            data_len: (frames * 4) as u32,
            data: pcm(0..frames),
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&(36 + self.data.len() as u32).to_le_bytes());
        out.extend_from_slice(b"WAVEfmt ");
        out.extend_from_slice(&16u32.to_le_bytes());
        out.extend_from_slice(&self.format.to_le_bytes());
        out.extend_from_slice(&self.channels.to_le_bytes());
        out.extend_from_slice(&self.rate.to_le_bytes());
        out.extend_from_slice(&self.byte_rate.to_le_bytes());
        out.extend_from_slice(&self.align.to_le_bytes());
        out.extend_from_slice(&self.bits.to_le_bytes());
        out.extend_from_slice(b"data");
        out.extend_from_slice(&self.data_len.to_le_bytes());
        out.extend_from_slice(&self.data);
        out
    }
}

/// Tests that empty, cut-short, lying and corrupt files are `InvalidStream` (a missing one
/// `FileNotFound`) from `decode_bytes` and `decode_file`, never a panic, and never a
/// giant allocation for a header that claims gigabytes.
#[test]
fn bad_files_are_typed_errors() {
    let good = Wav::pcm16(480);
    assert_eq!(
        decode_bytes(good.bytes(), "good.wav").unwrap().frames(),
        480
    );
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("one byte", vec![0]),
        ("RIFF magic only", b"RIFF".to_vec()),
        ("RIFF/WAVE, no chunks", b"RIFF\x04\x00\x00\x00WAVE".to_vec()),
        ("Ogg magic only", b"OggS".to_vec()),
        ("FLAC magic only", b"fLaC".to_vec()),
        ("ID3 magic only", b"ID3".to_vec()),
        ("MP3 sync only", vec![0xFF, 0xFB, 0x90, 0x00]),
        (
            "text",
            b"this is not a sound file at all, it is words".to_vec(),
        ),
        ("zeros", vec![0; 4096]),
    ];
    type Lie = fn(&mut Wav);
    let lies: [(&str, Lie); 10] = [
        ("no frames", |w| {
            w.data_len = 0;
            w.data.clear();
        }),
        ("data cut short", |w| w.data.truncate(1000)),
        ("data claims 4 GiB", |w| w.data_len = u32::MAX),
        ("0 channels", |w| w.channels = 0),
        ("65535 channels", |w| w.channels = u16::MAX),
        ("0 Hz", |w| w.rate = 0),
        ("4 GHz", |w| w.rate = u32::MAX),
        ("0 bits", |w| w.bits = 0),
        ("block align 0", |w| w.align = 0),
        ("format tag 0x7777", |w| w.format = 0x7777),
    ];
    let mut owned = Vec::new();
    for (what, lie) in lies {
        let mut w = Wav::pcm16(4800);
        lie(&mut w);
        owned.push((what, w.bytes()));
    }
    cases.extend(owned);
    for name in [
        "garbage_riff.wav",
        "garbage_ogg.ogg",
        "garbage_flac.flac",
        "garbage_id3.mp3",
        "truncated.flac",
        "truncated.mp3",
        "corrupt_middle.flac",
        "corrupt_middle.ogg",
        "empty.wav",
    ] {
        cases.push((name, std::fs::read(fixture(name)).unwrap()));
    }
    let dir = tempfile::tempdir().unwrap();
    for (what, bytes) in cases {
        match decode_bytes(bytes.clone(), what) {
            Err(AudioError::InvalidStream(m)) => assert!(m.contains(what), "{what}: {m}"),
            other => panic!("{what}: want InvalidStream, got {other:?}"),
        }
        let path = dir.path().join("f.bin");
        std::fs::write(&path, &bytes).unwrap();
        match decode_file(&path) {
            Err(AudioError::InvalidStream(_)) => {}
            other => panic!("{what} (file): want InvalidStream, got {other:?}"),
        }
    }
    // A header that claims 4 GiB throughout (RIFF and data lengths, as a WAV written while
    // streaming may): the reserve is bounded and the cut is reported, by every entry point.
    let mut w = Wav::pcm16(4800);
    w.data_len = u32::MAX - 36;
    let mut bytes = w.bytes();
    bytes[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    let huge = dir.path().join("huge.wav");
    std::fs::write(&huge, &bytes).unwrap();
    let cut = "truncated: the file ends after 4800 of 1073741814 frames";
    for e in [
        decode_bytes(bytes.clone(), "huge").unwrap_err(),
        decode_file(&huge).unwrap_err(),
    ] {
        assert!(
            matches!(&e, AudioError::InvalidStream(m) if m.contains(cut)),
            "{e:?}"
        );
    }
    let mut dec = simvx_audio::StreamDecoder::open(&huge).unwrap();
    assert_eq!(dec.frames(), Some(1_073_741_814));
    let mut out = Vec::new();
    let e = loop {
        match dec.next_chunk(&mut out) {
            Ok(0) => panic!("a 4 GiB claim decoded to its end"),
            Ok(_) => {}
            Err(e) => break e,
        }
    };
    assert!(
        matches!(&e, AudioError::InvalidStream(m) if m.contains(cut)),
        "{e:?}"
    );
    assert_eq!(
        out.len(),
        2 * 4800,
        "the frames that are there, then the error"
    );
    let missing = dir.path().join("missing.wav");
    assert!(matches!(decode_file(&missing), Err(AudioError::FileNotFound(p)) if p == missing));
    assert!(
        matches!(decode_file(dir.path()), Err(AudioError::InvalidStream(_))),
        "a directory"
    );
}

/// Tests that streaming bad files is typed and loses no other voice: a missing file is
/// `FileNotFound`; empty, garbage and directory paths are `InvalidStream` at `open_stream`;
/// files whose damage lies past their headers (truncated, corrupt in the middle) open, play
/// what decodes, end, and report one `InvalidStream` through `take_stream_errors`.
#[test]
fn bad_files_streamed() {
    let mut a = rig();
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.ogg");
    std::fs::write(&empty, b"").unwrap();
    let short = dir.path().join("short.flac");
    std::fs::write(&short, b"fLaC").unwrap();
    let missing = dir.path().join("missing.ogg");
    let open =
        |b: &mut OfflineBackend, p: &Path| b.open_stream(0.0, "Voice", 0.5, false, Some(p), 0.0);
    assert!(matches!(open(&mut a.b, &missing), Err(AudioError::FileNotFound(p)) if p == missing));
    for p in [
        empty.clone(),
        short.clone(),
        dir.path().to_path_buf(),
        fixture("garbage_ogg.ogg"),
        fixture("garbage_flac.flac"),
        fixture("garbage_id3.mp3"),
    ] {
        let r = open(&mut a.b, &p);
        assert!(
            matches!(r, Err(AudioError::InvalidStream(_))),
            "{}: {r:?}",
            p.display()
        );
    }
    let mut ended_with_error = Vec::new();
    for name in [
        "truncated.flac",
        "corrupt_middle.ogg",
        "corrupt_middle.flac",
    ] {
        let id = open(&mut a.b, &fixture(name)).unwrap();
        ended_with_error.push((name, id));
    }
    let mut out = Vec::new();
    for _ in 0..10 {
        settle();
        out.extend(a.b.render_frames(24_000));
    }
    assert_reference_finite(&out, "bad files streamed");
    let errors = a.b.take_stream_errors();
    for (name, id) in ended_with_error {
        assert!(!a.b.is_channel_active(id), "{name} still playing");
        let e = errors.iter().find(|(i, _)| *i == id);
        assert!(
            matches!(e, Some((_, AudioError::InvalidStream(m))) if m.contains(name)),
            "{name}: {e:?} in {errors:?}"
        );
    }
    assert!(
        a.b.take_stream_errors().is_empty(),
        "each error is reported once"
    );
    assert!(a.b.is_channel_active(a.reference) && a.b.is_channel_active(a.victim));
}

/// Tests PCM and synth sounds with zero or impossible rates, channel counts and lengths:
/// `InvalidStream` or `InvalidParameter`, never a sound.
#[test]
fn bad_pcm_and_rates() {
    let bad: Vec<(&str, Result<Sound, AudioError>)> = vec![
        ("i16 at 0 Hz", Sound::from_pcm_i16(vec![0; 100], 2, 0)),
        ("f32 at 0 Hz", Sound::from_pcm_f32(vec![0.0; 100], 1, 0)),
        (
            "above 768 kHz",
            Sound::from_pcm_i16(vec![0; 100], 1, 768_001),
        ),
        ("0 channels", Sound::from_pcm_i16(vec![0; 100], 0, 48_000)),
        ("3 channels", Sound::from_pcm_i16(vec![0; 99], 3, 48_000)),
        ("no samples", Sound::from_pcm_i16(Vec::new(), 1, 48_000)),
        ("half a frame", Sound::from_pcm_i16(vec![1], 2, 48_000)),
        (
            "NaN sample",
            Sound::from_pcm_f32(vec![0.0, f32::NAN], 1, 48_000),
        ),
        (
            "infinite sample",
            Sound::from_pcm_f32(vec![f32::INFINITY, 0.0], 2, 48_000),
        ),
        ("tone at 0 Hz rate", Sound::tone(440.0, 0.5, 1.0, 0, 1)),
        ("tone of NaN Hz", Sound::tone(f64::NAN, 0.5, 1.0, 48_000, 1)),
        ("tone of -1 Hz", Sound::tone(-1.0, 0.5, 1.0, 48_000, 1)),
        ("tone of 0 s", Sound::tone(440.0, 0.5, 0.0, 48_000, 1)),
        ("tone of -1 s", Sound::tone(440.0, 0.5, -1.0, 48_000, 1)),
        (
            "tone of inf s",
            Sound::tone(440.0, 0.5, f64::INFINITY, 48_000, 1),
        ),
        (
            "tone of NaN amplitude",
            Sound::tone(440.0, f32::NAN, 1.0, 48_000, 1),
        ),
        (
            "tone of inf amplitude",
            Sound::tone(440.0, f32::INFINITY, 1.0, 48_000, 1),
        ),
        ("noise of NaN s", Sound::noise(0.5, f64::NAN, 1, 48_000)),
        ("noise at 0 Hz", Sound::noise(0.5, 1.0, 1, 0)),
    ];
    for (what, r) in bad {
        assert!(
            matches!(
                r,
                Err(AudioError::InvalidStream(_) | AudioError::InvalidParameter { .. })
            ),
            "{what}: {r:?}"
        );
    }
    for config in [
        AudioConfig {
            sample_rate: 0,
            ..AudioConfig::default()
        },
        AudioConfig {
            channels: 0,
            ..AudioConfig::default()
        },
        AudioConfig {
            channels: 9,
            ..AudioConfig::default()
        },
        AudioConfig {
            voices: 0,
            ..AudioConfig::default()
        },
        AudioConfig {
            voices: simvx_audio::MAX_VOICES + 1,
            ..AudioConfig::default()
        },
        AudioConfig {
            effect_memory_mib: 1025,
            ..AudioConfig::default()
        },
    ] {
        let r = OfflineBackend::new(&config);
        assert!(
            matches!(r, Err(AudioError::InvalidParameter { .. })),
            "{config:?}: {r:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Bus layouts and effects.
// ---------------------------------------------------------------------------------------------

#[track_caller]
fn layout_err(r: Result<impl std::fmt::Debug, AudioError>, what: &str) -> AudioError {
    match r {
        Err(e) => e,
        Ok(v) => panic!("{what}: accepted ({v:?})"),
    }
}

/// Tests that every layout edit that cannot be made is a typed error (`InvalidLayout` for
/// cycles, Master's route and removal; `UnknownBus`; `InvalidParameter` for NaN and empty
/// names) and leaves the layout exactly as it was.
#[test]
fn bad_layout_edits_are_typed() {
    let mut l = AudioBusLayout::default();
    l.add_bus("A", 0.0, "Master").unwrap();
    l.add_bus("B", 0.0, "A").unwrap();
    l.add_bus("C", 0.0, "B").unwrap();
    let before = l.clone();
    type Edit = fn(&mut AudioBusLayout) -> Result<(), AudioError>;
    let cases: [(&str, Edit, &str); 17] = [
        (
            "cycle of three",
            |l| l.set_send_to("A", "C"),
            "InvalidLayout",
        ),
        ("cycle of two", |l| l.set_send_to("A", "B"), "InvalidLayout"),
        (
            "bus sends to itself",
            |l| l.set_send_to("B", "B"),
            "InvalidLayout",
        ),
        (
            "Master sends to a bus",
            |l| l.set_send_to("Master", "SFX"),
            "InvalidLayout",
        ),
        ("remove Master", |l| l.remove_bus("Master"), "InvalidLayout"),
        (
            "send to a missing bus",
            |l| l.set_send_to("A", "Nope"),
            "UnknownBus",
        ),
        (
            "route a missing bus",
            |l| l.set_send_to("Nope", "A"),
            "UnknownBus",
        ),
        (
            "add under a missing parent",
            |l| l.add_bus("D", 0.0, "Nope").map(drop),
            "UnknownBus",
        ),
        (
            "add with an empty name",
            |l| l.add_bus("", 0.0, "Master").map(drop),
            "InvalidParameter",
        ),
        (
            "add at NaN dB",
            |l| l.add_bus("D", f32::NAN, "Master").map(drop),
            "InvalidParameter",
        ),
        (
            "volume NaN",
            |l| l.set_volume_db("A", f32::NAN),
            "InvalidParameter",
        ),
        (
            "volume of a missing bus",
            |l| l.set_volume_db("Nope", 0.0),
            "UnknownBus",
        ),
        (
            "mute a missing bus",
            |l| l.set_mute("Nope", true),
            "UnknownBus",
        ),
        (
            "NaN effect parameter",
            |l| {
                l.add_effect(
                    "A",
                    Effect::new(EffectParams::LowPass(FilterParams {
                        cutoff_hz: f32::NAN,
                        q: 0.7,
                    })),
                )
            },
            "InvalidParameter",
        ),
        (
            "infinite effect parameter",
            |l| {
                l.add_effect(
                    "A",
                    Effect::new(EffectParams::LowPass(FilterParams {
                        cutoff_hz: 500.0,
                        q: f32::INFINITY,
                    })),
                )
            },
            "InvalidParameter",
        ),
        (
            "effect on a missing bus",
            |l| l.add_effect("Nope", Effect::default_for("gain").unwrap()),
            "UnknownBus",
        ),
        (
            "replace an effect that is not there",
            |l| l.set_effect("A", 3, Effect::default_for("gain").unwrap()),
            "InvalidParameter",
        ),
    ];
    for (what, edit, want) in cases {
        let e = layout_err(edit(&mut l), what);
        let got = match e {
            AudioError::InvalidLayout(_) => "InvalidLayout",
            AudioError::UnknownBus { .. } => "UnknownBus",
            AudioError::InvalidParameter { .. } => "InvalidParameter",
            _ => "other",
        };
        assert_eq!(got, want, "{what}: {e}");
        assert_eq!(l, before, "{what}: the layout changed");
    }
    // Documented no-ops.
    l.remove_bus("Nope").unwrap();
    assert_eq!(l.remove_effect("A", 5).unwrap(), None);
    l.add_bus("A", 12.0, "").unwrap();
    assert_eq!(l, before, "adding an existing name leaves it unchanged");
    // Unknown effect kinds.
    for tag in ["chorus", "", "LowPass", "reverb "] {
        let e = layout_err(Effect::default_for(tag), tag);
        assert!(matches!(e, AudioError::InvalidLayout(_)), "{tag:?}: {e:?}");
    }
    // Master may not be given a parent by adding it late, either: that is a route out of the
    // root (and with "A" sending to Master, a cycle).
    let mut l = AudioBusLayout::empty();
    l.add_bus("A", 0.0, "Master").unwrap();
    let before = l.clone();
    for parent in ["A", "Master"] {
        let e = layout_err(l.add_bus("Master", 0.0, parent), parent);
        assert!(
            matches!(e, AudioError::InvalidLayout(_)),
            "Master → {parent}: {e:?}"
        );
        assert_eq!(l, before);
    }
    l.add_bus("Master", 0.0, "").unwrap();
}

/// `[{...}]` bus documents that must be refused, with what the message must mention.
const BAD_LAYOUT_DOCS: &[(&str, &str, &[&str])] = &[
    ("not a list", r#"{"name": "Master"}"#, &["list of buses"]),
    ("a number", "3", &["list of buses"]),
    ("bus not an object", r#"["Master"]"#, &["bus 0", "object"]),
    ("no name", r#"[{"volume_db": 0}]"#, &["bus 0", "name"]),
    ("name a number", r#"[{"name": 7}]"#, &["bus 0", "name"]),
    (
        "volume a string",
        r#"[{"name": "Master", "volume_db": "loud"}]"#,
        &["volume_db", "number"],
    ),
    (
        "volume null",
        r#"[{"name": "Master", "volume_db": null}]"#,
        &["volume_db", "number"],
    ),
    (
        "mute a string",
        r#"[{"name": "Master", "mute": "yes"}]"#,
        &["mute", "true or false"],
    ),
    (
        "solo a number",
        r#"[{"name": "Master", "solo": 1}]"#,
        &["solo", "true or false"],
    ),
    (
        "send_to a number",
        r#"[{"name": "Master"}, {"name": "A", "send_to": 0}]"#,
        &["bus 1", "send_to"],
    ),
    (
        "unknown field",
        r#"[{"name": "Master", "volume": 1}]"#,
        &["volume", "unknown field"],
    ),
    (
        "duplicate name",
        r#"[{"name": "Master"}, {"name": "A"}, {"name": "A"}]"#,
        &["bus 2", "second bus"],
    ),
    (
        "missing parent",
        r#"[{"name": "Master"}, {"name": "A", "send_to": "Nope"}]"#,
        &["Nope"],
    ),
    (
        // A parent may be listed after its child (round trips need it), but not in a loop.
        "cycle through sends to buses listed later",
        r#"[{"name": "Master"}, {"name": "A", "send_to": "B"}, {"name": "B", "send_to": "A"}]"#,
        &["cycle"],
    ),
    (
        "Master sends to itself",
        r#"[{"name": "Master", "send_to": "Master"}]"#,
        &["Master"],
    ),
    (
        "cycle through Master",
        r#"[{"name": "A", "send_to": "Master"}, {"name": "Master", "send_to": "A"}]"#,
        &["Master"],
    ),
    (
        "effects not a list",
        r#"[{"name": "Master", "effects": {}}]"#,
        &["effects", "list"],
    ),
    (
        "effect not an object",
        r#"[{"name": "Master", "effects": ["reverb"]}]"#,
        &["effects[0]", "object"],
    ),
    (
        "unknown effect kind",
        r#"[{"name": "Master", "effects": [{"type": "chorus"}]}]"#,
        &["effects[0]", "chorus", "lowpass"],
    ),
    (
        "effect type a number",
        r#"[{"name": "Master", "effects": [{"type": 3}]}]"#,
        &["effects[0]", "type"],
    ),
    (
        "effect enabled a string",
        r#"[{"name": "Master", "effects": [{"type": "gain", "enabled": "on"}]}]"#,
        &["enabled"],
    ),
    (
        "effect params a list",
        r#"[{"name": "Master", "effects": [{"type": "gain", "params": [1]}]}]"#,
        &["params", "object"],
    ),
    (
        "effect parameter a string",
        r#"[{"name": "Master", "effects": [{"type": "delay", "params": {"feedback": "lots"}}]}]"#,
        &["effects[0]", "feedback", "number"],
    ),
    (
        "unknown effect parameter",
        r#"[{"name": "Master", "effects": [{"type": "lowpass", "params": {"cutof_hz": 1}}]}]"#,
        &["cutof_hz", "cutoff_hz"],
    ),
    (
        "effect parameter beyond f32",
        r#"[{"name": "Master", "effects": [{"type": "lowpass", "params": {"cutoff_hz": 1e39}}]}]"#,
        &["bus 0", "effects[0]", "cutoff_hz", "finite"],
    ),
    (
        "EQ bands not a list",
        r#"[{"name": "Master", "effects": [{"type": "parametriceq", "params": {"bands": 3}}]}]"#,
        &["bands"],
    ),
    (
        "EQ band of an unknown type",
        r#"[{"name": "Master", "effects": [{"type": "parametriceq", "params": {"bands": [{"type": "bell"}]}}]}]"#,
        &["band 0", "type"],
    ),
    (
        "EQ band freq a string",
        r#"[{"name": "Master", "effects": [{"type": "parametriceq", "params": {"bands": [{"freq": "low"}]}}]}]"#,
        &["band 0", "freq"],
    ),
    (
        "EQ with too many bands",
        r#"[{"name": "Master", "effects": [{"type": "parametriceq", "params": {"bands": [{},{},{},{},{},{},{},{},{}]}}]}]"#,
        &["bands", "at most"],
    ),
];

/// Tests malformed bus layout documents (wrong JSON types, duplicates, missing parents,
/// cycles, unknown effect kinds and parameters): each is a typed error whose message names
/// the bus and field, from `from_json` and from serde alike, never a panic.
#[test]
fn bad_layout_documents_are_typed() {
    for &(what, doc, needles) in BAD_LAYOUT_DOCS {
        let v: serde_json::Value = serde_json::from_str(doc).unwrap();
        let e = layout_err(AudioBusLayout::from_json(&v), what);
        assert!(
            matches!(
                e,
                AudioError::InvalidLayout(_) | AudioError::UnknownBus { .. }
            ),
            "{what}: {e:?}"
        );
        let msg = e.to_string();
        for n in needles {
            assert!(msg.contains(n), "{what}: {msg:?} does not mention {n:?}");
        }
        assert!(
            serde_json::from_str::<AudioBusLayout>(doc).is_err(),
            "{what}"
        );
    }
    // Out-of-range numbers that JSON can hold clamp, as through the API.
    let v = serde_json::json!([{"name": "Master", "volume_db": 1e300}, {"name": "A", "volume_db": -1e300}]);
    let l = AudioBusLayout::from_json(&v).unwrap();
    assert_eq!(l.get_bus("Master").unwrap().volume_db(), 24.0);
    assert_eq!(l.get_bus("A").unwrap().volume_db(), -80.0);
}

fn sync_sfx(
    edit: impl Fn(&mut AudioBusLayout) -> Result<(), AudioError> + 'static,
) -> impl Fn(&mut Rig) -> Result<(), AudioError> {
    move |r: &mut Rig| {
        let mut l = AudioBusLayout::default();
        edit(&mut l)?;
        r.b.sync_bus_layout(&l)
    }
}

/// Tests bus volumes out of range through a sync: ±infinity and huge values render the same
/// bits as the clamped level (−80 or +24 dB); the reference on another bus is untouched.
#[test]
fn bus_volumes_clamp() {
    let rows = vec![
        row(
            "SFX at +inf dB",
            Want::Ok,
            sync_sfx(|l| l.set_volume_db("SFX", f32::INFINITY)),
            sync_sfx(|l| l.set_volume_db("SFX", 24.0)),
        ),
        row(
            "SFX at 1e30 dB",
            Want::Ok,
            sync_sfx(|l| l.set_volume_db("SFX", 1e30)),
            sync_sfx(|l| l.set_volume_db("SFX", 24.0)),
        ),
        row(
            "SFX at -inf dB",
            Want::Ok,
            sync_sfx(|l| l.set_volume_db("SFX", f32::NEG_INFINITY)),
            sync_sfx(|l| l.set_volume_db("SFX", -80.0)),
        ),
        row(
            "new bus at +inf dB",
            Want::Ok,
            sync_sfx(|l| l.add_bus("X", f32::INFINITY, "SFX").map(drop)),
            sync_sfx(|l| l.add_bus("X", 24.0, "SFX").map(drop)),
        ),
    ];
    run_rows(rows);
}

/// Effects with every parameter pushed out of its range, one way or the other.
fn wild_effects() -> Vec<(String, EffectParams)> {
    use simvx_audio::{
        BandKind, CompressorParams, DelayParams, EqBand, EqParams, GainParams, LimiterParams,
        ReverbParams, SoftClipParams,
    };
    let mut out = Vec::new();
    for x in [1e30f32, -1e30, 0.0, -1.0] {
        let f = FilterParams { cutoff_hz: x, q: x };
        out.push((format!("lowpass {x}"), EffectParams::LowPass(f)));
        out.push((format!("highpass {x}"), EffectParams::HighPass(f)));
        out.push((format!("bandpass {x}"), EffectParams::BandPass(f)));
        out.push((format!("notch {x}"), EffectParams::Notch(f)));
        out.push((
            format!("gain {x}"),
            EffectParams::Gain(GainParams { volume_db: x }),
        ));
        let mut eq = EqParams::empty();
        for kind in [BandKind::Peaking, BandKind::LowShelf, BandKind::HighShelf] {
            eq.push(EqBand {
                kind,
                freq: x,
                q: x,
                gain_db: x,
            });
        }
        out.push((format!("parametriceq {x}"), EffectParams::ParametricEq(eq)));
        out.push((
            format!("delay {x}"),
            EffectParams::Delay(DelayParams {
                time_seconds: x,
                feedback: x,
                wet: x,
                dry: x,
            }),
        ));
        out.push((
            format!("reverb {x}"),
            EffectParams::Reverb(ReverbParams {
                room_size: x,
                damping: x,
                wet: x,
                dry: x,
                width: x,
                freeze: x > 0.0,
            }),
        ));
        out.push((
            format!("softclip {x}"),
            EffectParams::SoftClip(SoftClipParams {
                drive: x,
                output_gain: x,
            }),
        ));
        out.push((
            format!("compressor {x}"),
            EffectParams::Compressor(CompressorParams {
                threshold_db: x,
                ratio: x,
                attack: x,
                release: x,
                knee_db: x,
                makeup_db: x,
            }),
        ));
        out.push((
            format!("limiter {x}"),
            EffectParams::Limiter(LimiterParams {
                ceiling_db: x,
                lookahead: x,
                release: x,
            }),
        ));
    }
    out
}

/// Tests effects whose parameters are far out of range (±1e30, 0, −1: zero cutoffs and Q,
/// runaway feedback, zero drive, zero attack, negative look-ahead…): accepted, clamped to
/// the documented ranges (the same bits as `EffectParams::sanitized`), finite, and the
/// reference on another bus keeps its level. Retuning a live effect to them is the same.
#[test]
fn effect_params_out_of_range_clamp() {
    let mut rows = Vec::new();
    for (what, p) in wild_effects() {
        let clamped = p.sanitized();
        rows.push(row(
            format!("SFX effect {what}"),
            Want::Ok,
            sync_sfx(move |l| l.add_effect("SFX", Effect::new(p))),
            sync_sfx(move |l| l.add_effect("SFX", Effect::new(clamped))),
        ));
    }
    run_rows(rows);
    // Retuned in place, every block, on a chain that already carries sound.
    let mut r = rig();
    for (what, p) in wild_effects() {
        let mut l = AudioBusLayout::default();
        l.add_effect("SFX", Effect::default_for(p.tag()).unwrap())
            .unwrap();
        r.b.sync_bus_layout(&l).unwrap();
        r.b.render_frames(480);
        l.set_effect("SFX", 0, Effect::new(p)).unwrap();
        r.b.sync_bus_layout(&l).unwrap();
        assert_reference(&r.b.render_frames(4800), &what);
    }
}

/// Tests that NaN and infinite effect parameters (EQ bands included) are `InvalidParameter`
/// naming the parameter, from `add_effect`, `set_effect` and `Effect::check` (which
/// `sync_bus_layout` runs on every backend), and leave the layout and the mix unchanged.
#[test]
fn non_finite_effect_params_are_refused() {
    let mut a = rig();
    let mut twin = rig();
    let mut null = null_backend(&AudioConfig::default()).unwrap();
    let mut l = AudioBusLayout::default();
    l.add_effect("SFX", Effect::default_for("lowpass").unwrap())
        .unwrap();
    for x in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        for (name, p) in [
            (
                "cutoff_hz",
                EffectParams::LowPass(FilterParams {
                    cutoff_hz: x,
                    q: 0.7,
                }),
            ),
            (
                "q",
                EffectParams::LowPass(FilterParams {
                    cutoff_hz: 500.0,
                    q: x,
                }),
            ),
        ] {
            let before = l.clone();
            let e = layout_err(l.set_effect("SFX", 0, Effect::new(p)), name);
            assert!(
                matches!(e, AudioError::InvalidParameter { name: n, .. } if n == name),
                "{x}: {e:?}"
            );
            let e = layout_err(l.add_effect("SFX", Effect::new(p)), name);
            assert!(
                matches!(e, AudioError::InvalidParameter { .. }),
                "{x}: {e:?}"
            );
            assert!(Effect::new(p).check().is_err());
            assert_eq!(l, before);
        }
    }
    let mut eq = simvx_audio::EqParams::default();
    eq.push(simvx_audio::EqBand {
        freq: f32::INFINITY,
        ..simvx_audio::EqBand::default()
    });
    let e = layout_err(
        l.add_effect("SFX", Effect::new(EffectParams::ParametricEq(eq))),
        "eq",
    );
    assert!(
        matches!(e, AudioError::InvalidParameter { name: "freq", .. }),
        "{e:?}"
    );
    a.b.sync_bus_layout(&l).unwrap();
    twin.b.sync_bus_layout(&l).unwrap();
    null.sync_bus_layout(&l).unwrap();
    let (oa, ob) = (a.b.render_frames(7200), twin.b.render_frames(7200));
    assert_reference(&oa, "non-finite effect params");
    assert_same(&oa, &ob, "non-finite effect params");
}

/// Tests layouts that do not fit the mixer (too many buses, too many effects on a bus):
/// `InvalidLayout`, and nothing is applied (the mix is bit-identical to a twin's).
#[test]
fn layouts_too_big_are_refused_whole() {
    let mut a = rig();
    let mut twin = rig();
    let mut too_many_buses = AudioBusLayout::default();
    too_many_buses.set_volume_db("Music", -20.0).unwrap();
    for i in 0..40 {
        too_many_buses
            .add_bus(&format!("B{i}"), 0.0, "Master")
            .unwrap();
    }
    let mut too_many_effects = AudioBusLayout::default();
    too_many_effects.set_volume_db("Music", -20.0).unwrap();
    for _ in 0..9 {
        too_many_effects
            .add_effect("Music", Effect::default_for("gain").unwrap())
            .unwrap();
    }
    for (what, l) in [
        ("40 more buses", too_many_buses),
        ("9 effects", too_many_effects),
    ] {
        let e = layout_err(a.b.sync_bus_layout(&l), what);
        assert!(matches!(e, AudioError::InvalidLayout(_)), "{what}: {e:?}");
    }
    let (oa, ob) = (a.b.render_frames(7200), twin.b.render_frames(7200));
    assert_reference(&oa, "layouts too big");
    assert_same(&oa, &ob, "layouts too big");
}

// ---------------------------------------------------------------------------------------------
// Scene files.
// ---------------------------------------------------------------------------------------------

const TONE: &str =
    r#""sounds": {"t": {"tone": {"frequency": 440, "amplitude": 0.5, "seconds": 1}}}"#;

/// Scene documents that must be refused: what, text, and what the error must mention.
fn bad_scenes() -> Vec<(&'static str, String, Vec<&'static str>)> {
    let ev = |e: &str| format!(r#"{{"duration": 1, {TONE}, "events": [{e}]}}"#);
    vec![
        ("not JSON", "{".into(), vec!["not valid JSON"]),
        ("empty file", "".into(), vec!["not valid JSON"]),
        ("a list", "[]".into(), vec!["scene"]),
        ("no duration", r#"{"events": []}"#.into(), vec!["duration", "missing"]),
        ("duration a string", r#"{"duration": "1s"}"#.into(), vec!["duration"]),
        ("duration 0", r#"{"duration": 0}"#.into(), vec!["duration"]),
        ("duration negative", r#"{"duration": -1}"#.into(), vec!["duration"]),
        ("duration a year", r#"{"duration": 31536000}"#.into(), vec!["duration"]),
        ("number beyond f64", r#"{"duration": 1e400}"#.into(), vec!["not valid JSON"]),
        ("sample_rate 0", r#"{"duration": 1, "sample_rate": 0}"#.into(), vec!["sample_rate"]),
        ("sample_rate negative", r#"{"duration": 1, "sample_rate": -48000}"#.into(), vec!["sample_rate"]),
        ("sample_rate fractional", r#"{"duration": 1, "sample_rate": 44100.5}"#.into(), vec!["sample_rate"]),
        ("channels 0", r#"{"duration": 1, "channels": 0}"#.into(), vec!["channels"]),
        ("channels 9", r#"{"duration": 1, "channels": 9}"#.into(), vec!["channels"]),
        ("unknown top-level key", r#"{"duration": 1, "bus": []}"#.into(), vec!["bus"]),
        ("sounds a list", r#"{"duration": 1, "sounds": []}"#.into(), vec!["sounds"]),
        (
            "sound of two kinds",
            r#"{"duration": 1, "sounds": {"t": {"file": "a.wav", "noise": {"amplitude": 1, "seconds": 1, "seed": 1}}}}"#.into(),
            vec!["sound \"t\""],
        ),
        ("buses malformed", r#"{"duration": 1, "buses": [{"name": 3}]}"#.into(), vec!["buses", "name"]),
        (
            "buses with a cycle through Master",
            r#"{"duration": 1, "buses": [{"name": "A", "send_to": "Master"}, {"name": "Master", "send_to": "A"}]}"#.into(),
            vec!["buses", "Master"],
        ),
        ("listener vector of two", r#"{"duration": 1, "listener": {"position": [1, 2]}}"#.into(), vec!["listener", "position"]),
        ("events an object", r#"{"duration": 1, "events": {}}"#.into(), vec!["events"]),
        ("event without at", ev(r#"{"call": "play_audio", "channel": "a", "sound": "t"}"#), vec!["event 0", "at"]),
        ("event at negative", ev(r#"{"at": -1, "call": "play_audio", "channel": "a", "sound": "t"}"#), vec!["event 0", "at"]),
        ("unknown call", ev(r#"{"at": 0, "call": "explode", "channel": "a"}"#), vec!["event 0", "call", "explode"]),
        ("call a number", ev(r#"{"at": 0, "call": 5}"#), vec!["event 0", "call"]),
        ("unknown sound", ev(r#"{"at": 0, "call": "play_audio", "channel": "a", "sound": "nope"}"#), vec!["event 0", "sound"]),
        ("unknown argument", ev(r#"{"at": 0, "call": "play_audio", "channel": "a", "sound": "t", "volume": 1}"#), vec!["event 0", "volume"]),
        ("volume a string", ev(r#"{"at": 0, "call": "play_audio", "channel": "a", "sound": "t", "volume_db": "-6"}"#), vec!["event 0", "volume_db"]),
        ("loop a number", ev(r#"{"at": 0, "call": "play_audio", "channel": "a", "sound": "t", "loop": 1}"#), vec!["event 0", "loop"]),
        ("mode unknown", ev(r#"{"at": 0, "call": "play_audio", "channel": "a", "sound": "t", "mode": "4d"}"#), vec!["event 0", "mode"]),
        ("channel not started", ev(r#"{"at": 0, "call": "stop_audio", "channel": "ghost"}"#), vec!["event 0", "channel", "ghost"]),
        (
            "channel stopped before it starts",
            ev(r#"{"at": 0.5, "call": "play_audio", "channel": "a", "sound": "t"}, {"at": 0.1, "call": "stop_audio", "channel": "a"}"#),
            vec!["event 1", "channel"],
        ),
        ("channel a number", ev(r#"{"at": 0, "call": "stop_audio", "channel": 5}"#), vec!["event 0", "channel"]),
        ("emitter position of two", ev(r#"{"at": 0, "call": "play_audio", "channel": "a", "sound": "t", "emitter": {"position": [1, 2]}}"#), vec!["event 0", "position"]),
    ]
}

/// Tests malformed scene files: each is a `SceneError` naming the file and, where there is
/// one, the event or sound and the field; `Scene::load` wraps it in `AudioError::Scene`.
#[test]
fn bad_scene_files_are_typed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.json");
    for (what, text, needles) in bad_scenes() {
        let e = match Scene::parse(&text, "bad.json", dir.path().into()) {
            Err(e) => e,
            Ok(_) => panic!("{what}: accepted"),
        };
        let msg = e.to_string();
        assert!(msg.starts_with("bad.json"), "{what}: {msg}");
        for n in &needles {
            assert!(msg.contains(n), "{what}: {msg:?} does not mention {n:?}");
        }
        std::fs::write(&path, &text).unwrap();
        assert!(
            matches!(Scene::load(&path), Err(AudioError::Scene(_))),
            "{what}"
        );
    }
    assert!(matches!(
        Scene::load(dir.path().join("none.json")),
        Err(AudioError::FileNotFound(_))
    ));
    assert!(
        matches!(Scene::load(dir.path()), Err(AudioError::Io { .. })),
        "a directory"
    );
}

/// Tests scene files that parse but fail when run: a sound file that is missing or corrupt,
/// or a tone or noise out of range (`AudioError::Scene` naming the sound) and a call the backend refuses, an unknown bus
/// (`AudioError::Scene` naming the event and the bus). Infinite-after-cast numbers (1e39 dB)
/// and events after the end are accepted: they clamp, or never apply.
#[test]
fn scenes_that_fail_when_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("junk.wav"), b"RIFF....WAVEjunk").unwrap();
    for (what, sound, needle) in [
        ("missing file", r#"{"file": "missing.wav"}"#, "missing.wav"),
        ("corrupt file", r#"{"file": "junk.wav"}"#, "junk.wav"),
        (
            "tone of negative frequency",
            r#"{"tone": {"frequency": -5, "amplitude": 0.5, "seconds": 1}}"#,
            "frequency",
        ),
        (
            "tone of 0 s",
            r#"{"tone": {"frequency": 5, "amplitude": 0.5, "seconds": 0}}"#,
            "seconds",
        ),
        (
            "noise of 1e300 s",
            r#"{"noise": {"amplitude": 0.5, "seconds": 1e300, "seed": 1}}"#,
            "seconds",
        ),
    ] {
        let text = format!(r#"{{"duration": 1, "sounds": {{"s": {sound}}}}}"#);
        let scene = Scene::parse(&text, "s.json", dir.path().into()).unwrap();
        let e = scene.load_sounds().unwrap_err();
        assert!(
            matches!(&e, AudioError::Scene(se) if se.location.as_deref() == Some("sound \"s\"")),
            "{what}: {e:?}"
        );
        assert!(e.to_string().contains(needle), "{what}: {e}");
    }
    let run = |events: &str| {
        let text = format!(r#"{{"duration": 0.1, {TONE}, "events": [{events}]}}"#);
        let scene = Scene::parse(&text, "s.json", dir.path().into()).unwrap();
        let sounds = scene.load_sounds().unwrap();
        simvx_audio::render_scene(&scene, &sounds, 480, |_| {})
    };
    let e =
        run(r#"{"at": 0.05, "call": "play_audio", "channel": "a", "sound": "t", "bus": "Nope"}"#)
            .unwrap_err();
    assert!(
        matches!(&e, AudioError::Scene(se) if se.location.as_deref() == Some("event 0")),
        "{e:?}"
    );
    assert!(e.to_string().contains("Nope"), "{e}");
    let out = run(concat!(
        r#"{"at": 0, "call": "play_audio", "channel": "a", "sound": "t", "volume_db": 1e39, "pan": -1e39, "pitch": 1e39},"#,
        r#"{"at": 1e300, "call": "stop_audio", "channel": "a"}"#
    ))
    .unwrap();
    assert!(out.iter().all(|s| s.is_finite()));
    let (l, r) = split_stereo(&out);
    assert!(r.iter().all(|&s| s == 0.0), "pan −1e39 is hard left");
    // +24 dB on a 0.5 tone at pitch 16: 0.5 · 15.85 peak, less where samples fall between.
    assert!(common::peak(&l) > 6.0 && common::peak(&l) <= 0.5 * 15.85 + 1e-3);
}

/// Tests issue 16's row "ids cross backends": an id backend A issued, given to backend B (whose
/// voice sits in the same slot at the same generation), is inert there: stop, volume, pitch and
/// seek do nothing to B's voice, queries report it not active, and B's render is bit for bit a
/// twin's that got no foreign calls. Before, A's id stopped B's voice.
#[test]
fn an_id_from_another_backend_is_inert() {
    use simvx_audio::VoiceControl;
    let tone = Sound::tone(1_000.0, 0.5, 1.0, 48_000, 1).unwrap();
    let looping = PlayParams {
        looping: true,
        ..PlayParams::default()
    };
    let mut a = OfflineBackend::new(&AudioConfig::default()).unwrap();
    let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
    let mut twin = OfflineBackend::new(&AudioConfig::default()).unwrap();
    let from_a = a.play_audio(&tone, &looping).unwrap();
    let in_b = b.play_audio(&tone, &looping).unwrap();
    twin.play_audio(&tone, &looping).unwrap();
    assert_ne!(from_a, in_b, "the ids differ by their backend");
    b.render_frames(480);
    twin.render_frames(480);
    b.update_audio_2d(from_a, -40.0, 1.0).unwrap();
    b.set_pitch(from_a, 2.0).unwrap();
    b.seek(from_a, 0.5).unwrap();
    b.stop_audio(from_a).unwrap();
    assert!(!b.is_channel_active(from_a));
    assert_eq!(b.get_playback_position(from_a), 0.0);
    assert!(b.voice_state(from_a).is_none());
    assert!(b.is_channel_active(in_b), "B's voice plays on");
    assert!(b.render_frames(9_600) == twin.render_frames(9_600));
    // And the other way round: B's id does nothing to A's voice.
    a.stop_audio(in_b).unwrap();
    assert!(a.is_channel_active(from_a));
}
