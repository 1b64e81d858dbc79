//! The decoder front end: `decode_bytes` on arbitrary bytes returns a sound or an error and
//! never panics in our code; a sound it returns is well formed and plays.
//!
//! symphonia itself panics on some malformed input; `decode_bytes` catches those panics (its
//! documented safety net) and returns `InvalidStream`. libFuzzer's panic hook would abort on
//! them anyway, so this target's hook lets panics raised inside symphonia's sources unwind to
//! that net and aborts on every other panic, which is a bug of ours.

#![no_main]

use libfuzzer_sys::fuzz_target;
use simvx_audio::{AudioConfig, OfflineBackend, PlayParams, Playback, decode_bytes};

fn install_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_symphonia = info
            .location()
            .is_some_and(|l| l.file().contains("symphonia"));
        if in_symphonia {
            return; // caught by decode_bytes and reported as InvalidStream
        }
        default(info);
        std::process::abort();
    }));
}

fuzz_target!(
    init: install_hook(),
    |data: &[u8]| {
        let Ok(sound) = decode_bytes(data.to_vec(), "fuzz") else {
            return;
        };
        assert!(sound.frames() > 0, "a decoded sound has frames");
        assert!((1..=768_000).contains(&sound.rate()), "rate {}", sound.rate());
        assert!(matches!(sound.channel_count(), 1 | 2), "{} channels", sound.channel_count());
        let config = AudioConfig { voices: 2, effect_memory_mib: 0, ..AudioConfig::default() };
        let mut backend = OfflineBackend::new(&config).expect("a valid config");
        let params = PlayParams { pitch: 1.7, ..PlayParams::default() };
        backend.play_audio(&sound, &params).expect("a decoded sound plays");
        let out = backend.render_frames(512);
        assert!(out.iter().all(|s| s.is_finite()), "a decoded sound rendered a non-finite sample");
    }
);
