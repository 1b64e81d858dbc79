//! The playback facet on the offline (mixing) and null backends: ids, pools, bad input,
//! lifecycle, shutdown.

mod common;

use common::{rms, split_stereo};
use simvx_audio::{
    AudioConfig, AudioError, OfflineBackend, PlayParams, Playback, Sound, null_backend,
};

fn offline(voices: usize) -> OfflineBackend {
    OfflineBackend::new(&AudioConfig {
        voices,
        ..AudioConfig::default()
    })
    .unwrap()
}

fn tone(seconds: f64) -> Sound {
    Sound::tone(1000.0, 0.5, seconds, 48_000, 1).unwrap()
}

/// Tests that the pool gives NoFreeVoice when full, and a voice again once one has ended.
#[test]
fn pool_exhaustion_is_typed_and_recovers() {
    let mut b = offline(4);
    let short = tone(0.01);
    let long = tone(1.0);
    for _ in 0..3 {
        b.play_audio(&long, &PlayParams::default()).unwrap();
    }
    let s = b.play_audio(&short, &PlayParams::default()).unwrap();
    match b.play_audio(&long, &PlayParams::default()) {
        Err(AudioError::NoFreeVoice { capacity: 4 }) => {}
        other => panic!("expected NoFreeVoice, got {other:?}"),
    }
    b.render_frames(480); // the 10 ms voice ends
    assert!(!b.is_channel_active(s));
    b.play_audio(&long, &PlayParams::default()).unwrap();
}

/// Tests that a stale id (its voice ended, its slot reused) is inert.
#[test]
fn stale_ids_are_inert() {
    let mut b = offline(1);
    let first = b.play_audio(&tone(0.01), &PlayParams::default()).unwrap();
    b.render_frames(480);
    assert!(!b.is_channel_active(first));
    let second = b.play_audio(&tone(1.0), &PlayParams::default()).unwrap();
    assert_ne!(first, second);
    // Controls on the stale id do nothing to the voice now in its slot.
    b.stop_audio(first).unwrap();
    b.update_audio_2d(first, -80.0, 1.0).unwrap();
    b.set_pitch(first, 4.0).unwrap();
    assert!(!b.is_channel_active(first));
    assert_eq!(b.get_playback_position(first), 0.0);
    assert!(b.is_channel_active(second));
    let (l, r) = split_stereo(&b.render_frames(4800));
    assert!((rms(&l) - 0.3536).abs() < 0.002 && (rms(&r) - 0.3536).abs() < 0.002);
    assert!((b.get_playback_position(second) - 0.1).abs() < 1e-9);
}

/// Tests that NaN anywhere is rejected with the parameter's name and changes nothing, and
/// that infinities clamp without reaching the mix as NaN or infinity.
#[test]
fn nan_rejected_infinities_clamp() {
    let mut b = offline(8);
    let t = tone(1.0);
    let cases: [(&str, PlayParams); 6] = [
        (
            "volume_db",
            PlayParams {
                volume_db: f32::NAN,
                ..Default::default()
            },
        ),
        (
            "pan",
            PlayParams {
                pan: f32::NAN,
                ..Default::default()
            },
        ),
        (
            "pitch",
            PlayParams {
                pitch: f32::NAN,
                ..Default::default()
            },
        ),
        (
            "gain_db",
            PlayParams {
                gain_db: f32::NAN,
                ..Default::default()
            },
        ),
        (
            "from_position",
            PlayParams {
                from_position: f64::NAN,
                ..Default::default()
            },
        ),
        (
            "position",
            PlayParams {
                position: [0.0, f32::NAN, 0.0],
                ..Default::default()
            },
        ),
    ];
    for (name, params) in cases {
        match b.play_audio(&t, &params) {
            Err(AudioError::InvalidParameter { name: n, .. }) => assert_eq!(n, name),
            other => panic!("{name}: expected InvalidParameter, got {other:?}"),
        }
    }
    assert!(
        b.render_frames(480).iter().all(|&s| s == 0.0),
        "a rejected play started"
    );
    let id = b
        .play_audio(
            &t,
            &PlayParams {
                volume_db: f32::INFINITY,
                pan: f32::NEG_INFINITY,
                pitch: f32::INFINITY,
                ..Default::default()
            },
        )
        .unwrap();
    assert!(matches!(
        b.update_audio_3d(id, 0.0, 0.0, f32::NAN),
        Err(AudioError::InvalidParameter { name: "pitch", .. })
    ));
    assert!(matches!(
        b.set_listener_velocity([f32::NAN, 0.0, 0.0]),
        Err(AudioError::InvalidParameter { .. })
    ));
    let out = b.render_frames(4800);
    assert!(out.iter().all(|s| s.is_finite()));
    let (l, r) = split_stereo(&out);
    // +inf dB clamps to +24 dB (×15.85), pan −inf to hard left, pitch +inf to 16: the 1 s
    // tone lasts 3000 frames. (At 16 kHz on 48 kHz the samples fall on thirds of a cycle, so
    // the peak is sin 120°; the RMS is still amplitude/√2.)
    assert!(r.iter().all(|&s| s == 0.0));
    let level = rms(&l[..3000]);
    let want = 0.5 * 15.848_932 / std::f64::consts::SQRT_2;
    assert!(
        (level - want).abs() < want * 0.005,
        "rms {level}, want {want}"
    );
    assert!(
        l[3000..].iter().all(|&s| s == 0.0),
        "pitch 16 ends the tone after 3000 frames"
    );
}

/// Tests that an unknown bus is refused with the available names, sorted.
#[test]
fn unknown_bus_lists_available() {
    let mut b = offline(8);
    let params = PlayParams {
        bus: "Sfx".into(),
        ..Default::default()
    };
    match b.play_audio(&tone(1.0), &params) {
        Err(AudioError::UnknownBus { name, available }) => {
            assert_eq!(name, "Sfx");
            assert_eq!(available, ["Master", "Music", "SFX", "UI", "Voice"]);
        }
        other => panic!("expected UnknownBus, got {other:?}"),
    }
    // Null routes nothing but checks bus names like every backend (SPEC §3).
    let mut null = null_backend(&AudioConfig::default()).unwrap();
    assert!(matches!(
        null.play_audio(&tone(1.0), &params),
        Err(AudioError::UnknownBus { .. })
    ));
}

/// Tests pause and resume: the cursor holds while paused and the sound still ends on time.
#[test]
fn pause_resume_keeps_cursor() {
    let mut b = offline(8);
    let id = b.play_audio(&tone(0.5), &PlayParams::default()).unwrap();
    b.render_frames(4800);
    b.pause_audio(id).unwrap();
    b.render_frames(4800);
    let held = b.get_playback_position(id);
    // The pause fade (5 ms = 240 frames) plays on; then the cursor holds.
    assert!(
        (held - (4800.0 + 240.0) / 48_000.0).abs() < 1e-9,
        "held at {held}"
    );
    let silent = b.render_frames(4800);
    assert!(silent.iter().all(|&s| s == 0.0));
    assert_eq!(b.get_playback_position(id), held);
    assert!(b.is_channel_active(id), "paused channels are active");
    b.resume_audio(id).unwrap();
    // 0.5 s in all: 5040 frames played, 18 960 left.
    b.render_frames(18_960 - 1);
    assert!(b.is_channel_active(id));
    b.render_frames(2);
    assert!(!b.is_channel_active(id));
}

/// Tests that after shutdown controls fail with Shutdown, queries report nothing, and
/// nothing renders; shutdown is idempotent on every backend.
#[test]
fn shutdown_guards_every_call() {
    let mut b = offline(8);
    let id = b
        .play_audio(
            &tone(1.0),
            &PlayParams {
                looping: true,
                ..Default::default()
            },
        )
        .unwrap();
    b.render_frames(480);
    b.shutdown();
    b.shutdown();
    assert!(matches!(
        b.play_audio(&tone(1.0), &PlayParams::default()),
        Err(AudioError::Shutdown)
    ));
    assert!(matches!(b.stop_audio(id), Err(AudioError::Shutdown)));
    assert!(matches!(
        b.set_listener_position([0.0; 3]),
        Err(AudioError::Shutdown)
    ));
    assert!(!b.is_channel_active(id));
    assert_eq!(b.get_playback_position(id), 0.0);
    assert!(b.render_frames(480).iter().all(|&s| s == 0.0));

    let mut null = null_backend(&AudioConfig::default()).unwrap();
    let id = null.play_audio(&tone(1.0), &PlayParams::default()).unwrap();
    null.shutdown();
    null.shutdown();
    assert!(!null.is_channel_active(id));
    assert!(matches!(null.pause_audio(id), Err(AudioError::Shutdown)));
}

/// Tests that sounds come back to the game side: after voices end, only the game's handle
/// remains.
#[test]
fn sounds_are_handed_back() {
    let mut b = offline(16);
    let t = tone(0.01);
    let ids: Vec<_> = (0..10)
        .map(|_| b.play_audio(&t, &PlayParams::default()).unwrap())
        .collect();
    assert_eq!(t.handle_count(), 11);
    b.render_frames(960);
    assert!(ids.iter().all(|&id| !b.is_channel_active(id)));
    assert_eq!(t.handle_count(), 1);
}

/// Tests the null backend's lifecycle through the facade: ends after (duration − from)/pitch
/// of its clock, pause freezes, pitch rescales, loops never end, position follows the clock.
#[test]
fn null_lifecycle() {
    let mut backend = null_backend(&AudioConfig::default()).unwrap();
    let one = tone(1.0);
    let id = backend
        .play_audio(
            &one,
            &PlayParams {
                from_position: 0.2,
                pitch: 2.0,
                ..Default::default()
            },
        )
        .unwrap();
    let looped = backend
        .play_audio(
            &one,
            &PlayParams {
                looping: true,
                ..Default::default()
            },
        )
        .unwrap();
    backend.as_null().unwrap().advance(0.39);
    let frame = 1.0 / 48_000.0;
    assert!(backend.is_channel_active(id));
    let at = backend.get_playback_position(id);
    assert!((at - 0.98).abs() <= frame, "{at}");
    // Pause fades out over 5 ms (the core's own fade: 0.01 s of sound at pitch 2), then holds.
    backend.pause_audio(id).unwrap();
    backend.as_null().unwrap().advance(10.0);
    assert!(backend.is_channel_active(id));
    let held = backend.get_playback_position(id);
    assert!((held - 0.99).abs() <= 2.0 * frame, "{held}");
    backend.as_null().unwrap().advance(1.0);
    assert_eq!(backend.get_playback_position(id), held);
    // 0.01 s of sound left; the pitch glides from 2 to 1 over 5 ms (about 0.0075 s of sound),
    // then the last 0.0025 s play at pitch 1: the voice ends 7.5 ms of clock later.
    backend.resume_audio(id).unwrap();
    backend.set_pitch(id, 1.0).unwrap();
    backend.as_null().unwrap().advance(0.007);
    assert!(backend.is_channel_active(id));
    backend.as_null().unwrap().advance(0.001);
    assert!(!backend.is_channel_active(id));
    assert!(backend.is_channel_active(looped));
    let pos = backend.get_playback_position(looped);
    assert!((pos - (11.398 % 1.0)).abs() <= frame, "loop position {pos}");
}

/// Tests that the de-click ramp is configurable: a stop fades out over `declick_seconds`
/// (1 ms: 48 frames), and an out-of-range length is refused.
#[test]
fn declick_length_is_configurable() {
    let mut b = OfflineBackend::new(&AudioConfig {
        declick_seconds: 0.001,
        ..AudioConfig::default()
    })
    .unwrap();
    let dc = Sound::from_pcm_f32(vec![0.5; 48_000], 1, 48_000).unwrap();
    let id = b.play_audio(&dc, &PlayParams::default()).unwrap();
    b.render_frames(480);
    b.stop_audio(id).unwrap();
    let out = b.render_frames(480);
    assert!(
        out[2 * 47] > 0.0 && out[2 * 48] == 0.0,
        "{} {}",
        out[2 * 47],
        out[2 * 48]
    );
    for bad in [f64::NAN, -0.001, 0.2] {
        assert!(matches!(
            OfflineBackend::new(&AudioConfig {
                declick_seconds: bad,
                ..AudioConfig::default()
            }),
            Err(AudioError::InvalidParameter {
                name: "declick_seconds",
                ..
            })
        ));
    }
}
