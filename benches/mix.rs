//! Throughput of the offline renderer, in 480-frame stereo blocks (10 ms at 48 kHz).
//!
//! - `mix_plain/N`: N looping voices of 1 s mono 48 kHz white noise at −6.02 dB, pitch 1,
//!   centre pan. Throughput is in elements = voice-frames mixed; divide criterion's `elem/s`
//!   by 48 000 for voice-seconds mixed per CPU-second (a single-threaded render, so wall time
//!   is CPU time on an idle machine).
//! - `effects_chain/buses`: 16 voices over the 5 default buses, each bus running a full chain
//!   of 8 effects (EQ, low-pass, compressor, delay, reverb, soft clip, gain, limiter). The time
//!   per iteration is the cost of one 480-frame block; divide by 10 ms for the share of one
//!   core it takes in real time.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_main};
use simvx_audio::{
    AudioBusLayout, AudioConfig, Buses, DEFAULT_BUSES, Effect, OfflineBackend, PlayParams,
    Playback, Sound,
};

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

/// The 5 default buses, each with a full chain, 16 noise voices spread over them.
fn setup_effects() -> OfflineBackend {
    let mut backend = OfflineBackend::new(&AudioConfig::default()).expect("backend");
    let mut layout = AudioBusLayout::default();
    for bus in DEFAULT_BUSES {
        for tag in [
            "parametriceq",
            "lowpass",
            "compressor",
            "delay",
            "reverb",
            "softclip",
            "gain",
            "limiter",
        ] {
            layout
                .add_effect(bus, Effect::default_for(tag).expect("tag"))
                .expect("effect");
        }
    }
    backend.sync_bus_layout(&layout).expect("layout");
    let noise = Sound::noise(1.0, 1.0, 1, 48_000).expect("noise");
    for i in 0..16 {
        let params = PlayParams {
            volume_db: -12.0,
            looping: true,
            bus: DEFAULT_BUSES[i % DEFAULT_BUSES.len()].into(),
            ..PlayParams::default()
        };
        backend.play_audio(&noise, &params).expect("play");
    }
    for _ in 0..50 {
        backend.render_frames(BLOCK);
    }
    let block = backend.render_frames(BLOCK);
    assert!(block.iter().all(|s| s.is_finite()));
    assert!(block.iter().any(|s| s.abs() > 0.01), "the chain is silent");
    backend
}

fn effects(c: &mut Criterion) {
    let mut group = c.benchmark_group("effects_chain");
    let mut backend = setup_effects();
    let mut out = vec![0.0f32; BLOCK * 2];
    group.throughput(Throughput::Elements(BLOCK as u64));
    group.bench_function("5_buses_x_8_effects", |b| {
        b.iter(|| {
            backend.render(&mut out);
            std::hint::black_box(&out);
        })
    });
    group.finish();
}

// criterion's macros generate undocumented items.
#[allow(missing_docs)]
mod harness {
    criterion::criterion_group!(benches, super::mix, super::effects);
}
criterion_main!(harness::benches);
