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
//! - `effects_chain/32_silent_filter_tails`: 32 buses, each with a low-pass and a high-pass,
//!   that were fed one click and then a second of silence: the cost of a block of their
//!   tails (subnormals for ever before the state was flushed; exact zeros now).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_main};
use simvx_audio::{
    Attenuation, AudioBusLayout, AudioConfig, Buses, ChannelId, DEFAULT_BUSES, Effect, Emitter,
    OfflineBackend, PlayParams, Playback, Sound,
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
    for n in [16usize, 64, 256, 1024, 4096] {
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

/// Issue 6's workloads: W1 game (pitch 0.8..1.2, voices on a circle of radius 10 around the
/// listener) and W2 doppler (the same, moving tangentially at 20 m/s, updated every block).
fn setup_game(n: usize) -> (OfflineBackend, Vec<(ChannelId, Emitter)>) {
    let config = AudioConfig {
        voices: n,
        ..AudioConfig::default()
    };
    let mut backend = OfflineBackend::new(&config).expect("backend");
    let noise = Sound::noise(1.0, 1.0, 1, 48_000).expect("noise");
    let mut ids = Vec::new();
    for i in 0..n {
        let theta = i as f32 * std::f32::consts::TAU / n as f32;
        let emitter = Emitter {
            position: [10.0 * theta.cos(), 0.0, 10.0 * theta.sin()],
            attenuation: Attenuation::Inverse,
            min_distance: 1.0,
            ..Emitter::default()
        };
        let params = PlayParams {
            volume_db: -6.0206,
            looping: true,
            pitch: 0.8 + 0.4 * i as f32 / n as f32,
            emitter: Some(emitter),
            ..PlayParams::default()
        };
        let id = backend.play_audio(&noise, &params).expect("play");
        ids.push((id, emitter));
    }
    let block = backend.render_frames(BLOCK);
    let rms = (block.iter().map(|s| s * s).sum::<f32>() / block.len() as f32).sqrt();
    assert!(
        rms > 0.01 * (n as f32).sqrt(),
        "the mix is too quiet: rms {rms} for {n} voices"
    );
    (backend, ids)
}

fn game(c: &mut Criterion) {
    for (name, moving) in [("w1_game", false), ("w2_doppler", true)] {
        let mut group = c.benchmark_group(name);
        for n in [16usize, 256, 1024, 4096] {
            let (mut backend, mut ids) = setup_game(n);
            let mut out = vec![0.0f32; BLOCK * 2];
            let mut t = 0.0f32;
            group.throughput(Throughput::Elements((n * BLOCK) as u64));
            group.bench_function(BenchmarkId::from_parameter(n), |b| {
                b.iter(|| {
                    if moving {
                        t += BLOCK as f32 / 48_000.0;
                        for (i, (id, e)) in ids.iter_mut().enumerate() {
                            let theta = i as f32 * std::f32::consts::TAU / n as f32 + t * 2.0;
                            e.position = [10.0 * theta.cos(), 0.0, 10.0 * theta.sin()];
                            e.velocity = [-20.0 * theta.sin(), 0.0, 20.0 * theta.cos()];
                            backend.set_emitter(*id, e).expect("emitter");
                        }
                    }
                    backend.render(&mut out);
                    std::hint::black_box(&out);
                })
            });
        }
        group.finish();
    }
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

/// 32 buses with a low-pass and a high-pass each, fed one click, then a second of silence.
fn setup_tails() -> OfflineBackend {
    use simvx_audio::{EffectParams, FilterParams};
    let config = AudioConfig {
        voices: 64,
        ..AudioConfig::default()
    };
    let mut backend = OfflineBackend::new(&config).expect("backend");
    let mut layout = AudioBusLayout::default();
    // The five default buses and 27 more: the most a mixer holds.
    for i in 0..27 {
        layout
            .add_bus(&format!("Tail{i}"), 0.0, "Master")
            .expect("bus");
    }
    let names: Vec<String> = layout
        .buses()
        .iter()
        .map(|b| b.name().to_string())
        .collect();
    for name in &names {
        for params in [
            EffectParams::LowPass(FilterParams {
                cutoff_hz: 300.0,
                q: 0.707,
            }),
            EffectParams::HighPass(FilterParams {
                cutoff_hz: 3_000.0,
                q: 2.0,
            }),
        ] {
            layout
                .add_effect(name, Effect::new(params))
                .expect("effect");
        }
    }
    backend.sync_bus_layout(&layout).expect("layout");
    let click = Sound::from_pcm_f32(vec![1.0], 1, 48_000).expect("click");
    for name in &names {
        let params = PlayParams {
            bus: name.clone(),
            ..PlayParams::default()
        };
        backend.play_audio(&click, &params).expect("play");
    }
    let head = backend.render_frames(BLOCK);
    assert!(head.iter().any(|s| s.abs() > 1e-3), "the clicks are heard");
    backend.render_frames(48_000);
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
    let mut tails = setup_tails();
    group.bench_function("32_silent_filter_tails", |b| {
        b.iter(|| {
            tails.render(&mut out);
            std::hint::black_box(&out);
        })
    });
    group.finish();
}

// criterion's macros generate undocumented items.
#[allow(missing_docs)]
mod harness {
    criterion::criterion_group!(benches, super::mix, super::game, super::effects);
}
criterion_main!(harness::benches);
