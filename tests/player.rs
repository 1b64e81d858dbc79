//! The `Player` type: the original `AudioPlayer`'s behaviour (SIMVX-ORIGINAL §10), measured.

mod common;

use common::{rms, split_stereo};
use simvx_audio::{
    AudioConfig, Curve, OfflineBackend, PLAYER_PITCH_RANGE, Playback, Player, PlayerEvent, Sound,
};

fn dc(level: f32, seconds: f64) -> Sound {
    Sound::from_pcm_f32(vec![level; (48_000.0 * seconds) as usize], 1, 48_000).unwrap()
}

fn backend() -> OfflineBackend {
    OfflineBackend::new(&AudioConfig::default()).unwrap()
}

/// Tests re-trigger (one voice per player), the natural end reported once as an event with
/// `queue_free_on_end`, and that a looping player never reports one.
#[test]
fn one_voice_retrigger_and_natural_end() {
    let mut b = backend();
    let mut p = Player::new(dc(0.25, 0.5));
    p.queue_free_on_end = true;
    let first = p.play(&mut b, 0.0).unwrap();
    b.render_frames(4_800);
    let second = p.play(&mut b, 0.0).unwrap();
    assert_ne!(first, second);
    let (l, _) = split_stereo(&b.render_frames(4_800));
    assert!(
        (l[4_000] - 0.25).abs() < 1e-6,
        "one voice, not two: {}",
        l[4_000]
    );
    assert!(!b.is_channel_active(first));
    assert_eq!(p.update(&mut b), None);
    b.render_frames(24_000);
    assert_eq!(p.update(&mut b), Some(PlayerEvent::Finished { free: true }));
    assert_eq!(p.update(&mut b), None, "reported once");
    assert!(!p.is_playing() && p.channel().is_none());

    let mut looped = Player::new(dc(0.25, 0.1));
    looped.looping = true;
    looped.queue_free_on_end = true;
    looped.play(&mut b, 0.0).unwrap();
    b.render_frames(48_000);
    assert_eq!(looped.update(&mut b), None);
    assert!(looped.is_playing());
}

/// Tests pause and resume (play from 0 on a paused player resumes where it was), the live
/// volume and pitch, and `pitch_modulate`'s clamp.
#[test]
fn pause_resume_and_live_properties() {
    let mut b = backend();
    let mut p = Player::new(dc(0.5, 2.0));
    p.play(&mut b, 0.0).unwrap();
    b.render_frames(4_800);
    p.pause(&mut b).unwrap();
    assert!(p.is_paused() && !p.is_playing());
    b.render_frames(4_800);
    let held = p.playback_position(&mut b);
    p.play(&mut b, 0.0).unwrap();
    assert!(p.is_playing());
    b.render_frames(480);
    assert!(
        p.playback_position(&mut b) > held && (held - 0.1).abs() < 0.01,
        "{held}"
    );
    p.set_volume_db(&mut b, -6.0206).unwrap();
    let (l, _) = split_stereo(&b.render_frames(4_800));
    assert!((l[4_000] - 0.25).abs() < 1e-5, "{}", l[4_000]);
    p.pitch_modulate(&mut b, 7.0).unwrap();
    assert_eq!(p.pitch_scale(), PLAYER_PITCH_RANGE.1);
    assert!(p.set_volume_db(&mut b, f32::NAN).is_err());
    assert!((p.volume_db() + 6.0206).abs() < 1e-6, "NaN changed nothing");
}

/// Tests the fades through a player: a fade out lands and is reported as the end; a
/// crossfade of two uncorrelated noises keeps their summed power.
#[test]
fn fades_and_crossfade() {
    let mut b = backend();
    let mut p = Player::new(dc(0.5, 4.0));
    p.fade_in(&mut b, 0.1, Curve::Linear).unwrap();
    let (l, _) = split_stereo(&b.render_frames(9_600));
    assert!(l[0].abs() < 1e-6 && (l[9_000] - 0.5).abs() < 1e-5);
    p.fade_out(&mut b, 0.1, Curve::Linear).unwrap();
    b.render_frames(2_400);
    assert_eq!(p.update(&mut b), None, "still fading");
    b.render_frames(4_800);
    assert_eq!(
        p.update(&mut b),
        Some(PlayerEvent::Finished { free: false })
    );

    let noise = |seed| Sound::noise(0.5, 3.0, seed, 48_000).unwrap();
    let mut a = Player::new(noise(1));
    let mut c = Player::new(noise(2));
    a.play(&mut b, 0.0).unwrap();
    b.render_frames(4_800);
    let (before, _) = split_stereo(&b.render_frames(9_600));
    a.crossfade(&mut c, &mut b, 1.0, Curve::EqualPower).unwrap();
    let (during, _) = split_stereo(&b.render_frames(48_000));
    let db = |x: &[f32]| 20.0 * (rms(x) / rms(&before)).log10();
    for w in during.chunks(4_800) {
        assert!(db(w).abs() < 0.5, "{} dB", db(w));
    }
    b.render_frames(4_800);
    assert_eq!(
        a.update(&mut b),
        Some(PlayerEvent::Finished { free: false })
    );
    assert!(c.is_playing() && c.update(&mut b).is_none());
}
