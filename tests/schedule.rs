//! The scheduling facet and the scene vocabulary for time: calls stamped with a frame of the
//! backend's timeline take effect at that frame exactly, on every backend and block size.

use simvx_audio::{
    AudioConfig, NullBackend, OfflineBackend, PlayParams, Playback, Scene, Scheduling, Sound,
    render_scene,
};

fn click() -> Sound {
    Sound::tone(1000.0, 0.5, 0.01, 48_000, 1).unwrap()
}

fn first_sound(out: &[f32], from: usize) -> Option<usize> {
    out.chunks_exact(2)
        .skip(from)
        .position(|f| f[0] != 0.0)
        .map(|i| i + from)
}

/// Tests play, stop, pause and resume at frames inside blocks, offline: each lands on its frame.
#[test]
fn stamped_calls_land_on_their_frames() {
    let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
    let drone = Sound::tone(250.0, 0.5, 1.0, 48_000, 1).unwrap();
    assert_eq!(b.now_frames(), 0);
    b.render_frames(1000);
    assert_eq!(b.now_frames(), 1000);
    let id = b
        .play_audio_at(&drone, &PlayParams::default(), 1_777)
        .unwrap();
    assert!(
        b.is_channel_active(id),
        "a scheduled channel is active from the call"
    );
    b.pause_audio_at(id, 3_001).unwrap();
    b.resume_audio_at(id, 6_000).unwrap();
    b.stop_audio_at(id, 9_000).unwrap();
    let out = b.render_frames(11_000); // frames 1000..12000, in one block
    let at = |frame: usize| frame - 1000;
    assert_eq!(
        first_sound(&out, 0),
        Some(at(1_777) + 1),
        "sin(0) = 0 at the start frame"
    );
    // Paused at 3001 (a fade of a few ms), silent until 6000, sounding again after it.
    assert!(out[at(3_001) * 2 - 20].abs() > 0.0);
    assert!(out[at(3_400) * 2..at(6_000) * 2].iter().all(|s| *s == 0.0));
    assert!(out[at(6_000) * 2..at(6_100) * 2].iter().any(|s| *s != 0.0));
    assert!(
        out[at(9_400) * 2..].iter().all(|s| *s == 0.0),
        "stopped at 9000"
    );
    assert!(!b.is_channel_active(id));
}

/// Tests a frame already past: the call applies at once.
#[test]
fn a_past_frame_means_now() {
    let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
    b.render_frames(5_000);
    b.play_audio_at(&click(), &PlayParams::default(), 10)
        .unwrap();
    let out = b.render_frames(100);
    assert_eq!(first_sound(&out, 0), Some(1));
}

/// Tests the null backend: a channel scheduled for later is active from the call and ends
/// `duration` after its start frame, on the clock.
#[test]
fn null_keeps_the_schedule() {
    let mut b = NullBackend::new(&AudioConfig::default()).unwrap();
    let tone = Sound::tone(500.0, 0.5, 0.5, 48_000, 1).unwrap();
    let id = b
        .play_audio_at(&tone, &PlayParams::default(), 48_000)
        .unwrap();
    b.clock().advance(1.49);
    assert!(b.is_channel_active(id));
    b.clock().advance(0.02);
    assert!(!b.is_channel_active(id));
    assert_eq!(b.now_frames(), 72_480);
}

fn scene(events: &str) -> Scene {
    let json = format!(
        r#"{{"sample_rate": 48000, "channels": 2, "duration": 1.0,
            "sounds": {{"click": {{"tone": {{"frequency": 1000.0, "amplitude": 0.5, "seconds": 0.01, "sample_rate": 48000, "channels": 1}}}},
                        "drone": {{"tone": {{"frequency": 250.0, "amplitude": 0.5, "seconds": 1.0, "sample_rate": 48000, "channels": 1}}}}}},
            "events": [{events}]}}"#
    );
    Scene::parse(&json, "<test>", ".".into()).unwrap()
}

/// Tests `start_at` and `stop_at` in scenes: the same bits as events at those times, at every
/// block size.
#[test]
fn scene_start_at_and_stop_at_match_events_at_those_times() {
    let scheduled = scene(
        r#"{"at": 0.0, "call": "play_audio", "channel": "a", "sound": "drone", "start_at": 0.2},
           {"at": 0.1, "call": "stop_audio", "channel": "a", "stop_at": 0.6},
           {"at": 0.0, "call": "open_stream", "channel": "s", "start_at": 0.3}"#,
    );
    let timed = scene(
        r#"{"at": 0.2, "call": "play_audio", "channel": "a", "sound": "drone"},
           {"at": 0.6, "call": "stop_audio", "channel": "a"},
           {"at": 0.3, "call": "open_stream", "channel": "s"}"#,
    );
    let sounds = scheduled.load_sounds().unwrap();
    let reference = render_scene(&timed, &sounds, 480, |_| {}).unwrap();
    assert_eq!(first_sound(&reference, 0), Some(9_601));
    for block in [1, 64, 480, 1000, 48_000] {
        let out = render_scene(&scheduled, &sounds, block, |_| {}).unwrap();
        assert!(out == reference, "block {block}");
    }
}

/// Tests channel names over time: a control refers to the channel its name meant at the
/// control's time, even when a later `play_audio` reuses the name.
#[test]
fn a_reused_name_means_the_channel_of_its_time() {
    let s = scene(
        r#"{"at": 0.0, "call": "play_audio", "channel": "a", "sound": "drone"},
           {"at": 0.5, "call": "play_audio", "channel": "a", "sound": "click", "loop": true},
           {"at": 0.25, "call": "stop_audio", "channel": "a"}"#,
    );
    let sounds = s.load_sounds().unwrap();
    let out = render_scene(&s, &sounds, 480, |_| {}).unwrap();
    assert!(
        out[(12_000 + 400) * 2..24_000 * 2]
            .iter()
            .all(|x| *x == 0.0),
        "the drone stopped"
    );
    assert!(
        out[24_002 * 2..].iter().any(|x| *x != 0.0),
        "the looping click plays on"
    );
}

/// Tests that bad times are refused, naming the event and the field.
#[test]
fn bad_times_are_refused() {
    for (bad, field) in [
        (r#""start_at": -1.0"#, "start_at"),
        (r#""start_at": "soon""#, "start_at"),
    ] {
        let json = format!(
            r#"{{"duration": 1.0, "sounds": {{"c": {{"tone": {{"frequency": 1000, "amplitude": 0.5, "seconds": 0.1}}}}}},
                "events": [{{"at": 0.0, "call": "play_audio", "channel": "a", "sound": "c", {bad}}}]}}"#
        );
        let e = Scene::parse(&json, "<t>", ".".into()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some(field), "{e}");
        assert_eq!(e.location.as_deref(), Some("event 0"), "{e}");
    }
    let json = r#"{"duration": 1.0, "sounds": {"c": {"tone": {"frequency": 1000, "amplitude": 0.5, "seconds": 0.1}}},
        "events": [{"at": 0.0, "call": "play_audio", "channel": "a", "sound": "c"},
                   {"at": 0.1, "call": "pause_audio", "channel": "a", "stop_at": 0.2}]}"#;
    let e = Scene::parse(json, "<t>", ".".into()).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("stop_at"), "{e}");
}

/// Tests the live way of playing a scene (every scheduled call submitted ahead, stamped, the
/// others made when their frame comes) against rendering it: the same bits.
#[test]
fn submitting_ahead_gives_the_rendered_bits() {
    use simvx_audio::ScenePlayer;
    let s = scene(
        r#"{"at": 0.0, "call": "play_audio", "channel": "a", "sound": "drone", "loop": true},
           {"at": 0.5, "call": "play_audio", "channel": "a", "sound": "click", "loop": true},
           {"at": 0.25, "call": "update_audio_2d", "channel": "a", "volume_db": -6.0, "pan": 0.5},
           {"at": 0.3, "call": "pause_audio", "channel": "a"},
           {"at": 0.35, "call": "resume_audio", "channel": "a"},
           {"at": 0.75, "call": "set_pitch", "channel": "a", "pitch": 1.5},
           {"at": 0.9, "call": "stop_audio", "channel": "a"}"#,
    );
    let sounds = s.load_sounds().unwrap();
    let reference = render_scene(&s, &sounds, 480, |_| {}).unwrap();
    let mut b = OfflineBackend::new(&AudioConfig {
        voices: 64,
        ..AudioConfig::default()
    })
    .unwrap();
    let mut player = ScenePlayer::new(&s, &sounds);
    let (ahead, timed): (Vec<_>, Vec<_>) =
        s.events.iter().partition(|e| ScenePlayer::is_scheduled(e));
    for e in ahead {
        player.apply(&mut b, e).unwrap();
    }
    let mut out = Vec::new();
    for e in timed {
        let due = player.frame_of(e) as usize;
        out.extend(b.render_frames(due - out.len() / 2));
        player.apply(&mut b, e).unwrap();
    }
    out.extend(b.render_frames(48_000 - out.len() / 2));
    assert!(out == reference);
}

/// Tests game-defined clocks: clicks quantised to the ticks of a clock (8 ticks a second,
/// twice as fast from tick 4, stopped at tick 8) and of a second clock (3 a second, started
/// later) start on exactly the frames the clocks say, rendered in blocks that split them.
#[test]
fn clicks_on_two_clocks_land_on_their_ticks() {
    use simvx_audio::TempoClock;
    let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
    let mut beat = TempoClock::new(48_000, 8.0).unwrap();
    beat.start(1_000);
    let four = beat.frame_of_tick(4.0).unwrap();
    assert_eq!(four, 1_000 + 4 * 6_000);
    beat.set_speed(16.0, four).unwrap();
    beat.stop(beat.frame_of_tick(8.0).unwrap());
    let mut bar = TempoClock::new(48_000, 3.0).unwrap();
    bar.start(7_777);
    assert!(bar.set_speed(f64::NAN, 0).is_err());
    let mut want = Vec::new();
    for k in 0..9 {
        match beat.frame_of_tick(f64::from(k)) {
            Some(at) if k < 8 => {
                b.play_audio_at(&click(), &PlayParams::default(), at)
                    .unwrap();
                want.push(at as usize);
            }
            Some(at) => assert_eq!(k, 8, "the last tick, where it stops: {at}"),
            None => panic!("tick {k} of a running clock"),
        }
    }
    assert_eq!(beat.frame_of_tick(9.0), None, "stopped");
    // The second clock: its next tick after 20 000 frames (tick 1 is at 23 777).
    let on_bar = bar.next_tick(20_000, 1.0).unwrap();
    assert_eq!(on_bar, 7_777 + 16_000);
    b.play_audio_at(&click(), &PlayParams::default(), on_bar)
        .unwrap();
    want.push(on_bar as usize);
    want.sort_unstable();
    let mut out = Vec::new();
    while out.len() < 2 * 48_000 {
        out.extend(b.render_frames(777));
    }
    // Onsets: sin(0) = 0, so each click's first sound is one frame after its start.
    let mut onsets = Vec::new();
    let mut from = 0;
    while let Some(i) = first_sound(&out, from) {
        onsets.push(i - 1);
        from = i + 480;
    }
    assert_eq!(onsets, want);
    assert_eq!(
        beat.frame_of_tick(5.0).unwrap() - four,
        3_000,
        "twice as fast from tick 4"
    );
    assert_eq!(onsets.len(), 9);
}
