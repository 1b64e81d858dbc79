//! The streaming facet on a mixing backend: rings the caller feeds with s16 PCM, pacing,
//! draining, and routing by container.

mod common;

use common::split_stereo;
use simvx_audio::{
    AudioConfig, AudioError, OfflineBackend, Playback, StreamDraining, StreamPacing, Streaming,
};

fn backend() -> OfflineBackend {
    OfflineBackend::new(&AudioConfig::default()).unwrap()
}

/// Interleaved stereo s16 LE bytes: frame `i` holds (i, −i) scaled by 8.
fn pcm(frames: std::ops::Range<usize>) -> Vec<u8> {
    frames
        .flat_map(|i| {
            let v = (i % 4000) as i16 * 8;
            [v.to_le_bytes(), (-v).to_le_bytes()].concat()
        })
        .collect()
}

/// Tests feeding: whole frames only, what does not fit is reported exactly, the pace follows
/// frames_available, the samples play as fed, and end_of_stream drains then ends.
#[test]
fn fed_stream_round_trip() {
    let mut b = backend();
    assert_eq!(b.stream_format(), (48_000, 2));
    let id = b.open_stream(0.0, "Music", 0.1, false, None, 0.0).unwrap();
    assert_eq!(b.frames_available(id), 4800);
    // A trailing partial frame is trimmed.
    let mut chunk = pcm(0..1000);
    chunk.extend_from_slice(&[1, 2, 3]);
    assert_eq!(b.feed_audio_chunk(id, &chunk).unwrap(), 4000);
    // Overfeed: exactly what fits is accepted, and the caller is told.
    let big = pcm(1000..9000);
    assert_eq!(b.feed_audio_chunk(id, &big).unwrap(), 3800 * 4);
    assert_eq!(b.frames_available(id), 0);
    assert_eq!(b.feed_audio_chunk(id, &big[3800 * 4..]).unwrap(), 0);
    let out = b.render_frames(2000);
    assert_eq!(
        b.frames_available(id),
        2000,
        "played frames free their room"
    );
    let (l, r) = split_stereo(&out);
    for i in [0usize, 1, 999, 1000, 1999] {
        let v = ((i % 4000) as f32 * 8.0) / 32_768.0;
        assert_eq!((l[i], r[i]), (v, -v), "frame {i}");
    }
    // The rest, then the end.
    assert_eq!(
        b.feed_audio_chunk(id, &big[3800 * 4..5800 * 4]).unwrap(),
        2000 * 4
    );
    b.end_of_stream(id).unwrap();
    assert!(b.is_channel_active(id));
    let (l, _) = split_stereo(&b.render_frames(6000));
    assert_eq!(
        l[4799],
        ((6799 % 4000) as f32 * 8.0) / 32_768.0,
        "the last fed frame"
    );
    assert!(l[4801..].iter().all(|&s| s == 0.0));
    assert!(!b.is_channel_active(id), "ended after draining");
    assert_eq!(b.frames_available(id), 0, "an ended stream takes nothing");
    assert!((b.get_playback_position(id)).abs() < 1e-12);
}

/// Tests the position of a stream (frames played / its rate) and an underrun (silence, then
/// the stream resumes where it was).
#[test]
fn position_and_underrun() {
    let mut b = backend();
    let id = b.open_stream(0.0, "Master", 0.5, false, None, 0.0).unwrap();
    b.feed_audio_chunk(id, &pcm(1..2401)).unwrap();
    b.render_frames(1200);
    assert!((b.get_playback_position(id) - 0.025).abs() < 1e-9);
    let (l, _) = split_stereo(&b.render_frames(2400));
    assert!(l[1198] != 0.0, "the last fed frame but one plays");
    assert!(
        l[1199..].iter().all(|&s| s == 0.0),
        "underrun: silence (the last frame waits for its successor)"
    );
    assert!(
        b.is_channel_active(id),
        "an underrun does not end the stream"
    );
    b.feed_audio_chunk(id, &pcm(2401..4801)).unwrap();
    let (l, _) = split_stereo(&b.render_frames(10));
    assert_eq!(
        l[0],
        (2400.0 * 8.0) / 32_768.0,
        "resumes with the frame it waited for"
    );
}

/// Tests open_stream's checks and routing by container.
#[test]
fn open_stream_checks() {
    let mut b = backend();
    assert!(matches!(
        b.open_stream(f32::NAN, "Master", 0.5, false, None, 0.0),
        Err(AudioError::InvalidParameter {
            name: "volume_db",
            ..
        })
    ));
    assert!(matches!(
        b.open_stream(0.0, "Nope", 0.5, false, None, 0.0),
        Err(AudioError::UnknownBus { .. })
    ));
    assert!(matches!(
        b.open_stream(0.0, "Master", 0.0, false, None, 0.0),
        Err(AudioError::InvalidParameter {
            name: "buffer_seconds",
            ..
        })
    ));
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.ogg");
    assert!(matches!(
        b.open_stream(0.0, "Master", 0.5, false, Some(&missing), 0.0),
        Err(AudioError::FileNotFound(p)) if p == missing
    ));
    let junk = dir.path().join("junk.ogg");
    std::fs::write(&junk, b"this is not audio at all").unwrap();
    assert!(matches!(
        b.open_stream(0.0, "Master", 0.5, false, Some(&junk), 0.0),
        Err(AudioError::InvalidStream(_))
    ));
    // WAV is fed by the caller, as in the original.
    let wav = dir.path().join("x.wav");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    hound::WavWriter::create(&wav, spec)
        .unwrap()
        .finalize()
        .unwrap();
    let id = b
        .open_stream(0.0, "Master", 0.5, false, Some(&wav), 0.0)
        .unwrap();
    assert_eq!(b.frames_available(id), 24_000);
    assert_eq!(b.feed_audio_chunk(id, &pcm(0..10)).unwrap(), 40);
    // Unknown ids take nothing and are not an error.
    assert_eq!(
        b.feed_audio_chunk(simvx_audio::ChannelId::from_raw(77).unwrap(), &pcm(0..10))
            .unwrap(),
        0
    );
}

/// Tests a scene with a fed stream (SPEC §9's example shape): the fed noise plays on its bus
/// and the stream ends after it drains; the render is repeatable.
#[test]
fn scene_with_a_fed_stream() {
    let text = r#"{
        "sample_rate": 48000, "channels": 2, "duration": 1.0,
        "sounds": {"hiss": {"noise": {"amplitude": 0.3, "seconds": 0.5, "seed": 7, "sample_rate": 48000}}},
        "events": [
            {"at": 0.0, "call": "open_stream", "channel": "s", "bus": "Music", "buffer_seconds": 1.0},
            {"at": 0.1, "call": "feed_audio_chunk", "channel": "s", "sound": "hiss"},
            {"at": 0.2, "call": "end_of_stream", "channel": "s"}
        ]}"#;
    let scene = simvx_audio::Scene::parse(text, "<test>", ".".into()).unwrap();
    let sounds = scene.load_sounds().unwrap();
    let out = simvx_audio::render_scene(&scene, &sounds, 480, |_| {}).unwrap();
    let (l, r) = split_stereo(&out);
    assert!(
        l[..4800].iter().all(|&s| s == 0.0),
        "nothing before the feed"
    );
    assert!(
        l[4800..4805].iter().all(|&s| s != 0.0),
        "the feed plays at once"
    );
    assert_eq!(
        l[4800..28_800],
        r[4800..28_800],
        "mono noise duplicated to both sides"
    );
    let level = common::rms(&l[4800..28_800]);
    assert!(
        (level - 0.3 / 3f64.sqrt()).abs() < 0.01,
        "uniform noise rms {level}"
    );
    assert!(l[28_801..].iter().all(|&s| s == 0.0), "drained and ended");
    let again = simvx_audio::render_scene(&scene, &sounds, 77, |_| {}).unwrap();
    assert!(again == out, "repeatable at any block size");
}

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Let a decoder thread fill its ring (the offline backend renders faster than real time).
fn settle() {
    std::thread::sleep(std::time::Duration::from_millis(150));
}

/// Tests a file the backend decodes itself: it plays at its pitch on the 48 kHz mixer, from
/// `from_position`, and ends after the file; the channel takes no fed bytes.
#[test]
fn decoded_stream_plays_the_file() {
    for (name, from, want_frames) in [
        ("vorbis_stereo_44100.ogg", 0.0, 24_000.0),
        ("flac_s16_stereo_44100.flac", 0.25, 12_000.0),
        ("mp3_stereo_48000.mp3", 0.0, 24_000.0),
    ] {
        let mut b = backend();
        let id = b
            .open_stream(0.0, "Music", 1.0, false, Some(&fixture(name)), from)
            .unwrap();
        assert_eq!(
            b.frames_available(id),
            0,
            "{name}: backend-decoded streams take no feed"
        );
        assert_eq!(b.feed_audio_chunk(id, &pcm(0..10)).unwrap(), 0);
        settle();
        let (l, _) = split_stereo(&b.render_frames(48_000));
        let heard = l.iter().rposition(|&s| s != 0.0).unwrap() as f64 + 1.0;
        assert!((heard - want_frames).abs() < 60.0, "{name}: {heard} frames");
        let f =
            common::dominant_frequency(&l[..(heard as usize).min(12_000)], 48_000.0, 400.0, 480.0);
        assert!((f - 440.0).abs() < 0.5, "{name}: {f} Hz");
        assert!(!b.is_channel_active(id), "{name}: ended after the file");
        assert!(b.take_stream_errors().is_empty());
    }
}

/// Tests a looping decoded stream: it keeps playing past the file's end, without a gap.
#[test]
fn decoded_stream_loops() {
    let mut b = backend();
    let id = b
        .open_stream(
            0.0,
            "Music",
            0.3,
            true,
            Some(&fixture("flac_s16_stereo_44100.flac")),
            0.0,
        )
        .unwrap();
    let mut out = Vec::new();
    for _ in 0..40 {
        settle_short();
        out.extend(b.render_frames(2400));
    }
    assert!(b.is_channel_active(id), "a loop never ends by itself");
    let (l, _) = split_stereo(&out);
    let silent_run = l.split(|&s| s != 0.0).map(<[f32]>::len).max().unwrap_or(0);
    assert!(
        silent_run < 4,
        "no gap at the loop seam ({silent_run} silent frames in a row)"
    );
    b.stop_audio(id).unwrap();
}

fn settle_short() {
    std::thread::sleep(std::time::Duration::from_millis(20));
}

/// Tests a corrupt stretch mid-file: the stream plays what decoded, then ends with a typed
/// error event, while another voice keeps playing.
#[test]
fn corrupt_stream_ends_with_an_error_event() {
    use simvx_audio::{PlayParams, Sound};
    let mut b = backend();
    let tone = Sound::tone(1000.0, 0.25, 3.0, 48_000, 1).unwrap();
    let other = b.play_audio(&tone, &PlayParams::default()).unwrap();
    let id = b
        .open_stream(
            0.0,
            "Music",
            2.0,
            false,
            Some(&fixture("corrupt_middle.ogg")),
            0.0,
        )
        .unwrap();
    settle();
    b.render_frames(96_000);
    assert!(!b.is_channel_active(id), "the damaged stream ended");
    let errors = b.take_stream_errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, id);
    assert!(
        matches!(errors[0].1, AudioError::InvalidStream(_)),
        "{:?}",
        errors[0].1
    );
    assert!(b.take_stream_errors().is_empty(), "reported once");
    assert!(b.is_channel_active(other), "the other voice plays on");
    let (l, _) = split_stereo(&b.render_frames(4800));
    assert!((common::rms(&l) - 0.25 / std::f64::consts::SQRT_2).abs() < 0.01);
}

/// Tests that a scene's `open_stream` takes `from_position` (SPEC §9: arguments use the
/// method's parameter names), as `play_audio` does.
#[test]
fn scene_open_stream_takes_from_position() {
    let text = r#"{
        "duration": 0.5,
        "sounds": {"f": {"file": "flac_s16_stereo_44100.flac"}},
        "events": [{"at": 0.0, "call": "open_stream", "channel": "s", "stream": "f",
                    "from_position": 0.25}]}"#;
    let dir = fixture("");
    let scene = simvx_audio::Scene::parse(text, "<test>", dir);
    assert!(scene.is_ok(), "{:?}", scene.err());
}

/// Tests a decoded stream's playback position (SPEC §3: the true cursor in seconds of the
/// sound's own timeline): it counts from `from_position`, and a loop wraps at the file's end.
#[test]
fn decoded_stream_position_counts_from_position_and_wraps() {
    // The fixtures are 0.5 s long (22 050 frames at 44.1 kHz); 4800 frames at 48 kHz are
    // 4410 of them (0.1 s).
    let flac = fixture("flac_s16_stereo_44100.flac");
    let mut b = backend();
    let id = b
        .open_stream(0.0, "Music", 0.5, false, Some(&flac), 0.25)
        .unwrap();
    b.render_frames(4800);
    let p = b.get_playback_position(id);
    assert!((p - 0.35).abs() < 1e-4, "from 0.25 s, 0.1 s on: {p}");

    let mut b = backend();
    let id = b
        .open_stream(0.0, "Music", 0.2, true, Some(&flac), 0.4)
        .unwrap();
    b.render_frames(2400);
    let p = b.get_playback_position(id);
    assert!((p - 0.45).abs() < 1e-4, "before the seam: {p}");
    b.render_frames(12_000);
    let p = b.get_playback_position(id);
    assert!((p - 0.2).abs() < 1e-4, "0.4 + 0.3 s wraps to 0.2 s: {p}");
    for _ in 0..4 {
        b.render_frames(24_000); // 0.5 s: once round the loop
        let q = b.get_playback_position(id);
        assert!(
            (q - 0.2).abs() < 1e-4,
            "a whole loop later, the same place: {q}"
        );
    }
    b.stop_audio(id).unwrap();
    b.render_frames(4800);
    assert_eq!(b.get_playback_position(id), 0.0, "a stopped stream is at 0");
}

/// Tests the per-stream counters: underrun stretches and frames, bytes that did not fit,
/// the ring's fill, and whether a decoder runs; `None` for channels that are not streams.
#[test]
fn stream_stats_count_underruns_and_dropped_bytes() {
    use simvx_audio::{PlayParams, Sound};
    let mut b = backend();
    let id = b.open_stream(0.0, "Music", 0.1, false, None, 0.0).unwrap();
    let s = b.stream_stats(id).unwrap();
    assert_eq!((s.underruns, s.underrun_frames, s.dropped_bytes), (0, 0, 0));
    assert_eq!(
        (s.queued_frames, s.capacity_frames, s.decoding),
        (0, 4800, false)
    );
    b.render_frames(480);
    b.render_frames(20); // the same stretch goes on
    let s = b.stream_stats(id).unwrap();
    assert_eq!((s.underruns, s.underrun_frames), (1, 500));
    // 6000 frames offered, 4800 fit: 1200 frames (4800 bytes) dropped.
    assert_eq!(b.feed_audio_chunk(id, &pcm(0..6000)).unwrap(), 4800 * 4);
    assert_eq!(b.stream_stats(id).unwrap().dropped_bytes, 4800);
    b.render_frames(480);
    let s = b.stream_stats(id).unwrap();
    assert_eq!(
        (s.underruns, s.underrun_frames),
        (1, 500),
        "fed: no new underrun"
    );
    assert_eq!(s.queued_frames, 4320);
    assert_eq!(b.feed_audio_chunk(id, &pcm(0..1000)).unwrap(), 480 * 4);
    let s = b.stream_stats(id).unwrap();
    assert_eq!((s.dropped_bytes, s.queued_frames), (4800 + 520 * 4, 4800));
    b.render_frames(9600); // drains, then a second stretch
    let s = b.stream_stats(id).unwrap();
    // The last fed frame waits for its successor (the interpolator reads one ahead).
    assert_eq!((s.underruns, s.underrun_frames), (2, 500 + 4801));

    // A decoded stream: its decoder runs, it never underruns offline, it drops nothing.
    let file = b
        .open_stream(
            0.0,
            "Music",
            0.05,
            true,
            Some(&fixture("mp3_stereo_48000.mp3")),
            0.0,
        )
        .unwrap();
    b.render_frames(48_000);
    let s = b.stream_stats(file).unwrap();
    assert!(s.decoding, "{s:?}");
    assert_eq!(
        (s.underruns, s.underrun_frames, s.dropped_bytes),
        (0, 0, 0),
        "{s:?}"
    );
    assert_eq!(s.capacity_frames, 2400);

    let tone = Sound::tone(440.0, 0.5, 0.1, 48_000, 1).unwrap();
    let voice = b.play_audio(&tone, &PlayParams::default()).unwrap();
    assert_eq!(b.stream_stats(voice), None, "not a stream");
    b.shutdown();
    assert_eq!(b.stream_stats(id), None, "after shutdown");
}

/// Tests that stopping a looping decoded stream stops its decoder thread promptly, without
/// waiting for another stream to open.
#[test]
fn stopped_loop_stops_its_decoder_thread() {
    let mut b = backend();
    let flac = fixture("flac_s16_stereo_44100.flac");
    let id = b
        .open_stream(0.0, "Music", 0.1, true, Some(&flac), 0.0)
        .unwrap();
    b.render_frames(48_000);
    assert!(b.stream_stats(id).unwrap().decoding, "a loop decodes on");
    b.stop_audio(id).unwrap();
    b.render_frames(4800); // the stop's fade ends the voice
    let stopped = std::time::Instant::now();
    while b.stream_stats(id).unwrap().decoding {
        assert!(
            stopped.elapsed() < std::time::Duration::from_secs(1),
            "the decoder thread still runs 1 s after its channel stopped"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    assert!(!b.is_channel_active(id));
}
