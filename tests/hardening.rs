//! Hardening II: no input poisons the mix, no header is a memory bomb, no file blocks the game.
//!
//! Every case an attack on the engine found (issue 16), as a row: the input, what it did
//! before, and the typed error or finite output it gives now. The cases about memory also run
//! in a child process under a 2 GiB address-space limit (`ulimit -v`), where an allocation the
//! header asked for would abort the process instead of being refused.

mod common;

use common::media::{silent_flac, vorbis_with};

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use simvx_audio::{
    AudioBusLayout, AudioConfig, AudioError, Buses, MAX_SAMPLE, MAX_SOUND_SAMPLES,
    MAX_STREAM_RING_BYTES, OfflineBackend, PlayParams, Playback, Scene, Sound, StreamParams,
    Streaming, WavFormat, WavStream, decode_bytes, decode_file, render_scene, wav_fits,
};

/// Run this test again as a child process under a 2 GiB address-space limit, and pass if it
/// passes there; in the child (marked by the environment), return `true` so the body runs.
fn under_2gib(test: &str) -> bool {
    if std::env::var_os("SIMVX_UNDER_2GIB").is_some() {
        return true;
    }
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 2097152 && exec \"$0\" --exact \"$1\" --test-threads=1 --nocapture")
        .arg(exe)
        .arg(test)
        .env("SIMVX_UNDER_2GIB", "1")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{test} under a 2 GiB limit: {text}");
    assert!(
        text.contains("1 passed"),
        "{test} did not run in the child: {text}"
    );
    // And in this process, unlimited, as well.
    true
}

#[track_caller]
fn invalid_stream(r: Result<Sound, AudioError>, needle: &str) -> String {
    match r {
        Err(AudioError::InvalidStream(m)) if m.contains(needle) => m,
        other => panic!("want InvalidStream containing {needle:?}, got {other:?}"),
    }
}

#[track_caller]
fn invalid_parameter<T: std::fmt::Debug>(r: Result<T, AudioError>, param: &str) -> String {
    match r {
        Err(AudioError::InvalidParameter { name, reason }) if name == param => reason,
        other => panic!("want InvalidParameter {param:?}, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Media builders: the smallest files that state what the attack states.
// ---------------------------------------------------------------------------------------------

/// A 32-bit float WAV of interleaved stereo `samples`, written by hound.
fn float_wav(path: &Path, samples: &[f32]) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 48_000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &s in samples {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
}

/// The Vorbis fixture with its identification header stating `rate`.
fn vorbis_at(rate: u32) -> Vec<u8> {
    let f = std::fs::read("tests/fixtures/vorbis_stereo_44100.ogg").unwrap();
    vorbis_with(&f, rate, None)
}

// ---------------------------------------------------------------------------------------------
// NaN and infinity never reach the output.
// ---------------------------------------------------------------------------------------------

/// Tests: a float WAV of finite ±f32::MAX samples (before: it decoded, and from the moment it
/// played every output sample was NaN, on every bus, to the end) is refused as corrupt data
/// naming the frame and the limit, by every entry point; a float WAV of sane samples above
/// full scale (±1.5) still decodes, bit for bit.
#[test]
fn samples_beyond_the_level_limit_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("max.wav");
    let mut samples = vec![0.25f32; 960];
    samples[700] = f32::MAX;
    samples[701] = -f32::MAX;
    float_wav(&path, &samples);
    let m = invalid_stream(decode_file(&path), "frame 350");
    assert!(m.contains("beyond ±64"), "{m}");
    let bytes = std::fs::read(&path).unwrap();
    invalid_stream(decode_bytes(bytes, "max.wav"), "beyond ±64");
    invalid_stream(Sound::from_pcm_f32(samples, 2, 48_000), "sample 700");

    let ok = dir.path().join("loud.wav");
    float_wav(&ok, &[1.5f32, -1.5, 0.75, -0.75].repeat(10));
    let s = decode_file(&ok).unwrap();
    assert_eq!(s.frames(), 20);
    let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
    b.play_audio(&s, &PlayParams::default()).unwrap();
    let out = b.render_frames(20);
    assert!(out.iter().all(|x| x.is_finite()));
    assert!(
        out.iter().any(|x| x.abs() > 1.0),
        "the sane loud samples were not played"
    );
    assert_eq!(b.scrubbed(), 0);
}

/// Tests: a tone or noise of amplitude 3.4e38 (finite; before: accepted, and a third of the
/// render was ±inf, exit 0), or of 65, is refused naming `amplitude`, as a call and from a
/// scene; an amplitude of exactly the limit is accepted.
#[test]
fn tones_beyond_the_level_limit_are_refused() {
    for a in [3.4e38f32, -3.4e38, 65.0, f32::INFINITY] {
        let r = invalid_parameter(Sound::tone(1000.0, a, 0.1, 48_000, 1), "amplitude");
        assert!(r.contains("beyond") || r.contains("not finite"), "{r}");
        invalid_parameter(Sound::noise(a, 0.1, 1, 48_000), "amplitude");
    }
    Sound::tone(1000.0, MAX_SAMPLE, 0.1, 48_000, 1).unwrap();
    let scene = Scene::parse(
        r#"{"duration": 1, "sounds": {"a": {"tone": {"frequency": 1000, "amplitude": 3.4e38,
            "seconds": 1}}}, "events": [{"at": 0, "call": "play_audio", "channel": "x",
            "sound": "a"}]}"#,
        "loud.json",
        ".".into(),
    )
    .unwrap();
    match scene.load_sounds() {
        Err(AudioError::Scene(e)) => assert!(e.to_string().contains("amplitude"), "{e}"),
        other => panic!("want a scene error naming amplitude, got {other:?}"),
    }
}

/// Tests: a mix driven past `f32`'s range through the public API (the loudest sound the
/// limits allow, +24 dB on the voice and on each of 31 nested buses: 64 · 15.85³² ≈ 1.6e40,
/// past f32::MAX) is heard as silence where it overflows, never as ±inf or NaN, and the
/// backend counts what it scrubbed; a tone on Master beside the chain renders bit for bit as
/// it does without the overflow.
#[test]
fn a_mix_past_f32_is_scrubbed_and_counted() {
    let mut layout = AudioBusLayout::empty();
    layout.add_bus("Master", 0.0, "").unwrap();
    let mut parent = "Master".to_string();
    for i in 0..31 {
        let name = format!("B{i}");
        layout.add_bus(&name, 24.0, &parent).unwrap();
        parent = name;
    }
    let tone = Sound::tone(440.0, 0.5, 1.0, 48_000, 1).unwrap();
    let dc = Sound::from_pcm_f32(vec![MAX_SAMPLE; 9_600], 1, 48_000).unwrap();
    let loud = PlayParams {
        volume_db: 24.0,
        bus: parent.clone(),
        ..PlayParams::default()
    };
    let run = |overflow: bool| {
        let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
        b.sync_bus_layout(&layout).unwrap();
        b.play_audio(&tone, &PlayParams::default()).unwrap();
        if overflow {
            b.play_audio(&dc, &loud).unwrap();
        }
        let out = b.render_frames(14_400);
        (out, b.scrubbed())
    };
    let (clean, none) = run(false);
    assert_eq!(none, 0);
    let (out, scrubbed) = run(true);
    assert!(
        out.iter().all(|x| x.is_finite()),
        "a non-finite sample reached the output"
    );
    assert_eq!(
        scrubbed,
        2 * 9_600,
        "every overflowed sample of both channels is counted"
    );
    let same = out
        .iter()
        .zip(&clean)
        .all(|(a, b)| a.to_bits() == b.to_bits());
    assert!(same, "the tone beside the overflow changed");
}

// ---------------------------------------------------------------------------------------------
// Sizes are checked before anything is allocated.
// ---------------------------------------------------------------------------------------------

/// Tests: an Ogg Vorbis stream whose header states 4 294 967 295 Hz (before: `open_stream`
/// asked for a 34 GB ring and aborted) or 100 MHz (400 MB for a 12 KB file) is refused by
/// `decode_bytes` and by `open_stream` with the rate named, nothing allocated.
#[test]
fn a_vorbis_rate_past_the_limit_is_refused() {
    if !under_2gib("a_vorbis_rate_past_the_limit_is_refused") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    assert!(
        decode_bytes(vorbis_at(44_100), "fixed.ogg").is_ok(),
        "the checksum is made right"
    );
    for rate in [u32::MAX, 100_000_000] {
        invalid_stream(
            decode_bytes(vorbis_at(rate), "rate.ogg"),
            &format!("{rate} Hz"),
        );
        let path = dir.path().join("rate.ogg");
        std::fs::write(&path, vorbis_at(rate)).unwrap();
        let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
        match b.open_stream_with(&StreamParams {
            stream: Some(path),
            ..StreamParams::default()
        }) {
            Err(AudioError::InvalidStream(m)) => assert!(m.contains("Hz"), "{m}"),
            other => panic!("want InvalidStream, got {other:?}"),
        }
    }
}

/// Tests: FLAC of ten hours of silence in constant subframes, 26 368 blocks (before: 472 KB
/// decoded whole to 6.75 GB resident and aborted under a 4 GiB cap) is refused before decoding
/// when STREAMINFO states its length, and stopped at the limit when it does not, with an error
/// that says to stream it; streaming it still works (its first second plays).
#[test]
fn a_long_flac_is_refused_whole_and_streams() {
    if !under_2gib("a_long_flac_is_refused_whole_and_streams") {
        return;
    }
    let blocks = 26_368u32;
    let frames = u64::from(blocks) * 65_535;
    let dir = tempfile::tempdir().unwrap();
    for stated in [frames, 0] {
        let bytes = silent_flac(blocks, 65_535, stated, &[]);
        assert!(bytes.len() < 600_000, "{} bytes", bytes.len());
        let m = invalid_stream(decode_bytes(bytes.clone(), "ten_hours.flac"), "stream it");
        assert!(m.contains("samples"), "{m}");
        let path = dir.path().join("ten_hours.flac");
        std::fs::write(&path, &bytes).unwrap();
        invalid_stream(decode_file(&path), "stream it");
        let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
        let id = b
            .open_stream_with(&StreamParams {
                stream: Some(path),
                ..StreamParams::default()
            })
            .unwrap();
        for _ in 0..10 {
            b.render_frames(4_800);
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(b.is_channel_active(id), "the stream ended early");
    }
    // A short one (a second) is still a sound.
    let short = silent_flac(1, 48_000, 48_000, &[]);
    assert_eq!(decode_bytes(short, "second.flac").unwrap().frames(), 48_000);
}

/// Tests: sound lengths past the in-memory limit are refused naming the parameter before any
/// allocation (before: a tone of 86 400 s at 768 kHz asked for 530 GB and aborted), at the
/// limit they are accepted; a scene of 86 400 s (before: it passed validation, then aborted
/// on a 33 GB allocation) is refused by `render_scene` (which keeps the render) and by
/// `wav_fits` (33 GB of WAV), and renders block by block with `render_scene_to`.
#[test]
fn lengths_past_the_limits_are_refused_up_front() {
    if !under_2gib("lengths_past_the_limits_are_refused_up_front") {
        return;
    }
    let r = invalid_parameter(Sound::tone(440.0, 0.5, 86_400.0, 768_000, 1), "seconds");
    assert!(r.contains("stream"), "{r}");
    invalid_parameter(Sound::noise(0.5, 86_400.0, 7, 48_000), "seconds");
    let at_limit = MAX_SOUND_SAMPLES as f64 / 2.0 / 48_000.0;
    invalid_parameter(
        Sound::tone(440.0, 0.5, at_limit + 1.0, 48_000, 2),
        "seconds",
    );
    let scene = Scene::parse(
        r#"{"duration": 86400, "sounds": {"a": {"tone": {"frequency": 440, "amplitude": 0.5,
            "seconds": 1}}}, "events": [{"at": 0, "call": "play_audio", "channel": "x",
            "sound": "a", "loop": true}]}"#,
        "day.json",
        ".".into(),
    )
    .unwrap();
    let sounds = scene.load_sounds().unwrap();
    let r = invalid_parameter(render_scene(&scene, &sounds, 480, |_| {}), "duration");
    assert!(r.contains("render_scene_to"), "{r}");
    invalid_parameter(
        wav_fits(scene.frames(), scene.channels, WavFormat::F32),
        "duration",
    );
    let mut blocks = 0;
    let _ = simvx_audio::render_scene_to(
        &scene,
        &sounds,
        4_800,
        |out, _| {
            blocks += 1;
            assert!(out.iter().all(|x| x.is_finite()));
            if blocks == 20 {
                Err(AudioError::Shutdown) // enough: it streams
            } else {
                Ok(())
            }
        },
        |_| {},
    );
    assert_eq!(blocks, 20);
}

/// Tests: 1024 streams of 60 s rings (before: 23.6 GB asked for) open until their rings
/// would take more than the backend's budget, then are refused naming `buffer_seconds`; the
/// streams already open keep working, and closing them gives the budget back.
#[test]
fn stream_rings_have_a_budget() {
    if !under_2gib("stream_rings_have_a_budget") {
        return;
    }
    let mut b = OfflineBackend::new(&AudioConfig {
        voices: 1024,
        ..AudioConfig::default()
    })
    .unwrap();
    let params = StreamParams {
        buffer_seconds: 60.0,
        ..StreamParams::default()
    };
    let ring = 60 * 48_000 * 2 * 4;
    let fit = MAX_STREAM_RING_BYTES / ring;
    let mut open = Vec::new();
    let mut refused = None;
    for i in 0..1024 {
        match b.open_stream_with(&params) {
            Ok(id) => open.push(id),
            Err(e) => {
                refused = Some((i, e));
                break;
            }
        }
    }
    let (at, e) = refused.expect("every 60 s ring was allocated");
    assert_eq!(at, fit, "refused at stream {at}, the budget fits {fit}");
    invalid_parameter::<()>(Err(e), "buffer_seconds");
    for id in open.drain(..) {
        b.stop_audio(id).unwrap();
    }
    b.render_frames(4_800);
    b.open_stream_with(&params).expect("the budget came back");
}

/// Tests: a WAV past 4 GiB is refused before it is written (before: the RIFF and data sizes
/// wrapped, exit 0, and players read 0.24 s of a 175 s file), at the exact limit in frames
/// (`WavStream::write` checks the total it would reach the same way; a 4 GiB slice to show it
/// would need 4 GiB here, so the CLI test renders past the limit instead).
#[test]
fn wavs_past_4_gib_are_refused() {
    let frame = 2 * 4;
    let most = simvx_audio::MAX_WAV_DATA_BYTES / frame;
    wav_fits(most, 2, WavFormat::F32).unwrap();
    invalid_parameter(wav_fits(most + 1, 2, WavFormat::F32), "duration");
    wav_fits(2 * most, 2, WavFormat::S16).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.wav");
    let mut w = WavStream::create(&path, 2, 48_000, WavFormat::F32).unwrap();
    w.write(&[0.5; 960]).unwrap();
    let stats = w.finish().unwrap();
    assert_eq!(stats.frames, 480);
    assert_eq!(decode_file(&path).unwrap().frames(), 480);
}

// ---------------------------------------------------------------------------------------------
// A slow file never blocks the game thread.
// ---------------------------------------------------------------------------------------------

/// Tests: a FLAC whose seek table holds 200 000 points in descending order, 3.7 MB (before:
/// symphonia's header parse was quadratic; `decode_file` took about 20 s, `open_stream`
/// blocked the game thread 17 s, and every loop rewind blocked the decoder thread again),
/// decodes whole and opens as a stream at once, its table read as padding; the audio is all
/// there, and a file whose table ascends keeps its table.
#[test]
fn a_seek_table_out_of_order_is_not_parsed() {
    let points: Vec<u64> = (0..200_000u64).rev().map(|i| i * 4_096).collect();
    let bytes = silent_flac(12, 4_096, 12 * 4_096, &points);
    assert!(bytes.len() > 3_600_000);
    let t = Instant::now();
    assert_eq!(
        decode_bytes(bytes.clone(), "seek.flac").unwrap().frames(),
        12 * 4_096
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seek.flac");
    std::fs::write(&path, &bytes).unwrap();
    let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
    let id = b
        .open_stream_with(&StreamParams {
            stream: Some(path),
            looping: true,
            ..StreamParams::default()
        })
        .unwrap();
    for _ in 0..5 {
        b.render_frames(48_000); // past the end: the loop rewinds the decoder
    }
    assert!(b.is_channel_active(id));
    b.stop_audio(id).unwrap();
    drop(b);
    // A bound against the 20 s quadratic parse, not a speed claim: the work is linear.
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    let ascending: Vec<u64> = (0..12u64).map(|i| i * 4_096).collect();
    let ok = silent_flac(12, 4_096, 12 * 4_096, &ascending);
    assert_eq!(
        decode_bytes(ok, "ascending.flac").unwrap().frames(),
        12 * 4_096
    );
}
