//! Decoding, measured: every container and layout against a reference decoder (ffmpeg), the
//! pitch each plays at on a 48 kHz mixer, detection by magic bytes, broken files, the incremental
//! [`StreamDecoder`] and the background loader. Fixtures and their making: `tests/fixtures/`.
//!
//! Run with `--nocapture` to see the measurements (SNR, lags, seek offsets).

mod common;

use std::path::{Path, PathBuf};

use common::{dominant_frequency, rms, split_stereo};
use mixer_core::{Samples, SoundData};
use simvx_audio::{
    AudioConfig, AudioError, Loading, OfflineBackend, PlayParams, Playback, Sound, StreamDecoder,
    decode_bytes, decode_file, load_in_background,
};

/// A good fixture: the two-tone signal at its own rate and channel count.
struct Fixture {
    name: &'static str,
    rate: u32,
    channels: u16,
    /// The SNR against the reference decode must reach this (dB).
    min_snr: f64,
    /// Whether the whole-file decode keeps `i16` samples.
    i16: bool,
}

const LOSSLESS: f64 = 60.0;
const LOSSY: f64 = 20.0;

const GOOD: &[Fixture] = &[
    fx_def("wav_s16_mono_44100.wav", 44_100, 1, LOSSLESS, true),
    fx_def("wav_s24_stereo_48000.wav", 48_000, 2, LOSSLESS, false),
    fx_def("wav_f32_stereo_22050.wav", 22_050, 2, LOSSLESS, false),
    fx_def("wav_u8_mono_8000.wav", 8_000, 1, LOSSLESS, false),
    // ADPCM is lossy against the signal but its decoding is exact integer arithmetic, so two
    // decoders must agree as closely as for PCM.
    fx_def("wav_adpcm_ms_mono_22050.wav", 22_050, 1, LOSSLESS, true),
    fx_def("wav_adpcm_ima_mono_22050.wav", 22_050, 1, LOSSLESS, true),
    fx_def("flac_s16_stereo_44100.flac", 44_100, 2, LOSSLESS, true),
    fx_def("flac_s24_mono_96000.flac", 96_000, 1, LOSSLESS, false),
    fx_def("vorbis_stereo_44100.ogg", 44_100, 2, LOSSY, false),
    fx_def("mp3_mono_44100.mp3", 44_100, 1, LOSSY, false),
    fx_def("mp3_stereo_48000.mp3", 48_000, 2, LOSSY, false),
];

const fn fx_def(name: &'static str, rate: u32, channels: u16, min_snr: f64, i16: bool) -> Fixture {
    Fixture {
        name,
        rate,
        channels,
        min_snr,
        i16,
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The sound's samples as f32 (i16 / 32768, as the decoders convert).
fn samples(sound: &Sound) -> Vec<f32> {
    match sound.samples() {
        Samples::I16(s) => s.iter().map(|&v| v as f32 / 32_768.0).collect(),
        Samples::F32(s) => s.to_vec(),
    }
}

fn read_f32(path: &Path) -> Vec<f32> {
    std::fs::read(path)
        .unwrap()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// The lag (in frames) that best aligns `ours` with `reference` (`ours[n + lag] ≈ reference[n]`),
/// searched in `-max_lag..=max_lag` by cross-correlation on the first channel with zero padding
/// (so a shift by a whole period of the tone, which loses overlap, scores lower than the true
/// alignment); then the SNR (dB) of `ours` against `reference` over the frames both have.
fn align(ours: &[f32], reference: &[f32], ch: usize, max_lag: i64) -> (i64, f64) {
    let (a, b) = (ours.len() / ch, reference.len() / ch);
    let at = |x: &[f32], n: i64, len: usize, c: usize| -> f64 {
        if n < 0 || n as usize >= len {
            0.0
        } else {
            x[n as usize * ch + c] as f64
        }
    };
    let mut best = (0i64, f64::MIN);
    for lag in -max_lag..=max_lag {
        let corr: f64 = (0..b as i64)
            .map(|n| at(ours, n + lag, a, 0) * reference[n as usize * ch] as f64)
            .sum();
        if corr > best.1 {
            best = (lag, corr);
        }
    }
    let lag = best.0;
    let (mut signal, mut noise) = (0.0f64, 0.0f64);
    for n in 0..b as i64 {
        let m = n + lag;
        if m < 0 || m as usize >= a {
            continue;
        }
        for c in 0..ch {
            let r = reference[n as usize * ch + c] as f64;
            let o = ours[m as usize * ch + c] as f64;
            signal += r * r;
            noise += (o - r) * (o - r);
        }
    }
    (lag, snr_db(signal, noise))
}

fn snr_db(signal: f64, noise: f64) -> f64 {
    if noise == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (signal / noise).log10()
    }
}

/// Tests that every fixture decodes at its own rate and channel count, matches ffmpeg's decode
/// (≥ 60 dB SNR for WAV, ADPCM and FLAC, which also align at lag 0 with the same length;
/// ≥ 20 dB for Vorbis and MP3 after the best alignment), keeps `i16` where the source is
/// 16-bit, and keeps its channels apart (right is half of left in the stereo fixtures).
#[test]
fn every_fixture_matches_the_reference_decode() {
    println!(
        "{:<30} {:>6} {:>3} {:>7} {:>7} {:>5} {:>9}  R/L",
        "fixture", "rate", "ch", "frames", "ref", "lag", "SNR dB"
    );
    for f in GOOD {
        let sound = decode_file(fixture(f.name)).unwrap_or_else(|e| panic!("{}: {e}", f.name));
        assert_eq!(sound.rate(), f.rate, "{}", f.name);
        assert_eq!(sound.channel_count(), f.channels, "{}", f.name);
        assert_eq!(
            matches!(sound.samples(), Samples::I16(_)),
            f.i16,
            "{}: sample type",
            f.name
        );
        let ours = samples(&sound);
        let reference = read_f32(&fixture(&format!("{}.ref.f32", f.name)));
        let ch = f.channels as usize;
        let (lag, snr) = align(&ours, &reference, ch, 2_048);
        let ratio = if ch == 2 {
            let (l, r) = split_stereo(&ours);
            rms(&r) / rms(&l)
        } else {
            f64::NAN
        };
        println!(
            "{:<30} {:>6} {:>3} {:>7} {:>7} {:>5} {:>9.2}  {:.4}",
            f.name,
            sound.rate(),
            ch,
            sound.frames(),
            reference.len() / ch,
            lag,
            snr,
            ratio
        );
        assert!(snr >= f.min_snr, "{}: SNR {snr:.2} dB", f.name);
        if f.min_snr == LOSSLESS {
            assert_eq!(lag, 0, "{}: lag", f.name);
            assert_eq!(sound.frames(), reference.len() / ch, "{}: length", f.name);
        }
        if ch == 2 {
            assert!((ratio - 0.5).abs() < 0.01, "{}: right/left {ratio}", f.name);
        }
    }
}

/// Tests that every fixture plays at 440 Hz (within 0.5 Hz) on a 48 kHz mixer, whatever its own
/// rate, and lasts its own length.
#[test]
fn every_fixture_plays_at_its_pitch_on_a_48k_mixer() {
    for f in GOOD {
        let sound = decode_file(fixture(f.name)).unwrap();
        let mut mixer = OfflineBackend::new(&AudioConfig::default()).unwrap();
        mixer.play_audio(&sound, &PlayParams::default()).unwrap();
        // The signal lasts 0.5 s: 24 000 frames at 48 kHz (the ADPCM files decode to a little
        // more: their last block is padded with silence, as ffmpeg's decode is too).
        let signal = 24_000;
        let out = mixer.render_frames((sound.duration() * 48_000.0) as usize + 4_800);
        let (l, r) = split_stereo(&out);
        // Leave out 50 ms at each end (onset, codec edges).
        let hz = dominant_frequency(&l[2_400..signal - 2_400], 48_000.0, 400.0, 480.0);
        let last = l.iter().rposition(|s| s.abs() > 1e-3).unwrap_or(0);
        println!(
            "{:<30} {:>8.3} Hz; last audible frame {last} (signal: {signal})",
            f.name, hz
        );
        assert!((hz - 440.0).abs() < 0.5, "{}: played at {hz} Hz", f.name);
        assert!(last.abs_diff(signal) < 96, "{}: last frame {last}", f.name);
        assert!(rms(&r) > 0.01, "{}: right channel silent", f.name);
    }
}

/// Tests that the container comes from the bytes, never the name: a FLAC file named `x.wav`
/// decodes as FLAC (to the same samples), an MP3 named `x.flac` as MP3, a WAV named `x.ogg`
/// as WAV, through every entry point; an unknown container is `InvalidStream`.
#[test]
fn container_comes_from_magic_bytes() {
    let dir = tempfile::tempdir().unwrap();
    for (from, to) in [
        ("flac_s16_stereo_44100.flac", "x.wav"),
        ("mp3_stereo_48000.mp3", "x.flac"),
        ("wav_s24_stereo_48000.wav", "x.ogg"),
        ("vorbis_stereo_44100.ogg", "x.mp3"),
    ] {
        let renamed = dir.path().join(to);
        std::fs::copy(fixture(from), &renamed).unwrap();
        let want = samples(&decode_file(fixture(from)).unwrap());
        assert_eq!(samples(&decode_file(&renamed).unwrap()), want, "{to}");
        assert_eq!(samples(&Sound::from_file(&renamed).unwrap()), want, "{to}");
        let bytes = std::fs::read(&renamed).unwrap();
        assert_eq!(samples(&decode_bytes(bytes, to).unwrap()), want, "{to}");
        let mut stream = StreamDecoder::open(&renamed).unwrap();
        let mut got = Vec::new();
        while stream.next_chunk(&mut got).unwrap() > 0 {}
        assert_eq!(got, want, "{to} streamed");
    }

    let text = dir.path().join("music.ogg");
    std::fs::write(&text, "this is a text file, not music").unwrap();
    for err in [
        decode_file(&text).unwrap_err(),
        StreamDecoder::open(&text).unwrap_err(),
        decode_bytes(b"MThd\0\0\0\x06".to_vec(), "song.mid").unwrap_err(),
        decode_bytes(b"ID".to_vec(), "two-bytes.mp3").unwrap_err(),
    ] {
        println!("{err}");
        assert!(
            matches!(&err, AudioError::InvalidStream(m) if m.contains("not a wav, ogg, mp3 or flac")),
            "{err}"
        );
    }
}

/// The broken fixtures, with what their errors must say.
const BROKEN: &[(&str, &str)] = &[
    ("empty.wav", "empty"),
    ("truncated.flac", "truncated"),
    ("truncated.mp3", "truncated"),
    ("garbage_riff.wav", "reading the header"),
    ("garbage_flac.flac", "reading the header"),
    ("garbage_ogg.ogg", "reading the header"),
    ("garbage_id3.mp3", "finding the first frame"),
    ("corrupt_middle.ogg", "corrupt data"),
    ("corrupt_middle.mp3", "corrupt data"),
    ("corrupt_middle.flac", "corrupt data"),
];

/// Tests that every broken file is a typed `InvalidStream` naming the file and what is wrong,
/// from every entry point (whole-file decode, bytes, background loader, stream decoder), and a
/// missing file is `FileNotFound` with its path. Truncated files are errors, not partial
/// sounds: WAV, FLAC and LAME-tagged MP3 state their length.
#[test]
fn broken_files_are_typed_errors() {
    for &(name, needle) in BROKEN {
        let path = fixture(name);
        let whole = decode_file(&path).unwrap_err();
        println!("{name}: {whole}");
        let AudioError::InvalidStream(msg) = &whole else {
            panic!("{name}: {whole:?}");
        };
        assert!(msg.contains(name) && msg.contains(needle), "{name}: {msg}");

        let from_bytes = decode_bytes(std::fs::read(&path).unwrap(), name).unwrap_err();
        assert_eq!(
            from_bytes.to_string(),
            whole.to_string().replace(&*path.to_string_lossy(), name)
        );
        let loaded = load_in_background(&path).wait().unwrap_err();
        assert_eq!(loaded.to_string(), whole.to_string());
        assert_eq!(
            Sound::from_file(&path).unwrap_err().to_string(),
            whole.to_string()
        );

        // The stream decoder fails at open or after some good chunks, with the same error.
        match StreamDecoder::open(&path) {
            Err(e) => assert_eq!(e.to_string(), whole.to_string()),
            Ok(mut stream) => {
                let mut out = Vec::new();
                let err = loop {
                    match stream.next_chunk(&mut out) {
                        Ok(0) => panic!("{name}: the stream decoded to the end"),
                        Ok(_) => {}
                        Err(e) => break e,
                    }
                };
                println!(
                    "  streamed: {} good frames, then: {err}",
                    out.len() / stream.channels() as usize
                );
                assert_eq!(err.to_string(), whole.to_string());
            }
        }
    }

    let missing = fixture("no_such_file.ogg");
    for err in [
        decode_file(&missing).unwrap_err(),
        Sound::from_file(&missing).unwrap_err(),
        StreamDecoder::open(&missing).unwrap_err(),
        load_in_background(&missing).wait().unwrap_err(),
    ] {
        assert!(
            matches!(&err, AudioError::FileNotFound(p) if *p == missing),
            "{err:?}"
        );
    }
}

/// A 64-bit xorshift* generator for the mutation test.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Tests that damaged copies of every fixture (cut at random points, random stretches
/// overwritten, random bits flipped) decode to a sound or an `InvalidStream`, never a panic
/// out of the decoder or another error kind; prints how many times symphonia panicked inside
/// (caught and turned into `InvalidStream`).
#[test]
fn damaged_files_never_panic() {
    let mut rng = Rng(0x05EE_D0FD_ECAF);
    let (mut ok, mut invalid, mut internal) = (0, 0, 0);
    for f in GOOD {
        let good = std::fs::read(fixture(f.name)).unwrap();
        for round in 0..24 {
            let mut bytes = good.clone();
            match round % 3 {
                0 => bytes.truncate(12 + rng.below(bytes.len() - 12)),
                1 => {
                    for _ in 0..1 + rng.below(4) {
                        let at = rng.below(bytes.len());
                        let end = (at + 1 + rng.below(256)).min(bytes.len());
                        bytes[at..end]
                            .iter_mut()
                            .for_each(|b| *b = rng.next() as u8);
                    }
                }
                _ => {
                    for _ in 0..1 + rng.below(64) {
                        let at = rng.below(bytes.len());
                        bytes[at] ^= 1 << rng.below(8);
                    }
                }
            }
            match decode_bytes(bytes, f.name) {
                Ok(sound) => {
                    ok += 1;
                    assert!(sound.frames() > 0);
                    assert!(samples(&sound).iter().all(|s| s.is_finite()));
                }
                Err(AudioError::InvalidStream(m)) => {
                    invalid += 1;
                    if m.contains("internal panic") {
                        internal += 1;
                        println!("{m}");
                    }
                }
                Err(other) => panic!("{}: round {round}: {other:?}", f.name),
            }
        }
    }
    println!(
        "damaged files: {ok} decoded, {invalid} InvalidStream ({internal} from a caught panic)"
    );
}

/// All of a stream decoder's chunks, each checked against the one-packet bound.
fn stream_all(stream: &mut StreamDecoder) -> (Vec<f32>, usize) {
    let mut out = Vec::new();
    let mut biggest = 0;
    loop {
        let before = out.len();
        let n = stream.next_chunk(&mut out).unwrap();
        assert_eq!(out.len() - before, n * stream.channels() as usize);
        if n == 0 {
            return (out, biggest);
        }
        biggest = biggest.max(n);
    }
}

/// Tests that decoding chunk by chunk gives exactly the whole-file decode (the same samples),
/// one packet (at most 8192 frames) per chunk, with the stated length; that a rewind gives the
/// same again; and that 0 stays 0 at the end.
#[test]
fn stream_decoder_gives_the_whole_file_decode() {
    for f in GOOD {
        let whole = samples(&decode_file(fixture(f.name)).unwrap());
        let mut stream = StreamDecoder::open(fixture(f.name)).unwrap();
        assert_eq!(
            (stream.sample_rate(), stream.channels()),
            (f.rate, f.channels)
        );
        let (first, biggest) = stream_all(&mut stream);
        println!(
            "{:<30} {} frames, biggest chunk {biggest} frames",
            f.name,
            first.len() / f.channels as usize
        );
        assert!(
            first == whole,
            "{}: chunks differ from the whole decode",
            f.name
        );
        assert!(biggest <= 8_192, "{}: chunk of {biggest} frames", f.name);
        assert_eq!(
            stream.frames(),
            Some((whole.len() / f.channels as usize) as u64),
            "{}: stated length",
            f.name
        );
        assert_eq!(stream.next_chunk(&mut Vec::new()).unwrap(), 0);

        stream.rewind().unwrap();
        let (again, _) = stream_all(&mut stream);
        assert!(again == whole, "{}: after rewind", f.name);

        // Rewind half-way through, too.
        stream.rewind().unwrap();
        let mut part = Vec::new();
        for _ in 0..3 {
            stream.next_chunk(&mut part).unwrap();
        }
        stream.rewind().unwrap();
        let (again, _) = stream_all(&mut stream);
        assert!(again == whole, "{}: after a mid-way rewind", f.name);
    }
}

/// Where `chunk` best fits inside `whole` (frame offset, least squared error, searched within
/// `range` frames of `near`, the nearest of equals winning), and the SNR of the chunk against
/// `whole` at `near`.
fn locate(whole: &[f32], chunk: &[f32], ch: usize, near: usize, range: usize) -> (i64, f64) {
    let frames = chunk.len() / ch;
    let total = whole.len() / ch;
    let error = |at: usize| -> f64 {
        chunk
            .iter()
            .zip(&whole[at * ch..(at + frames) * ch])
            .map(|(a, b)| ((a - b) as f64).powi(2))
            .sum()
    };
    let lo = near.saturating_sub(range);
    let hi = (near + range).min(total - frames);
    let best = (lo..=hi)
        .min_by(|&a, &b| {
            error(a)
                .total_cmp(&error(b))
                .then(a.abs_diff(near).cmp(&b.abs_diff(near)))
        })
        .unwrap();
    let signal: f64 = whole[near * ch..(near + frames) * ch]
        .iter()
        .map(|&s| (s as f64).powi(2))
        .sum();
    (best as i64 - near as i64, snr_db(signal, error(near)))
}

/// Seek to `seconds`, read about 2048 frames and find where they sit in `whole`: (offset from
/// round(seconds·rate), SNR against `whole` there).
fn seek_and_locate(
    stream: &mut StreamDecoder,
    whole: &[f32],
    seconds: f64,
    range: usize,
) -> (i64, f64) {
    let ch = stream.channels() as usize;
    stream.seek(seconds).unwrap();
    let target = (seconds * stream.sample_rate() as f64).round() as usize;
    let mut chunk = Vec::new();
    while chunk.len() < 2_048 * ch {
        if stream.next_chunk(&mut chunk).unwrap() == 0 {
            break;
        }
    }
    let frames = (chunk.len() / ch).min(2_048).min(whole.len() / ch - target);
    chunk.truncate(frames * ch);
    locate(whole, &chunk, ch, target, range)
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Tests seek accuracy on the chirp fixtures, where a position is unambiguous: after `seek(t)`
/// the next chunk starts at frame round(t·rate) of the whole decode (searched ±2048 frames) in
/// every format: offset 0, the samples identical for WAV, ADPCM and FLAC, ≥ 20 dB for Vorbis
/// and MP3 (whose decoders restart their state at a seek). Seeks go forwards and backwards,
/// seeking to 0 and decoding everything gives the whole decode again, past the end is the end,
/// and a negative or non-finite time is refused without harm.
#[test]
fn stream_decoder_seeks_accurately() {
    for (name, min_snr) in [
        ("seek_chirp.wav", LOSSLESS),
        ("seek_chirp_adpcm.wav", LOSSLESS),
        ("seek_chirp.flac", LOSSLESS),
        ("seek_chirp.ogg", LOSSY),
        ("seek_chirp.mp3", LOSSY),
    ] {
        let whole = samples(&decode_file(fixture(name)).unwrap());
        let mut stream = StreamDecoder::open(fixture(name)).unwrap();
        let mut report = format!("{name:<22}");
        for seconds in [0.25, 0.1, 0.6137, 0.0, 0.9] {
            let (offset, snr) = seek_and_locate(&mut stream, &whole, seconds, 2_048);
            report += &format!(" {seconds}s: {offset:+} ({snr:.0} dB)");
            assert_eq!(offset, 0, "{name}: seek to {seconds}");
            assert!(snr >= min_snr, "{name}: seek to {seconds}: {snr} dB");
        }
        println!("{report}");

        stream.seek(0.0).unwrap();
        let (all, _) = stream_all(&mut stream);
        if min_snr == LOSSLESS {
            assert!(all == whole, "{name}: seek(0) then all");
        } else {
            assert_eq!(all.len(), whole.len(), "{name}: seek(0) then all");
        }

        stream.seek(10.0).unwrap();
        assert_eq!(stream.next_chunk(&mut Vec::new()).unwrap(), 0, "{name}");
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                stream.seek(bad),
                Err(AudioError::InvalidParameter {
                    name: "seconds",
                    ..
                })
            ));
        }
        stream.seek(0.1).unwrap();
        assert!(stream.next_chunk(&mut Vec::new()).unwrap() > 0);
    }
}

/// Tests `seek(0.25)` on every two-tone fixture (every layout): the chunk after it sits at
/// round(0.25·rate) of the whole decode. The two-tone repeats every rate/gcd(rate, 440) frames
/// (200 at 8 kHz, 1200 at 48 kHz), so the search spans less than half that period.
#[test]
fn stream_decoder_seeks_in_every_layout() {
    for f in GOOD {
        let whole = samples(&decode_file(fixture(f.name)).unwrap());
        let mut stream = StreamDecoder::open(fixture(f.name)).unwrap();
        let period = f.rate as usize / gcd(f.rate as usize, 440);
        let (offset, snr) = seek_and_locate(&mut stream, &whole, 0.25, period / 2 - 1);
        println!(
            "{:<30} seek 0.25 s: offset {offset:+} within ±{}, {snr:.1} dB",
            f.name,
            period / 2 - 1
        );
        assert_eq!(offset, 0, "{}", f.name);
        assert!(snr >= f.min_snr, "{}: {snr} dB", f.name);
    }
}

/// Tests that a file with a corrupt stretch in the middle streams good chunks, then an
/// `InvalidStream`, and stays failed (every later call errs) without a panic.
#[test]
fn corrupt_middle_streams_then_fails_for_good() {
    for name in [
        "corrupt_middle.ogg",
        "corrupt_middle.mp3",
        "corrupt_middle.flac",
    ] {
        let mut stream = StreamDecoder::open(fixture(name)).unwrap();
        let mut out = Vec::new();
        let mut chunks = 0;
        let err = loop {
            match stream.next_chunk(&mut out) {
                Ok(0) => panic!("{name}: decoded to the end"),
                Ok(_) => chunks += 1,
                Err(e) => break e,
            }
        };
        let frames = out.len() / stream.channels() as usize;
        println!(
            "{name}: {chunks} good chunks ({:.3} s), then: {err}",
            frames as f64 / stream.sample_rate() as f64
        );
        assert!(chunks > 1, "{name}");
        assert!(matches!(err, AudioError::InvalidStream(_)));
        let kept = out.len();
        for _ in 0..3 {
            assert!(matches!(
                stream.next_chunk(&mut out),
                Err(AudioError::InvalidStream(_))
            ));
        }
        assert_eq!(out.len(), kept, "{name}: nothing appended after the error");
        assert!(stream.seek(0.0).is_err() && stream.rewind().is_err());
        // The good part is the signal: the two-tone at its level.
        let (l, _) = split_stereo(&out);
        let left = if stream.channels() == 2 {
            l
        } else {
            out.clone()
        };
        let level = rms(&left[4_096..]);
        assert!((level - 0.316).abs() < 0.02, "{name}: RMS {level}");
    }
}

/// Tests that the background loader gives the same sound as `decode_file`, through `wait` and
/// through polling with `try_take` (which then gives `None`), and that the handles are `Send`.
#[test]
fn background_loader_matches_decode_file() {
    fn send<T: Send>() {}
    send::<Loading>();
    send::<StreamDecoder>();

    for f in GOOD {
        let want = decode_file(fixture(f.name)).unwrap();
        let got = load_in_background(fixture(f.name)).wait().unwrap();
        assert_eq!(samples(&got), samples(&want), "{}", f.name);
        assert_eq!(
            (got.rate(), got.channel_count()),
            (want.rate(), want.channel_count())
        );

        let mut loading = load_in_background(fixture(f.name));
        let polled = loop {
            if let Some(r) = loading.try_take() {
                break r.unwrap();
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        };
        assert!(loading.is_done());
        assert!(loading.try_take().is_none());
        assert!(matches!(loading.wait(), Err(AudioError::InvalidStream(_))));
        assert_eq!(samples(&polled), samples(&want), "{}", f.name);
    }
}

/// A WAV file in memory: `format` 1 (PCM), 3 (float) or, with `mask`, `WAVE_FORMAT_EXTENSIBLE`
/// with that channel mask and the PCM or float sub-format.
fn wav_bytes(
    format: u16,
    channels: u16,
    rate: u32,
    bits: u16,
    mask: Option<u32>,
    data: &[u8],
) -> Vec<u8> {
    let align = channels * bits / 8;
    let mut fmt = Vec::new();
    fmt.extend_from_slice(&(if mask.is_some() { 0xFFFEu16 } else { format }).to_le_bytes());
    fmt.extend_from_slice(&channels.to_le_bytes());
    fmt.extend_from_slice(&rate.to_le_bytes());
    fmt.extend_from_slice(&(rate * align as u32).to_le_bytes());
    fmt.extend_from_slice(&align.to_le_bytes());
    fmt.extend_from_slice(&bits.to_le_bytes());
    if let Some(mask) = mask {
        fmt.extend_from_slice(&22u16.to_le_bytes());
        fmt.extend_from_slice(&bits.to_le_bytes());
        fmt.extend_from_slice(&mask.to_le_bytes());
        fmt.extend_from_slice(&format.to_le_bytes());
        fmt.extend_from_slice(b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xAA\x00\x38\x9B\x71");
    }
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&((4 + 8 + fmt.len() + 8 + data.len()) as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&(fmt.len() as u32).to_le_bytes());
    out.extend_from_slice(&fmt);
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    out
}

/// Tests every common WAV layout, plain and `WAVE_FORMAT_EXTENSIBLE`, sample for sample:
/// u8, s16 (kept as i16), s24, s32, f32, f64, including full-scale extremes.
#[test]
fn every_wav_layout_decodes_exactly() {
    // (name, format tag, bits, encoded bytes, expected value) per sample.
    type Case = (&'static str, u16, u16, Vec<u8>, Vec<f32>);
    let ints: [i64; 6] = [0, 1, -1, 12_345, i64::MAX, i64::MIN];
    let mut cases: Vec<Case> = Vec::new();
    for bits in [16u16, 24, 32] {
        let (max, min) = ((1i64 << (bits - 1)) - 1, -(1i64 << (bits - 1)));
        let vals: Vec<i64> = ints.iter().map(|&v| v.clamp(min, max)).collect();
        let bytes = vals
            .iter()
            .flat_map(|v| v.to_le_bytes()[..bits as usize / 8].to_vec())
            .collect();
        let want = vals
            .iter()
            .map(|&v| (v as f64 / (1u64 << (bits - 1)) as f64) as f32)
            .collect();
        cases.push(("int", 1, bits, bytes, want));
    }
    let u8s = [128u8, 129, 127, 255, 0, 200];
    cases.push((
        "u8",
        1,
        8,
        u8s.to_vec(),
        u8s.iter().map(|&v| (v as f32 - 128.0) / 128.0).collect(),
    ));
    let floats = [0.0f64, 0.5, -0.5, 0.123_456_789, 1.0, -1.0];
    cases.push((
        "f32",
        3,
        32,
        floats
            .iter()
            .flat_map(|&v| (v as f32).to_le_bytes())
            .collect(),
        floats.iter().map(|&v| v as f32).collect(),
    ));
    cases.push((
        "f64",
        3,
        64,
        floats.iter().flat_map(|&v| v.to_le_bytes()).collect(),
        floats.iter().map(|&v| v as f32).collect(),
    ));
    for (kind, format, bits, data, want) in cases {
        for (channels, mask) in [(1u16, None), (2, None), (1, Some(0x4u32)), (2, Some(0x3))] {
            // Mono: the six values; stereo: three frames of them.
            let bytes = wav_bytes(format, channels, 32_000, bits, mask, &data);
            let label = format!(
                "{kind} {bits}-bit, {channels} ch, extensible {}",
                mask.is_some()
            );
            let sound = decode_bytes(bytes, &label).unwrap_or_else(|e| panic!("{label}: {e}"));
            assert_eq!(sound.rate(), 32_000, "{label}");
            assert_eq!(sound.channel_count(), channels, "{label}");
            assert_eq!(samples(&sound), want, "{label}");
            assert_eq!(
                matches!(sound.samples(), Samples::I16(_)),
                bits == 16,
                "{label}"
            );
        }
    }
}

/// Tests the downmix of more than two channels, which is fixed and documented: 5.1 gives
/// `L = (FL + C/√2 + BL/√2) / (1 + √2)`, LFE dropped; quad gives `L = (FL + BL/√2) / (1 + 1/√2)`.
#[test]
fn more_channels_downmix_to_stereo_as_documented() {
    let h = std::f32::consts::FRAC_1_SQRT_2;
    // FL FR FC LFE BL BR, constant over 64 frames.
    let six = [0.4f32, -0.2, 0.3, 0.9, 0.1, -0.5];
    let quad = [0.4f32, -0.2, 0.1, -0.5]; // FL FR BL BR
    for (values, mask, want) in [
        (
            &six[..],
            0x3Fu32,
            [
                (six[0] + h * six[2] + h * six[4]) / (1.0 + 2.0 * h),
                (six[1] + h * six[2] + h * six[5]) / (1.0 + 2.0 * h),
            ],
        ),
        (
            &quad[..],
            0x33,
            [
                (quad[0] + h * quad[2]) / (1.0 + h),
                (quad[1] + h * quad[3]) / (1.0 + h),
            ],
        ),
    ] {
        let data: Vec<u8> = (0..64)
            .flat_map(|_| values.iter().flat_map(|v| v.to_le_bytes()))
            .collect();
        let bytes = wav_bytes(3, values.len() as u16, 48_000, 32, Some(mask), &data);
        let sound = decode_bytes(bytes, "surround.wav").unwrap();
        assert_eq!(sound.channel_count(), 2);
        assert_eq!(sound.frames(), 64);
        let got = samples(&sound);
        println!(
            "{} channels -> L {:.6}, R {:.6}",
            values.len(),
            got[0],
            got[1]
        );
        for frame in got.chunks_exact(2) {
            assert!((frame[0] - want[0]).abs() < 1e-6 && (frame[1] - want[1]).abs() < 1e-6);
        }
    }
}

/// Peak and current resident memory of this process, in KiB (Linux).
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// Measures the resident memory a `StreamDecoder` uses over 10-minute files (made with ffmpeg,
/// which must be installed). Ignored by default; run alone so nothing else allocates:
/// `cargo test --release --test decode -- --ignored --nocapture stream_memory`.
#[test]
#[ignore = "needs ffmpeg and a few hundred MB of temporary disk; run by hand"]
fn stream_memory_over_long_files() {
    let dir = tempfile::tempdir().unwrap();
    let source = "aevalsrc=exprs=0.4*sin(2*PI*440*t)+0.1*random(0)|0.2*sin(2*PI*660*t)+0.1*random(1):s=44100:d=600";
    for (name, args) in [
        ("long.wav", &["-c:a", "pcm_s16le"][..]),
        ("long.flac", &["-c:a", "flac"][..]),
        ("long.ogg", &["-c:a", "libvorbis", "-q:a", "4"][..]),
        ("long.mp3", &["-c:a", "libmp3lame", "-b:a", "192k"][..]),
    ] {
        let path = dir.path().join(name);
        let made = std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-f", "lavfi", "-i", source])
            .args(args)
            .arg(&path)
            .status()
            .expect("ffmpeg");
        assert!(made.success());
        let (_, before) = memory_kib();
        let mut stream = StreamDecoder::open(&path).unwrap();
        let mut chunk = Vec::with_capacity(1 << 16);
        let (mut frames, mut most, mut first_minute) = (0u64, 0u64, 0u64);
        loop {
            chunk.clear();
            let n = stream.next_chunk(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
            frames += n as u64;
            if frames % 44_100 < n as u64 {
                let now = memory_kib().1;
                most = most.max(now);
                if frames <= 60 * 44_100 {
                    first_minute = most;
                }
            }
        }
        let size = std::fs::metadata(&path).unwrap().len();
        println!(
            "{name}: {:.1} MB, {frames} frames; resident {before} KiB before open, at most \
             {first_minute} KiB in the first minute, {most} KiB over ten (+{} KiB)",
            size as f64 / 1e6,
            most.saturating_sub(before)
        );
        // Bounded, and nowhere near the file: glibc lets the resident size creep by a couple of
        // MB over the ten minutes of FLAC (the live heap, counted with a counting allocator
        // by hand, stays under 0.5 MB), so the bound is loose.
        assert!(
            most.saturating_sub(before) < 16 * 1024,
            "{name}: grew to {most} KiB"
        );
        assert_eq!(frames, 600 * 44_100);
        drop(stream);
        std::fs::remove_file(&path).unwrap();
    }
}
