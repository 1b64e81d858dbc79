//! Controls: stop fades, pause/resume, ramps, pitch changes, stale ids, the pool, NaN, the
//! command queue, and where sound handles are dropped.

use super::*;
use crate::{COMMAND_CAPACITY, Error, Param, PlayParams, VoiceId};

fn looping() -> PlayParams {
    PlayParams {
        looping: true,
        ..PlayParams::default()
    }
}

/// The largest step between neighbouring samples.
fn largest_step(x: &[f32]) -> f32 {
    x.windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max)
}

/// Tests that stop fades out over the smoothing time (240 frames at 48 kHz), without a click,
/// then ends the voice.
#[test]
fn stop_fades_then_ends() {
    let (mut c, mut r) = stereo();
    let id = c.play(dc(1.0, 48_000), &looping()).unwrap();
    render(&mut r, 100);
    c.stop(id).unwrap();
    assert!(!c.is_active(id), "a stopped id is inactive at once");
    let l = channel(&render(&mut r, 480), 0, 2);
    // The fade starts at the command's frame: that frame is still at full level.
    assert!(l[0] == 1.0 && l[1] < 1.0);
    assert!(
        l[..241].windows(2).all(|w| w[1] < w[0]),
        "fade is monotonic"
    );
    assert!(largest_step(&l) <= 1.0 / 240.0 + 1e-6, "fade clicks");
    assert!(l[240..].iter().all(|&s| s == 0.0));
    assert_eq!(c.active_voices(), 0);
}

/// Tests pause and resume: a fade out, silence with the cursor held, a fade back in from the
/// same cursor.
#[test]
fn pause_holds_cursor_and_resume_continues() {
    let snd = ramp(48_000);
    let (mut c, mut r) = stereo();
    let id = c.play(snd, &PlayParams::default()).unwrap();
    render(&mut r, 1000);
    c.pause(id).unwrap();
    let fade = channel(&render(&mut r, 240), 0, 2);
    assert!(fade[239] < 0.01 * fade[0]);
    near(c.position(id), 1240.0 / 48_000.0, 1e-9);
    assert!(render(&mut r, 10_000).iter().all(|&s| s == 0.0));
    assert!(c.is_active(id), "a paused voice is still active");
    near(c.position(id), 1240.0 / 48_000.0, 1e-9);
    c.resume(id).unwrap();
    let back = channel(&render(&mut r, 480), 0, 2);
    // Fading in from frame 1240: the sample is frame value × a gain rising to 1.
    assert!(back[0] < 1241.0 / 48_000.0 * 0.01);
    for (k, &s) in back[240..].iter().enumerate() {
        assert_eq!(s, (1480 + k) as f32 / 48_000.0);
    }
}

/// Tests that update (set_mix) ramps from the old level to the new over 240 frames.
#[test]
fn set_mix_is_ramped() {
    let (mut c, mut r) = stereo();
    let id = c.play(dc(1.0, 48_000), &looping()).unwrap();
    render(&mut r, 128);
    c.set_mix(id, -6.0206, 1.0).unwrap();
    let out = render(&mut r, 480);
    let (l, rr) = (channel(&out, 0, 2), channel(&out, 1, 2));
    assert!(l[0] == 1.0 && l[1] < 1.0);
    assert!(
        largest_step(&l) <= 1.0 / 240.0 + 1e-6,
        "left falls 1 → 0 over 240 frames"
    );
    assert!(
        largest_step(&rr) <= 0.5 / 240.0 + 1e-6,
        "right falls 1 → 0.5 over 240 frames"
    );
    assert!(
        l[240..].iter().all(|&s| s == 0.0),
        "pan 1 silences the left side"
    );
    assert!(rr[240..].iter().all(|&s| (s - 0.5).abs() < 1e-5));
}

/// Tests that set_pitch glides to the new pitch and then plays exactly at it.
#[test]
fn set_pitch_changes_frequency() {
    let (mut c, mut r) = stereo();
    let id = c
        .play(sine(500.0, 0.5, 48_000, 48_000), &looping())
        .unwrap();
    render(&mut r, 4_800);
    c.set_pitch(id, 2.0).unwrap();
    let l = channel(&render(&mut r, 9_600), 0, 2);
    near(frequency(&l[480..], 48_000.0), 1000.0, 0.05);
    c.set_pitch(id, 100.0).unwrap(); // clamps to 16
    let l = channel(&render(&mut r, 4_800), 0, 2);
    near(frequency(&l[480..], 48_000.0), 8000.0, 1.0);
    assert_eq!(
        c.set_pitch(id, f32::NAN),
        Err(Error::InvalidParameter(Param::Pitch))
    );
}

/// Tests that the first frame already has the requested gain, pan and pitch (no ramp in).
#[test]
fn first_frame_has_requested_values() {
    let (mut c, mut r) = stereo();
    let p = PlayParams {
        volume_db: -6.0206,
        pan: 0.5,
        pitch: 2.0,
        ..PlayParams::default()
    };
    c.play(ramp(4800), &p).unwrap();
    let out = render(&mut r, 3);
    near(f64::from(out[0]), 0.0, 0.0);
    near(f64::from(out[2]), 0.25 * 2.0 / 4800.0, 1e-7); // frame 2 of the sound, ×0.5 × 0.5
    near(f64::from(out[3]), 0.5 * 2.0 / 4800.0, 1e-7);
}

/// Tests that controls on a stale id (its slot reused) do nothing, and queries report it gone.
#[test]
fn stale_ids_are_inert() {
    let mut config = crate::Config::new(48_000, 2);
    config.voice_limit = 1;
    config.spare_slots = 0;
    let (mut c, mut r) = mixer(config);
    let first = c.play(dc(0.25, 100), &PlayParams::default()).unwrap();
    render(&mut r, 100);
    assert!(!c.is_active(first));
    let second = c.play(dc(0.5, 48_000), &PlayParams::default()).unwrap();
    assert_eq!(first.slot(), second.slot());
    assert_ne!(first, second);
    c.stop(first).unwrap();
    c.pause(first).unwrap();
    c.set_mix(first, -80.0, 1.0).unwrap();
    c.set_pitch(first, 4.0).unwrap();
    assert!(render(&mut r, 512).iter().all(|&s| s == 0.5));
    assert!(!c.is_active(first) && c.is_active(second));
    assert_eq!(c.position(first), 0.0);
    let never = VoiceId::new(5, 77);
    assert!(!c.is_active(never));
    assert_eq!(c.position(never), 0.0);
    c.stop(never).unwrap();
}

/// Tests that a full pool refuses with NoFreeVoice, starts nothing, and frees slots as voices end.
#[test]
fn pool_exhaustion() {
    let (mut c, mut r) = stereo();
    for _ in 0..VOICES - 1 {
        c.play(dc(0.1, 48_000), &PlayParams::default()).unwrap();
    }
    let short = c.play(dc(0.1, 10), &PlayParams::default()).unwrap();
    assert_eq!(
        c.play(dc(0.1, 48_000), &PlayParams::default()),
        Err(Error::NoFreeVoice)
    );
    near(f64::from(render(&mut r, 10)[0]), 0.8, 1e-6);
    assert!(!c.is_active(short));
    assert!(c.play(dc(0.1, 48_000), &PlayParams::default()).is_ok());
    assert_eq!(c.active_voices(), VOICES);

    let mut config = crate::Config::new(48_000, 2);
    config.voice_limit = 2;
    let (mut c, _r) = mixer(config);
    c.play(dc(0.1, 10), &PlayParams::default()).unwrap();
    c.play(dc(0.1, 10), &PlayParams::default()).unwrap();
    assert_eq!(
        c.play(dc(0.1, 10), &PlayParams::default()),
        Err(Error::NoFreeVoice)
    );
}

/// Tests that NaN is refused everywhere with the parameter named, and nothing starts.
#[test]
fn nan_is_refused() {
    let (mut c, mut r) = stereo();
    let snd = dc(0.5, 4800);
    let cases = [
        (
            PlayParams {
                volume_db: f32::NAN,
                ..PlayParams::default()
            },
            Param::VolumeDb,
        ),
        (
            PlayParams {
                gain_db: f32::NAN,
                ..PlayParams::default()
            },
            Param::GainDb,
        ),
        (
            PlayParams {
                pan: f32::NAN,
                ..PlayParams::default()
            },
            Param::Pan,
        ),
        (
            PlayParams {
                pitch: f32::NAN,
                ..PlayParams::default()
            },
            Param::Pitch,
        ),
    ];
    for (p, param) in cases {
        assert_eq!(c.play(snd, &p), Err(Error::InvalidParameter(param)));
    }
    assert!(render(&mut r, 128).iter().all(|&s| s == 0.0));
    let id = c.play(snd, &PlayParams::default()).unwrap();
    assert_eq!(
        c.set_mix(id, f32::NAN, 0.0),
        Err(Error::InvalidParameter(Param::VolumeDb))
    );
    assert_eq!(
        c.set_mix(id, 0.0, f32::NAN),
        Err(Error::InvalidParameter(Param::Pan))
    );
    assert!(render(&mut r, 128).iter().all(|&s| s == 0.5));
}

/// Tests empty sounds and a zero sample rate are refused.
#[test]
fn empty_sound_is_refused() {
    let (mut c, _r) = stereo();
    let empty = sound(std::vec![], crate::Channels::Mono, 48_000);
    let no_rate = sound(std::vec![0.1; 10], crate::Channels::Mono, 0);
    assert_eq!(
        c.play(empty, &PlayParams::default()),
        Err(Error::EmptySound)
    );
    assert_eq!(
        c.play(no_rate, &PlayParams::default()),
        Err(Error::EmptySound)
    );
}

/// Tests that without a backlog a full command queue refuses discrete commands (and loses
/// nothing already queued), while continuous parameters are never refused: they coalesce.
#[test]
fn queue_full_refuses_discrete_commands_only() {
    let (mut c, mut r) = stereo();
    let id = c.play(dc(0.5, 48_000), &looping()).unwrap();
    let mut sent = 1;
    while c.pause(id).is_ok() {
        sent += 1;
    }
    assert_eq!(sent, COMMAND_CAPACITY);
    assert_eq!(c.resume(id), Err(Error::QueueFull));
    assert_eq!(
        c.play(dc(0.5, 10), &PlayParams::default()),
        Err(Error::QueueFull)
    );
    for i in 0..10_000 {
        c.set_mix(id, -(i % 40) as f32, 0.0).unwrap();
        c.set_pitch(id, 1.0 + (i % 3) as f32).unwrap();
    }
    render(&mut r, 64);
    assert!(c.resume(id).is_ok());
    assert!(c.is_active(id));
}

/// Tests that a Shared splits once.
#[test]
fn split_once() {
    let shared: &'static crate::Shared<Snd, VOICES> =
        crate::Shared::init(std::boxed::Box::leak(std::boxed::Box::new_uninit()));
    let first =
        crate::split::<_, _, _, VOICES, BUSES, 0, _>(shared, [], crate::Config::new(48_000, 2));
    assert!(first.is_ok());
    let second =
        crate::split::<_, _, _, VOICES, BUSES, 0, _>(shared, [], crate::Config::new(48_000, 2));
    assert!(matches!(second, Err(Error::AlreadySplit)));
    let zero = crate::split::<Snd, _, _, VOICES, BUSES, 0, _>(
        &*crate::Shared::<Snd, VOICES>::init(std::boxed::Box::leak(std::boxed::Box::new_uninit())),
        [],
        crate::Config::new(0, 2),
    );
    assert!(matches!(zero, Err(Error::InvalidConfig(_))));
}

/// Tests that ended voices' handles come back to the game thread (dropped in `collect`), not
/// on the audio thread.
#[test]
fn handles_return_to_the_game_thread() {
    use std::sync::Arc;

    #[derive(Debug, Clone)]
    struct Counted {
        _token: Arc<()>,
    }
    impl crate::SoundData for Counted {
        fn samples(&self) -> crate::Samples<'_> {
            crate::Samples::F32(&[0.5; 16])
        }
        fn channels(&self) -> crate::Channels {
            crate::Channels::Mono
        }
        fn sample_rate(&self) -> u32 {
            48_000
        }
    }

    let shared: &'static crate::Shared<Counted, 4> =
        crate::Shared::init(std::boxed::Box::leak(std::boxed::Box::new_uninit()));
    let (mut c, mut r) =
        crate::split::<_, _, _, 4, 1, 0, _>(shared, [], crate::Config::new(48_000, 2)).unwrap();
    let token = Arc::new(());
    for _ in 0..3 {
        c.play(
            Counted {
                _token: token.clone(),
            },
            &PlayParams::default(),
        )
        .unwrap();
    }
    assert_eq!(Arc::strong_count(&token), 4);
    let mut out = [0.0f32; 64];
    r.render(&mut out);
    assert_eq!(
        Arc::strong_count(&token),
        4,
        "the renderer must not drop handles"
    );
    assert_eq!(c.collect(), 3);
    assert_eq!(Arc::strong_count(&token), 1);
}
