//! The command line: render, demo and info, run as a user would, with exit statuses.

// The library's measuring helpers and ALSA configurations, shared rather than copied.
#[path = "../../tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Run the CLI on a machine with no audio device (an ALSA configuration with no PCM) unless
/// `env` says otherwise.
fn cli(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_simvx-audio"));
    cmd.args(args)
        .env_remove("SIMVX_ALLOW_LEGACY_AUDIO")
        .env_remove("RUST_LOG")
        .env("ALSA_CONFIG_PATH", common::alsa::no_device());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run simvx-audio")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Tests that `render` writes the golden scene in both formats and prints the same hash twice.
#[test]
fn render_prints_stats_and_is_repeatable() {
    let dir = tempfile::tempdir().unwrap();
    let scene = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scenes/golden.json");
    let out = dir.path().join("out.wav");
    let run = || {
        let o = cli(
            &[
                "render",
                scene.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
            ],
            &[],
        );
        assert!(o.status.success(), "{}", text(&o.stderr));
        text(&o.stdout)
    };
    let first = run();
    assert!(first.contains("frames: 144000"), "{first}");
    assert!(first.contains("hash: fnv1a64:"), "{first}");
    assert_eq!(first, run());
    let wav = hound::WavReader::open(&out).unwrap();
    assert_eq!(wav.spec().sample_format, hound::SampleFormat::Float);
    assert_eq!(wav.len(), 288_000);

    let o = cli(
        &[
            "render",
            scene.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--format",
            "s16",
            "--block",
            "7",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let wav = hound::WavReader::open(&out).unwrap();
    assert_eq!((wav.spec().bits_per_sample, wav.len()), (16, 288_000));
}

/// Tests that a bad scene fails with a non-zero status and names the event and the field.
#[test]
fn bad_scene_names_event_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let scene = dir.path().join("bad.json");
    std::fs::write(
        &scene,
        r#"{"duration": 1, "sounds": {"t": {"tone": {"frequency": 440, "seconds": 1}}},
            "events": [{"at": 0, "call": "play_audio", "channel": "a", "sound": "t"},
                       {"at": 0.5, "call": "update_audio_2d", "channel": "a", "volume_db": "loud", "pan": 0}]}"#,
    )
    .unwrap();
    let o = cli(
        &[
            "render",
            scene.to_str().unwrap(),
            "-o",
            dir.path().join("x.wav").to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("bad.json: event 1: field `volume_db`"),
        "{err}"
    );
    assert!(!dir.path().join("x.wav").exists());
}

/// Tests that `info` falls back to null with a loud warning, and that
/// SIMVX_ALLOW_LEGACY_AUDIO=0 turns the fallback into an error with exit status 1. alsa-lib's
/// error spam is kept off stderr and summarised in the warning.
#[test]
fn info_fallback_and_forbidden() {
    let o = cli(&["info"], &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert!(
        out.contains("backend: null") && out.contains("capabilities: play.basic"),
        "{out}"
    );
    assert!(
        err.contains("WARN") && err.contains("AUDIO IS SILENT"),
        "{err}"
    );
    // alsa-lib's own complaints are summarised in the warning, not printed line by line.
    assert!(!err.contains("ALSA lib "), "{err}");
    if cfg!(target_os = "linux") {
        assert!(err.contains("alsa-lib said:"), "{err}");
    }

    let o = cli(&["info"], &[("SIMVX_ALLOW_LEGACY_AUDIO", "0")]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("audio backend unavailable") && err.contains("SIMVX_ALLOW_LEGACY_AUDIO=0"),
        "{err}"
    );
    assert!(o.stdout.is_empty());
}

/// Tests that the demo runs on a machine with no device: warns, plays through null in real
/// time, and writes a non-silent demo.wav.
#[test]
fn demo_falls_back_and_writes_wav() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("demo.wav");
    let o = cli(&["demo", "-o", wav.to_str().unwrap()], &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("backend: null"), "{out}");
    assert!(
        out.contains("channels still active at the end: none"),
        "{out}"
    );
    let reader = hound::WavReader::open(&wav).unwrap();
    assert_eq!(reader.len(), 2 * 120_000);
    let peak = reader
        .into_samples::<f32>()
        .map(|s| s.unwrap().abs())
        .fold(0.0f32, f32::max);
    assert!(peak > 0.2 && peak < 1.0, "peak {peak}");
}

/// Tests `info` and `play` on a real ALSA device path (the `file` plugin): native timing with
/// its granted buffer, and a WAV file played to the end.
#[test]
fn info_and_play_on_a_device() {
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("capture.raw");
    let conf = common::alsa::file_device("cli", &capture);
    let env = [("ALSA_CONFIG_PATH", conf.to_str().unwrap())];
    let o = cli(&["info"], &env);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("backend: native")
            && out.contains("latency: 5.3 ms (2 periods of 128 frames)"),
        "{out}"
    );
    assert!(out.contains("effect.reverb"), "{out}");

    let wav = write_tone(dir.path(), 0.5);
    let o = cli(&["play", wav.to_str().unwrap()], &env);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("through the native backend") && out.ends_with("done\n"),
        "{out}"
    );
    let captured = common::alsa::read_f32(&capture);
    assert!(
        common::peak(&captured) > 0.45,
        "the tone reached the device"
    );
}

/// Tests `simvx-audio play SCENE.json` on a live device (ALSA's `file` plugin, which is not
/// paced, so nothing here depends on wall time): 20 clicks scheduled 0.25 s apart start exactly
/// 12 000 frames apart in what the device received, and a `start_at` and a `stop_at` land on
/// their frames too.
#[test]
fn play_puts_every_scheduled_call_on_its_frame() {
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("capture.raw");
    let conf = common::alsa::file_device("clicks", &capture);
    let env = [("ALSA_CONFIG_PATH", conf.to_str().unwrap())];
    let mut events: Vec<String> = (0..20)
        .map(|i| {
            format!(
                r#"{{"at": {}, "call": "play_audio", "channel": "c{i}", "sound": "click"}}"#,
                f64::from(i) * 0.25
            )
        })
        .collect();
    // Made at 5.0 s, effective at 5.5 s; stopped at 5.75 s (a 5 ms fade from there).
    events.push(r#"{"at": 5.0, "call": "play_audio", "channel": "late", "sound": "drone", "start_at": 5.5}"#.into());
    events.push(r#"{"at": 5.0, "call": "stop_audio", "channel": "late", "stop_at": 5.75}"#.into());
    let scene = format!(
        r#"{{"sample_rate": 48000, "channels": 2, "duration": 6.5,
            "sounds": {{
                "click": {{"tone": {{"frequency": 1000.0, "amplitude": 0.5, "seconds": 0.01, "sample_rate": 48000, "channels": 1}}}},
                "drone": {{"tone": {{"frequency": 250.0, "amplitude": 0.5, "seconds": 2.0, "sample_rate": 48000, "channels": 1}}}}
            }},
            "events": [{}]}}"#,
        events.join(",\n")
    );
    let path = dir.path().join("clicks.json");
    std::fs::write(&path, scene).unwrap();
    let o = cli(&["play", path.to_str().unwrap()], &env);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("through the native backend"));
    let samples = common::alsa::read_f32(&capture);
    let left: Vec<f32> = samples.chunks_exact(2).map(|f| f[0]).collect();
    // Onsets: a sample above the threshold after at least 100 silent frames.
    let mut onsets = Vec::new();
    let mut quiet = usize::MAX;
    for (i, s) in left.iter().enumerate() {
        if s.abs() > 1e-4 {
            if quiet >= 100 {
                onsets.push(i);
            }
            quiet = 0;
        } else {
            quiet = quiet.saturating_add(1);
        }
    }
    assert_eq!(onsets.len(), 21, "20 clicks and the drone: {onsets:?}");
    let gaps: Vec<usize> = onsets.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps[..19].iter().all(|&g| g == 12_000), "{gaps:?}");
    // The drone starts at 5.5 s: 22 quarters after the first click.
    assert_eq!(onsets[20] - onsets[0], 22 * 12_000);
    // ...and is stopped at 5.75 s: silent 5 ms (240 frames) later, sounding just before.
    let stop = onsets[0] + 23 * 12_000 - 1; // sin(0) = 0: onsets are one frame after their start
    assert!(left[stop - 10].abs() > 1e-3);
    assert!(left[stop + 240..stop + 2_000].iter().all(|s| *s == 0.0));
    println!("20 clicks at exactly 12000-frame intervals; start_at and stop_at on their frames");
}

/// Tests that untweened volume changes in a scene played live land on their frame too: a
/// drone silenced at 1.0 s and restored at 1.5 s is heard up to exactly its 48 000th frame,
/// silent from 240 frames later (the de-click ramp), and back from the 72 000th.
#[test]
fn play_puts_volume_changes_on_their_frame() {
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("capture.raw");
    let conf = common::alsa::file_device("volume", &capture);
    let env = [("ALSA_CONFIG_PATH", conf.to_str().unwrap())];
    let scene = r#"{"sample_rate": 48000, "channels": 2, "duration": 2.5,
        "sounds": {"drone": {"tone": {"frequency": 250.0, "amplitude": 0.5, "seconds": 3.0,
                                      "sample_rate": 48000, "channels": 1}}},
        "events": [
          {"at": 0.0, "call": "play_audio", "channel": "d", "sound": "drone"},
          {"at": 1.0, "call": "update_audio_2d", "channel": "d", "volume_db": -80.0, "pan": 0.0},
          {"at": 1.5, "call": "update_audio_2d", "channel": "d", "volume_db": 0.0, "pan": 0.0}
        ]}"#;
    let path = dir.path().join("volume.json");
    std::fs::write(&path, scene).unwrap();
    let o = cli(&["play", path.to_str().unwrap()], &env);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let samples = common::alsa::read_f32(&capture);
    let left: Vec<f32> = samples.chunks_exact(2).map(|f| f[0]).collect();
    // sin(0) = 0: the first sound is one frame after the drone's start.
    let start = left.iter().position(|s| s.abs() > 1e-4).unwrap() - 1;
    let (down, up) = (start + 48_000, start + 72_000);
    // Unchanged to the frame the ramp starts at (a full-level sine), silent after it.
    let tone =
        |i: usize| 0.5 * (std::f64::consts::TAU * 250.0 * (i - start) as f64 / 48_000.0).sin();
    assert!(
        (f64::from(left[down]) - tone(down)).abs() < 1e-4,
        "still full at its frame"
    );
    assert!(
        left[down + 240..up].iter().all(|s| *s == 0.0),
        "silent after the ramp"
    );
    assert!(
        left[up] == 0.0 && left[up + 1].abs() > 0.0,
        "back from its frame"
    );
    assert!(
        (f64::from(left[up + 240]) - tone(up + 240)).abs() < 1e-4,
        "full again"
    );
    println!(
        "volume changes on frames {} and {} exactly",
        down - start,
        up - start
    );
}

fn write_scene(dir: &Path, name: &str, seconds: f64) -> PathBuf {
    // A looping 1 kHz tone at 0.5 throughout; a 1.5 hit half-way (clipped by s16); a stop
    // after the end (never applied).
    let scene = format!(
        r#"{{"sample_rate": 48000, "channels": 2, "duration": {seconds},
            "sounds": {{"tone": {{"tone": {{"frequency": 1000.0, "amplitude": 0.5, "seconds": 1.0}}}},
                        "hit": {{"tone": {{"frequency": 440.0, "amplitude": 1.5, "seconds": 0.1}}}}}},
            "events": [
              {{"at": 0, "call": "play_audio", "channel": "t", "sound": "tone", "loop": true}},
              {{"at": {half}, "call": "play_audio", "channel": "h", "sound": "hit"}},
              {{"at": {after}, "call": "stop_audio", "channel": "t"}}
            ]}}"#,
        half = seconds / 2.0,
        after = seconds + 1.0
    );
    let path = dir.join(name);
    std::fs::write(&path, scene).unwrap();
    path
}

/// Tests that `render` warns about events after the end and samples clipped by s16 (exit 0),
/// fails on them with `--strict` (after writing the file), and stays quiet for a clean render.
#[test]
fn render_warns_and_strict_fails() {
    let dir = tempfile::tempdir().unwrap();
    let scene = write_scene(dir.path(), "warn.json", 2.0);
    let out = dir.path().join("warn.wav");
    let args = |strict: bool, format: &str| {
        let mut a = vec![
            "render",
            scene.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ];
        a.extend(["--format", format]);
        if strict {
            a.push("--strict");
        }
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run = |a: Vec<String>| cli(&a.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
    let o = run(args(false, "s16"));
    assert!(o.status.success(), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("1 event(s) at or after the scene's end"),
        "{err}"
    );
    assert!(err.contains("clipped by --format s16"), "{err}");
    assert!(text(&o.stderr).contains("peak memory:"));
    let o = run(args(true, "s16"));
    assert!(!o.status.success(), "--strict fails");
    assert!(out.exists(), "but writes the file first");
    // f32 holds the hit: only the late event warns.
    let o = run(args(false, "f32"));
    let err = text(&o.stderr);
    assert!(!err.contains("clipped"), "{err}");
    assert!(err.contains("after the scene's end"), "{err}");
}

/// Tests (release, from `scripts/test`) that an hour-long scene renders to disk in flat
/// memory, with its meters and its plot gathered too: peak resident memory under 64 MB, as
/// `/usr/bin/time -v` (where there is one) and the command's own report say.
#[test]
#[ignore = "an hour of audio: run in release by scripts/test"]
fn an_hour_renders_in_flat_memory() {
    let dir = tempfile::tempdir().unwrap();
    let scene = write_scene(dir.path(), "hour.json", 3600.0);
    let png = dir.path().join("hour.png");
    let started = std::time::Instant::now();
    let bin = env!("CARGO_BIN_EXE_simvx-audio");
    let args = [
        "render",
        scene.to_str().unwrap(),
        "-o",
        "/dev/null",
        "--format",
        "s16",
        "--meters",
        "--plot",
        png.to_str().unwrap(),
    ];
    let timed = Path::new("/usr/bin/time").exists();
    let o = if timed {
        std::process::Command::new("/usr/bin/time")
            .arg("-v")
            .arg(bin)
            .args(args)
            .output()
            .unwrap()
    } else {
        cli(&args, &[])
    };
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(stdout.contains("frames: 172800000"), "{stdout}");
    assert!(stdout.contains("loudness: ") && png.exists(), "{stdout}");
    let own: f64 = text(&o.stderr)
        .lines()
        .find_map(|l| l.strip_prefix("peak memory: "))
        .and_then(|l| l.trim_end_matches(" MiB").parse().ok())
        .expect("the peak memory line");
    assert!(own < 64.0, "{own} MiB");
    if timed {
        let kib: f64 = text(&o.stderr)
            .lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("Maximum resident set size (kbytes): ")
            })
            .and_then(|v| v.parse().ok())
            .expect("time -v's line");
        assert!(kib / 1024.0 < 64.0, "{} MiB", kib / 1024.0);
        println!(
            "an hour rendered in {:.1} s, peak {:.1} MiB resident",
            started.elapsed().as_secs_f64(),
            kib / 1024.0
        );
    }
}

/// Tests the device list and choosing a device by id or name, on an ALSA configuration of
/// our own with one listed (hinted) PCM: `devices` lists it, `--device` opens a real stream on
/// it by its id or its name, and an unknown name falls back to null with a warning that lists
/// what there is.
#[test]
fn devices_are_listed_and_chosen_by_name() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("hint.conf");
    std::fs::write(
        &conf,
        "pcm.simvx_test { type null hint { show on description \"simvx test sink\" } }\n",
    )
    .unwrap();
    let env = [("ALSA_CONFIG_PATH", conf.to_str().unwrap())];
    let o = cli(&["devices"], &env);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let list = text(&o.stdout);
    assert!(
        list.contains("alsa:simvx_test (simvx test sink): channels 1-64"),
        "{list}"
    );
    assert!(
        !text(&o.stderr).contains("ALSA lib "),
        "quiet while listing"
    );
    for name in ["alsa:simvx_test", "simvx test sink"] {
        let o = cli(&["--device", name, "info"], &env);
        assert!(o.status.success(), "{}", text(&o.stderr));
        let out = text(&o.stdout);
        assert!(
            out.contains("backend: native") && out.contains("device: simvx test sink"),
            "{out}"
        );
    }
    let o = cli(&["--device", "nope", "info"], &env);
    assert!(o.status.success());
    let err = text(&o.stderr);
    assert!(
        err.contains(r#"no output device is called "nope""#) && err.contains("alsa:simvx_test"),
        "{err}"
    );
    assert!(text(&o.stdout).contains("backend: null"));
}

/// Tests `render --meters` against EBU Tech 3341's first case: a stereo 1 kHz sine at
/// −23 dBFS for 20 s is −23.0 LUFS integrated (within 0.1 LU), and its bus and Master read
/// −23.00 dBFS peak and −26.01 dBFS RMS.
#[test]
fn render_meters_match_the_ebu_reference() {
    let dir = tempfile::tempdir().unwrap();
    let scene = dir.path().join("ebu.json");
    std::fs::write(
        &scene,
        r#"{"sample_rate": 48000, "channels": 2, "duration": 20,
            "sounds": {"sine": {"tone": {"frequency": 1000.0, "amplitude": 0.0707946, "seconds": 1.0}}},
            "events": [{"at": 0, "call": "play_audio", "channel": "s", "sound": "sine",
                        "bus": "SFX", "loop": true}]}"#,
    )
    .unwrap();
    let out = dir.path().join("ebu.wav");
    let o = cli(
        &[
            "render",
            scene.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--meters",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    let lufs: f64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("loudness: "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("a loudness line");
    assert!((lufs + 23.0).abs() <= 0.1, "{lufs} LUFS");
    for bus in ["SFX", "Master"] {
        let line = format!("meter {bus}: peak -23.00 -23.00 dBFS, rms -26.01 -26.01 dBFS");
        assert!(stdout.contains(&line), "{stdout}");
    }
    assert!(
        stdout.contains("meter Music: peak -inf -inf dBFS"),
        "{stdout}"
    );
    println!("EBU 3341 case 1: {lufs:.2} LUFS");
}

/// A 1 kHz tone at half scale, mono, 44.1 kHz, `seconds` long: `dir/tone.wav`.
fn write_tone(dir: &Path, seconds: f64) -> PathBuf {
    let wav = dir.join("tone.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 44_100,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&wav, spec).unwrap();
    for i in 0..(seconds * 44_100.0) as usize {
        let s = (i as f64 * 2.0 * std::f64::consts::PI * 1000.0 / 44_100.0).sin();
        w.write_sample((s * 16_384.0) as i16).unwrap();
    }
    w.finalize().unwrap();
    wav
}

/// `play` of a 10 s looping file started with no device (the silent clock), then the system's
/// configuration rewritten to a device (the `file` plugin over a real-time device that accepts
/// only `rate`): within 2 s the capture receives the sound, the events say "fell back to
/// silent" then "back on a device" (and "format changed" when the device is not at the mixer's
/// 48 kHz), and the capture is the 1 kHz tone at half scale, at 1 kHz.
fn play_moves_onto_a_device_that_appears(rate: u32) {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let wav = write_tone(dir.path(), 10.0);
    let capture = dir.path().join("capture.raw");
    let conf = dir.path().join("system.conf");
    std::fs::write(&conf, "# no PCM yet: no device\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_simvx-audio"))
        .args(["play", wav.to_str().unwrap(), "--loop", "--for", "5"])
        .env_remove("SIMVX_ALLOW_LEGACY_AUDIO")
        .env_remove("RUST_LOG")
        .env("ALSA_CONFIG_PATH", &conf)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let mut lines = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !lines.iter().any(|l: &String| l.starts_with("playing ")) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        lines.push(rx.recv_timeout(left).expect("play starts"));
    }
    assert!(
        lines.iter().any(|l| l == "backend: null"),
        "no device at first: {lines:?}"
    );
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let size = || std::fs::metadata(&capture).map_or(0, |m| m.len());
    assert_eq!(size(), 0, "nothing was played before the device appeared");

    common::alsa::rewrite(&conf, &common::alsa::paced_file_config(&capture, rate, 2));
    let appeared = std::time::Instant::now();
    while size() == 0 && appeared.elapsed() < std::time::Duration::from_secs(3) {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let heard = appeared.elapsed();
    assert!(
        size() > 0 && heard < std::time::Duration::from_secs(2),
        "the capture grew {heard:?} after the device appeared"
    );

    let status = child.wait().unwrap();
    reader.join().unwrap();
    lines.extend(rx.try_iter());
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "{stderr}");
    let at = |prefix: &str| lines.iter().position(|l| l.starts_with(prefix));
    let (silent, back) = (
        at("device: fell back to silent"),
        at("device: back on a device"),
    );
    assert!(
        silent.is_some() && back.is_some() && silent < back,
        "{lines:?}"
    );
    let changed = at(&format!(
        "device: format changed: the device runs 2 channels at {rate} Hz"
    ));
    assert_eq!(changed.is_some(), rate != 48_000, "{lines:?}");
    assert!(stderr.contains("an audio device is back"), "{stderr}");

    let (left, right) = common::split_stereo(&common::alsa::read_f32(&capture));
    let rate_f = f64::from(rate);
    let second = &left[rate as usize / 10..rate as usize * 11 / 10];
    let f = common::dominant_frequency(second, rate_f, 900.0, 1100.0);
    let (peak, rms) = (common::peak(second), common::rms(&right[..left.len()]));
    println!(
        "device at {rate} Hz: heard {:.0} ms after it appeared; {:.2} s captured; {f:.4} Hz, \
         peak {peak:.4}, rms (whole capture, right) {rms:.4}",
        heard.as_secs_f64() * 1000.0,
        left.len() as f64 / rate_f
    );
    assert!((f - 1000.0).abs() < 0.05, "{f} Hz");
    assert!((peak - 0.5).abs() < 0.005, "peak {peak}");
    assert!((rms - 0.5 / 2f64.sqrt()).abs() < 0.01, "rms {rms}");
}

#[test]
fn play_moves_onto_a_device_that_appears_at_48k() {
    play_moves_onto_a_device_that_appears(48_000);
}

#[test]
fn play_moves_onto_a_device_that_appears_at_44k1_only() {
    play_moves_onto_a_device_that_appears(44_100);
}

/// Tests that `render --plot` draws the demo scene into a 1600 × 1200 PNG and leaves the WAV
/// (its hash) as a render without the plot writes it.
#[test]
fn render_plots_to_png() {
    let dir = tempfile::tempdir().unwrap();
    let scene = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/scenes/demo.json");
    let (wav, png) = (dir.path().join("demo.wav"), dir.path().join("demo.png"));
    let run = |extra: &[&str]| {
        let mut args = vec![
            "render",
            scene.to_str().unwrap(),
            "-o",
            wav.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let o = cli(&args, &[]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        text(&o.stdout)
    };
    let plain = run(&[]);
    let plotted = run(&["--plot", png.to_str().unwrap()]);
    let hash = |out: &str| {
        out.lines()
            .find(|l| l.starts_with("hash:"))
            .map(String::from)
    };
    assert_eq!(hash(&plain), hash(&plotted));
    assert!(plotted.contains("plotted "), "{plotted}");
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    assert_eq!((be(16), be(20)), (1600, 1200), "IHDR width and height");
}
