//! Streaming voices: what is written is played, in order, exactly once; underruns are silent
//! and counted; end drains then ends; pitch never reads unwritten frames.

use core::sync::atomic::AtomicU32;

use super::*;
use crate::stream::{StreamRing, StreamSource};
use crate::{PlayParams, Samples, SoundData};

type Ring = StreamRing<Vec<AtomicU32>>;

/// A stream handle for the tests' mixer.
#[derive(Debug, Clone, Copy)]
struct Streamed(&'static Ring);

impl SoundData for Streamed {
    fn samples(&self) -> Samples<'_> {
        Samples::F32(&[])
    }
    fn channels(&self) -> crate::Channels {
        self.0.channels()
    }
    fn sample_rate(&self) -> u32 {
        self.0.sample_rate()
    }
    fn stream(&self) -> Option<&dyn StreamSource> {
        Some(self.0)
    }
}

type SCtl = crate::Controller<Streamed, &'static crate::Shared<Streamed, 4>, 4, 1, 0>;
type SRnd = crate::Renderer<Streamed, &'static crate::Shared<Streamed, 4>, [f32; 0], 4, 1, 0>;

fn ring(frames: usize, channels: u8, rate: u32) -> &'static Ring {
    let buf = (0..frames * channels as usize)
        .map(|_| AtomicU32::new(0))
        .collect();
    Box::leak(Box::new(StreamRing::new(buf, channels, rate)))
}

fn streaming_mixer() -> (SCtl, SRnd) {
    let shared: &'static crate::Shared<Streamed, 4> =
        crate::Shared::init(Box::leak(Box::new_uninit()));
    crate::split(shared, [], crate::Config::new(48_000, 2)).unwrap()
}

fn render_s(r: &mut SRnd, frames: usize) -> Vec<f32> {
    let mut out = vec![f32::NAN; frames * 2];
    r.render(&mut out);
    out
}

/// Tests that fed frames play exactly, underruns are silent and counted once per stretch,
/// the cursor waits (no frame skipped), and end drains then ends.
#[test]
fn fed_frames_play_in_order_then_end() {
    let ring = ring(1024, 1, 48_000);
    let (mut c, mut r) = streaming_mixer();
    let id = c.play(Streamed(ring), &PlayParams::default()).unwrap();
    let first: Vec<f32> = (0..300).map(|i| i as f32 / 1024.0).collect();
    assert_eq!(ring.write(&first), 300);
    let out = channel(&render_s(&mut r, 400), 0, 2);
    // Frame 299 waits for frame 300 (the interpolator never reads ahead of the writer).
    assert_eq!(&out[..299], &first[..299]);
    assert!(out[299..].iter().all(|&s| s == 0.0));
    assert_eq!((ring.underruns(), ring.underrun_frames()), (1, 101));
    let more: Vec<f32> = (300..600).map(|i| i as f32 / 1024.0).collect();
    ring.write(&more);
    ring.end();
    let out = channel(&render_s(&mut r, 400), 0, 2);
    let expect: Vec<f32> = (299..600).map(|i| i as f32 / 1024.0).collect();
    assert_eq!(&out[..301], &expect[..], "resumes exactly where it waited");
    assert!(out[301..].iter().all(|&s| s == 0.0));
    assert!(!c.is_active(id), "ended after draining");
    assert_eq!(ring.underruns(), 1);
}

/// Tests pitch on a stream: the frequency is right and the voice never reads frames that were
/// not written (a writer that stays just ahead sees no glitch, underruns show as silence).
#[test]
fn pitch_on_streams() {
    for pitch in [0.5f32, 1.0, 1.7] {
        let ring = ring(8192, 1, 44_100);
        let (mut c, mut r) = streaming_mixer();
        c.play(
            Streamed(ring),
            &PlayParams {
                pitch,
                ..PlayParams::default()
            },
        )
        .unwrap();
        let w = core::f64::consts::TAU * 1000.0 / 44_100.0;
        let mut written = 0usize;
        let mut out = Vec::new();
        for _ in 0..400 {
            // Write a little more than the block consumes.
            let want = (128.0 * f64::from(pitch) * 44_100.0 / 48_000.0) as usize + 4;
            let chunk: Vec<f32> = (written..written + want)
                .map(|i| 0.5 * libm::sin(w * i as f64) as f32)
                .collect();
            written += ring.write(&chunk);
            out.extend(channel(&render_s(&mut r, 128), 0, 2));
        }
        near(
            frequency(&out[256..], 48_000.0),
            1000.0 * f64::from(pitch),
            0.05 * f64::from(pitch),
        );
        assert_eq!(ring.underruns(), 0, "pitch {pitch}: the writer kept ahead");
    }
}

/// Tests a producer thread feeding uneven chunks for a minute of audio while the renderer
/// consumes in 480-frame blocks: every frame written is played once, in order (count in =
/// count out), and underruns only ever insert silence.
#[test]
fn threaded_minute_loses_nothing() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let ring = ring(4800, 1, 48_000);
    let (mut c, mut r) = streaming_mixer();
    c.play(Streamed(ring), &PlayParams::default()).unwrap();
    let total = 60 * 48_000usize;
    let done: &'static AtomicBool = Box::leak(Box::new(AtomicBool::new(false)));
    let producer = std::thread::spawn(move || {
        let mut next = 0usize;
        let mut seed = 12345u32;
        while next < total {
            let n = (crate::tests::xorshift(&mut seed).abs() * 3000.0) as usize + 1;
            let chunk: Vec<f32> = (next..(next + n).min(total))
                .map(|i| ((i % 1_000_000) + 1) as f32)
                .collect();
            let mut at = 0;
            while at < chunk.len() {
                let k = ring.write(&chunk[at..]);
                at += k;
                if k == 0 {
                    std::thread::yield_now();
                }
            }
            next += chunk.len();
        }
        ring.end();
        done.store(true, Ordering::Release);
    });
    let mut expected = 1.0f32;
    let mut played = 0usize;
    let mut silent = 0usize;
    let mut out = vec![0.0f32; 960];
    while c.active_voices() > 0 {
        r.render(&mut out);
        for f in out.chunks_exact(2) {
            if f[0] == 0.0 {
                silent += 1;
                continue;
            }
            assert_eq!(f[0], expected, "frame {played} out of order");
            played += 1;
            expected = if expected as usize == 1_000_000 {
                1.0
            } else {
                expected + 1.0
            };
        }
    }
    producer.join().unwrap();
    assert_eq!(played, total, "count in = count out");
    assert!(done.load(Ordering::Acquire));
    // Underruns are the only silence before the end (the last block pads after it).
    assert!(ring.underrun_frames() <= silent && silent < ring.underrun_frames() + 480);
}

/// Tests `Renderer::stream_demand`: with exactly the frames it asks for queued, a stream
/// voice renders the block without an underrun, and with one frame fewer it underruns (the
/// bound is tight at a steady pitch), at several pitches, rates and block sizes.
#[test]
fn stream_demand_is_exactly_enough() {
    for (rate, pitch, lead, block) in [
        (48_000, 1.0, 100, 480),
        (44_100, 1.0, 333, 480),
        (44_100, 1.5, 777, 1000),
        (22_050, 0.7, 5, 7),
        (96_000, 3.25, 1234, 64),
    ] {
        let run = |short: usize| {
            let ring = ring(1 << 16, 2, rate);
            let (mut c, mut r) = streaming_mixer();
            c.play(
                Streamed(ring),
                &PlayParams {
                    pitch,
                    ..PlayParams::default()
                },
            )
            .unwrap();
            let demand = |r: &SRnd, frames| {
                let mut demand = Vec::new();
                r.stream_demand(frames, |_, need| demand.push(need));
                demand
            };
            r.render(&mut []);
            // Play a while first, so the cursor stands at a fraction of a frame.
            ring.write(&vec![0.25; 2 * demand(&r, lead)[0]]);
            render_s(&mut r, lead);
            assert_eq!(ring.underruns(), 0);
            let demand = demand(&r, block);
            assert_eq!(demand.len(), 1, "one stream voice");
            let need = demand[0] - short;
            let queued = ring.queued();
            assert!(
                queued <= need,
                "{rate} Hz at {pitch}: {queued} queued > {need}"
            );
            ring.write(&vec![0.25; 2 * (need - queued)]);
            let before = ring.underrun_frames();
            render_s(&mut r, block);
            ring.underrun_frames() - before
        };
        assert_eq!(
            run(0),
            0,
            "{rate} Hz at pitch {pitch}: demand met, no underrun"
        );
        assert!(
            run(1) > 0,
            "{rate} Hz at pitch {pitch}: one frame short underruns"
        );
    }
}

/// Tests that a stream voice closes its ring when it ends, stopped or drained, and not
/// before (so a decoder feeding it may stop).
#[test]
fn ended_stream_voice_closes_its_ring() {
    let (mut c, mut r) = streaming_mixer();
    let stopped = ring(4096, 2, 48_000);
    let drained = ring(4096, 2, 48_000);
    let a = c.play(Streamed(stopped), &PlayParams::default()).unwrap();
    c.play(Streamed(drained), &PlayParams::default()).unwrap();
    stopped.write(&[0.5; 2 * 4096]);
    drained.write(&[0.5; 2 * 100]);
    render_s(&mut r, 480);
    assert!(
        !stopped.is_closed() && !drained.is_closed(),
        "both still playing"
    );
    drained.end();
    c.stop(a).unwrap();
    render_s(&mut r, 480);
    assert!(stopped.is_closed(), "closed once its stop has faded");
    assert!(drained.is_closed(), "closed once drained");
}
