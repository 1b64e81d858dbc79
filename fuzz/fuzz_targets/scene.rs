//! Scene files: `Scene::parse` on arbitrary text never panics; a scene that parses and whose
//! sounds are small and synthesised is played for its first 0.1 s on an offline backend, and
//! every sample it renders is finite.

#![no_main]

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use simvx_audio::{AudioConfig, OfflineBackend, Scene, ScenePlayer, SoundSpec};

/// At most this many sound frames are synthesised per input (keeps iterations fast).
const MAX_SOUND_FRAMES: f64 = 200_000.0;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // A folder that does not exist: `file` sounds and streams fail to open, by design.
    let Ok(scene) = Scene::parse(text, "<fuzz>", PathBuf::from("/nonexistent/simvx-fuzz")) else {
        return;
    };
    let frames: f64 = scene
        .sounds
        .values()
        .map(|s| match s {
            SoundSpec::File(_) => f64::INFINITY,
            SoundSpec::Tone {
                seconds,
                sample_rate,
                channels,
                ..
            } => seconds * *sample_rate as f64 * f64::from(*channels),
            SoundSpec::Noise {
                seconds,
                sample_rate,
                ..
            } => seconds * *sample_rate as f64,
        })
        .sum();
    if frames.is_nan() || frames > MAX_SOUND_FRAMES {
        return;
    }
    let Ok(sounds) = scene.load_sounds() else {
        return;
    };
    let config = AudioConfig {
        sample_rate: scene.sample_rate,
        channels: scene.channels,
        voices: 64,
        effect_memory_mib: 8,
        ..AudioConfig::default()
    };
    let Ok(mut backend) = OfflineBackend::new(&config) else {
        return;
    };
    let mut player = ScenePlayer::new(&scene, &sounds);
    let limit = (u64::from(scene.sample_rate) / 10).min(scene.frames());
    let ch = usize::from(scene.channels);
    let mut done = 0u64;
    let mut out = Vec::new();
    for event in scene.events.iter().take_while(|e| e.frame <= limit) {
        let n = (event.frame - done) as usize;
        out.resize(n * ch, 0.0);
        backend.render(&mut out);
        assert!(out.iter().all(|s| s.is_finite()), "a non-finite sample");
        done = event.frame;
        let _ = player.apply(&mut backend, event);
    }
    out.resize((limit - done) as usize * ch, 0.0);
    backend.render(&mut out);
    assert!(out.iter().all(|s| s.is_finite()), "a non-finite sample");
});
