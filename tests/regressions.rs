//! Regression tests for bugs the property tests, the soak test and the fuzz targets found.
//! Each test is the minimal input that failed, kept as a plain test.

use simvx_audio::{
    AudioBusLayout, AudioConfig, AudioError, Buses, Effect, OfflineBackend, PlayParams, Playback,
    Sound,
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
/// (`set_send_to`) serialised to JSON that `from_json` refused (`UnknownBus`).
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

/// The offline backend hands commands over as it goes: many listener moves between two
/// renders are all taken (the command queue holds 256).
#[test]
fn offline_listener_moves_never_fill_the_queue() {
    let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
    for i in 0..1_000 {
        b.set_listener_position([i as f32, 0.0, 0.0])
            .unwrap_or_else(|e| panic!("call {i}: {e}"));
    }
    assert!(b.render_frames(256).iter().all(|s| s.is_finite()));
}

/// The offline backend syncs the largest layout (every bus slot, every effect slot) in one
/// call: more commands than the queue holds.
#[test]
fn offline_syncs_a_full_layout_in_one_call() {
    let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
    let mut layout = AudioBusLayout::default();
    for i in 0..(simvx_audio::MAX_BUSES - 5) {
        layout.add_bus(&format!("bus{i}"), -3.0, "Master").unwrap();
    }
    let names: Vec<String> = layout.bus_names().iter().map(|s| s.to_string()).collect();
    for name in &names {
        for _ in 0..simvx_audio::MAX_EFFECTS {
            layout
                .add_effect(name, Effect::default_for("lowpass").unwrap())
                .unwrap();
        }
    }
    b.sync_bus_layout(&layout).expect("one call syncs it all");
    assert!(b.render_frames(256).iter().all(|s| s.is_finite()));
}

/// Found by the `decode` fuzz target: a 187-byte FLAC file whose comment block states a
/// 4 GiB comment made symphonia allocate 4 GiB before reading (aborting the process where
/// memory is short). The block's lengths are now checked first: a plain `InvalidStream`.
#[test]
fn flac_comment_longer_than_its_block_is_refused_before_allocating() {
    let err = simvx_audio::decode_bytes(FLAC_HUGE_COMMENT.to_vec(), "oom.flac").unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, AudioError::InvalidStream(_)) && msg.contains("overrun"),
        "{msg}"
    );
}

/// `fuzz/artifacts/decode/oom-d071a02d6d719057a0a0ed1ba87db06f6fb4beab`.
const FLAC_HUGE_COMMENT: [u8; 187] = [
    0x66, 0x4c, 0x61, 0x43, 0x00, 0x00, 0x00, 0x22, 0x09, 0x00, 0x09, 0x00, 0x00, 0x09, 0x2f, 0x00,
    0x0e, 0x9d, 0x05, 0x62, 0x21, 0x70, 0x00, 0x00, 0x56, 0x22, 0xb5, 0xf4, 0xec, 0x89, 0xe7, 0xe5,
    0xef, 0xd2, 0x87, 0xa4, 0x36, 0xef, 0xf4, 0xb0, 0xf0, 0x8f, 0x04, 0x00, 0x84, 0x00, 0x06, 0x00,
    0x00, 0x00, 0x66, 0x66, 0x6d, 0x70, 0x65, 0x67, 0x01, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0xf0,
    0x81, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06,
    0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06,
    0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06,
    0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x52, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x44, 0x43, 0x12, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7a, 0x00, 0x00, 0x01, 0x98,
];
