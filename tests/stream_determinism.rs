//! Offline renders of scenes that stream files from disk are deterministic: the offline
//! driver waits for each decoder thread before rendering, so a render never outruns the
//! decoder (SPEC §9: the same scene gives the same bytes on every run), even with every core
//! busy.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::split_stereo;
use simvx_audio::{Scene, Sound, render_scene};

/// Three file streams, one after another: an Ogg from the start on Music (a small ring), an
/// MP3 from 0.1 s on SFX, sped up to pitch 1.5 while it plays, and a looping FLAC in a
/// 50 ms ring on Master until it is stopped.
const SCENE: &str = r#"{
    "sample_rate": 48000, "channels": 2, "duration": 1.5,
    "sounds": {
        "ogg": {"file": "vorbis_stereo_44100.ogg"},
        "mp3": {"file": "mp3_stereo_48000.mp3"},
        "flac": {"file": "flac_s16_stereo_44100.flac"}
    },
    "events": [
        {"at": 0.0, "call": "open_stream", "channel": "o", "stream": "ogg", "bus": "Music", "buffer_seconds": 0.1},
        {"at": 0.55, "call": "open_stream", "channel": "m", "stream": "mp3", "bus": "SFX", "buffer_seconds": 0.2, "from_position": 0.1},
        {"at": 0.6, "call": "set_pitch", "channel": "m", "pitch": 1.5},
        {"at": 0.9, "call": "open_stream", "channel": "f", "stream": "flac", "buffer_seconds": 0.05, "loop": true},
        {"at": 1.4, "call": "stop_audio", "channel": "f"}
    ]
}"#;

fn scene() -> (Scene, BTreeMap<String, Sound>) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let scene = Scene::parse(SCENE, "<stream_determinism>", dir).expect("scene");
    let sounds = scene.load_sounds().expect("sounds");
    (scene, sounds)
}

/// FNV-1a 64 over the samples' bits (the CLI's hash).
fn hash(samples: &[f32]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for s in samples {
        for b in s.to_bits().to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Threads spinning on arithmetic until dropped, so the decoder threads compete for the cores.
struct Busy {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<u64>>,
}

impl Busy {
    fn start(n: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let threads = (0..n)
            .map(|i| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let mut x = i as u64 + 1;
                    while !stop.load(Ordering::Relaxed) {
                        for _ in 0..10_000 {
                            x = std::hint::black_box(
                                x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1),
                            );
                        }
                    }
                    x
                })
            })
            .collect();
        Self { stop, threads }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// The longest run of exact zeros in `x`.
fn longest_silence(x: &[f32]) -> usize {
    x.split(|&s| s != 0.0).map(<[f32]>::len).max().unwrap_or(0)
}

/// Checks that each stream plays, without gaps, over its span.
fn check_levels(out: &[f32]) {
    let (l, _) = split_stereo(out);
    let span = |a: f64, b: f64| &l[(a * 48_000.0) as usize..(b * 48_000.0) as usize];
    // The fixtures' left channel: 0.4·sin(440) + 0.2·sin(1320), RMS ≈ 0.316.
    for (name, a, b) in [("ogg", 0.0, 0.49), ("mp3", 0.56, 0.8), ("flac", 0.91, 1.39)] {
        let s = span(a, b);
        let level = common::rms(s);
        assert!(level > 0.25, "{name}: rms {level} over {a}..{b} s");
        let gap = longest_silence(s);
        assert!(
            gap < 4,
            "{name}: {gap} silent frames in a row over {a}..{b} s"
        );
    }
    assert!(
        l[(0.52 * 48_000.0) as usize..(0.55 * 48_000.0) as usize]
            .iter()
            .all(|&s| s == 0.0),
        "the ogg ends with its file"
    );
    assert!(
        l[(1.45 * 48_000.0) as usize..].iter().all(|&s| s == 0.0),
        "the loop stops when stopped"
    );
}

/// Tests that a scene streaming an Ogg, an MP3 (from 0.1 s, at pitch 1.5) and a looping
/// FLAC renders the same hash 20 times in a row while two threads keep both cores busy,
/// and that every stream is heard over its span with no underrun gap.
#[test]
fn file_streams_render_the_same_hash_20_times_under_load() {
    let (scene, sounds) = scene();
    let busy = Busy::start(2);
    let mut hashes = Vec::new();
    let mut first = None;
    for _ in 0..20 {
        let out = render_scene(&scene, &sounds, 480, |_| {}).unwrap();
        hashes.push(hash(&out));
        first.get_or_insert(out);
    }
    drop(busy);
    let distinct: HashSet<u64> = hashes.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        1,
        "{} distinct hashes in 20 renders: {hashes:016x?}",
        distinct.len()
    );
    check_levels(&first.unwrap());
}

/// Tests that the render does not depend on the block size, even for blocks larger than a
/// stream's ring (the driver renders those in smaller pieces).
#[test]
fn file_streams_are_block_size_invariant() {
    let (scene, sounds) = scene();
    let reference = render_scene(&scene, &sounds, 480, |_| {}).unwrap();
    check_levels(&reference);
    for block in [1usize << 20, 4096, 77] {
        let out = render_scene(&scene, &sounds, block, |_| {}).unwrap();
        assert_eq!(
            hash(&out),
            hash(&reference),
            "block size {block} gives different bytes"
        );
    }
}
