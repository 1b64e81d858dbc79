//! The audio thread's hygiene: `render` never allocates or frees.
//!
//! This binary installs a counting global allocator. Counting is switched on only around the
//! render calls, on the rendering thread, so the test harness's own allocations do not count.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use simvx_audio::{AudioConfig, Interpolation, OfflineBackend, PlayParams, Playback, Sound};

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

fn busy_backend(interpolation: Interpolation) -> (OfflineBackend, Vec<simvx_audio::ChannelId>) {
    let config = AudioConfig {
        voices: 64,
        interpolation,
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
/// sounds being retired, makes no allocation and no free on the rendering thread.
#[test]
fn render_never_allocates() {
    for interpolation in [Interpolation::Linear, Interpolation::Cubic] {
        let (mut b, ids) = busy_backend(interpolation);
        let mut out = vec![0.0f32; 2 * 480];
        for block in 0..200 {
            // Commands are queued outside the counted region, applied inside it.
            match block {
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
    }
}
