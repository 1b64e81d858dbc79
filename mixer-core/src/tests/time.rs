//! Time in the control path: commands at a frame inside a block, the renderer's clock,
//! coalescing mailboxes, the backlog, and the no-mix advance.

use super::*;
use crate::fade::{Curve, FadeParams, TweenParams};
use crate::spatial::{Emitter, Listener};
use crate::{COMMAND_CAPACITY, Error, PlayParams, Queued, VoiceId};

fn looping() -> PlayParams {
    PlayParams {
        looping: true,
        ..PlayParams::default()
    }
}

/// Tests that a play and a stop stamped inside a block apply at exactly their frames, and that
/// the controller reads the renderer's clock.
#[test]
fn stamped_commands_apply_inside_a_block() {
    let (mut c, mut r) = stereo();
    assert_eq!(c.now(), 0);
    let id = c.play_at(dc(0.5, 48_000), &looping(), 100).unwrap();
    assert!(
        c.is_active(id),
        "a scheduled voice is active from the call on"
    );
    c.stop_at(id, 300).unwrap();
    let l = channel(&render(&mut r, 1000), 0, 2);
    assert_eq!(c.now(), 1000);
    assert!(
        l[..100].iter().all(|&s| s == 0.0),
        "silent before frame 100"
    );
    assert_eq!(l[100], 0.5, "the first frame has the voice's gain");
    assert!(l[100..300].iter().all(|&s| s == 0.5));
    // The stop fades out over the smoothing time from frame 300.
    assert!(l[301] < 0.5 && l[301] > 0.49);
    let fade = 240;
    assert!(l[300 + fade..].iter().all(|&s| s == 0.0));
    assert!(!c.is_active(id), "stopped once the clock passed the stop");
}

/// Tests that a command stamped for later never holds up the ones sent after it: a play
/// scheduled a second ahead, then a play for now, a stop for now and a play for half a second,
/// each take effect at its own frame.
#[test]
fn a_later_command_does_not_hold_up_the_queue() {
    let (mut c, mut r) = stereo();
    let late = c.play_at(dc(0.25, 48_000), &looping(), 48_000).unwrap();
    let now = c.play(dc(0.5, 48_000), &looping()).unwrap();
    let mid = c.play_at(dc(0.125, 48_000), &looping(), 24_000).unwrap();
    let l = channel(&render(&mut r, 1_000), 0, 2);
    assert_eq!(
        l[0], 0.5,
        "the play for now is not held behind the one for later"
    );
    c.stop(now).unwrap();
    let l = channel(&render(&mut r, 60_000), 0, 2);
    assert!(
        l[1_000..23_000].iter().all(|&s| s == 0.0),
        "stopped at once"
    );
    assert!(
        l[23_000..47_000].iter().all(|&s| s == 0.125),
        "mid starts at 24000"
    );
    assert!(
        l[47_000..].iter().all(|&s| s == 0.375),
        "late starts at 48000"
    );
    assert!(c.is_active(late) && c.is_active(mid) && !c.is_active(now));
}

/// Tests group control on a bus tree: pausing a bus holds the voices on it and on the buses
/// routed into it, and nothing else; resuming continues them where they were; stopping ends
/// them; a voice moved to another bus leaves its group; seeking moves the cursor.
#[test]
fn buses_pause_resume_and_stop_their_voices() {
    use crate::BusId;
    let (mut c, mut r) = stereo();
    let (music, sfx, steps) = (BusId(1), BusId(2), BusId(3));
    c.set_bus(music, Some(BusId::MASTER), 0.0).unwrap();
    c.set_bus(sfx, Some(BusId::MASTER), 0.0).unwrap();
    c.set_bus(steps, Some(sfx), 0.0).unwrap();
    let on = |bus| PlayParams { bus, ..looping() };
    let m = c.play(dc(0.5, 48_000), &on(music)).unwrap();
    let s = c.play(dc(0.25, 48_000), &on(steps)).unwrap();
    let x = c.play(dc(0.125, 48_000), &on(sfx)).unwrap();
    render(&mut r, 480);
    c.set_voice_bus(x, music).unwrap();
    c.pause_bus_at(sfx, 0).unwrap();
    let l = channel(&render(&mut r, 4_800), 0, 2);
    assert!(
        l[480..].iter().all(|&v| v == 0.625),
        "only music and the moved voice: {}",
        l[4_000]
    );
    let held = c.position(s);
    render(&mut r, 4_800);
    assert_eq!(c.position(s), held, "paused voices hold their cursor");
    c.resume_bus_at(BusId::MASTER, 0).unwrap();
    let l = channel(&render(&mut r, 4_800), 0, 2);
    assert!(l[480..].iter().all(|&v| v == 0.875));
    c.stop_bus_at(music, 0).unwrap();
    assert!(!c.is_active(m) && !c.is_active(x) && c.is_active(s));
    let l = channel(&render(&mut r, 4_800), 0, 2);
    assert!(l[480..].iter().all(|&v| v == 0.25));
    c.seek(s, 0.5).unwrap();
    render(&mut r, 480);
    assert!((c.position(s) - 0.51).abs() < 1e-9, "{}", c.position(s));
    assert_eq!(
        c.pause_bus_at(BusId(9), 0),
        Err(Error::UnknownBus(BusId(9)))
    );
}

/// Tests that a control sent before its voice's start applies from that start: a stop for a
/// voice scheduled later ends it silently as it starts, a pause holds it from its first frame.
#[test]
fn controls_before_a_start_apply_at_the_start() {
    let (mut c, mut r) = stereo();
    let a = c.play_at(dc(0.5, 48_000), &looping(), 500).unwrap();
    let b = c.play_at(dc(0.25, 48_000), &looping(), 500).unwrap();
    c.stop(a).unwrap();
    c.pause(b).unwrap();
    assert!(c.is_active(b));
    let l = channel(&render(&mut r, 2_000), 0, 2);
    assert!(l.iter().all(|&s| s == 0.0), "nothing is heard");
    assert!(!c.is_active(a));
    assert!(c.is_active(b), "paused, not ended");
    c.stop_all().unwrap();
    let later = c.play_at(dc(0.5, 48_000), &looping(), 10_000).unwrap();
    c.stop_all().unwrap();
    let l = channel(&render(&mut r, 10_000), 0, 2);
    assert!(
        l.iter().all(|&s| s == 0.0),
        "stop_all reaches a voice still to start"
    );
    assert!(!c.is_active(later));
}

/// Tests that the same stamped commands give the same bits at every block size, including
/// blocks that end exactly on, or one frame after, a stamp.
#[test]
fn stamped_commands_are_block_size_invariant() {
    let run = |block: usize| {
        let (mut c, mut r) = stereo();
        let a = c
            .play_at(sine(440.0, 0.5, 44_100, 44_100), &looping(), 37)
            .unwrap();
        let em = Emitter {
            position: [3.0, 0.0, -2.0],
            velocity: [-20.0, 0.0, 0.0],
            ..Emitter::default()
        };
        let b = c
            .play_at(
                sine(1000.0, 0.4, 48_000, 48_000),
                &PlayParams {
                    emitter: Some(em),
                    ..looping()
                },
                129,
            )
            .unwrap();
        c.stop_at(a, 1_001).unwrap();
        c.stop_at(b, 2_500).unwrap();
        let mut out = Vec::new();
        while out.len() < 2 * 4_000 {
            out.extend(render(&mut r, block));
        }
        out.truncate(2 * 4_000);
        out
    };
    let reference = run(4_000);
    for block in [1, 37, 128, 129, 480, 1_001] {
        assert!(run(block) == reference, "block {block} differs");
    }
}

/// Tests that a burst of continuous changes never fills the queue and that the newest value
/// is the one heard.
#[test]
fn continuous_parameters_coalesce() {
    let (mut c, mut r) = stereo();
    let id = c.play(dc(0.5, 48_000), &looping()).unwrap();
    render(&mut r, 16);
    for i in 0..100_000 {
        c.set_mix(id, -((i % 60) as f32), 0.3).unwrap();
        c.set_emitter(id, &Emitter::default());
        c.set_listener(&Listener::default());
    }
    c.set_mix(id, -6.0206, 0.0).unwrap();
    // Pausing still fits: nothing of the burst took room in the queue.
    c.pause(id).unwrap();
    c.resume(id).unwrap();
    let l = channel(&render(&mut r, 4_000), 0, 2);
    near(f64::from(l[3_999]), 0.25, 1e-4);
}

/// Tests that a value posted for a voice whose start is still waiting in the queue is applied
/// once the voice starts, and that one posted for an ended voice never reaches a new voice in
/// the same slot.
#[test]
fn mail_follows_generations() {
    let (mut c, mut r) = mixer(crate::Config {
        voice_limit: 1,
        spare_slots: 0,
        ..crate::Config::new(48_000, 2)
    });
    let id = c.play_at(dc(0.5, 48_000), &looping(), 1_000).unwrap();
    c.set_mix(id, -6.0206, 0.0).unwrap();
    let l = channel(&render(&mut r, 2_000), 0, 2);
    assert!(l[..1_000].iter().all(|&s| s == 0.0));
    near(f64::from(l[1_999]), 0.25, 1e-4);
    // Stop it, post a change for it while it fades, and start a new voice in the slot.
    c.stop(id).unwrap();
    c.set_mix(id, -40.0, 0.0).unwrap();
    render(&mut r, 1_000);
    let next = c.play(dc(0.5, 48_000), &looping()).unwrap();
    assert_eq!(next.slot(), id.slot());
    let l = channel(&render(&mut r, 1_000), 0, 2);
    assert!(
        l.iter().all(|&s| s == 0.5),
        "the old voice's mail stayed with it"
    );
}

/// A growable backlog, as the desktop facade has.
#[derive(Debug, Default)]
struct Grow(std::collections::VecDeque<Queued<Snd>>);

impl crate::Backlog<Queued<Snd>> for Grow {
    fn push_back(&mut self, item: Queued<Snd>) -> Result<(), Queued<Snd>> {
        self.0.push_back(item);
        Ok(())
    }
    fn push_front(&mut self, item: Queued<Snd>) -> Result<(), Queued<Snd>> {
        self.0.push_front(item);
        Ok(())
    }
    fn pop_front(&mut self) -> Option<Queued<Snd>> {
        self.0.pop_front()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn capacity(&self) -> usize {
        usize::MAX
    }
}

/// Tests that with a backlog a burst of discrete commands far beyond the queue is never
/// refused, keeps its order and is applied in full as the renderer drains the queue.
#[test]
fn backlog_keeps_order_and_loses_nothing() {
    let (c, mut r) = stereo();
    let mut c = c.with_backlog(Grow::default());
    let id = c.play(dc(0.5, 48_000), &looping()).unwrap();
    for _ in 0..1_000 {
        c.pause(id).unwrap();
        c.resume(id).unwrap();
    }
    c.pause(id).unwrap();
    assert!(c.pending_commands() > 1_000);
    let mut blocks = 0;
    while c.flush() > 0 {
        render(&mut r, 64);
        blocks += 1;
    }
    assert_eq!(
        blocks,
        (2_002 - COMMAND_CAPACITY).div_ceil(COMMAND_CAPACITY)
    );
    render(&mut r, 1_000);
    // The last command (pause) won: silent, still active, cursor held.
    let l = channel(&render(&mut r, 64), 0, 2);
    assert!(l.iter().all(|&s| s == 0.0));
    assert!(c.is_active(id));
    // A full backlog is the one refusal, and says so.
    let (c, _r) = stereo();
    let mut c = c.with_backlog(heapless::Deque::<Queued<Snd>, 4>::new());
    let id = c.play(dc(0.5, 48_000), &looping()).unwrap();
    let mut ok = 1;
    while c.pause(id).is_ok() {
        ok += 1;
    }
    assert_eq!(ok, COMMAND_CAPACITY + 4);
    assert_eq!(c.resume(id), Err(Error::QueueFull));
}

/// A random but reproducible game: plays (one-shots and loops, static and spatial, at several
/// rates and pitches, some scheduled), stops (some scheduled), pauses, resumes, pitch, mix,
/// emitter and listener changes, between blocks of random length.
fn script(seed: u32, steps: usize) -> Vec<(usize, u32, u32)> {
    let mut s = seed;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        s
    };
    (0..steps)
        .map(|_| (next() as usize % 1_200, next(), next()))
        .collect()
}

fn act(c: &mut Ctl, ids: &mut Vec<VoiceId>, sounds: &[Snd], (_, a, b): (usize, u32, u32)) {
    let pick = |v: &Vec<VoiceId>| v.get(b as usize % v.len().max(1)).copied();
    let x = (b % 1_000) as f32 / 1_000.0;
    match a % 14 {
        0..=2 => {
            let emitter = (a % 3 == 0).then(|| Emitter {
                position: [10.0 * x - 5.0, 0.0, -3.0],
                velocity: [40.0 * x - 20.0, 0.0, 0.0],
                ..Emitter::default()
            });
            let params = PlayParams {
                pitch: 0.25 + 3.0 * x,
                looping: a % 4 == 0,
                from_position: f64::from(x) * 0.05,
                emitter,
                ..PlayParams::default()
            };
            let sound = sounds[(a / 10) as usize % sounds.len()];
            let at = if a % 5 == 0 {
                c.now() + u64::from(b % 700)
            } else {
                0
            };
            if let Ok(id) = c.play_at(sound, &params, at) {
                ids.push(id);
            }
        }
        3 => {
            if let Some(id) = pick(ids) {
                let at = if a % 2 == 0 {
                    c.now() + u64::from(b % 500)
                } else {
                    0
                };
                c.stop_at(id, at).unwrap();
            }
        }
        4 => {
            if let Some(id) = pick(ids) {
                c.pause(id).unwrap();
            }
        }
        5 => {
            if let Some(id) = pick(ids) {
                c.resume(id).unwrap();
            }
        }
        6 => {
            if let Some(id) = pick(ids) {
                c.set_pitch(id, 0.1 + 4.0 * x).unwrap();
            }
        }
        7 => {
            if let Some(id) = pick(ids) {
                c.set_mix(id, -30.0 * x, x - 0.5).unwrap();
            }
        }
        8 => {
            if let Some(id) = pick(ids) {
                c.set_emitter(
                    id,
                    &Emitter {
                        position: [0.0, 0.0, -1.0 - 20.0 * x],
                        velocity: [0.0, 0.0, 60.0 * x - 30.0],
                        ..Emitter::default()
                    },
                );
            }
        }
        9 => {
            if let Some(id) = pick(ids) {
                let curves = [
                    Curve::Linear,
                    Curve::EqualPower,
                    Curve::Exponential,
                    Curve::SmoothStep,
                ];
                let fade = FadeParams {
                    from: (a % 3 == 0).then_some(0.0),
                    to: if a % 2 == 0 { 0.0 } else { x },
                    frames: b % 3_000,
                    curve: curves[(a / 11) as usize % 4],
                    stop: a % 4 == 1,
                };
                let at = if a % 5 == 0 {
                    c.now() + u64::from(b % 600)
                } else {
                    0
                };
                c.fade_at(id, &fade, at).unwrap();
            }
        }
        10 => {
            if let Some(id) = pick(ids) {
                let tween = TweenParams {
                    gain: (a % 3 != 0).then_some(x),
                    pan: (a % 2 == 0).then_some(x * 2.0 - 1.0),
                    pitch: (a % 5 < 2).then_some(0.5 + x),
                    frames: b % 2_500,
                    curve: [Curve::Linear, Curve::EqualPower, Curve::Exponential]
                        [(a / 12) as usize % 3],
                };
                let at = if a % 7 == 0 {
                    c.now() + u64::from(b % 600)
                } else {
                    0
                };
                c.tween_at(id, &tween, at).unwrap();
            }
        }
        11 => {
            let bus = crate::BusId::MASTER;
            let at = if a % 3 == 0 {
                c.now() + u64::from(b % 400)
            } else {
                0
            };
            match b % 7 {
                0 => c.stop_bus_at(bus, at).unwrap(),
                1..=3 => c.pause_bus_at(bus, at).unwrap(),
                _ => c.resume_bus_at(bus, at).unwrap(),
            }
        }
        12 => {
            if let Some(id) = pick(ids) {
                c.seek(id, f64::from(x) * 0.8).unwrap();
            }
        }
        _ => c.set_listener(&Listener {
            velocity: [10.0 * x - 5.0, 0.0, 0.0],
            ..Listener::default()
        }),
    }
}

/// Tests that advancing without mixing moves every voice exactly as rendering does: at every
/// step of a random game the two mixers agree on which voices are active and where each is,
/// and after the game a render from both gives the same bits (cursors, glides, ramps, fades
/// and bus gains all ended in the same state).
#[test]
fn advance_moves_voices_exactly_as_render() {
    let sounds = [
        sine(440.0, 0.5, 44_100, 4_410),
        sine(700.0, 0.5, 48_000, 20_000),
        ramp(999),
        sine(300.0, 0.5, 22_050, 30_000),
    ];
    for seed in [1, 7, 2_024] {
        let (mut cr, mut rr) = stereo();
        let (mut ca, mut ra) = stereo();
        let (mut ids_r, mut ids_a) = (Vec::new(), Vec::new());
        for (k, step) in script(seed, 400).into_iter().enumerate() {
            act(&mut cr, &mut ids_r, &sounds, step);
            act(&mut ca, &mut ids_a, &sounds, step);
            assert_eq!(ids_r, ids_a);
            render(&mut rr, step.0);
            ra.advance(step.0 as u64);
            assert_eq!(cr.now(), ca.now());
            for &id in &ids_r {
                assert_eq!(
                    cr.is_active(id),
                    ca.is_active(id),
                    "seed {seed} step {k}: {id:?} active"
                );
                assert_eq!(
                    cr.position(id).to_bits(),
                    ca.position(id).to_bits(),
                    "seed {seed} step {k}: {id:?} position"
                );
            }
            assert_eq!(cr.active_voices(), ca.active_voices());
        }
        assert!(
            render(&mut rr, 3_000) == render(&mut ra, 3_000),
            "seed {seed}"
        );
    }
}

/// Tests that a long advance costs one step per voice: an hour of a looping voice and of a
/// one-shot lands where the arithmetic says.
#[test]
fn long_advance_is_exact() {
    let (mut c, mut r) = stereo();
    let lp = c
        .play(sine(440.0, 0.5, 44_100, 44_100), &looping())
        .unwrap();
    let one = c
        .play(
            sine(440.0, 0.5, 48_000, 48_000),
            &PlayParams {
                pitch: 0.5,
                ..PlayParams::default()
            },
        )
        .unwrap();
    r.advance(48_000 * 3_600 + 12_345);
    assert!(c.is_active(lp));
    // 44.1 kHz at 48 kHz: 44 100 sound frames per 48 000 output frames; loops wrap.
    let frames = ((48_000u64 * 3_600 + 12_345) * 44_100 / 48_000) % 44_100;
    near(c.position(lp), frames as f64 / 44_100.0, 2.0 / 44_100.0);
    assert!(
        !c.is_active(one),
        "a 1 s one-shot at half speed ends after 2 s"
    );
    // Pausing freezes the cursor; the fade is the only time it moves.
    c.pause(lp).unwrap();
    r.advance(1_000);
    let held = c.position(lp);
    r.advance(48_000 * 60);
    assert_eq!(c.position(lp), held);
    assert_eq!(c.now(), 48_000 * 3_660 + 13_345);
}
