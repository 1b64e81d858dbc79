//! Soak test: an hour of simulated game play rendered offline, invariants checked throughout.
//!
//! A seeded game runs at 60 ticks per second: one-shots and loops start (plain and spatial),
//! voices are moved, retuned, paused and stopped, the listener walks in circles, up to three
//! streams are opened, fed (and sometimes starved), drained and stopped, and every ten seconds
//! or so the bus layout changes (buses come and go, effects are added, retuned and removed,
//! mute and solo flip) and is synced. Each tick's 800 frames are rendered in chunks of random
//! size. Checked throughout: every sample finite; voice accounting (no id revives, one-shots
//! end, `NoFreeVoice` only with a full pool, positions inside their sounds); and at the end,
//! after stopping everything, an empty pool that can be filled again. A second, shorter run
//! with other chunk sizes must render the same bits as the first minute of the long one.
//!
//! One hour in a release build (`cargo test --release --test soak -- --nocapture`, as
//! `scripts/test` runs it); 20 s in a debug build so the plain `cargo test` stays quick.
//! `SIMVX_SOAK_SECONDS` sets the length, `SIMVX_SOAK_SEED` the seed.

use std::time::Instant;

use simvx_audio::{
    AudioBusLayout, AudioConfig, AudioError, Buses, ChannelId, Effect, EffectParams, Emitter,
    HasStreams, OfflineBackend, PlayParams, Playback, Sound,
};

const RATE: u32 = 48_000;
const TICK: usize = 800; // 60 Hz
const VOICES: usize = 32;
/// Seconds rendered twice (with different chunk sizes) and compared bit for bit.
const PREFIX_SECONDS: u64 = 60;

/// SplitMix64: a tiny seeded generator, so the test needs no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }
    fn chance(&mut self, p: f32) -> bool {
        self.unit() < p
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A voice the game started.
struct Voice {
    id: ChannelId,
    /// Frame by which a one-shot that was never paused must have ended.
    must_end_by: Option<u64>,
    duration: f64,
    spatial: bool,
    angle: f32,
}

struct Stream {
    id: ChannelId,
    phase: f64,
    freq: f64,
    ended: bool,
}

/// What a run measured.
#[derive(Debug, Default)]
struct Report {
    frames: u64,
    /// FNV-1a 64 of the output's bits over the first `PREFIX_SECONDS`.
    prefix_hash: u64,
    plays: u64,
    no_free_voice: u64,
    streams_opened: u64,
    layout_syncs: u64,
    max_active: usize,
    peak: f32,
}

struct Game {
    backend: OfflineBackend,
    rng: Rng,
    chunks: Rng,
    sounds: Vec<Sound>,
    layout: AudioBusLayout,
    voices: Vec<Voice>,
    /// Recently ended ids: they must stay inactive.
    ended: Vec<ChannelId>,
    stopped: Vec<(ChannelId, u64)>,
    streams: Vec<Stream>,
    report: Report,
    hash: u64,
    out: Vec<f32>,
}

const CUSTOM_BUSES: [&str; 6] = ["Ambience", "Wind", "Footsteps", "Radio", "Echo", "Crowd"];

impl Game {
    fn new(seed: u64, chunk_seed: u64) -> Self {
        let config = AudioConfig {
            voices: VOICES,
            ..AudioConfig::default()
        };
        let sounds = vec![
            Sound::tone(440.0, 0.3, 0.4, 48_000, 1).unwrap(),
            Sound::tone(660.0, 0.3, 1.5, 44_100, 2).unwrap(),
            Sound::noise(0.2, 0.8, 1, 48_000).unwrap(),
            Sound::noise(0.3, 2.0, 2, 22_050).unwrap(),
            Sound::tone(110.0, 0.4, 3.0, 32_000, 1).unwrap(),
            Sound::tone(3_000.0, 0.2, 0.05, 48_000, 2).unwrap(),
        ];
        let mut game = Self {
            backend: OfflineBackend::new(&config).unwrap(),
            rng: Rng(seed),
            chunks: Rng(chunk_seed),
            sounds,
            layout: AudioBusLayout::default(),
            voices: Vec::new(),
            ended: Vec::new(),
            stopped: Vec::new(),
            streams: Vec::new(),
            report: Report::default(),
            hash: 0xCBF2_9CE4_8422_2325,
            out: vec![0.0; 2 * TICK],
        };
        game.layout
            .add_effect("Master", Effect::default_for("limiter").unwrap())
            .unwrap();
        game.layout.add_bus("Ambience", -6.0, "Music").unwrap();
        game.layout
            .add_effect("Ambience", Effect::default_for("reverb").unwrap())
            .unwrap();
        game.layout
            .add_effect("SFX", Effect::default_for("compressor").unwrap())
            .unwrap();
        game.sync();
        game
    }

    fn now(&self) -> u64 {
        self.backend.frames_rendered()
    }

    fn bus(&mut self) -> String {
        let names = self.layout.bus_names();
        names[self.rng.below(names.len())].to_string()
    }

    fn sync(&mut self) {
        match self.backend.sync_bus_layout(&self.layout) {
            Ok(()) => self.report.layout_syncs += 1,
            Err(AudioError::InvalidLayout(_)) => {}
            Err(e) => panic!("sync_bus_layout: {e}"),
        }
    }

    /// Voices that may still be held: the game's live ones, and those stopped within a fade's
    /// reach.
    fn occupying(&mut self) -> usize {
        let now = self.now();
        self.stopped.retain(|&(_, at)| now - at < 4_800);
        let active = self.voices.len() + self.streams.len();
        active + self.stopped.len()
    }

    fn play(&mut self, looping: bool) {
        let sound = self.sounds[self.rng.below(self.sounds.len())].clone();
        let spatial = self.rng.chance(0.4);
        let angle = self.rng.range(0.0, std::f32::consts::TAU);
        let params = PlayParams {
            volume_db: self.rng.range(-30.0, 0.0),
            pan: self.rng.range(-1.0, 1.0),
            pitch: self.rng.range(0.5, 2.0),
            looping,
            bus: self.bus(),
            from_position: if self.rng.chance(0.2) {
                self.rng.range(0.0, 1.0) as f64
            } else {
                0.0
            },
            emitter: spatial.then(|| emitter_at(angle, self.rng.range(1.0, 60.0))),
            ..PlayParams::default()
        };
        let occupying = self.occupying();
        match self.backend.play_audio(&sound, &params) {
            Ok(id) => {
                assert!(self.voices.len() + self.streams.len() < VOICES);
                self.report.plays += 1;
                let frames = sound.frames() as f64 * RATE as f64 / sound.rate() as f64;
                self.voices.push(Voice {
                    id,
                    // Lowest pitch the doppler shift can reach is the core's floor, 0.1.
                    must_end_by: (!looping)
                        .then(|| self.now() + (frames / 0.1).ceil() as u64 + 256),
                    duration: sound.duration(),
                    spatial,
                    angle,
                });
            }
            Err(AudioError::NoFreeVoice { .. }) => {
                assert!(occupying >= VOICES, "NoFreeVoice with {occupying} held");
                self.report.no_free_voice += 1;
            }
            Err(e) => panic!("play_audio: {e}"),
        }
    }

    fn stop(&mut self, k: usize) {
        let v = self.voices.swap_remove(k);
        self.backend.stop_audio(v.id).unwrap();
        assert!(!self.backend.is_channel_active(v.id));
        self.stopped.push((v.id, self.now()));
        self.ended.push(v.id);
    }

    fn control(&mut self) {
        let n = self.voices.len();
        if n == 0 {
            return;
        }
        let k = self.rng.below(n);
        let id = self.voices[k].id;
        let r = match self.rng.below(6) {
            0 => self.backend.update_audio_2d(
                id,
                self.rng.range(-40.0, 0.0),
                self.rng.range(-1.0, 1.0),
            ),
            1 => self.backend.update_audio_3d(
                id,
                self.rng.range(-40.0, 0.0),
                self.rng.range(-1.0, 1.0),
                self.rng.range(0.5, 2.0),
            ),
            2 => self.backend.set_pitch(id, self.rng.range(0.25, 4.0)),
            3 => {
                self.voices[k].must_end_by = None;
                self.backend.pause_audio(id)
            }
            4 => self.backend.resume_audio(id),
            _ => {
                self.stop(k);
                Ok(())
            }
        };
        r.unwrap();
    }

    fn move_emitters(&mut self) {
        for v in self.voices.iter_mut().filter(|v| v.spatial) {
            v.angle += 0.01;
            let e = emitter_at(v.angle, 10.0 + 8.0 * v.angle.sin());
            self.backend.set_emitter(v.id, &e).unwrap();
        }
    }

    fn streams(&mut self) {
        if self.streams.len() < 3 && self.rng.chance(0.004) {
            let bus = self.bus();
            let s = self.backend.streams().unwrap();
            let volume = -12.0;
            match s.open_stream(volume, &bus, 0.1, false, None, 0.0) {
                Ok(id) => {
                    self.report.streams_opened += 1;
                    let freq = 100.0 + 50.0 * self.streams.len() as f64;
                    self.streams.push(Stream {
                        id,
                        phase: 0.0,
                        freq,
                        ended: false,
                    })
                }
                Err(AudioError::NoFreeVoice { .. }) => self.report.no_free_voice += 1,
                Err(e) => panic!("open_stream: {e}"),
            }
        }
        let starve = self.rng.chance(0.02);
        let end = self.rng.chance(0.001);
        let stop = self.rng.chance(0.0005);
        let s = self.backend.streams().unwrap();
        for st in self.streams.iter_mut().filter(|st| !st.ended) {
            if starve {
                continue;
            }
            let frames = s.frames_available(st.id).min(TICK + 64);
            let mut bytes = Vec::with_capacity(frames * 4);
            for _ in 0..frames {
                let v = (8_000.0 * sine(st.phase)) as i16;
                st.phase += 2.0 * std::f64::consts::PI * st.freq / RATE as f64;
                bytes.extend_from_slice(&v.to_le_bytes());
                bytes.extend_from_slice(&v.to_le_bytes());
            }
            let took = s.feed_audio_chunk(st.id, &bytes).unwrap();
            assert_eq!(
                took,
                bytes.len(),
                "a feed within frames_available is taken whole"
            );
            if end {
                s.end_of_stream(st.id).unwrap();
                assert_eq!(s.frames_available(st.id), 0);
                st.ended = true;
            }
        }
        if stop && !self.streams.is_empty() {
            let st = self.streams.swap_remove(0);
            self.backend.stop_audio(st.id).unwrap();
            self.stopped.push((st.id, self.now()));
            self.ended.push(st.id);
        }
    }

    fn change_layout(&mut self) {
        let l = &mut self.layout;
        let r = &mut self.rng;
        let name = CUSTOM_BUSES[r.below(CUSTOM_BUSES.len())];
        let any = {
            let names = l.bus_names();
            names[r.below(names.len())].to_string()
        };
        match r.below(9) {
            0 | 1 => {
                let parent = if l.has_bus(&any) && any != name {
                    any.clone()
                } else {
                    "Master".into()
                };
                let _ = l.add_bus(name, r.range(-20.0, 6.0), &parent);
            }
            2 => l.remove_bus(name).unwrap(),
            3 => l.set_volume_db(&any, r.range(-30.0, 6.0)).unwrap(),
            4 => l.set_mute(&any, r.chance(0.3)).unwrap(),
            5 => l.set_solo(&any, r.chance(0.2)).unwrap(),
            6 => {
                if l.get_bus(&any).unwrap().effects().len() < 4 {
                    let tags = ["lowpass", "delay", "reverb", "compressor", "parametriceq"];
                    let tag = tags[r.below(tags.len())];
                    l.add_effect(&any, Effect::default_for(tag).unwrap())
                        .unwrap();
                }
            }
            7 => {
                let n = l.get_bus(&any).unwrap().effects().len();
                if n > 0 {
                    let _ = l.remove_effect(&any, r.below(n)).unwrap();
                }
            }
            _ => {
                // Retune an effect in place (its state and tail survive).
                let effects = l.get_bus(&any).unwrap().effects().to_vec();
                if !effects.is_empty() {
                    let k = r.below(effects.len());
                    let mut e = effects[k];
                    retune(&mut e.params, r);
                    e.enabled = !r.chance(0.1);
                    l.set_effect(&any, k, e).unwrap();
                }
            }
        }
        assert!(l.has_bus("Master"), "Master cannot be removed");
        self.sync();
    }

    fn render_tick(&mut self) {
        let mut done = 0;
        while done < TICK {
            let n = match self.chunks.below(4) {
                0 => TICK - done,
                1 => 1 + self.chunks.below(16),
                _ => 1 + self.chunks.below(TICK),
            }
            .min(TICK - done);
            let out = &mut self.out[2 * done..2 * (done + n)];
            self.backend.render(out);
            done += n;
        }
        let prefix = self.now() <= PREFIX_SECONDS * RATE as u64;
        for (i, s) in self.out.iter().enumerate() {
            assert!(
                s.is_finite(),
                "sample {i} of the tick at frame {} is {s}",
                self.now()
            );
            self.report.peak = self.report.peak.max(s.abs());
            if prefix {
                self.hash = (self.hash ^ u64::from(s.to_bits())).wrapping_mul(0x100_0000_01B3);
            }
        }
        if prefix {
            self.report.prefix_hash = self.hash;
        }
    }

    fn check(&mut self) {
        let now = self.now();
        let mut k = 0;
        while k < self.voices.len() {
            let v = &self.voices[k];
            let active = self.backend.is_channel_active(v.id);
            if let Some(limit) = v.must_end_by {
                assert!(!active || now <= limit, "one-shot {} active at {now}", v.id);
            }
            let pos = self.backend.get_playback_position(v.id);
            assert!(
                pos.is_finite() && pos >= 0.0 && pos <= v.duration + 1e-9,
                "{pos}"
            );
            if active {
                k += 1;
            } else {
                let v = self.voices.swap_remove(k);
                self.ended.push(v.id);
            }
        }
        let mut k = 0;
        while k < self.streams.len() {
            if self.backend.is_channel_active(self.streams[k].id) {
                k += 1;
            } else {
                assert!(
                    self.streams[k].ended,
                    "a stream ended before its end_of_stream"
                );
                let st = self.streams.swap_remove(k);
                self.ended.push(st.id);
            }
        }
        if self.ended.len() > 512 {
            self.ended.drain(..256);
        }
        for &id in &self.ended {
            assert!(!self.backend.is_channel_active(id), "{id} revived");
        }
        let active = self.voices.len() + self.streams.len();
        assert!(active <= VOICES);
        self.report.max_active = self.report.max_active.max(active);
    }

    fn tick(&mut self, t: u64) {
        if self.rng.chance(0.35) {
            self.play(false);
        }
        let loops = self
            .voices
            .iter()
            .filter(|v| v.must_end_by.is_none())
            .count();
        if loops < 10 && self.rng.chance(0.01) {
            self.play(true);
        }
        for _ in 0..self.rng.below(4) {
            self.control();
        }
        self.move_emitters();
        let a = t as f32 / 600.0;
        let (s, c) = a.sin_cos();
        self.backend
            .set_listener_position([20.0 * c, 0.0, 20.0 * s])
            .unwrap();
        self.backend
            .set_listener_velocity([-2.0 * s, 0.0, 2.0 * c])
            .unwrap();
        self.backend.set_listener_direction([-s, 0.0, c]).unwrap();
        self.streams();
        if self.rng.chance(1.0 / 600.0) {
            self.change_layout();
        }
        self.render_tick();
        self.check();
    }

    /// Stop everything, let the fades finish, and check the pool is empty and reusable.
    fn finish(&mut self) {
        let ids: Vec<_> = self
            .voices
            .iter()
            .map(|v| v.id)
            .chain(self.streams.iter().map(|s| s.id))
            .collect();
        for id in &ids {
            self.backend.stop_audio(*id).unwrap();
        }
        self.voices.clear();
        self.streams.clear();
        for _ in 0..6 {
            self.render_tick();
        }
        for id in ids.iter().chain(&self.ended) {
            assert!(!self.backend.is_channel_active(*id));
        }
        let tone = self.sounds[0].clone();
        let looping = PlayParams {
            looping: true,
            ..PlayParams::default()
        };
        let fresh: Vec<_> = (0..VOICES)
            .map(|k| {
                self.backend
                    .play_audio(&tone, &looping)
                    .unwrap_or_else(|e| panic!("voice {k} after the soak: {e}"))
            })
            .collect();
        assert!(matches!(
            self.backend.play_audio(&tone, &looping),
            Err(AudioError::NoFreeVoice { .. })
        ));
        self.render_tick();
        assert!(fresh.iter().all(|&id| self.backend.is_channel_active(id)));
        self.backend.shutdown();
        self.render_tick();
        assert!(self.out.iter().all(|&s| s == 0.0));
    }
}

fn sine(x: f64) -> f64 {
    x.sin()
}

fn emitter_at(angle: f32, distance: f32) -> Emitter {
    let (s, c) = angle.sin_cos();
    Emitter {
        position: [distance * c, 1.0, distance * s],
        velocity: [-5.0 * s, 0.0, 5.0 * c],
        ..Emitter::default()
    }
}

fn retune(p: &mut EffectParams, r: &mut Rng) {
    match p {
        EffectParams::LowPass(f) => f.cutoff_hz = r.range(200.0, 12_000.0),
        EffectParams::Delay(d) => {
            d.time_seconds = r.range(0.01, 1.0);
            d.feedback = r.range(0.0, 0.9);
        }
        EffectParams::Reverb(v) => {
            v.room_size = r.unit();
            v.damping = r.unit();
            v.freeze = r.chance(0.05);
        }
        EffectParams::Compressor(c) => {
            c.threshold_db = r.range(-40.0, 0.0);
            c.ratio = r.range(1.0, 20.0);
        }
        EffectParams::Limiter(l) => l.ceiling_db = r.range(-12.0, 0.0),
        _ => {}
    }
}

fn simulate(seconds: u64, seed: u64, chunk_seed: u64) -> Report {
    let mut game = Game::new(seed, chunk_seed);
    let ticks = seconds * RATE as u64 / TICK as u64;
    for t in 0..ticks {
        game.tick(t);
    }
    game.report.frames = game.now();
    game.finish();
    game.report
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// Tests an hour of game play (in release) for finite output, voice accounting and a
/// reusable pool, and the first minute's bits against a second run with other chunk sizes.
#[test]
fn one_hour_of_game_play() {
    let default = if cfg!(debug_assertions) { 20 } else { 3_600 };
    let seconds = env_u64("SIMVX_SOAK_SECONDS").unwrap_or(default);
    let seed = env_u64("SIMVX_SOAK_SEED").unwrap_or(0x5EED_50A4);
    let start = Instant::now();
    let report = simulate(seconds, seed, 1);
    let took = start.elapsed().as_secs_f64();
    let audio = report.frames as f64 / RATE as f64;
    println!(
        "soak: {audio:.0} s of game audio in {took:.1} s: {:.0}x real time \
         ({} plays, {} refused for a full pool, {} streams, {} layout syncs, \
         at most {} voices at once, peak {:.3})",
        audio / took,
        report.plays,
        report.no_free_voice,
        report.streams_opened,
        report.layout_syncs,
        report.max_active,
        report.peak
    );
    assert!(
        report.plays > seconds * 10,
        "the game played too little: {report:?}"
    );
    assert!(
        report.streams_opened > 0 && report.layout_syncs > 1,
        "{report:?}"
    );
    // The same game with other chunk sizes renders the same bits.
    let again = simulate(seconds.min(PREFIX_SECONDS), seed, 2);
    assert_eq!(
        again.prefix_hash,
        report.prefix_hash,
        "the first {} s differ between two runs",
        seconds.min(PREFIX_SECONDS)
    );
}
