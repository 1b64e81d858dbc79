//! The game side on the live path: what a call costs the game thread while a real device
//! renders, and what a block costs the audio thread, next to the offline backend.
//!
//! The device is real cpal over ALSA's `null` PCM (this binary writes its own ALSA
//! configuration and points `ALSA_CONFIG_PATH` at it before anything touches ALSA), so the
//! callback thread renders all the while, as fast as a core allows (the null PCM is not
//! paced), exactly as in a game minus the pacing.
//!
//! - `calls/{live,offline}/{set_emitter,update_audio_3d}/N`: one call on one of N looping
//!   spatial voices (round robin), ns per call.
//! - `calls/{live,offline}/play_stop/N`: one `play_audio` and one `stop_audio` of a voice of
//!   a pool holding N − 1 others (the stopped voice's slot comes back when its fade ends).
//! - `render/offline/N`: one 480-frame block of N moving spatial voices, every voice moved
//!   before each block; `render/offline_steady/N`: the same voices standing still.
//! - After criterion (only under `cargo bench`), `render/live/N` is measured by hand: 2 s of
//!   a game moving every voice every 16 ms, the CPU time of the callback thread (read from
//!   `/proc/self/task/*/schedstat`) divided by the blocks the device consumed.

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use simvx_audio::{
    AudioConfig, Backend, BackendKind, ChannelId, Driver, Emitter, FallbackPolicy, OfflineBackend,
    PlayParams, Playback, Sound, make_backend,
};

const SIZES: [usize; 2] = [1024, 4096];
const BLOCK: usize = 480;

fn config(n: usize) -> AudioConfig {
    AudioConfig {
        voices: n,
        fallback: FallbackPolicy::Forbid,
        ..AudioConfig::default()
    }
}

fn emitter(i: usize, t: f32) -> Emitter {
    let r = 2.0 + (i % 64) as f32;
    let a = 0.7 * t + i as f32;
    Emitter {
        position: [r * a.cos(), 0.0, r * a.sin()],
        velocity: [-r * 0.7 * a.sin(), 0.0, r * 0.7 * a.cos()],
        ..Emitter::default()
    }
}

fn tone() -> Sound {
    Sound::tone(440.0, 0.5, 0.25, 44_100, 1).expect("tone")
}

/// `n` looping spatial voices on `backend`.
fn fill<D: Driver>(backend: &mut Backend<D>, n: usize) -> Vec<ChannelId> {
    let tone = tone();
    (0..n)
        .map(|i| {
            let p = PlayParams {
                looping: true,
                volume_db: -40.0,
                emitter: Some(emitter(i, 0.0)),
                ..PlayParams::default()
            };
            backend.play_audio(&tone, &p).expect("play")
        })
        .collect()
}

fn live(n: usize) -> Backend {
    let backend = make_backend(&config(n)).expect("the ALSA null PCM opens");
    assert_eq!(backend.kind(), BackendKind::Native);
    backend
}

/// Free slots kept for the `play_audio` batches.
const BATCH: usize = 256;

fn calls_on<D: Driver>(
    c: &mut Criterion,
    label: &str,
    n: usize,
    backend: &mut Backend<D>,
    pump: fn(&mut Backend<D>),
) {
    let ids = fill(backend, n - BATCH);
    let mut group = c.benchmark_group(format!("calls/{label}"));
    let mut k = 0usize;
    group.bench_function(BenchmarkId::new("set_emitter", n), |b| {
        b.iter(|| {
            k = (k + 1) % ids.len();
            backend
                .set_emitter(ids[k], &emitter(k, k as f32))
                .expect("set_emitter");
        })
    });
    group.bench_function(BenchmarkId::new("update_audio_3d", n), |b| {
        b.iter(|| {
            k = (k + 1) % ids.len();
            backend
                .update_audio_3d(ids[k], -40.0, 0.1, 1.0 + (k % 7) as f32 * 0.01)
                .expect("update_audio_3d");
        })
    });
    let tone = tone();
    let p = PlayParams {
        looping: true,
        volume_db: -40.0,
        emitter: Some(emitter(0, 0.0)),
        ..PlayParams::default()
    };
    // Plays are timed in batches into the pool's free slots; stopping the batch and waiting
    // for its slots to come back is not timed.
    group.bench_function(BenchmarkId::new("play_audio", n), |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            let mut done = 0u64;
            let mut batch = Vec::with_capacity(BATCH);
            while done < iters {
                let m = (iters - done).min(BATCH as u64);
                let t0 = Instant::now();
                for _ in 0..m {
                    batch.push(backend.play_audio(&tone, &p).expect("play_audio"));
                }
                timed += t0.elapsed();
                done += m;
                for id in batch.drain(..) {
                    backend.stop_audio(id).expect("stop");
                }
                while free_slots(backend) < BATCH {
                    pump(backend);
                }
                // The probes' own fades.
                pump(backend);
                pump(backend);
            }
            timed
        })
    });
    group.finish();
}

/// Free voices, up to `BATCH`: probed by playing into them and stopping at once (untimed;
/// the probes' fades end within the next block).
fn free_slots<D: Driver>(backend: &mut Backend<D>) -> usize {
    let probe = tone();
    let mut got = Vec::new();
    while got.len() < BATCH {
        match backend.play_audio(&probe, &PlayParams::default()) {
            Ok(id) => got.push(id),
            Err(_) => break,
        }
    }
    let free = got.len();
    for id in got {
        backend.stop_audio(id).expect("stop");
    }
    free
}

fn calls(c: &mut Criterion) {
    for n in SIZES {
        let mut backend = live(n);
        calls_on(c, "live", n, &mut backend, |_| {
            std::thread::sleep(Duration::from_millis(1))
        });
        drop(backend);
        let mut offline = OfflineBackend::new(&config(n)).expect("offline");
        calls_on(c, "offline", n, &mut offline, |b| {
            b.render_frames(BLOCK);
        });
    }
}

fn render_offline(c: &mut Criterion) {
    let mut group = c.benchmark_group("render/offline");
    for n in SIZES {
        let mut backend = OfflineBackend::new(&config(n)).expect("offline");
        let ids = fill(&mut backend, n);
        let mut out = vec![0.0f32; 2 * BLOCK];
        let mut t = 0.0f32;
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                t += 0.01;
                for (i, &id) in ids.iter().enumerate() {
                    backend
                        .set_emitter(id, &emitter(i, t))
                        .expect("set_emitter");
                }
                backend.render(&mut out);
                std::hint::black_box(&out);
            })
        });
    }
    group.finish();
    // The same voices with their emitters standing still: what most live blocks see when the
    // game moves voices every 16 ms and the device asks for blocks faster (the null PCM).
    let mut group = c.benchmark_group("render/offline_steady");
    for n in SIZES {
        let mut backend = OfflineBackend::new(&config(n)).expect("offline");
        fill(&mut backend, n);
        let mut out = vec![0.0f32; 2 * BLOCK];
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                backend.render(&mut out);
                std::hint::black_box(&out);
            })
        });
    }
    group.finish();
}

/// CPU seconds of every thread of this process but `except`: from
/// `/proc/self/task/*/schedstat` (nanoseconds on the CPU), or where that is missing from
/// `stat` (user + system, fields 14 and 15, in clock ticks of 1/100 s).
fn other_threads_cpu(except: &str) -> f64 {
    let (mut ticks, mut nanos) = (0u64, 0u64);
    for task in std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
    {
        if task.file_name().to_string_lossy() == except {
            continue;
        }
        if let Some(ns) = std::fs::read_to_string(task.path().join("schedstat"))
            .ok()
            .and_then(|t| t.split_whitespace().next()?.parse::<u64>().ok())
        {
            nanos += ns;
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let f: Vec<&str> = after.split_whitespace().collect();
        // After the name: state is field 3, utime 14 and stime 15 (1-based, whole line).
        if f.len() > 13 {
            ticks += f[11].parse::<u64>().unwrap_or(0) + f[12].parse::<u64>().unwrap_or(0);
        }
    }
    ticks as f64 / 100.0 + nanos as f64 * 1e-9
}

/// The live path's render cost per block: the callback thread's CPU time over 2 s of a game
/// moving every voice every 16 ms, per 480 frames the device consumed.
fn render_live() {
    let me = std::fs::read_link("/proc/thread-self")
        .ok()
        .and_then(|p| p.file_name().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_default();
    for n in SIZES {
        let mut backend = live(n);
        let ids = fill(&mut backend, n);
        std::thread::sleep(Duration::from_millis(200));
        let frames0 = backend.device().expect("device").frames_played();
        let cpu0 = other_threads_cpu(&me);
        let start = Instant::now();
        let mut game = Duration::ZERO;
        let mut frame = 0u32;
        while start.elapsed() < Duration::from_secs(2) {
            let began = Instant::now();
            let t = start.elapsed().as_secs_f32();
            for (i, &id) in ids.iter().enumerate() {
                backend
                    .set_emitter(id, &emitter(i, t))
                    .expect("set_emitter");
            }
            game += began.elapsed();
            frame += 1;
            let next = start + Duration::from_millis(16) * frame;
            if let Some(wait) = next.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        let cpu = other_threads_cpu(&me) - cpu0;
        let frames = backend.device().expect("device").frames_played() - frames0;
        let blocks = frames as f64 / BLOCK as f64;
        println!(
            "render/live/{n}: {:.1} µs of callback CPU per {BLOCK}-frame block ({frames} frames \
             in 2 s, {:.2} s of CPU); the game thread spent {:.1} µs per 16 ms frame moving \
             every voice",
            cpu * 1e6 / blocks,
            cpu,
            game.as_secs_f64() * 1e6 / f64::from(frame),
        );
    }
}

fn main() {
    let dir = std::env::temp_dir().join(format!("simvx-game-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let conf = dir.join("alsa-null.conf");
    std::fs::write(
        &conf,
        "pcm.!default { type null }\npcm.null { type null }\n",
    )
    .expect("ALSA config");
    // SAFETY: no other thread exists yet (criterion, cpal and ALSA have not started), so
    // nothing reads the environment while it changes.
    unsafe { std::env::set_var("ALSA_CONFIG_PATH", &conf) };
    let bench = std::env::args().any(|a| a == "--bench");
    let mut c = Criterion::default().configure_from_args();
    calls(&mut c);
    render_offline(&mut c);
    c.final_summary();
    if bench {
        render_live();
    }
    let _ = std::fs::remove_dir_all(&dir);
}
