//! The length fields of WAV, FLAC and Ogg Vorbis headers, fuzzed by structure: every field a
//! header states (rates, channel counts, byte and frame lengths, block sizes, seek tables) is
//! set from the fuzzer's input in a file that is otherwise valid (checksums made right), so
//! the decoders see plausible files that lie. Decoding one must return a typed error or a
//! sound inside the documented limits, within libFuzzer's memory limit (`-rss_limit_mb`) and
//! per-input time limit (`-timeout`): a header that is a memory bomb or a slow parse is a
//! crash here. This is how the issue-16 inputs were found (a 4.29 GHz Vorbis, ten hours of
//! FLAC in 472 KB, a seek table in descending order).

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use simvx_audio::{
    AudioConfig, MAX_SAMPLE_RATE, MAX_SOUND_SAMPLES, OfflineBackend, StreamDecoder, StreamParams,
    Streaming, decode_bytes,
};

#[path = "../../tests/common/media.rs"]
#[allow(dead_code)]
mod media;

/// The Vorbis fixture (a valid file to rewrite fields of).
const OGG: &[u8] = include_bytes!("../../tests/fixtures/vorbis_stereo_44100.ogg");

#[derive(Arbitrary, Debug)]
enum Case {
    /// A canonical 44-byte-header WAV with every field chosen.
    Wav {
        format: u16,
        channels: u16,
        rate: u32,
        byte_rate: u32,
        align: u16,
        bits: u16,
        riff_len: u32,
        data_len: u32,
        /// The data actually present (bytes, at most 64 KiB).
        present: u16,
    },
    /// FLAC of constant subframes: the stated length, the block size and count, and a seek
    /// table (its length, and whether it descends).
    Flac {
        blocks: u16,
        block: u16,
        stated: u64,
        seek_points: u16,
        descending: bool,
    },
    /// The Vorbis fixture with its stated rate and channel count rewritten.
    Vorbis { rate: u32, channels: u8 },
}

fn wav(c: &Case) -> Vec<u8> {
    let Case::Wav {
        format,
        channels,
        rate,
        byte_rate,
        align,
        bits,
        riff_len,
        data_len,
        present,
    } = *c
    else {
        unreachable!()
    };
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&riff_len.to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    for v in [format, channels] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&byte_rate.to_le_bytes());
    out.extend_from_slice(&align.to_le_bytes());
    out.extend_from_slice(&bits.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    out.extend((0..present).map(|i| (i.wrapping_mul(31)) as u8));
    out
}

fn bytes_of(c: &Case) -> Vec<u8> {
    match *c {
        Case::Wav { .. } => wav(c),
        Case::Flac {
            blocks,
            block,
            stated,
            seek_points,
            descending,
        } => {
            // At most 2 000 blocks (the file stays small; the stated length may say more).
            let blocks = u32::from(blocks % 2_000);
            let n = u64::from(seek_points % 20_000);
            let points: Vec<u64> = if descending {
                (0..n).rev().map(|i| i * 4_096).collect()
            } else {
                (0..n).map(|i| i * 4_096).collect()
            };
            media::silent_flac(blocks, block, stated, &points)
        }
        Case::Vorbis { rate, channels } => media::vorbis_with(OGG, rate, Some(channels)),
    }
}

/// The file every input is written to for the streaming paths (one per fuzzing process).
fn scratch_path() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("simvx-headers-{}.bin", std::process::id()))
}

fuzz_target!(|c: Case| {
    let bytes = bytes_of(&c);
    if let Ok(sound) = decode_bytes(bytes.clone(), "headers") {
        let samples = sound.frames() * usize::from(sound.channel_count());
        assert!(samples <= MAX_SOUND_SAMPLES, "{samples} samples from {c:?}");
        assert!(
            (1..=MAX_SAMPLE_RATE).contains(&sound.rate()),
            "rate {}",
            sound.rate()
        );
    }
    // The streaming paths size a ring from the stated rate: open the file as a stream, pull a
    // chunk, and open it on a backend (WAV streams are fed by the caller, not decoded).
    if matches!(c, Case::Wav { .. }) {
        return;
    }
    let path = scratch_path();
    std::fs::write(&path, &bytes).expect("write the scratch file");
    if let Ok(mut d) = StreamDecoder::open(&path) {
        assert!((1..=MAX_SAMPLE_RATE).contains(&d.sample_rate()));
        let mut chunk = Vec::new();
        let _ = d.next_chunk(&mut chunk);
        assert!(chunk.iter().all(|x| x.is_finite()));
    }
    let config = AudioConfig {
        voices: 2,
        effect_memory_mib: 0,
        ..AudioConfig::default()
    };
    let mut b = OfflineBackend::new(&config).expect("a valid config");
    let params = StreamParams {
        stream: Some(path),
        ..StreamParams::default()
    };
    if b.open_stream_with(&params).is_ok() {
        let out = b.render_frames(256);
        assert!(out.iter().all(|x| x.is_finite()));
    }
});
