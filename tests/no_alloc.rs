//! The audio thread's hygiene: `render` never allocates or frees.
//!
//! This binary installs a counting global allocator. Counting is switched on only around the
//! render calls, on the rendering thread, so the test harness's own allocations do not count.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use simvx_audio::{
    AudioBusLayout, AudioConfig, Buses, Effect, HasStreams, Interpolation, OfflineBackend,
    PlayParams, Playback, Sound,
};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static FREES: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn counting() -> bool {
    COUNTING.try_with(Cell::get).unwrap_or(false)
}

// SAFETY: every call forwards to the system allocator unchanged; the counters are atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if counting() {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if counting() {
            FREES.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if counting() {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Run `f` with counting on; return (allocations, frees) it made on this thread.
fn count<R>(f: impl FnOnce() -> R) -> (R, usize, usize) {
    let (a0, f0) = (
        ALLOCS.load(Ordering::Relaxed),
        FREES.load(Ordering::Relaxed),
    );
    COUNTING.with(|c| c.set(true));
    let r = f();
    COUNTING.with(|c| c.set(false));
    (
        r,
        ALLOCS.load(Ordering::Relaxed) - a0,
        FREES.load(Ordering::Relaxed) - f0,
    )
}

fn busy_backend(
    interpolation: Interpolation,
    real_voices: Option<usize>,
) -> (OfflineBackend, Vec<simvx_audio::ChannelId>) {
    let config = AudioConfig {
        voices: 64,
        interpolation,
        real_voices,
        virtual_below_db: real_voices.map(|_| -30.0),
        ..AudioConfig::default()
    };
    let mut b = OfflineBackend::new(&config).unwrap();
    let tone = Sound::tone(440.0, 0.5, 0.05, 44_100, 1).unwrap();
    let stereo = Sound::tone(300.0, 0.5, 0.5, 22_050, 2).unwrap();
    let pcm = Sound::from_pcm_i16(
        (0..9600).map(|i| (i * 7 % 2000) as i16).collect(),
        2,
        48_000,
    )
    .unwrap();
    let mut ids = Vec::new();
    for i in 0..48 {
        let sound = [&tone, &stereo, &pcm][i % 3];
        let params = PlayParams {
            looping: i % 2 == 0,
            pitch: 0.5 + i as f32 / 20.0,
            pan: (i as f32 / 24.0) - 1.0,
            bus: ["Master", "Music", "SFX", "Voice", "UI"][i % 5].into(),
            ..PlayParams::default()
        };
        ids.push(b.play_audio(sound, &params).unwrap());
    }
    (b, ids)
}

/// Tests that the counter sees an allocation (so the test below can fail).
#[test]
fn counter_detects_allocation() {
    let (v, allocs, frees) = count(|| vec![1u8; 64]);
    drop(v);
    assert!(allocs >= 1, "allocation not counted");
    assert_eq!(frees, 0);
}

/// Tests that rendering, with voices starting, ramping, pausing, stopping and ending, and
/// sounds being retired, makes no allocation and no free on the rendering thread; also with
/// a limit of real voices and an audibility threshold (voices going virtual and back).
#[test]
fn render_never_allocates() {
    for (interpolation, real) in [
        (Interpolation::Linear, None),
        (Interpolation::Cubic, None),
        (Interpolation::Linear, Some(8)),
    ] {
        let (mut b, ids) = busy_backend(interpolation, real);
        let mut out = vec![0.0f32; 2 * 480];
        let mut tap = None;
        for block in 0..200 {
            // Commands are queued outside the counted region, applied inside it.
            match block {
                // A tap of the output, then of a bus: filled inside the counted render, then
                // replaced.
                5 | 100 => tap = Some(b.open_tap(1.0).unwrap()),
                60 => tap = Some(b.open_bus_tap("SFX", 1.0).unwrap()),
                150 => b.close_tap().unwrap(),
                10 => ids
                    .iter()
                    .step_by(3)
                    .for_each(|&id| b.stop_audio(id).unwrap()),
                20 => ids
                    .iter()
                    .step_by(4)
                    .for_each(|&id| b.pause_audio(id).unwrap()),
                30 => ids
                    .iter()
                    .for_each(|&id| b.update_audio_3d(id, -6.0, 0.3, 1.7).unwrap()),
                35 => ids
                    .iter()
                    .step_by(4)
                    .for_each(|&id| b.update_audio_2d(id, -40.0, 0.0).unwrap()),
                40 => ids
                    .iter()
                    .step_by(4)
                    .for_each(|&id| b.resume_audio(id).unwrap()),
                _ => {}
            }
            let ((), allocs, frees) = count(|| b.render(&mut out));
            assert_eq!(
                (allocs, frees),
                (0, 0),
                "block {block}: render allocated or freed"
            );
        }
        assert!(
            out.iter().any(|&s| s != 0.0),
            "looping voices should still sound"
        );
        assert!(tap.is_some_and(|t| t.available() > 0), "the tap was filled");
        if real.is_some() {
            let counts = b.voice_counts();
            assert!(counts.real <= 8 && counts.virtualized > 0, "{counts:?}");
        }
    }
}

/// Tests the core directly, so that applying commands is counted too: effects of every kind on
/// every bus (built, retuned, bypassed, replaced, cleared, tweened, and a whole chain
/// reordered while the old one rings out), spatial voices with a moving listener and
/// emitters, bus mute, solo and a bus tween, all inside the counted `render` calls.
#[test]
fn render_with_effects_and_spatial_never_allocates() {
    use mixer_core::effect::EffectParams as P;
    use mixer_core::effect::params::*;
    use mixer_core::fade::Curve;
    use mixer_core::spatial::{Emitter, Listener};
    use mixer_core::{BusId, Config, PlayParams as CoreParams, Shared};
    use std::sync::Arc;

    type S = simvx_audio::Sound;
    const B: usize = 6;
    let shared = Arc::new(Shared::<S, 32>::new());
    let memory = vec![0.0f32; 1 << 22].into_boxed_slice();
    let mut place = Box::new(std::mem::MaybeUninit::uninit());
    let (mut c, r) = mixer_core::split_into::<S, _, _, 32, B, 11, _>(
        shared,
        memory,
        Config::new(48_000, 2),
        &mut place,
    )
    .unwrap();
    let effects = [
        P::Gain(GainParams::default()),
        P::LowPass(FilterParams::default()),
        P::HighPass(FilterParams::default()),
        P::BandPass(FilterParams::default()),
        P::Notch(FilterParams::default()),
        P::ParametricEq(EqParams::default()),
        P::Delay(DelayParams::default()),
        P::Reverb(ReverbParams::default()),
        P::SoftClip(SoftClipParams::default()),
        P::Compressor(CompressorParams::default()),
        P::Limiter(LimiterParams::default()),
    ];
    for bus in 1..B as u8 {
        c.set_bus(BusId(bus), Some(BusId::MASTER), -3.0).unwrap();
    }
    let tone = Sound::tone(440.0, 0.5, 0.5, 44_100, 1).unwrap();
    let mut ids = Vec::new();
    for i in 0..24 {
        let emitter = (i % 2 == 0).then(|| Emitter {
            position: [i as f32 - 12.0, 0.0, -3.0],
            velocity: [0.0, 0.0, 5.0],
            ..Emitter::default()
        });
        let p = CoreParams {
            looping: true,
            bus: BusId((i % B) as u8),
            emitter,
            ..CoreParams::default()
        };
        ids.push(c.play(tone.clone(), &p).unwrap());
    }
    let mut out = vec![0.0f32; 2 * 480];
    for block in 0..120usize {
        // Commands are queued here and applied inside the counted render.
        match block {
            1 => {
                for bus in 0..B as u8 {
                    for (slot, e) in effects.iter().enumerate() {
                        c.set_effect(BusId(bus), slot, e, true).unwrap();
                    }
                }
            }
            10..=40 => {
                let t = block as f32;
                let cutoff = P::LowPass(FilterParams {
                    cutoff_hz: 200.0 * t,
                    q: 1.0,
                });
                c.set_effect(BusId(1), 1, &cutoff, true).unwrap();
                c.set_listener(&Listener {
                    position: [t * 0.1, 0.0, 0.0],
                    ..Listener::default()
                });
                let e = Emitter {
                    position: [0.0, 0.0, -t],
                    ..Emitter::default()
                };
                c.set_emitter(ids[0], &e);
            }
            50 => {
                c.set_effect(BusId(2), 6, &effects[6], false).unwrap();
                c.set_effect(BusId(3), 7, &effects[0], true).unwrap(); // replace reverb
                c.clear_effect(BusId(4), 10).unwrap();
                c.set_bus_mute(BusId(5), true).unwrap();
                c.set_bus_solo(BusId(1), true).unwrap();
            }
            60 => ids.iter().step_by(3).for_each(|&id| c.stop(id).unwrap()),
            // A chain edit (the old chain rings out), an effect tween and a bus tween.
            70 => {
                let reordered: Vec<_> = effects.iter().rev().map(|e| (*e, true)).collect();
                c.replace_chain(BusId(2), &reordered).unwrap();
                let open = P::LowPass(FilterParams {
                    cutoff_hz: 9_000.0,
                    q: 0.7,
                });
                c.tween_effect(BusId(1), 1, &open, true, 9_600, Curve::Linear, 0)
                    .unwrap();
                c.set_bus_tweened(
                    BusId(3),
                    Some(BusId::MASTER),
                    -20.0,
                    9_600,
                    Curve::EqualPower,
                    0,
                )
                .unwrap();
            }
            _ => {}
        }
        let ((), allocs, frees) = count(|| r.render(&mut out));
        assert_eq!(
            (allocs, frees),
            (0, 0),
            "block {block}: render allocated or freed"
        );
        c.collect();
    }
    assert!(out.iter().all(|s| s.is_finite()));
    assert!(out.iter().any(|&s| s != 0.0));
}

/// Tests that streams, bus removal and re-routing cost the render nothing: a fed stream plays
/// and underruns, a custom bus with voices and an effect is re-routed, then removed (its
/// voices move to its parent), and another stream ends, all applied inside counted renders
/// (the calls themselves are made outside, as a game makes them).
#[test]
fn streams_and_bus_changes_never_allocate() {
    let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
    let mut layout = AudioBusLayout::default();
    layout.add_bus("Amb", -3.0, "Music").unwrap();
    layout
        .add_effect("Amb", Effect::default_for("lowpass").unwrap())
        .unwrap();
    b.sync_bus_layout(&layout).unwrap();
    let tone = Sound::tone(330.0, 0.5, 0.5, 44_100, 1).unwrap();
    let on_amb = PlayParams {
        looping: true,
        bus: "Amb".into(),
        ..PlayParams::default()
    };
    for _ in 0..4 {
        b.play_audio(&tone, &on_amb).unwrap();
    }
    let s = b.streams().unwrap();
    let fed = s.open_stream(0.0, "SFX", 0.5, false, None, 0.0).unwrap();
    let ended = s.open_stream(-6.0, "Amb", 0.2, false, None, 0.0).unwrap();
    let chunk: Vec<u8> = (0..4_800i16)
        .flat_map(|i| ((i % 200) * 100).to_le_bytes())
        .collect();
    let mut out = vec![0.0f32; 2 * 480];
    for block in 0..100 {
        match block {
            1 | 30 => {
                let s = b.streams().unwrap();
                s.feed_audio_chunk(fed, &chunk).unwrap();
                s.feed_audio_chunk(ended, &chunk).unwrap();
            }
            10 => b.streams().unwrap().end_of_stream(ended).unwrap(),
            20 => {
                layout.set_send_to("Amb", "SFX").unwrap();
                b.sync_bus_layout(&layout).unwrap();
            }
            40 => {
                layout.remove_bus("Amb").unwrap();
                b.sync_bus_layout(&layout).unwrap();
            }
            _ => {}
        }
        let ((), allocs, frees) = count(|| b.render(&mut out));
        assert_eq!(
            (allocs, frees),
            (0, 0),
            "block {block}: render allocated or freed"
        );
    }
    assert!(
        out.iter().any(|&s| s != 0.0),
        "the re-homed voices still sound"
    );
    assert!(!b.is_channel_active(ended), "the drained stream ended");
    let stats = b.streams().unwrap().stream_stats(fed).unwrap();
    assert!(
        stats.underrun_frames > 0,
        "the fed stream ran dry and counted it"
    );
}

/// Tests that the device shim's conversion (48 kHz stereo rendered for a 44.1 kHz mono
/// device: resampled and down-mixed in the callback) allocates nothing once built, at
/// callback sizes that do not divide its chunks.
#[test]
fn device_rate_conversion_never_allocates() {
    use platform_cpal::{Conversion, Convert, Render};
    let mut phase = 0u32;
    let render = move |out: &mut [f32]| {
        for s in out.iter_mut() {
            phase = phase.wrapping_add(1);
            *s = (phase % 97) as f32 / 97.0 - 0.5;
        }
    };
    let conversion = Conversion {
        from_rate: 48_000,
        from_channels: 2,
        to_rate: 44_100,
        to_channels: 1,
    };
    let mut device_side = Convert::new(render, conversion).unwrap();
    let mut out = vec![0.0f32; 1_000];
    let ((), allocs, frees) = count(|| {
        for size in [441usize, 17, 1_000, 64, 999] {
            device_side.render(&mut out[..size]);
        }
    });
    assert_eq!((allocs, frees), (0, 0), "the conversion allocated");
    assert!(out.iter().any(|&s| s != 0.0), "it rendered something");
}
