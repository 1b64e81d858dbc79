//! Virtual voices: what a crowd of voices costs when only some of them are mixed.
//!
//! Every case renders 480-frame stereo blocks (10 ms at 48 kHz) from the core's renderer, with
//! looping 1 s mono noise voices, each with an emitter scattered in a 200 m cube around the
//! listener (inverse distance attenuation):
//! - `virtual_voices/64_plain`: 64 such voices in a 64-voice pool, all mixed (the baseline);
//! - `virtual_voices/10000_of_64_real`: 10 000 voices, at most 64 mixed (the 64 nearest, so
//!   the loudest); the other 9 936 are virtual;
//! - `virtual_voices/10000_of_64_real_listener_moving`: the same with the listener moving
//!   every block, so every voice is re-evaluated every quantum and ranked every 1024 frames.
//!
//! The must-show of issue 13 is the ratio of the second to the first (within 1.5×).

use std::boxed::Box;

use criterion::{Criterion, criterion_main};
use mixer_core::spatial::{Emitter, Listener};
use mixer_core::{Channels, Config, Controller, PlayParams, Renderer, Shared, StaticSound};

const BLOCK: usize = 480;

type Snd = &'static StaticSound<'static>;

/// A controller and its renderer over a pool of `V` voices (built in place, on the heap).
type Mixer<const V: usize> = (
    Controller<Snd, &'static Shared<Snd, V, V>, V, 1, 0, mixer_core::NoBacklog, V>,
    Box<Renderer<Snd, &'static Shared<Snd, V, V>, [f32; 0], V, 1, 0, V>>,
);

fn mixer<const V: usize>(config: Config) -> Mixer<V> {
    let shared: &'static Shared<Snd, V, V> = Shared::init(Box::leak(Box::new_uninit()));
    let mut place = Box::new_uninit();
    let controller = mixer_core::split_into(shared, [], config, &mut place)
        .expect("split")
        .0;
    // SAFETY: `split_into` returned Ok, so it initialised `place`.
    (controller, unsafe { place.assume_init() })
}

/// 1 s of mono white noise at 48 kHz, leaked.
fn noise() -> Snd {
    let mut s = 1u32;
    let pcm: Vec<f32> = (0..48_000)
        .map(|_| {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (s >> 8) as f32 / (1u32 << 23) as f32 - 1.0
        })
        .collect();
    Box::leak(Box::new(StaticSound::f32(
        Box::leak(pcm.into_boxed_slice()),
        Channels::Mono,
        48_000,
    )))
}

/// `n` voices scattered in a 200 m cube, each looping `sound` from its own offset.
fn crowd<const V: usize>(m: &mut Mixer<V>, sound: Snd, n: usize) {
    let mut seed = 7u32;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        (seed >> 8) as f32 / 8_388_608.0 - 1.0
    };
    for k in 0..n {
        let position = [next() * 100.0, next() * 100.0, next() * 100.0];
        let params = PlayParams {
            looping: true,
            from_position: (k % 97) as f64 / 97.0,
            emitter: Some(Emitter {
                position,
                ..Emitter::default()
            }),
            ..PlayParams::default()
        };
        m.0.play(sound, &params).expect("play");
    }
}

/// Render 1 s so every voice is placed, then check what is mixed.
fn settle<const V: usize>(m: &mut Mixer<V>, real: usize, virtualized: usize) {
    let mut out = vec![0.0f32; BLOCK * 2];
    for _ in 0..100 {
        m.1.render(&mut out);
    }
    let counts = m.0.voice_counts();
    assert_eq!((counts.real, counts.virtualized), (real, virtualized));
    assert!(out.iter().any(|&s| s != 0.0) && out.iter().all(|s| s.is_finite()));
}

fn virtual_voices(c: &mut Criterion) {
    let sound = noise();
    let mut group = c.benchmark_group("virtual_voices");
    let mut out = vec![0.0f32; BLOCK * 2];

    let mut plain = mixer::<64>(Config::new(48_000, 2));
    crowd(&mut plain, sound, 64);
    settle(&mut plain, 64, 0);
    group.bench_function("64_plain", |b| {
        b.iter(|| {
            plain.1.render(&mut out);
            std::hint::black_box(&out);
        })
    });

    let config = Config {
        real_voices: 64,
        voice_limit: 10_000,
        ..Config::new(48_000, 2)
    };
    let mut crowd_mixer = mixer::<10_240>(config);
    crowd(&mut crowd_mixer, sound, 10_000);
    settle(&mut crowd_mixer, 64, 9_936);
    group.bench_function("10000_of_64_real", |b| {
        b.iter(|| {
            crowd_mixer.1.render(&mut out);
            std::hint::black_box(&out);
        })
    });

    let mut t = 0.0f32;
    group.bench_function("10000_of_64_real_listener_moving", |b| {
        b.iter(|| {
            t += 0.01;
            crowd_mixer.0.set_listener(&Listener {
                position: [10.0 * t.sin(), 0.0, 10.0 * t.cos()],
                ..Listener::default()
            });
            crowd_mixer.1.render(&mut out);
            std::hint::black_box(&out);
        })
    });
    group.finish();
}

mod group {
    criterion::criterion_group!(benches, super::virtual_voices);
}
criterion_main!(group::benches);
