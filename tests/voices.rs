//! Group control and voice moves: a pause menu pauses every channel of a bus tree at once.

use simvx_audio::{
    AudioConfig, AudioError, OfflineBackend, PlayParams, Playback, Sound, VoiceControl,
};

fn dc(level: f32) -> Sound {
    Sound::from_pcm_f32(vec![level; 48_000], 1, 48_000).unwrap()
}

fn on(bus: &str) -> PlayParams {
    PlayParams {
        bus: bus.into(),
        looping: true,
        ..PlayParams::default()
    }
}

fn level(b: &mut OfflineBackend) -> f32 {
    b.render_frames(4_800)[2 * 4_000]
}

/// Tests pausing, resuming and stopping buses, moving a channel and seeking.
#[test]
fn buses_control_their_channels() {
    let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
    let music = b.play_audio(&dc(0.5), &on("Music")).unwrap();
    let step = b.play_audio(&dc(0.25), &on("SFX")).unwrap();
    assert_eq!(level(&mut b), 0.75);
    b.pause_bus("SFX").unwrap();
    assert_eq!(level(&mut b), 0.5);
    b.pause_bus("Master").unwrap();
    assert_eq!(level(&mut b), 0.0, "the pause menu: everything holds");
    assert!(b.is_channel_active(music) && b.is_channel_active(step));
    b.resume_bus("Master").unwrap();
    assert_eq!(level(&mut b), 0.75);
    b.move_to_bus(step, "Music").unwrap();
    b.stop_bus("Music").unwrap();
    assert!(!b.is_channel_active(music) && !b.is_channel_active(step));
    assert_eq!(level(&mut b), 0.0);
    let one = b.play_audio(&dc(0.5), &on("UI")).unwrap();
    b.seek(one, 0.75).unwrap();
    b.render_frames(480);
    assert!((b.get_playback_position(one) - 0.76).abs() < 1e-9);
    assert!(matches!(
        b.pause_bus("Menu"),
        Err(AudioError::UnknownBus { .. })
    ));
    assert!(b.seek(one, f64::NAN).is_err());
}
