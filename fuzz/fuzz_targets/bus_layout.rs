//! Bus layouts: `AudioBusLayout::from_json` on arbitrary JSON never panics; a layout that
//! parses survives its own JSON unchanged, syncs to an offline backend (or is refused with an
//! error), and renders finite samples through its buses and effects.

#![no_main]

use libfuzzer_sys::fuzz_target;
use simvx_audio::{
    AudioBusLayout, AudioConfig, Buses, OfflineBackend, PlayParams, Playback, Sound,
};

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let Ok(layout) = AudioBusLayout::from_json(&value) else {
        return;
    };
    let back = AudioBusLayout::from_json(&layout.to_json()).expect("a layout's own JSON parses");
    assert_eq!(back, layout, "the JSON round trip changed the layout");
    let config = AudioConfig {
        voices: 8,
        effect_memory_mib: 4,
        ..AudioConfig::default()
    };
    let mut backend = OfflineBackend::new(&config).expect("a valid config");
    if backend.sync_bus_layout(&layout).is_err() {
        return;
    }
    // Idempotent: a second sync of the same layout succeeds too.
    backend
        .sync_bus_layout(&layout)
        .expect("a second sync of the same layout");
    let tone = Sound::tone(440.0, 0.8, 0.05, 48_000, 1).expect("a tone");
    for bus in layout.bus_names() {
        let params = PlayParams {
            bus: bus.to_string(),
            looping: true,
            ..PlayParams::default()
        };
        let _ = backend.play_audio(&tone, &params);
    }
    let out = backend.render_frames(1_024);
    assert!(out.iter().all(|s| s.is_finite()), "a non-finite sample");
});
