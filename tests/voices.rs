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

/// Tests the backend's voice limits: with `real_voices` the loudest channels are mixed and the
/// rest virtual (counted, and readable per channel); stealing takes the least important
/// channel; bad limits are typed errors.
#[test]
fn real_voices_and_stealing_through_the_backend() {
    use simvx_audio::{VoiceState, WhenFull};
    let config = AudioConfig {
        voices: 8,
        real_voices: Some(2),
        when_full: WhenFull::Steal,
        ..AudioConfig::default()
    };
    let mut b = OfflineBackend::new(&config).unwrap();
    let with = |db: f32, priority: u8| PlayParams {
        volume_db: db,
        priority,
        ..on("SFX")
    };
    let ids: Vec<_> = (0..8)
        .map(|k| {
            b.play_audio(&dc(0.1), &with(-(k as f32) * 3.0, 100))
                .unwrap()
        })
        .collect();
    b.render_frames(4_800);
    let counts = b.voice_counts();
    assert_eq!((counts.real, counts.virtualized, counts.free), (2, 6, 0));
    assert_eq!(b.voice_state(ids[0]), Some(VoiceState::Playing));
    assert_eq!(b.voice_state(ids[1]), Some(VoiceState::Playing));
    assert_eq!(b.voice_state(ids[7]), Some(VoiceState::Virtual));
    // The two loudest, mixed: 0.1 + 0.1·10^(−3/20).
    let want = 0.1 + 0.1 * 10f32.powf(-3.0 / 20.0);
    assert!((level(&mut b) - want).abs() < 1e-5);
    // A full pool steals the quietest of the lowest priority: the virtual −21 dB voice.
    let loud = b.play_audio(&dc(0.1), &with(6.0, 100)).unwrap();
    assert!(!b.is_channel_active(ids[7]) && b.is_channel_active(loud));
    assert_eq!(b.voice_state(ids[7]), Some(VoiceState::Stopping));
    assert!(matches!(
        b.play_audio(&dc(0.1), &with(0.0, 10)),
        Err(AudioError::NoFreeVoice { .. })
    ));
    b.render_frames(4_800);
    assert_eq!(b.voice_state(ids[7]), None);
    assert_eq!(b.voice_state(loud), Some(VoiceState::Playing));
    let info = b.channel_info(loud).unwrap();
    assert_eq!(
        (info.state, info.bus.as_str(), info.priority),
        (VoiceState::Playing, "SFX", 100)
    );
    assert!((info.volume_db - 6.0).abs() < 1e-4, "{}", info.volume_db);
    assert!((info.position - 0.1).abs() < 1e-3, "{}", info.position);
    for bad in [
        AudioConfig {
            real_voices: Some(0),
            ..AudioConfig::default()
        },
        AudioConfig {
            virtual_below_db: Some(f32::NAN),
            ..AudioConfig::default()
        },
    ] {
        assert!(matches!(
            OfflineBackend::new(&bad),
            Err(AudioError::InvalidParameter { .. })
        ));
    }
}

/// Tests the scene keys: `voices` and `real_voices` configure the render's backend, a
/// `priority` keeps a quiet voice mixed, and out-of-range values name their field.
#[test]
fn scenes_set_voices_and_priorities() {
    let scene = |priority: &str| {
        format!(
            r#"{{"duration": 0.5, "voices": 4, "real_voices": 1,
                "sounds": {{"low": {{"tone": {{"frequency": 200, "amplitude": 0.5, "seconds": 1}}}},
                            "high": {{"tone": {{"frequency": 3000, "amplitude": 0.5, "seconds": 1}}}}}},
                "events": [
                  {{"at": 0, "call": "play_audio", "channel": "a", "sound": "low"}},
                  {{"at": 0, "call": "play_audio", "channel": "b", "sound": "high",
                    "volume_db": -20{priority}}}]}}"#
        )
    };
    let render = |text: &str| {
        let scene = simvx_audio::Scene::parse(text, "s.json", ".".into()).unwrap();
        assert_eq!((scene.voices, scene.real_voices), (4, Some(1)));
        let sounds = scene.load_sounds().unwrap();
        let out = simvx_audio::render_scene(&scene, &sounds, 480, |_| {}).unwrap();
        let left: Vec<f32> = out.iter().step_by(2).copied().collect();
        // Which tone is heard: count zero crossings over the last 0.25 s.
        let tail = &left[12_000..];
        tail.windows(2)
            .filter(|w| w[0] < 0.0 && w[1] >= 0.0)
            .count()
            * 4
    };
    assert!(
        (190..=210).contains(&render(&scene(""))),
        "the louder voice"
    );
    assert!(
        (2_950..=3_050).contains(&render(&scene(r#", "priority": 200"#))),
        "the higher priority"
    );
    let err = simvx_audio::Scene::parse(&scene(r#", "priority": 256"#), "s.json", ".".into())
        .unwrap_err();
    assert!(err.to_string().contains("field `priority`"), "{err}");
}

/// Tests the typed layer: a bus handle resolved once (and refused once its bus is gone), the
/// play builder (bus, volume, pitch in semitones, a start frame), and a channel handle's
/// tweened volume, pitch and bus move, measured in the output.
#[test]
fn typed_api_plays_and_controls() {
    use simvx_audio::{AudioBusLayout, Buses, Decibels, Pan, Pitch, Seconds, Tween, VoiceState};
    let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
    let sfx = b.bus("SFX").unwrap();
    let music = b.bus("Music").unwrap();
    assert_eq!(b.bus_name(sfx).as_deref(), Some("SFX"));
    let id = b
        .play(&dc(0.5))
        .bus(sfx)
        .volume(Decibels(-6.0206))
        .pan(Pan::CENTER)
        .looping()
        .from(Seconds(0.5))
        .start_at(1_000)
        .start()
        .unwrap();
    let out = b.render_frames(2_000);
    assert!(out[..2 * 1_000].iter().all(|&s| s == 0.0));
    assert!(
        (out[2 * 1_000] - 0.25).abs() < 1e-6,
        "starts at its frame, at -6 dB"
    );
    let info = b.channel(id).info().unwrap();
    assert_eq!(
        (info.state, info.bus.as_str()),
        (VoiceState::Playing, "SFX")
    );
    assert!(
        (info.position - (0.5 + 1_000.0 / 48_000.0)).abs() < 1e-4,
        "{}",
        info.position
    );
    // A tweened duck: −6 dB more over 0.1 s, linear in gain; halfway it is between.
    b.channel(id)
        .set_volume(Decibels(-12.0412), Tween::seconds(0.1))
        .unwrap();
    let out = b.render_frames(9_600);
    let (mid, end) = (out[2 * 2_400], out[2 * 9_000]);
    assert!(mid < 0.25 && mid > 0.125, "{mid}");
    assert!((end - 0.125).abs() < 1e-5, "{end}");
    b.channel(id).move_to(music).unwrap();
    b.render_frames(480);
    assert_eq!(b.channel(id).info().unwrap().bus, "Music");
    // A pitch a fifth up, on a sine: measured.
    let tone = Sound::tone(400.0, 0.5, 1.0, 48_000, 1).unwrap();
    let t = b
        .play(&tone)
        .bus(sfx)
        .pitch(Pitch::semitones(7.0))
        .start()
        .unwrap();
    b.channel(id).stop_at(0).unwrap();
    b.render_frames(480);
    let left: Vec<f32> = b.render_frames(24_000).iter().step_by(2).copied().collect();
    let crossings = left
        .windows(2)
        .filter(|w| w[0] < 0.0 && w[1] >= 0.0)
        .count() as f32;
    let want = 400.0 * 2f32.powf(7.0 / 12.0) / 2.0;
    assert!((crossings - want).abs() <= 2.0, "{crossings} vs {want}");
    assert!(b.channel(t).is_active());
    // The layout drops SFX: the handle no longer resolves.
    let mut layout = AudioBusLayout::empty();
    layout.add_bus("Master", 0.0, "").unwrap();
    layout.add_bus("Music", 0.0, "Master").unwrap();
    b.sync_bus_layout(&layout).unwrap();
    assert!(b.bus_name(sfx).is_none());
    assert!(matches!(
        b.play(&tone).bus(sfx).start(),
        Err(AudioError::UnknownBus { .. })
    ));
    assert!(b.play(&tone).bus(music).start().is_ok());
}
