//! Priorities, stealing, and real and virtual voices.

extern crate std;

use super::{Box, Snd, Vec, dc, lcg_noise, sound, vec};
use crate::spatial::{Emitter, Listener};
use crate::{
    Channels, Config, Controller, Error, PlayParams, Renderer, Shared, VoiceState, WhenFull,
};

type Ctl<const V: usize> = Controller<Snd, &'static Shared<Snd, V>, V, 4, 0>;
type Rnd<const V: usize> = Renderer<Snd, &'static Shared<Snd, V>, [f32; 0], V, 4, 0>;

/// A mixer of `V` voices, its renderer built in place on the heap.
fn pool<const V: usize>(config: Config) -> (Ctl<V>, Box<Rnd<V>>) {
    let shared: &'static Shared<Snd, V> = Shared::init(Box::leak(Box::new_uninit()));
    let mut place = Box::<Rnd<V>>::new_uninit();
    let c = crate::split_into(shared, [], config, &mut place)
        .expect("split")
        .0;
    // SAFETY: `split_into` returned Ok, so it initialised `place`.
    (c, unsafe { place.assume_init() })
}

fn render<const V: usize>(r: &mut Rnd<V>, frames: usize) -> Vec<f32> {
    let mut out = vec![f32::NAN; frames * 2];
    r.render(&mut out);
    out
}

fn looping(volume_db: f32) -> PlayParams {
    PlayParams {
        volume_db,
        looping: true,
        ..PlayParams::default()
    }
}

/// A looping noise of a prime length, so a cursor off by one frame shows in the output.
fn noise(seed: u32) -> Snd {
    sound(lcg_noise(4_813, seed), Channels::Mono, 44_100)
}

fn limited(real_voices: usize) -> Config {
    Config {
        real_voices,
        ..Config::new(48_000, 2)
    }
}

/// Tests that with a limit of real voices the loudest are mixed, the rest virtual, and the
/// counts say so.
#[test]
fn the_loudest_are_mixed() {
    let (mut c, mut r) = pool::<64>(limited(8));
    let ids: Vec<_> = (0..40)
        .map(|k| {
            // Volumes interleaved so the loudest are not the first played.
            let db = -((k * 7 % 40) as f32);
            c.play(dc(0.01, 48_000), &looping(db)).unwrap()
        })
        .collect();
    render(&mut r, 2_048);
    let out = render(&mut r, 1_024);
    let mut want = 0.0f32;
    for (k, &id) in ids.iter().enumerate() {
        let db = (k * 7 % 40) as f32;
        let state = c.voice_state(id).unwrap();
        if db < 8.0 {
            assert_eq!(state, VoiceState::Playing, "voice at -{db} dB");
            want += 0.01 * crate::db::gain_of(-db);
        } else {
            assert_eq!(state, VoiceState::Virtual, "voice at -{db} dB");
        }
    }
    let counts = c.voice_counts();
    assert_eq!((counts.real, counts.virtualized), (8, 32));
    assert!((out[0] - want).abs() < 1e-6, "{} vs {want}", out[0]);
}

/// Tests that a voice kept virtual plays on from the frame it would have reached: after it
/// joins the mix again (and its fade in), the output is bit-equal to a render with no limit,
/// at every block size, and so is its position.
#[test]
fn a_virtual_voice_comes_back_where_it_would_be() {
    let scene = |config: Config, block: usize| {
        let (mut c, mut r) = pool::<16>(config);
        let loud = c.play(noise(1), &looping(0.0)).unwrap();
        let quiet = c
            .play(
                noise(2),
                &PlayParams {
                    pitch: 1.37,
                    ..looping(-12.0)
                },
            )
            .unwrap();
        let mut out = Vec::new();
        let mut frames = |r: &mut Rnd<16>, n: usize| {
            let mut left = n;
            while left > 0 {
                let k = left.min(block);
                out.extend(render(r, k));
                left -= k;
            }
        };
        frames(&mut r, 10_000);
        let virtual_then = c.voice_state(quiet);
        // A pitch change while it is virtual, then a pause and a resume.
        c.set_pitch(quiet, 0.81).unwrap();
        frames(&mut r, 7_000);
        c.pause(quiet).unwrap();
        frames(&mut r, 3_000);
        c.resume(quiet).unwrap();
        frames(&mut r, 5_000);
        c.stop_at(loud, 25_000).unwrap();
        frames(&mut r, 15_000);
        (out, virtual_then, c.voice_state(quiet), c.position(quiet))
    };
    let (free, free_state, _, free_pos) = scene(Config::new(48_000, 2), 480);
    assert_eq!(free_state, Some(VoiceState::Playing));
    for block in [64, 480, 1_000] {
        let (one, state, after, pos) = scene(limited(1), block);
        assert_eq!(state, Some(VoiceState::Virtual));
        assert_eq!(after, Some(VoiceState::Playing));
        assert_eq!(pos, free_pos, "block {block}");
        // The loud voice's stop fade and the quiet one's rank and fade in, then bit-equal.
        let from = 2 * (25_000 + 240 + 1_024 + 240);
        assert!(one[..2 * 10_000] != free[..2 * 10_000]);
        assert_eq!(one.len(), free.len());
        let first_diff = (from..one.len()).find(|&i| one[i].to_bits() != free[i].to_bits());
        assert_eq!(first_diff, None, "block {block}");
    }
}

/// Tests that a voice under the audibility threshold is virtual and comes back, bit-equal,
/// when it is turned up; and that a one-shot ends while virtual as it would when mixed.
#[test]
fn a_quiet_voice_is_virtual_and_returns() {
    let scene = |below: f32| {
        let config = Config {
            virtual_below: below,
            ..Config::new(48_000, 2)
        };
        let (mut c, mut r) = pool::<16>(config);
        let id = c.play(noise(3), &looping(-50.0)).unwrap();
        let shot = c
            .play(
                dc(0.001, 5_000),
                &PlayParams {
                    volume_db: -60.0,
                    ..PlayParams::default()
                },
            )
            .unwrap();
        let mut out = render(&mut r, 4_800);
        let before = (c.voice_state(id), c.voice_state(shot));
        out.extend(render(&mut r, 480));
        let shot_after = c.voice_state(shot);
        c.set_mix(id, -3.0, 0.25).unwrap();
        for _ in 0..20 {
            out.extend(render(&mut r, 480));
        }
        (out, before, shot_after, c.position(id))
    };
    let (free, _, free_shot, free_pos) = scene(0.0);
    let (gated, before, shot, pos) = scene(0.01);
    assert_eq!(
        before,
        (Some(VoiceState::Virtual), Some(VoiceState::Virtual))
    );
    assert_eq!(shot, None, "the one-shot ended while virtual");
    assert_eq!(free_shot, None);
    assert_eq!(pos, free_pos);
    let from = 2 * (5_280 + 1_024 + 240);
    assert!(gated[from..] == free[from..]);
}

/// Tests that a stop and a play in the same tick succeed on a full pool (the stopped voice
/// fades out in a spare slot), and that without spare slots the play is refused.
#[test]
fn a_stopped_voice_makes_room_at_once() {
    for (spare, ok) in [(4, true), (0, false)] {
        let (mut c, mut r) = pool::<8>(Config {
            voice_limit: 2,
            spare_slots: spare,
            ..Config::new(48_000, 2)
        });
        let a = c.play(dc(0.1, 48_000), &looping(0.0)).unwrap();
        c.play(dc(0.1, 48_000), &looping(0.0)).unwrap();
        render(&mut r, 480);
        c.stop(a).unwrap();
        let again = c.play(dc(0.1, 48_000), &looping(0.0));
        assert_eq!(again.is_ok(), ok, "spare slots {spare}");
        assert_eq!(c.voice_state(a), Some(VoiceState::Stopping));
        if ok {
            assert_eq!(c.voice_counts().free, 0);
            assert_eq!(c.play(dc(0.1, 10), &looping(0.0)), Err(Error::NoFreeVoice));
        }
    }
}

/// Tests that stealing takes the lowest priority, then a virtual voice, then the quietest,
/// then the oldest, and refuses a play less important than every voice.
#[test]
fn stealing_takes_the_least_important() {
    let (mut c, mut r) = pool::<16>(Config {
        voice_limit: 4,
        when_full: WhenFull::Steal,
        ..Config::new(48_000, 2)
    });
    let with = |db: f32, priority: u8| PlayParams {
        priority,
        ..looping(db)
    };
    let high = c.play(dc(0.1, 48_000), &with(-30.0, 200)).unwrap();
    let old = c.play(dc(0.1, 48_000), &with(-6.0, 100)).unwrap();
    let quiet = c.play(dc(0.1, 48_000), &with(-12.0, 100)).unwrap();
    let young = c.play(dc(0.1, 48_000), &with(-6.0, 100)).unwrap();
    render(&mut r, 480);
    assert_eq!(
        c.play(dc(0.1, 48_000), &with(0.0, 50)),
        Err(Error::NoFreeVoice)
    );
    let first = c.play(dc(0.1, 48_000), &with(0.0, 150)).unwrap();
    assert!(!c.is_active(quiet) && c.is_active(first));
    c.play(dc(0.1, 48_000), &with(0.0, 100)).unwrap();
    assert!(!c.is_active(old) && c.is_active(young) && c.is_active(high));
    render(&mut r, 480);
    assert_eq!(c.active_voices(), 4);
    assert_eq!(c.voice_state(old), None);
    // The view of a voice: what was asked for, and where it is.
    c.set_mix(young, -12.0, 0.5).unwrap();
    c.set_pitch(young, 1.5).unwrap();
    render(&mut r, 480);
    let v = c.voice(young).unwrap();
    assert_eq!(v.state, VoiceState::Playing);
    assert!((v.volume_db + 12.0).abs() < 1e-4, "{}", v.volume_db);
    assert_eq!((v.pan, v.pitch, v.priority), (0.5, 1.5, 100));
    assert_eq!(v.bus, crate::BusId::MASTER);
    assert!(v.position > 0.0);
    assert_eq!(c.voice(old), None);
}

/// One of the scattered voices of the crowd test: position `k` of a fixed xorshift series in
/// a 200 m cube.
fn scattered(n: usize) -> Vec<[f32; 3]> {
    let mut seed = 7u32;
    (0..n)
        .map(|_| {
            [
                super::xorshift(&mut seed) * 100.0,
                super::xorshift(&mut seed) * 100.0,
                super::xorshift(&mut seed) * 100.0,
            ]
        })
        .collect()
}

/// A crowd voice at `position`, under the balance law: its louder side is unity whatever its
/// direction, so the nearest voices are exactly the loudest.
fn crowd_params(position: [f32; 3]) -> PlayParams {
    PlayParams {
        emitter: Some(Emitter {
            position,
            pan_law: crate::spatial::PanLaw::Balance,
            ..Emitter::default()
        }),
        ..looping(0.0)
    }
}

/// The listener of the crowd test at block `b`: still at the origin for 20 blocks, then
/// flying at 100 m/s towards `target` (so voices' doppler changes as it passes them), then
/// still 1 m from it.
fn flight(b: usize, target: [f32; 3]) -> Listener {
    let len = crate::math::sqrt((0..3).map(|k| target[k] * target[k]).sum::<f32>());
    let dir = target.map(|x| x / len);
    // 480-frame blocks at 48 kHz: 1 m per block.
    let flown = b.saturating_sub(20) as f32;
    let travelled = flown.min(len - 1.0);
    let moving = b >= 20 && flown < len - 1.0;
    Listener {
        position: dir.map(|x| x * travelled),
        velocity: if moving {
            dir.map(|x| x * 100.0)
        } else {
            [0.0; 3]
        },
        ..Listener::default()
    }
}

/// Tests issue 13's crowd: 10 000 voices scattered in 3D with 64 real voices mix the 64
/// nearest (the loudest); as the listener flies (with doppler) to a far voice, it becomes
/// real, playing from the frame it would have reached: its position equals that of the same
/// voice rendered alone with no limit.
#[test]
fn the_nearest_of_a_scattered_crowd_are_mixed() {
    // A 10 240-voice controller is about 0.5 MB, moved by value a few times in a debug build.
    super::std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(crowd)
        .unwrap()
        .join()
        .unwrap();
}

fn crowd() {
    const N: usize = 10_000;
    const REAL: usize = 64;
    let positions = scattered(N);
    let d2 = |p: [f32; 3], at: [f32; 3]| (0..3).map(|k| (p[k] - at[k]).powi(2)).sum::<f32>();
    // The farthest voice from the origin is the one the listener flies to.
    let far = (0..N)
        .max_by(|&a, &b| d2(positions[a], [0.0; 3]).total_cmp(&d2(positions[b], [0.0; 3])))
        .unwrap();
    let target = positions[far];
    let sound = noise(9);

    let (mut c, mut r) = pool::<10_240>(Config {
        voice_limit: N,
        ..limited(REAL)
    });
    let mut ids = Vec::new();
    for &p in &positions {
        ids.push(c.play(sound, &crowd_params(p)).unwrap());
        if ids.len() % 200 == 0 {
            // Room in the command queue.
            r.render(&mut []);
        }
    }
    let (mut solo_c, mut solo_r) = pool::<4>(Config::new(48_000, 2));
    let solo = solo_c.play(sound, &crowd_params(target)).unwrap();

    let check = |c: &Ctl<10_240>, at: [f32; 3]| {
        let mut by_distance: Vec<usize> = (0..N).collect();
        by_distance.sort_by(|&a, &b| d2(positions[a], at).total_cmp(&d2(positions[b], at)));
        for (rank, &k) in by_distance.iter().enumerate() {
            let want = if rank < REAL {
                VoiceState::Playing
            } else {
                VoiceState::Virtual
            };
            assert_eq!(c.voice_state(ids[k]), Some(want), "rank {rank} from {at:?}");
        }
        let counts = c.voice_counts();
        assert_eq!((counts.real, counts.virtualized), (REAL, N - REAL));
    };
    // The flight, and 10 blocks still at the end (more than a ranking's grid).
    let blocks = 20 + crate::math::sqrt(d2(target, [0.0; 3])) as usize + 10;
    for b in 0..blocks {
        let l = flight(b, target);
        c.set_listener(&l);
        solo_c.set_listener(&l);
        render(&mut r, 480);
        render(&mut solo_r, 480);
        if b == 19 {
            check(&c, l.position);
            assert_eq!(c.voice_state(ids[far]), Some(VoiceState::Virtual));
        }
    }
    let end = flight(blocks, target).position;
    check(&c, end);
    assert_eq!(c.voice_state(ids[far]), Some(VoiceState::Playing));
    assert_eq!(c.position(ids[far]), solo_c.position(solo));
    assert!(c.position(ids[far]) > 0.0);
}

/// Tests that a virtual one-shot that ended before a ranking never takes the room it left
/// behind: the next voice in line is mixed, and the render is the same at every block size.
#[test]
fn an_ended_virtual_voice_does_not_take_a_place() {
    let scene = |block: usize| {
        let (mut c, mut r) = pool::<8>(limited(1));
        let loud = c.play(noise(5), &looping(0.0)).unwrap();
        let shot = c
            .play(
                dc(0.01, 1_000),
                &PlayParams {
                    volume_db: -3.0,
                    ..PlayParams::default()
                },
            )
            .unwrap();
        let next = c.play(noise(6), &looping(-6.0)).unwrap();
        c.pause_at(loud, 900).unwrap();
        let mut out = Vec::new();
        while out.len() < 2 * 8_192 {
            out.extend(render(&mut r, block));
        }
        (out, c.voice_state(shot), c.voice_state(next))
    };
    let (small, shot, next) = scene(256);
    assert_eq!((shot, next), (None, Some(VoiceState::Playing)));
    let (big, shot, next) = scene(2_048);
    assert_eq!((shot, next), (None, Some(VoiceState::Playing)));
    assert!(small == big, "the same bits at both block sizes");
}

/// Tests that a bus faded in brings its voices back from virtual as it rises (its level is
/// ranked at every grid point while it moves).
#[test]
fn a_bus_fading_in_brings_its_voices_back() {
    let (mut c, mut r) = pool::<8>(Config {
        virtual_below: 0.001,
        ..Config::new(48_000, 2)
    });
    let music = crate::BusId(1);
    c.set_bus(music, Some(crate::BusId::MASTER), -80.0).unwrap();
    let id = c
        .play(
            noise(7),
            &PlayParams {
                bus: music,
                ..looping(0.0)
            },
        )
        .unwrap();
    render(&mut r, 4_800);
    assert_eq!(c.voice_state(id), Some(VoiceState::Virtual));
    c.set_bus_tweened(
        music,
        Some(crate::BusId::MASTER),
        0.0,
        96_000,
        crate::fade::Curve::Linear,
        0,
    )
    .unwrap();
    for _ in 0..25 {
        render(&mut r, 4_800);
    }
    assert_eq!(c.voice_state(id), Some(VoiceState::Playing));
    assert!(render(&mut r, 480).iter().any(|&s| s != 0.0));
}

/// Tests the input the `commands` fuzz target found (the renderer spun for ever in its
/// wake-up loop): a virtual one-shot of one frame at 8.29 MHz, played at pitch 0 (clamped to
/// the lowest) on a 705 329 Hz output of 7 channels. Its next wake-up came out at the current
/// frame, where moving it on changes nothing, so the loop met it again and again. Wake-ups
/// are now at least a frame ahead: the render returns, the voice ends and the pool empties.
#[test]
fn a_virtual_voice_due_now_does_not_spin_the_renderer() {
    let (done_tx, done) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut config = Config::new(705_329, 7);
        config.voice_limit = 7;
        config.spare_slots = 5;
        config.when_full = WhenFull::Steal;
        config.virtual_below = 126.0 / 2550.0;
        config.smoothing_frames = 78;
        let (mut c, mut r) = pool::<8>(config);
        let pcm: &'static [i16] = Box::leak(Box::new([78i16, -213]));
        let snd: Snd = Box::leak(Box::new(crate::StaticSound::i16(
            pcm,
            Channels::Stereo,
            8_289_870,
        )));
        let params = PlayParams {
            volume_db: -216_059_890.0,
            pitch: 0.0,
            priority: 0,
            ..PlayParams::default()
        };
        let id = c.play(snd, &params).unwrap();
        // As the fuzz target ends: stop everything, then three renders past the fade.
        while c.stop_all().is_err() {
            r.render(&mut []);
        }
        let mut out = vec![0.0f32; (78 + 256) * 7];
        for _ in 0..3 {
            r.render(&mut out);
        }
        c.collect();
        let _ = done_tx.send((c.is_active(id), c.active_voices()));
    });
    let (active, voices) = done
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the renderer spun: no render returned within 60 s");
    assert!(!active);
    assert_eq!(voices, 0);
}
