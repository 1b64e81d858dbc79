//! Coalescing mailboxes: the newest value of each continuous parameter, and the renderer's
//! clock.
//!
//! A game that moves a thousand emitters every frame must never be refused, and the audio
//! thread only ever needs the newest value of each. So volume, pan, pitch and emitter changes
//! (per voice) and listener moves do not travel through the command queue: the
//! [`Controller`](crate::Controller) overwrites a mailbox and the
//! [`Renderer`](crate::Renderer) takes what changed at the start of its next block. A value
//! superseded before the renderer saw it is never applied, and writing costs the same whether
//! the audio thread is on time or a second behind.
//!
//! Every mailbox is a [`Seqlock`] over atomic words, so there is no `unsafe` here and neither
//! side ever waits: the one writer makes the sequence odd, writes, and makes it even; the one
//! reader reads the sequence, the words and the sequence again, and if they differ (it raced
//! the writer) leaves the mailbox marked and tries again at its next block.

use core::sync::atomic::{AtomicBool, AtomicU32, Ordering, fence};

use crate::spatial::{Attenuation, Cone, Emitter, Listener, PanLaw};

/// A sequence lock over `W` words: one writer, one reader, no waiting.
#[derive(Debug)]
pub(crate) struct Seqlock<const W: usize> {
    seq: AtomicU32,
    words: [AtomicU32; W],
}

impl<const W: usize> Seqlock<W> {
    pub(crate) const fn new() -> Self {
        Self {
            seq: AtomicU32::new(0),
            words: [const { AtomicU32::new(0) }; W],
        }
    }

    /// Writer: change some words (the others keep their values). Only one thread may write.
    pub(crate) fn write(&self, f: impl FnOnce(&Words<W>)) {
        let s = self.seq.load(Ordering::Relaxed);
        self.seq.store(s.wrapping_add(1), Ordering::Relaxed);
        fence(Ordering::Release);
        f(&Words(&self.words));
        self.seq.store(s.wrapping_add(2), Ordering::Release);
    }

    /// Reader: a consistent copy of the words, or `None` if a write was under way.
    pub(crate) fn read(&self) -> Option<[u32; W]> {
        let s1 = self.seq.load(Ordering::Acquire);
        if s1 & 1 == 1 {
            return None;
        }
        let mut out = [0u32; W];
        for (o, w) in out.iter_mut().zip(self.words.iter()) {
            *o = w.load(Ordering::Relaxed);
        }
        fence(Ordering::Acquire);
        (self.seq.load(Ordering::Relaxed) == s1).then_some(out)
    }
}

/// The writer's view of a [`Seqlock`]'s words during a write.
pub(crate) struct Words<'a, const W: usize>(&'a [AtomicU32; W]);

impl<const W: usize> Words<'_, W> {
    pub(crate) fn get(&self, i: usize) -> u32 {
        self.0[i].load(Ordering::Relaxed)
    }

    pub(crate) fn set(&self, i: usize, v: u32) {
        self.0[i].store(v, Ordering::Relaxed);
    }

    pub(crate) fn set_all(&self, at: usize, v: &[u32]) {
        for (k, &x) in v.iter().enumerate() {
            self.set(at + k, x);
        }
    }
}

/// The continuous parameters of a voice, each tagged with the generation it is for and a
/// count of writes (the renderer remembers the count it applied last, per field).
pub(crate) mod field {
    /// Gain and pan (`set_mix`).
    pub const MIX: usize = 0;
    /// Pitch (`set_pitch`).
    pub const PITCH: usize = 1;
    /// The emitter (`set_emitter`).
    pub const EMITTER: usize = 2;
    /// Fields per voice.
    pub const COUNT: usize = 3;

    /// Where field `f`'s generation word is.
    pub const fn generation(f: usize) -> usize {
        [0, 4, 7][f]
    }
    /// Where field `f`'s write count is.
    pub const fn count(f: usize) -> usize {
        generation(f) + 1
    }
    /// Where field `f`'s values start.
    pub const fn values(f: usize) -> usize {
        generation(f) + 2
    }
}

/// Words of an encoded [`Emitter`].
pub(crate) const EMITTER_WORDS: usize = 17;
/// Words of a voice's mailbox: mix (4), pitch (3), emitter (2 + 17).
pub(crate) const VOICE_WORDS: usize = 9 + EMITTER_WORDS;
/// Words of the listener's mailbox: a write count and four vectors.
pub(crate) const LISTENER_WORDS: usize = 13;

/// One voice slot's mailbox.
#[derive(Debug)]
pub(crate) struct VoiceMail {
    pub(crate) lock: Seqlock<VOICE_WORDS>,
    /// Something was written that the renderer has not taken yet.
    pub(crate) dirty: AtomicBool,
}

impl VoiceMail {
    pub(crate) const fn new() -> Self {
        Self {
            lock: Seqlock::new(),
            dirty: AtomicBool::new(false),
        }
    }

    /// Controller: the newest value of `field` for the voice of `generation` is `values`.
    pub(crate) fn post(&self, f: usize, generation: u32, values: &[u32]) {
        self.lock.write(|w| {
            w.set(field::generation(f), generation);
            w.set(field::count(f), w.get(field::count(f)).wrapping_add(1));
            w.set_all(field::values(f), values);
        });
        self.dirty.store(true, Ordering::Release);
    }
}

/// Whether generation `a` was issued after `b` (generations count up per slot and wrap).
pub(crate) fn is_newer(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

/// Encode an emitter as words (its floats' bits, the attenuation model as a number).
pub(crate) fn emitter_words(e: &Emitter) -> [u32; EMITTER_WORDS] {
    let mut w = [0u32; EMITTER_WORDS];
    let floats = [
        e.position[0],
        e.position[1],
        e.position[2],
        e.velocity[0],
        e.velocity[1],
        e.velocity[2],
        e.direction[0],
        e.direction[1],
        e.direction[2],
        e.min_distance,
        e.max_distance,
        e.rolloff,
        e.cone.inner_angle,
        e.cone.outer_angle,
        e.cone.outer_gain,
        e.doppler_factor,
    ];
    for (o, x) in w.iter_mut().zip(floats) {
        *o = x.to_bits();
    }
    let attenuation = match e.attenuation {
        Attenuation::None => 0,
        Attenuation::Inverse => 1,
        Attenuation::Linear => 2,
        Attenuation::Exponential => 3,
    };
    let law = match e.pan_law {
        PanLaw::Balance => 0,
        PanLaw::ConstantPower => 1,
        PanLaw::Speakers => 2,
    };
    w[16] = attenuation | law << 8;
    w
}

/// Decode what [`emitter_words`] encoded.
pub(crate) fn emitter_from(w: &[u32]) -> Emitter {
    let f = |i: usize| f32::from_bits(w[i]);
    Emitter {
        position: [f(0), f(1), f(2)],
        velocity: [f(3), f(4), f(5)],
        direction: [f(6), f(7), f(8)],
        min_distance: f(9),
        max_distance: f(10),
        rolloff: f(11),
        cone: Cone {
            inner_angle: f(12),
            outer_angle: f(13),
            outer_gain: f(14),
        },
        doppler_factor: f(15),
        attenuation: match w[16] & 0xFF {
            0 => Attenuation::None,
            2 => Attenuation::Linear,
            3 => Attenuation::Exponential,
            _ => Attenuation::Inverse,
        },
        pan_law: match w[16] >> 8 {
            0 => PanLaw::Balance,
            1 => PanLaw::ConstantPower,
            _ => PanLaw::Speakers,
        },
    }
}

/// Encode a listener: a write count (word 0, set by the caller) and its four vectors.
pub(crate) fn listener_words(l: &Listener) -> [u32; LISTENER_WORDS - 1] {
    let mut w = [0u32; LISTENER_WORDS - 1];
    let vectors = [l.position, l.velocity, l.forward, l.up];
    for (k, v) in vectors.iter().enumerate() {
        for (j, x) in v.iter().enumerate() {
            w[3 * k + j] = x.to_bits();
        }
    }
    w
}

/// Decode a listener from words `1..` of its mailbox.
pub(crate) fn listener_from(w: &[u32]) -> Listener {
    let v = |k: usize| {
        [
            f32::from_bits(w[3 * k]),
            f32::from_bits(w[3 * k + 1]),
            f32::from_bits(w[3 * k + 2]),
        ]
    };
    Listener {
        position: v(0),
        velocity: v(1),
        forward: v(2),
        up: v(3),
    }
}

/// The renderer's clock: frames rendered (or advanced), published after every block for the
/// controller to read. Two words under a [`Seqlock`], so it works on targets without 64-bit
/// atomics; here the renderer is the writer.
#[derive(Debug)]
pub(crate) struct FrameClock(Seqlock<2>);

impl FrameClock {
    pub(crate) const fn new() -> Self {
        Self(Seqlock::new())
    }

    /// Renderer: `frames` frames have been rendered.
    pub(crate) fn publish(&self, frames: u64) {
        self.0.write(|w| {
            w.set(0, frames as u32);
            w.set(1, (frames >> 32) as u32);
        });
    }

    /// Controller: the frames rendered at the last publication. A read that races a write
    /// tries again: the writer holds the lock for two stores, so this does not spin for long,
    /// and the audio thread never waits for it.
    pub(crate) fn read(&self) -> u64 {
        loop {
            if let Some([lo, hi]) = self.0.read() {
                return (u64::from(hi) << 32) | u64::from(lo);
            }
            core::hint::spin_loop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests that an emitter and a listener survive their encoding bit for bit.
    #[test]
    fn encodings_round_trip() {
        let e = Emitter {
            position: [1.0, -2.0, 3.5],
            velocity: [0.0, f32::MAX, -0.0],
            direction: [0.0, 0.0, -1.0],
            min_distance: 2.0,
            max_distance: 50.0,
            rolloff: 0.5,
            attenuation: Attenuation::Exponential,
            cone: Cone {
                inner_angle: 1.0,
                outer_angle: 2.0,
                outer_gain: 0.25,
            },
            doppler_factor: 1.5,
            pan_law: PanLaw::ConstantPower,
        };
        assert_eq!(emitter_from(&emitter_words(&e)), e);
        let l = Listener {
            position: [1.0, 2.0, 3.0],
            velocity: [4.0, 5.0, 6.0],
            forward: [0.0, 0.0, -1.0],
            up: [0.0, 1.0, 0.0],
        };
        assert_eq!(listener_from(&listener_words(&l)), l);
    }

    /// Tests that the newest post wins and that counts and generations are kept per field.
    #[test]
    fn newest_post_wins() {
        let m = VoiceMail::new();
        m.post(field::MIX, 3, &[1, 2]);
        m.post(field::MIX, 3, &[5, 6]);
        m.post(field::PITCH, 3, &[9]);
        let w = m.lock.read().unwrap();
        assert_eq!(w[field::count(field::MIX)], 2);
        assert_eq!(&w[field::values(field::MIX)..][..2], &[5, 6]);
        assert_eq!(w[field::count(field::PITCH)], 1);
        assert_eq!(w[field::values(field::PITCH)], 9);
        assert_eq!(w[field::count(field::EMITTER)], 0);
        assert!(m.dirty.load(Ordering::Relaxed));
    }

    /// Tests the wrapping generation order.
    #[test]
    fn generations_wrap() {
        assert!(is_newer(2, 1));
        assert!(!is_newer(1, 1));
        assert!(!is_newer(1, 2));
        assert!(is_newer(1, u32::MAX));
    }

    /// Tests that a reader thread only ever sees whole writes, while a writer thread posts.
    #[test]
    fn reader_never_sees_a_torn_write() {
        extern crate std;
        let lock: &'static Seqlock<4> = std::boxed::Box::leak(std::boxed::Box::new(Seqlock::new()));
        let n: u32 = if cfg!(miri) { 50 } else { 20_000 };
        let writer = std::thread::spawn(move || {
            for i in 1..=n {
                lock.write(|w| {
                    for k in 0..4 {
                        w.set(k, i);
                    }
                });
            }
        });
        let mut last = 0;
        while last < n {
            if let Some(w) = lock.read() {
                assert!(w.iter().all(|&x| x == w[0]), "torn read {w:?}");
                assert!(w[0] >= last);
                last = w[0];
            }
        }
        writer.join().unwrap();
    }

    /// Tests the clock's two words across the 32-bit boundary.
    #[test]
    fn clock_reads_what_was_published() {
        let c = FrameClock::new();
        assert_eq!(c.read(), 0);
        c.publish((7 << 32) | 5);
        assert_eq!(c.read(), (7 << 32) | 5);
    }
}
