//! Golden renders: measured levels and frequencies, and a stored hash of a busy scene.

mod common;

use std::path::Path;

use common::{dominant_frequency, rms, split_stereo};
use simvx_audio::{RenderStats, Scene, WavFormat, render_scene};

fn render(json: &str) -> Vec<f32> {
    let scene = Scene::parse(json, "<test>", ".".into()).expect("scene");
    let sounds = scene.load_sounds().expect("sounds");
    render_scene(&scene, &sounds, 480, |_| {}).expect("render")
}

/// Tests the issue's level case: a 0.5-amplitude 1 kHz mono tone at −6.0206 dB, pan −0.5,
/// gives left RMS 0.1768 and right RMS 0.0884 (within 0.5 %).
#[test]
fn gain_and_pan_levels() {
    let out = render(
        r#"{"duration": 1.0, "sounds": {"t": {"tone": {"frequency": 1000, "amplitude": 0.5,
            "seconds": 1.0, "sample_rate": 48000, "channels": 1}}},
            "events": [{"at": 0, "call": "play_audio", "channel": "a", "sound": "t",
            "volume_db": -6.0206, "pan": -0.5}]}"#,
    );
    let (l, r) = split_stereo(&out);
    let (lr, rr) = (rms(&l), rms(&r));
    println!("left RMS {lr:.6}, right RMS {rr:.6}");
    assert!((lr - 0.1768).abs() / 0.1768 < 0.005, "left RMS {lr}");
    assert!((rr - 0.0884).abs() / 0.0884 < 0.005, "right RMS {rr}");
    // The balance law, exactly: right is half of left, sample for sample.
    assert!(l.iter().zip(&r).all(|(a, b)| (a * 0.5 - b).abs() < 1e-7));
}

/// Tests that a 44.1 kHz mono tone plays at its own pitch and length on the 48 kHz mixer.
#[test]
fn foreign_rate_plays_at_own_pitch() {
    let out = render(
        r#"{"duration": 1.5, "sounds": {"t": {"tone": {"frequency": 1000, "amplitude": 0.5,
            "seconds": 1.0, "sample_rate": 44100, "channels": 1}}},
            "events": [{"at": 0, "call": "play_audio", "channel": "a", "sound": "t"}]}"#,
    );
    let (l, _) = split_stereo(&out);
    let f = dominant_frequency(&l[..48_000], 48_000.0, 900.0, 1100.0);
    println!("measured {f:.3} Hz");
    assert!((f - 1000.0).abs() < 0.5, "played at {f} Hz");
    // 44 100 frames at 44.1 kHz last 48 000 frames at 48 kHz.
    let last = l.iter().rposition(|s| s.abs() > 1e-4).unwrap();
    assert!(
        (47_990..48_000).contains(&last),
        "last audible frame {last}"
    );
    assert!(l[48_000..].iter().all(|&s| s == 0.0));
}

/// Tests that pitch 2 doubles the frequency and halves the length.
#[test]
fn pitch_doubles_frequency() {
    let out = render(
        r#"{"duration": 1.0, "sounds": {"t": {"tone": {"frequency": 500, "amplitude": 0.5,
            "seconds": 1.0, "sample_rate": 48000}}},
            "events": [{"at": 0, "call": "play_audio", "channel": "a", "sound": "t", "pitch": 2.0}]}"#,
    );
    let (l, _) = split_stereo(&out);
    let f = dominant_frequency(&l[..24_000], 48_000.0, 900.0, 1100.0);
    assert!((f - 1000.0).abs() < 0.5, "played at {f} Hz");
    assert!(l[24_000..].iter().all(|&s| s == 0.0));
}

/// Checks `scene`'s render against its stored hash (set SIMVX_BLESS=1 to update the stored
/// hash after an intended change, and say why in the commit).
fn check_golden(scene_file: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let scene = Scene::load(dir.join("scenes").join(scene_file)).expect("scene");
    let sounds = scene.load_sounds().expect("sounds");
    let out = render_scene(&scene, &sounds, 480, |_| {}).expect("render");
    let stats = RenderStats::measure(&out, scene.channels, WavFormat::F32);
    let got = format!("{:016x}", stats.hash);
    let stored = dir.join("golden").join(format!("{scene_file}.hash"));
    if std::env::var_os("SIMVX_BLESS").is_some() {
        std::fs::create_dir_all(stored.parent().unwrap()).unwrap();
        std::fs::write(&stored, format!("{got}\n")).unwrap();
    }
    let want = std::fs::read_to_string(&stored).expect("stored hash");
    assert_eq!(
        got,
        want.trim(),
        "{scene_file}: render changed (rms {:?})",
        stats.rms
    );
    // And the render is not trivially silent or clipped.
    assert!(
        stats.rms.iter().all(|&r| r > 0.05 && r < 0.5),
        "rms {:?}",
        stats.rms
    );
    assert!(
        stats.peak.iter().all(|&p| p <= 1.0),
        "peak {:?}",
        stats.peak
    );
}

/// Tests that the busy golden scene renders to its stored hash (`tests/golden/golden.json.hash`,
/// `b0c11b3338ba9d4b` since issue 2, unchanged by every change since). The scene covers: three
/// sine tones at 44.1, 48 and 22.05 kHz (resampled, mono and stereo) and seeded noise, five
/// plays (looping and one-shot, from a position, panned), `update_audio_2d`, `update_audio_3d`
/// and `set_pitch` ramps, a pause and a resume, and two stops with their fades, on the
/// default buses, over 3 s.
#[test]
fn golden_scene_hash() {
    check_golden("golden.json");
}

/// Tests that the effects-and-spatial scene renders to its stored hash
/// (`tests/golden/effects.json.hash`, `415f978de190ae26` since issue 3, unchanged since). The
/// scene covers: every effect kind (compressor and limiter on Master; parametric EQ and reverb
/// on Music; high-pass, delay and soft clip on SFX; band-pass, notch and gain on a custom bus
/// Amb), a layout synced mid-scene, an engine-spatialised voice with an emitter and a moved
/// listener (attenuation, pan, doppler), an `update_audio_2d` ramp and two stops, over 3 s.
#[test]
fn effects_scene_hash() {
    check_golden("effects.json");
}
