//! Mixing throughput of the offline renderer: N looping voices of 1 s mono 48 kHz white noise
//! at −6.02 dB, pitch 1, centre pan, rendered in 480-frame stereo blocks (10 ms at 48 kHz).
//!
//! Throughput is reported in elements = voice-frames mixed; divide criterion's `elem/s` by
//! 48 000 for voice-seconds mixed per CPU-second (a single-threaded render, so wall time is
//! CPU time on an idle machine).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_main};
use simvx_audio::{AudioConfig, OfflineBackend, PlayParams, Playback, Sound};

const BLOCK: usize = 480;

/// A backend with `n` voices playing; checked to be audible before it is timed.
fn setup(n: usize) -> OfflineBackend {
    let config = AudioConfig {
        voices: n,
        ..AudioConfig::default()
    };
    let mut backend = OfflineBackend::new(&config).expect("backend");
    let noise = Sound::noise(1.0, 1.0, 1, 48_000).expect("noise");
    let params = PlayParams {
        volume_db: -6.0206,
        looping: true,
        ..PlayParams::default()
    };
    for _ in 0..n {
        backend.play_audio(&noise, &params).expect("play");
    }
    let block = backend.render_frames(BLOCK);
    let peak = block.iter().fold(0.0f32, |m, s| m.max(s.abs()));
    assert!(
        peak > 0.1 * n as f32,
        "the mix is too quiet: peak {peak} for {n} voices"
    );
    assert!(block.iter().all(|s| s.is_finite()));
    backend
}

fn mix(c: &mut Criterion) {
    let mut group = c.benchmark_group("mix_plain");
    for n in [16usize, 64, 256, 1024] {
        let mut backend = setup(n);
        let mut out = vec![0.0f32; BLOCK * 2];
        group.throughput(Throughput::Elements((n * BLOCK) as u64));
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                backend.render(&mut out);
                std::hint::black_box(&out);
            })
        });
    }
    group.finish();
}

// criterion's macros generate undocumented items.
#[allow(missing_docs)]
mod harness {
    criterion::criterion_group!(benches, super::mix);
}
criterion_main!(harness::benches);
