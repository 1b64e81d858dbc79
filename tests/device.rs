//! The device path through real cpal and real ALSA, with no sound card: the ALSA `file`
//! plugin over `null` is the "device", and what it received is read back.
//!
//! ALSA reads its configuration once per process, so each test runs its body in a child
//! process of this test binary with its own `ALSA_CONFIG_PATH`. The file plugin over `null`
//! is not paced in real time: tests wait for a count of frames, never for wall time. The
//! latency tests put it over the paced test device (`tests/alsa/paced.c`) instead, which
//! keeps real time, so a game thread descheduled for a moment is not a device racing ahead.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{dominant_frequency, rms, split_stereo};
use simvx_audio::{
    AudioConfig, Backend, BackendKind, DeviceBackend, DeviceEvent, Driver, FallbackPolicy,
    PlayParams, Playback, Reopen, Scheduling, Sound, Timing, make_backend,
};

const CHILD: &str = "SIMVX_DEVICE_TEST_CHILD";

/// Run `test` in a child process with `ALSA_CONFIG_PATH=conf` (and `capture` for the body to
/// read); return its stdout. In the child, returns `None` and the caller runs the body.
fn in_child(test: &str, conf: &Path, capture: &Path) -> Option<String> {
    if std::env::var_os(CHILD).is_some() {
        return None;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env("ALSA_CONFIG_PATH", conf)
        .env("SIMVX_TEST_CAPTURE", capture)
        .env_remove("SIMVX_ALLOW_LEGACY_AUDIO")
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(
        out.status.success(),
        "child {test} failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("1 passed"),
        "the child ran nothing:\n{stdout}"
    );
    print!("{stdout}");
    Some(stdout)
}

fn capture_path() -> std::path::PathBuf {
    std::env::var_os("SIMVX_TEST_CAPTURE").unwrap().into()
}

/// Wait until the device has been handed `frames` frames.
fn wait_for_frames<D: Driver>(d: &Backend<D>, frames: u64) {
    let limit = Instant::now() + Duration::from_secs(20);
    while d.device().unwrap().frames_played() < frames {
        assert!(
            Instant::now() < limit,
            "the device stalled at {}",
            d.device().unwrap().frames_played()
        );
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// Take device events (through the game's calls) until one matches `want`, for up to 10 s;
/// return every event taken.
fn events_until<D: Driver>(
    d: &mut Backend<D>,
    want: impl Fn(&DeviceEvent) -> bool,
) -> Vec<DeviceEvent> {
    let limit = Instant::now() + Duration::from_secs(10);
    let mut all = Vec::new();
    loop {
        let new = d.take_device_events();
        let found = new.iter().any(&want);
        all.extend(new);
        if found {
            return all;
        }
        assert!(Instant::now() < limit, "no such event; saw {all:?}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Play a 0.5-amplitude 1 kHz tone on `device`; check what the device received and measure
/// the delay from `play_audio` to its first audible frame. The paced device keeps real time,
/// so a machine loaded enough to make the stream miss a period spoils one measurement (a gap
/// in the tone, or a reopen that starts a new capture): it is taken again, up to three times,
/// and the test fails only if every attempt does.
fn tone_through<D: Driver>(device: &mut Backend<D>, label: &str) {
    let mut why = Vec::new();
    for attempt in 1..=3 {
        let reopens = device.device().unwrap().reopens();
        let tone = Sound::tone(1000.0, 0.5, 1.0, 44_100, 1).unwrap();
        let at = device.device().unwrap().frames_played();
        let id = device.play_audio(&tone, &PlayParams::default()).unwrap();
        wait_for_frames(device, at + 96_000);
        let result = if device.device().unwrap().reopens() != reopens {
            Err("the stream was reopened".to_string())
        } else {
            measure_tone(device, label, at)
        };
        match result {
            Ok(()) => return,
            Err(e) => {
                println!("{label}: attempt {attempt}: {e}; again");
                why.push(e);
            }
        }
        let _ = device.stop_audio(id);
    }
    panic!("{label}: every attempt failed: {why:?}");
}

/// What `tone_through` checks of a tone played at device frame `at` of the current stream.
fn measure_tone<D: Driver>(device: &mut Backend<D>, label: &str, at: u64) -> Result<(), String> {
    let info = device.info().clone();
    let period = u64::from(info.buffer_frames.expect("a granted period"));
    let captured = common::alsa::read_f32(&capture_path());
    let (l, r) = split_stereo(&captured);
    let from = (at as usize).min(l.len());
    let onset = l[from..]
        .iter()
        .position(|s| s.abs() > 1e-3)
        .ok_or("the tone did not arrive")? as u64
        + from as u64;
    let delay = onset.saturating_sub(at);
    let rate = f64::from(info.sample_rate);
    println!(
        "{label}: device {:?}, {} Hz {} ch {}, period {period} frames ({:.1} ms buffer); \
         play_audio -> first audible frame: {delay} frames ({:.2} ms) after the device clock \
         read at the call, plus the {:.1} ms buffer on a paced device",
        info.device,
        info.sample_rate,
        info.channels,
        info.sample_format,
        info.latency_seconds.unwrap() * 1000.0,
        delay as f64 * 1000.0 / rate,
        info.latency_seconds.unwrap() * 1000.0,
    );
    if delay > 3 * period {
        return Err(format!("{delay} frames of delay, period {period}"));
    }
    let o = onset as usize;
    if l.len() < o + 48_000 {
        return Err(format!(
            "the capture holds {} frames after the onset",
            l.len() - o
        ));
    }
    let tone_l = &l[o + 480..o + 48_000];
    let tone_r = &r[o + 480..o + 48_000];
    let f = dominant_frequency(tone_l, rate, 900.0, 1100.0);
    if (f - 1000.0).abs() >= 0.5 {
        return Err(format!("{f} Hz"));
    }
    let want = 0.5 / std::f64::consts::SQRT_2;
    for level in [rms(tone_l), rms(tone_r)] {
        if (level - want).abs() >= want * 0.005 {
            return Err(format!("rms {level}, want {want}"));
        }
    }
    println!(
        "{label}: measured {f:.3} Hz, rms {:.4} / {:.4}",
        rms(tone_l),
        rms(tone_r)
    );
    Ok(())
}

/// Tests native timing through make_backend: a 1 kHz tone arrives at the right frequency and
/// level, and the play-to-sound delay is measured.
#[test]
fn native_tone_reaches_the_device() {
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("native.raw");
    // Paced (real time): on the stock `null`, 1 ms of the game thread descheduled is 60 ms
    // of device frames, which a loaded machine turned into a failed delay bound.
    let conf = common::alsa::paced_file_device("native", &capture, 48_000, 2);
    if in_child("native_tone_reaches_the_device", &conf, &capture).is_some() {
        return;
    }
    let config = AudioConfig {
        fallback: FallbackPolicy::Forbid,
        ..AudioConfig::default()
    };
    let mut backend = make_backend(&config).expect("the file device opens natively");
    assert_eq!(backend.kind(), BackendKind::Native);
    assert_eq!(backend.info().buffer_frames, Some(128));
    assert_eq!(backend.info().latency_seconds, Some(256.0 / 48_000.0));
    tone_through(&mut backend, "native");
}

/// Tests a device that keeps underrunning: three underruns within ten seconds move the stream
/// to the next longer period of native timing (128, 256, then 480 frames: native timing's
/// buffer stays at most 20 ms), keeping every channel where it was; at 480 it stays. Two
/// underruns change nothing; a device loss afterwards reopens at the period reached.
#[test]
fn underruns_lengthen_the_period() {
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("xrun.raw");
    let conf = common::alsa::file_device("xrun", &capture);
    if in_child("underruns_lengthen_the_period", &conf, &capture).is_some() {
        return;
    }
    let mut d = DeviceBackend::open(&AudioConfig::default(), Timing::Native).unwrap();
    let drone = Sound::tone(1000.0, 0.5, 1.0, 48_000, 1).unwrap();
    let looped = PlayParams {
        looping: true,
        ..PlayParams::default()
    };
    let id = d.play_audio(&drone, &looped).unwrap();
    assert_eq!(d.info().buffer_frames, Some(128));
    d.as_device().unwrap().simulate_underruns(2);
    assert!(d.is_channel_active(id));
    std::thread::sleep(Duration::from_millis(100));
    assert!(d.take_device_events().is_empty());
    assert_eq!(
        d.info().buffer_frames,
        Some(128),
        "two underruns are tolerated"
    );
    let mut periods = vec![128];
    for _ in 0..4 {
        let from = d.info().buffer_frames.unwrap();
        d.as_device().unwrap().simulate_underruns(3);
        if from < 480 {
            let events = events_until(&mut d, |e| matches!(e, DeviceEvent::Lengthened { .. }));
            assert!(
                matches!(events.as_slice(), [DeviceEvent::Lengthened { from_frames, .. }] if *from_frames == from),
                "{events:?}"
            );
        } else {
            std::thread::sleep(Duration::from_millis(100));
            assert!(
                d.take_device_events().is_empty(),
                "no longer period to go to"
            );
        }
        assert!(d.is_channel_active(id), "the channel survives the reopen");
        periods.push(d.info().buffer_frames.unwrap());
    }
    assert_eq!(periods, [128, 256, 480, 480, 480]);
    assert_eq!(d.info().latency_seconds, Some(0.02));
    d.as_device().unwrap().simulate_device_loss(Reopen::Device);
    events_until(&mut d, |e| matches!(e, DeviceEvent::Reopened { .. }));
    assert!(d.is_channel_active(id));
    assert_eq!(
        d.info().buffer_frames,
        Some(480),
        "the reopen keeps the period reached"
    );
    wait_for_frames(&d, 9_600); // the reopened stream runs (this panics if it stalls)
    assert!(d.is_channel_active(id));
    println!("underruns: periods {periods:?}");
}

/// Tests legacy timing: the same tone through 50 ms periods (a 100 ms buffer).
#[test]
fn legacy_tone_reaches_the_device() {
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("legacy.raw");
    let conf = common::alsa::paced_file_device("legacy", &capture, 48_000, 2);
    if in_child("legacy_tone_reaches_the_device", &conf, &capture).is_some() {
        return;
    }
    let mut device = DeviceBackend::open(&AudioConfig::default(), Timing::Legacy).unwrap();
    assert_eq!(device.info().kind, BackendKind::Legacy);
    assert_eq!(device.info().buffer_frames, Some(2400));
    assert_eq!(device.info().latency_seconds, Some(0.1));
    tone_through(&mut device, "legacy");
}

/// Tests a device lost mid-playback: the backend reopens the device and every channel keeps
/// playing from where it was; when no device can be reopened, a silent clock keeps the
/// channels alive and ending on time. The game-side API works throughout.
#[test]
fn device_loss_keeps_every_channel() {
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("loss.raw");
    let conf = common::alsa::paced_file_device("loss", &capture, 48_000, 2);
    if in_child("device_loss_keeps_every_channel", &conf, &capture).is_some() {
        return;
    }
    let mut d = DeviceBackend::open(&AudioConfig::default(), Timing::Native).unwrap();
    let drone = Sound::tone(1000.0, 0.5, 1.0, 48_000, 1).unwrap();
    let looped = PlayParams {
        looping: true,
        ..PlayParams::default()
    };
    let ids: Vec<_> = (0..3)
        .map(|_| d.play_audio(&drone, &looped).unwrap())
        .collect();
    d.set_listener_position([1.0, 0.0, 0.0]).unwrap();
    wait_for_frames(&d, 30_000);
    let before = d.get_playback_position(ids[0]);
    let played_before = d.now_frames();

    d.as_device().unwrap().simulate_device_loss(Reopen::Device);
    let events = events_until(&mut d, |e| matches!(e, DeviceEvent::Reopened { .. }));
    assert!(
        matches!(
            events.as_slice(),
            [DeviceEvent::Lost { .. }, DeviceEvent::Reopened { .. }]
        ),
        "{events:?}"
    );
    assert!(
        ids.iter().all(|&id| d.is_channel_active(id)),
        "channels survive the loss"
    );
    assert_eq!(d.device().unwrap().reopens(), 1);
    assert!(!d.device().unwrap().is_silent());
    assert!(
        d.as_device().unwrap().take_events().is_empty(),
        "taken once"
    );
    // The cursor went on from where it was, not from 0: it is where continuous play from
    // `before` puts it (the drone loops every second, and the unpaced device may have played
    // more than a second meanwhile), within a few periods.
    let after = d.get_playback_position(ids[0]);
    let played = (d.now_frames() - played_before) as f64 / 48_000.0;
    let expected = (before + played).rem_euclid(1.0);
    let off = (after - expected)
        .rem_euclid(1.0)
        .min((expected - after).rem_euclid(1.0));
    assert!(
        off < 0.05,
        "the cursor kept its place: {after} s, expected {expected} s ({before} s + {played} s)"
    );
    // The file plugin writes a period or two behind the frame counter.
    wait_for_frames(&d, 60_000);
    let (l, _) = split_stereo(&common::alsa::read_f32(&capture_path()));
    let level = rms(&l[4800..48_000]);
    assert!(
        (level - 3.0 * 0.3536).abs() < 0.01,
        "all three play on the new stream: {level}"
    );
    assert_eq!(d.listener().position, [1.0, 0.0, 0.0]);

    d.as_device()
        .unwrap()
        .simulate_device_loss(Reopen::NoDevice);
    let events = events_until(&mut d, |e| {
        matches!(e, DeviceEvent::FellBackToSilent { .. })
    });
    assert!(
        matches!(
            events.as_slice(),
            [
                DeviceEvent::Lost { .. },
                DeviceEvent::FellBackToSilent { .. }
            ]
        ),
        "{events:?}"
    );
    assert!(
        d.device().unwrap().is_silent(),
        "no device: the silent clock drives the mixer"
    );
    let blip = Sound::tone(500.0, 0.5, 0.2, 48_000, 1).unwrap();
    let short = d.play_audio(&blip, &PlayParams::default()).unwrap();
    assert!(d.info().device.starts_with("none"), "{}", d.info().device);
    assert!(d.is_channel_active(short));
    std::thread::sleep(Duration::from_millis(400));
    assert!(
        !d.is_channel_active(short),
        "a one-shot still ends on time without a device"
    );
    assert!(ids.iter().all(|&id| d.is_channel_active(id)));
    d.stop_audio(ids[1]).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    assert!(!d.is_channel_active(ids[1]));
    // Retries from the silent clock fail while there is no device...
    std::thread::sleep(Duration::from_millis(1_100));
    assert!(d.is_channel_active(ids[0]));
    assert!(d.device().unwrap().is_silent());
    // ...and move back onto one (within the retry interval) once it returns.
    let returned = Instant::now();
    d.as_device().unwrap().simulate_device_return();
    let events = events_until(&mut d, |e| matches!(e, DeviceEvent::BackOnDevice { .. }));
    assert!(
        returned.elapsed() < Duration::from_millis(1_500),
        "back within the retry interval: {:?}",
        returned.elapsed()
    );
    assert!(
        matches!(events.as_slice(), [DeviceEvent::BackOnDevice { .. }]),
        "{events:?}"
    );
    assert!(d.is_channel_active(ids[0]), "channels survive the silence");
    assert!(!d.device().unwrap().is_silent(), "back on a device");
    assert!(!d.info().device.starts_with("none"), "{}", d.info().device);
    // The two looping channels left play on the new stream.
    wait_for_frames(&d, 60_000);
    let (l, _) = split_stereo(&common::alsa::read_f32(&capture_path()));
    let level = rms(&l[4800..48_000]);
    assert!(
        (level - 2.0 * 0.3536).abs() < 0.01,
        "both play on the device again: {level}"
    );
    println!(
        "device loss: reopened once, ran silently, then back on a device; looping channels kept"
    );
}

/// Tests the chain on a machine with no device: make_backend falls back to null with one loud
/// warning, and with fallback forbidden (the environment variable or the configuration) it is
/// an error naming the cause.
#[test]
fn no_device_falls_back_or_errors() {
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("unused.raw");
    let conf = common::alsa::no_device();
    if in_child("no_device_falls_back_or_errors", &conf, &capture).is_some() {
        return;
    }
    let allow = AudioConfig {
        fallback: FallbackPolicy::Allow,
        ..AudioConfig::default()
    };
    let backend = make_backend(&allow).unwrap();
    assert_eq!(backend.kind(), BackendKind::Null);
    let forbid = AudioConfig {
        fallback: FallbackPolicy::Forbid,
        ..AudioConfig::default()
    };
    match make_backend(&forbid) {
        Err(simvx_audio::AudioError::BackendUnavailable { cause, .. }) => {
            assert!(
                cause.contains("no usable output device") && cause.contains("DeviceNotAvailable"),
                "{cause}"
            );
        }
        other => panic!(
            "expected BackendUnavailable, got {:?}",
            other.map(|b| b.kind())
        ),
    }
}

/// Threads of this process now.
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

/// Wait (up to 2 s) until this process is back to `want` threads: a joined thread can stay
/// listed for a moment after its join returns. Returns the count at the end.
fn settle_threads(want: usize) -> usize {
    let limit = Instant::now() + Duration::from_secs(2);
    while threads() != want && Instant::now() < limit {
        std::thread::sleep(Duration::from_millis(5));
    }
    threads()
}

/// Tests that `shutdown()` releases the device, as SimVX needs before it installs the next
/// backend: through `make_backend`, a looping tone plays, then after `shutdown()` the device
/// is no longer fed (neither its frame counter nor its capture file grows over 200 ms), the
/// stream's callback thread is gone, every call is refused, and a second backend opened on the
/// same device plays a tone that arrives whole in the capture file.
#[test]
fn shutdown_releases_the_device() {
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("shutdown.raw");
    let conf = common::alsa::exclusive_file_device("shutdown", &capture);
    if in_child("shutdown_releases_the_device", &conf, &capture).is_some() {
        return;
    }
    // In the child: the parent's capture file, which its ALSA configuration names.
    let capture = capture_path();
    let config = AudioConfig {
        fallback: FallbackPolicy::Forbid,
        ..AudioConfig::default()
    };
    let before = threads();
    let mut first = make_backend(&config).expect("the file device opens");
    let drone = Sound::tone(1000.0, 0.5, 1.0, 48_000, 1).unwrap();
    let looped = PlayParams {
        looping: true,
        ..PlayParams::default()
    };
    let id = first.play_audio(&drone, &looped).unwrap();
    wait_for_frames(&first, 48_000);
    let open = threads();
    assert!(
        open > before,
        "the stream runs a thread: {before} -> {open}"
    );

    first.shutdown();
    let device = first.as_device().unwrap();
    let (frames, bytes) = (device.frames_played(), capture.metadata().unwrap().len());
    std::thread::sleep(Duration::from_millis(200));
    let (frames_later, bytes_later) = (device.frames_played(), capture.metadata().unwrap().len());
    println!(
        "after shutdown: frames_played {frames} -> {frames_later}, capture {bytes} -> \
         {bytes_later} bytes over 200 ms"
    );
    assert_eq!(frames_later, frames, "the device is still fed");
    assert_eq!(bytes_later, bytes, "the device is still written");
    let after = settle_threads(before);
    println!("threads: {before} before opening, {open} while playing, {after} after shutdown");
    assert_eq!(after, before, "the stream's thread outlived shutdown");
    assert!(matches!(
        first.play_audio(&drone, &PlayParams::default()),
        Err(simvx_audio::AudioError::Shutdown)
    ));
    assert!(!first.is_channel_active(id));
    assert_eq!(first.get_playback_position(id), 0.0);
    first.shutdown();
    assert_eq!(threads(), before, "a second shutdown is a no-op");

    // The old backend is still alive (SimVX drops it later): the device must be free anyway.
    let mut second = make_backend(&config).expect("the device opens again after shutdown");
    assert_eq!(second.kind(), BackendKind::Native);
    tone_through(&mut second, "after shutdown");
    drop(first);
    drop(second);
    assert_eq!(settle_threads(before), before);
}

/// Tests that `shutdown()` also stops and joins the silent clock that drives the mixer after
/// the device was lost with none to reopen.
#[test]
fn shutdown_stops_the_silent_clock() {
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("silent.raw");
    let conf = common::alsa::file_device("silent", &capture);
    if in_child("shutdown_stops_the_silent_clock", &conf, &capture).is_some() {
        return;
    }
    let before = threads();
    let mut d = DeviceBackend::open(&AudioConfig::default(), Timing::Native).unwrap();
    let drone = Sound::tone(1000.0, 0.5, 1.0, 48_000, 1).unwrap();
    let looped = PlayParams {
        looping: true,
        ..PlayParams::default()
    };
    let id = d.play_audio(&drone, &looped).unwrap();
    d.as_device()
        .unwrap()
        .simulate_device_loss(Reopen::NoDevice);
    events_until(&mut d, |e| {
        matches!(e, DeviceEvent::FellBackToSilent { .. })
    });
    assert!(d.is_channel_active(id));
    assert!(d.device().unwrap().is_silent());
    // The device watcher, and the clock that replaced the stream's thread.
    let silent = settle_threads(before + 2);
    assert_eq!(silent, before + 2, "the clock replaced the stream's thread");
    d.shutdown();
    let after = settle_threads(before);
    println!(
        "threads: {before} before opening, {silent} on the silent clock, {after} after shutdown"
    );
    assert_eq!(after, before, "the silent clock outlived shutdown");
    assert!(!d.is_channel_active(id));
    d.shutdown();
    drop(d);
    assert_eq!(threads(), before);
}

// ---------------------------------------------------------------------------------------------
// Device faults: a device that hangs or fails never holds the game (issue 16).
// ---------------------------------------------------------------------------------------------

/// A `file` plugin over `null` writing into `target` (a FIFO, `/dev/full`).
fn file_into(name: &str, dir: &Path, target: &Path) -> std::path::PathBuf {
    let conf = dir.join(format!("{name}.conf"));
    std::fs::write(
        &conf,
        format!(
            "pcm.!default {{\n  type file\n  slave.pcm \"nullsink\"\n  file \"{}\"\n  format \"raw\"\n}}\npcm.nullsink {{ type null }}\n",
            target.display()
        ),
    )
    .unwrap();
    conf
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
}

/// What a game loop of `seconds` saw: the slowest call, the calls made, the events.
struct GameLoop {
    slowest: Duration,
    calls: usize,
    events: Vec<DeviceEvent>,
}

/// A game loop on `b` for `seconds`: every 10 ms a frame's calls (a play every 100 ms, a
/// volume and pan update, activity and position queries, the device's events), each timed;
/// checks that a 0.3 s one-shot played at the start ends within `deadline` all the same.
fn game_loop(b: &mut Backend, seconds: f64, deadline: Duration) -> GameLoop {
    let blip = Sound::tone(700.0, 0.5, 0.3, 48_000, 1).unwrap();
    let long = Sound::tone(300.0, 0.5, 1.0, 48_000, 1).unwrap();
    let looping = PlayParams {
        looping: true,
        ..PlayParams::default()
    };
    let mut out = GameLoop {
        slowest: Duration::ZERO,
        calls: 0,
        events: Vec::new(),
    };
    let time = |out: &mut GameLoop, f: &mut dyn FnMut()| {
        let t = Instant::now();
        f();
        out.slowest = out.slowest.max(t.elapsed());
        out.calls += 1;
    };
    let mut drone = None;
    time(&mut out, &mut || {
        drone = Some(b.play_audio(&long, &looping).unwrap())
    });
    let drone = drone.unwrap();
    let mut shot = None;
    time(&mut out, &mut || {
        shot = Some(b.play_audio(&blip, &PlayParams::default()).unwrap())
    });
    let shot = shot.unwrap();
    let start = Instant::now();
    let mut frame = 0u64;
    let mut shot_ended = None;
    while start.elapsed().as_secs_f64() < seconds {
        if frame.is_multiple_of(10) {
            time(&mut out, &mut || {
                let _ = b.play_audio(&blip, &PlayParams::default());
            });
        }
        let pan = ((frame % 200) as f32 / 100.0) - 1.0;
        time(&mut out, &mut || {
            b.update_audio_2d(drone, -6.0, pan).unwrap()
        });
        let mut active = true;
        time(&mut out, &mut || active = b.is_channel_active(shot));
        if !active && shot_ended.is_none() {
            shot_ended = Some(start.elapsed());
        }
        time(&mut out, &mut || {
            let _ = b.get_playback_position(drone);
        });
        let mut events = Vec::new();
        time(&mut out, &mut || events = b.take_device_events());
        out.events.extend(events);
        frame += 1;
        std::thread::sleep(Duration::from_millis(10));
    }
    let ended = shot_ended.expect("the one-shot never ended");
    assert!(ended < deadline, "a 0.3 s one-shot ended after {ended:?}");
    assert!(b.is_channel_active(drone), "the looping drone ended");
    out
}

/// Tests a device whose open hangs for ever (the `file` plugin into a FIFO nobody reads:
/// before, `make_backend` never returned): `make_backend` gives up on it after its 2 s
/// deadline and returns the null backend, which keeps time; for 3 s every game call returns
/// within 50 ms, a one-shot ends on time, no thread piles up behind the hung open, and
/// `shutdown` returns (at once, or after the watcher's own bounded wait for an open).
#[test]
fn a_device_that_hangs_in_open_never_holds_the_game() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("nobody.fifo");
    let conf = file_into("hang", dir.path(), &fifo);
    if in_child(
        "a_device_that_hangs_in_open_never_holds_the_game",
        &conf,
        &fifo,
    )
    .is_some()
    {
        return;
    }
    let fifo = capture_path();
    mkfifo(&fifo);
    let t = Instant::now();
    let mut b = make_backend(&AudioConfig::default()).unwrap();
    let made = t.elapsed();
    assert_eq!(b.kind(), BackendKind::Null);
    assert!(
        b.info().reason.contains("did not answer"),
        "{}",
        b.info().reason
    );
    assert!(made < Duration::from_secs(5), "make_backend took {made:?}");
    // As a game (and the CLI) does with the null backend: follow the wall clock.
    b.as_null().unwrap().use_wall_clock();
    let threads = || std::fs::read_dir("/proc/self/task").unwrap().count();
    let before = threads();
    let run = game_loop(&mut b, 3.0, Duration::from_secs(1));
    assert!(
        threads() <= before + 1,
        "threads grew from {before} to {}",
        threads()
    );
    let t = Instant::now();
    b.shutdown();
    let shut = t.elapsed();
    println!(
        "hung open: make_backend {made:?} (the open's deadline, then null), {} calls, slowest \
         {:?}, shutdown {shut:?}, {} threads, events {:?}",
        run.calls,
        run.slowest,
        threads(),
        run.events
    );
    assert!(run.slowest < Duration::from_millis(50), "{:?}", run.slowest);
    // At most the watcher's own wait for a hung open (its 2 s deadline), then it is left.
    assert!(
        shut < Duration::from_millis(2_500),
        "shutdown took {shut:?}"
    );
}

/// Tests a device whose writes start to block mid-play (a FIFO whose reader reads 200 KB and
/// then holds it open without reading: before, no loss was detected, `play` never returned
/// and shutdown blocked until the reader went away): the stalled stream is noticed and lost,
/// reopened (and stalls again), and after three losses the backend falls to the silent clock
/// and backs off; every game call returns within 50 ms, a one-shot ends (late by the 1 s it
/// takes to notice each stall, up to three: a stuck stream holds the renderer until then),
/// and `shutdown` returns within its 2 s wait for the stuck stream.
#[test]
fn a_device_whose_writes_block_is_lost_not_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("stuck.fifo");
    let conf = file_into("stuck", dir.path(), &fifo);
    if in_child(
        "a_device_whose_writes_block_is_lost_not_waited_for",
        &conf,
        &fifo,
    )
    .is_some()
    {
        return;
    }
    let fifo = capture_path();
    mkfifo(&fifo);
    // The reader holds the FIFO open on fd 3 for a minute after reading 200 KB.
    let mut reader = Command::new("sh")
        .arg("-c")
        .arg("exec 3<\"$0\"; head -c 200000 <&3 >/dev/null; exec sleep 60")
        .arg(&fifo)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut b = make_backend(&AudioConfig::default()).unwrap();
    assert_eq!(b.kind(), BackendKind::Native, "{}", b.info().reason);
    // A stream stuck in a write holds the renderer until the stall is noticed (1 s), and each
    // reopen sticks again at once: up to three stalls in a row before the silent clock.
    let run = game_loop(&mut b, 8.0, Duration::from_millis(5_000));
    let t = Instant::now();
    b.shutdown();
    let shut = t.elapsed();
    let _ = reader.kill();
    let _ = reader.wait();
    println!(
        "blocked writes: {} calls, slowest {:?}, shutdown {shut:?}, events {:?}",
        run.calls, run.slowest, run.events
    );
    let lost = run
        .events
        .iter()
        .filter(|e| matches!(e, DeviceEvent::Lost { .. }))
        .count();
    assert!(lost >= 1, "the stall was never noticed: {:?}", run.events);
    assert!(
        run.events
            .iter()
            .any(|e| matches!(e, DeviceEvent::FellBackToSilent { .. })),
        "never fell to the silent clock: {:?}",
        run.events
    );
    assert!(lost <= 4, "reopened too often: {:?}", run.events);
    assert!(run.slowest < Duration::from_millis(50), "{:?}", run.slowest);
    assert!(shut < Duration::from_secs(3), "shutdown took {shut:?}");
}

/// Tests a device whose every write fails (the `file` plugin into `/dev/full`, a full disk:
/// before, 170 reopens in 4 s, one per game call): each failure is a loss; after three within
/// 10 s the backend falls to the silent clock and tries again later, the wait doubling each
/// time (2 s, then 4 s), so 3 s hold at most six reopens; every game call returns within
/// 50 ms and sounds end on time.
#[test]
fn a_device_whose_writes_fail_never_holds_the_game() {
    let dir = tempfile::tempdir().unwrap();
    let conf = file_into("full", dir.path(), Path::new("/dev/full"));
    if in_child(
        "a_device_whose_writes_fail_never_holds_the_game",
        &conf,
        Path::new("/dev/full"),
    )
    .is_some()
    {
        return;
    }
    let mut b = make_backend(&AudioConfig::default()).unwrap();
    let run = game_loop(&mut b, 3.0, Duration::from_secs(1));
    let reopens = b.device().map_or(0, |d| d.reopens());
    b.shutdown();
    println!(
        "failed writes: {} calls, slowest {:?}, {reopens} reopens, events {:?}",
        run.calls, run.slowest, run.events
    );
    assert!(reopens <= 6, "{reopens} reopens in 3 s");
    assert!(
        run.events
            .iter()
            .any(|e| matches!(e, DeviceEvent::FellBackToSilent { .. })),
        "never fell to the silent clock: {:?}",
        run.events
    );
    assert!(run.slowest < Duration::from_millis(50), "{:?}", run.slowest);
}
