//! Regression tests for bugs the property tests, the soak test and the fuzz targets found.
//! Each test is the minimal input that failed, kept as a plain test.

use simvx_audio::{
    AudioBusLayout, AudioConfig, AudioError, OfflineBackend, PlayParams, Playback, Sound,
};

/// Found by `tests/props.rs`: a looping one-frame sound at a high pitch reported a playback
/// position past the end of its sound (the cursor wraps only when the next block reads on).
#[test]
fn looping_position_stays_inside_the_sound() {
    let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
    let blip = Sound::from_pcm_i16(vec![i16::MAX, i16::MIN], 2, 8_000).unwrap();
    let id = b
        .play_audio(
            &blip,
            &PlayParams {
                pitch: 15.06,
                looping: true,
                ..PlayParams::default()
            },
        )
        .unwrap();
    for frames in [1, 2, 3, 127, 128, 1000] {
        b.render_frames(frames);
        let pos = b.get_playback_position(id);
        assert!(
            pos < blip.duration(),
            "position {pos} s is outside the {} s sound",
            blip.duration()
        );
    }
}

/// Found by `tests/props.rs`: a layout whose bus was rerouted to a bus listed after it
/// (`set_send_to`) serialised to JSON that `from_json` refused ("names no earlier bus").
#[test]
fn layout_with_a_send_to_a_later_bus_round_trips() {
    let mut layout = AudioBusLayout::default();
    layout.set_send_to("Music", "SFX").unwrap();
    let json = layout.to_json();
    let back = AudioBusLayout::from_json(&json).expect("a layout's own JSON parses");
    assert_eq!(back, layout);
    assert_eq!(back.get_bus("Music").unwrap().send_to(), "SFX");
    // Forward references still refuse cycles and unknown names.
    let cycle = serde_json::json!([
        {"name": "A", "send_to": "B"},
        {"name": "B", "send_to": "A"}
    ]);
    assert!(matches!(
        AudioBusLayout::from_json(&cycle),
        Err(AudioError::InvalidLayout(_))
    ));
    let unknown = serde_json::json!([{"name": "A", "send_to": "Nowhere"}]);
    assert!(matches!(
        AudioBusLayout::from_json(&unknown),
        Err(AudioError::UnknownBus { .. })
    ));
}
