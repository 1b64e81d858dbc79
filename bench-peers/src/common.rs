//! What every engine shares: the workloads, their geometry, the sound, the output check and
//! the timing harness. Included by `src/main.rs` and by `fyrox-runner/src/main.rs`
//! (`#[path]`), so both packages measure in exactly the same way.

#![allow(dead_code)]

use std::f32::consts::TAU;
use std::time::Instant;

/// Output rate of every engine but fyrox-sound (fixed at 44.1 kHz).
pub const RATE: u32 = 48_000;
/// Frames per block at 48 kHz: 10 ms.
pub const BLOCK: usize = 480;
/// Per-voice volume: 0.5, i.e. −6.0206 dB.
pub const VOLUME: f32 = 0.5;
pub const VOLUME_DB: f32 = -6.0206;
/// Radius of the circle of emitters (m) and tangential speed in W2 (m/s).
pub const RADIUS: f32 = 10.0;
pub const SPEED: f32 = 20.0;
/// Speed of sound (m/s), as simvx-audio uses.
pub const SPEED_OF_SOUND: f32 = 343.0;
/// Length of the check render before timing (blocks of 10 ms).
pub const CHECK_BLOCKS: usize = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Workload {
    /// W0: looping noise, pitch 1, volume 0.5, centre, no spatialisation.
    Plain,
    /// W1: pitch 0.8..1.2, each voice spatialised on a fixed point of a circle of radius 10.
    Game,
    /// W2: as W1, moving tangentially at 20 m/s, updated every block.
    Doppler,
}

impl Workload {
    pub const ALL: [Workload; 3] = [Workload::Plain, Workload::Game, Workload::Doppler];

    pub fn tag(self) -> &'static str {
        match self {
            Workload::Plain => "w0",
            Workload::Game => "w1",
            Workload::Doppler => "w2",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Workload::Plain => "W0 plain",
            Workload::Game => "W1 game",
            Workload::Doppler => "W2 doppler",
        }
    }

    pub fn parse(s: &str) -> Option<Workload> {
        Workload::ALL
            .into_iter()
            .find(|w| w.tag().eq_ignore_ascii_case(s))
    }

    pub fn moving(self) -> bool {
        self == Workload::Doppler
    }
}

/// The bench's sound: 1.0 s of mono 48 kHz white noise, uniform in [−1, 1), from seed 1. The
/// same generator and seed as `simvx_audio::Sound::noise(1.0, 1.0, 1, 48_000)`, so every engine
/// plays the same samples.
pub fn noise() -> Vec<f32> {
    let mut state: u64 = 1 ^ 0x9E37_79B9_7F4A_7C15;
    (0..RATE as usize)
        .map(|_| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let r = state.wrapping_mul(0x2545_F491_4F6C_DD1D);
            (r >> 40) as f32 / (1u32 << 23) as f32 - 1.0
        })
        .collect()
}

/// Voice `i`'s base pitch: 1 in W0, 0.8 + 0.4·i/N in W1 and W2.
pub fn pitch(w: Workload, i: usize, n: usize) -> f32 {
    match w {
        Workload::Plain => 1.0,
        _ => 0.8 + 0.4 * i as f32 / n as f32,
    }
}

/// Voice `i`'s angle on the circle at time `t` (s): fixed in W1; in W2 it turns at 20/10 rad/s.
pub fn angle(w: Workload, i: usize, n: usize, t: f32) -> f32 {
    let base = i as f32 * TAU / n as f32;
    if w.moving() {
        base + t * SPEED / RADIUS
    } else {
        base
    }
}

/// Position and velocity of voice `i` at time `t`. The listener sits at the origin, facing −Z
/// with +Y up (so +X is to its right) and does not move.
pub fn motion(w: Workload, i: usize, n: usize, t: f32) -> ([f32; 3], [f32; 3]) {
    let th = angle(w, i, n, t);
    let (s, c) = th.sin_cos();
    let p = [RADIUS * c, 0.0, RADIUS * s];
    let v = if w.moving() {
        [-SPEED * s, 0.0, SPEED * c]
    } else {
        [0.0; 3]
    };
    (p, v)
}

/// The physical Doppler ratio for a still listener at the origin (simvx-audio's formula,
/// `c / (c + v_s)` with `v_s` the emitter's speed away from the listener), for the peers that
/// have no Doppler of their own. For W2's tangential motion it is 1 up to rounding: computing
/// and pushing it every block is the cost a game pays, the shift itself is nil.
pub fn doppler_ratio(p: [f32; 3], v: [f32; 3]) -> f32 {
    let d = (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt();
    if d <= 0.0 {
        return 1.0;
    }
    let vs = (v[0] * p[0] + v[1] * p[1] + v[2] * p[2]) / d;
    let c = SPEED_OF_SOUND;
    c / (c + vs).clamp(0.01 * c, 100.0 * c)
}

/// One engine prepared with one workload, driven block by block.
pub trait Mix {
    /// Output frames per second (48 000, or 44 100 for fyrox-sound).
    fn rate(&self) -> u32 {
        RATE
    }
    /// Frames per block: 10 ms of output.
    fn block_frames(&self) -> usize {
        self.rate() as usize / 100
    }
    /// The game's per-block work in W2: move every voice to where it is at time `t`.
    fn update(&mut self, t: f32);
    /// Render the next block, interleaved stereo f32, `2 · block_frames()` samples.
    fn render(&mut self, out: &mut [f32]);
}

/// Level of a stretch of interleaved stereo output.
#[derive(Clone, Copy, Debug, Default)]
pub struct Level {
    pub rms: f32,
    pub rms_left: f32,
    pub rms_right: f32,
    pub finite: bool,
}

impl Level {
    pub fn of(out: &[f32]) -> Level {
        let (mut l, mut r) = (0.0f64, 0.0f64);
        let mut finite = true;
        for f in out.chunks_exact(2) {
            finite &= f[0].is_finite() && f[1].is_finite();
            l += f64::from(f[0]) * f64::from(f[0]);
            r += f64::from(f[1]) * f64::from(f[1]);
        }
        let frames = (out.len() / 2).max(1) as f64;
        Level {
            rms: ((l + r) / (2.0 * frames)).sqrt() as f32,
            rms_left: (l / frames).sqrt() as f32,
            rms_right: (r / frames).sqrt() as f32,
            finite,
        }
    }

    /// The output check: no NaN or infinity, not silent, and both channels carry signal. The
    /// floor, 0.001·√N, sits well under every engine's expected level (the quietest, rodio's
    /// 1/d² spatialiser at 10 m, gives about 0.003·√N) and far above silence or denormals.
    pub fn check(&self, n: usize) -> Result<(), String> {
        let floor = 1e-3 * (n as f32).sqrt();
        if !self.finite {
            return Err("output has NaN or infinite samples".into());
        }
        if self.rms.is_nan() || self.rms <= floor {
            return Err(format!(
                "output too quiet: rms {:.3e} < {floor:.3e}",
                self.rms
            ));
        }
        if self.rms_left.is_nan()
            || self.rms_right.is_nan()
            || self.rms_left.min(self.rms_right) <= 0.25 * floor
        {
            return Err(format!(
                "a channel is (nearly) silent: rms L {:.3e}, R {:.3e}",
                self.rms_left, self.rms_right
            ));
        }
        Ok(())
    }
}

/// Process CPU time in seconds (all threads: an engine that offloads work to a helper thread
/// is charged for it).
pub fn cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec and the clock id is a constant libc knows.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// The settings of one invocation.
#[derive(Clone, Debug)]
pub struct Config {
    pub ns: Vec<usize>,
    pub seconds: f64,
    pub runs: usize,
    pub workloads: Vec<Workload>,
    pub engines: Option<Vec<String>>,
    pub quick: bool,
}

impl Config {
    pub const FULL_NS: [usize; 5] = [16, 64, 256, 1024, 4096];
    pub const QUICK_NS: [usize; 2] = [16, 1024];

    /// `--quick`, `--n 16,64`, `--seconds S`, `--runs K`, `--workloads w0,w2`,
    /// `--engines simvx,kira`.
    pub fn from_args(args: &[String]) -> Result<Config, String> {
        let mut c = Config {
            ns: Self::FULL_NS.to_vec(),
            seconds: 10.0,
            runs: 3,
            workloads: Workload::ALL.to_vec(),
            engines: None,
            quick: false,
        };
        let (mut ns, mut seconds) = (None, None);
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let mut value = |name: &str| {
                it.next()
                    .cloned()
                    .ok_or_else(|| format!("{name} needs a value"))
            };
            match a.as_str() {
                "--quick" => c.quick = true,
                "--n" => {
                    ns = Some(
                        value("--n")?
                            .split(',')
                            .map(|s| s.trim().parse::<usize>().map_err(|e| format!("--n: {e}")))
                            .collect::<Result<Vec<_>, _>>()?,
                    )
                }
                "--seconds" => {
                    seconds = Some(
                        value("--seconds")?
                            .parse::<f64>()
                            .map_err(|e| format!("--seconds: {e}"))?,
                    )
                }
                "--runs" => {
                    c.runs = value("--runs")?
                        .parse::<usize>()
                        .map_err(|e| format!("--runs: {e}"))?
                        .max(1)
                }
                "--workloads" => {
                    c.workloads = value("--workloads")?
                        .split(',')
                        .map(|s| Workload::parse(s.trim()).ok_or(format!("unknown workload {s}")))
                        .collect::<Result<Vec<_>, _>>()?
                }
                "--engines" => {
                    c.engines = Some(
                        value("--engines")?
                            .split(',')
                            .map(|s| s.trim().to_ascii_lowercase())
                            .collect(),
                    )
                }
                "-h" | "--help" => return Err(USAGE.into()),
                other => return Err(format!("unknown argument {other}\n{USAGE}")),
            }
        }
        if c.quick {
            c.ns = Self::QUICK_NS.to_vec();
            c.seconds = 2.0;
        }
        if let Some(ns) = ns {
            c.ns = ns;
        }
        if let Some(s) = seconds {
            c.seconds = s;
        }
        if c.ns.contains(&0) || c.seconds.is_nan() || c.seconds <= 0.0 {
            return Err("N and --seconds must be positive".into());
        }
        Ok(c)
    }

    pub fn wants(&self, engine: &str) -> bool {
        self.engines
            .as_ref()
            .is_none_or(|e| e.iter().any(|x| x == engine))
    }

    /// The same settings as arguments (for the fyrox runner).
    pub fn to_args(&self, w: Workload, n: usize) -> Vec<String> {
        vec![
            "--workloads".into(),
            w.tag().into(),
            "--n".into(),
            n.to_string(),
            "--seconds".into(),
            self.seconds.to_string(),
            "--runs".into(),
            self.runs.to_string(),
        ]
    }
}

pub const USAGE: &str = "usage: bench-peers [--quick] [--n 16,64,...] [--seconds S] [--runs K] \
[--workloads w0,w1,w2] [--engines simvx,kira,rodio,oddio,fyrox]";

/// What one engine did on one workload at one N.
#[derive(Clone, Debug)]
pub struct Measurement {
    /// Voice-seconds mixed per CPU-second, from the best run.
    pub vps: f64,
    /// CPU and wall seconds of the best run (by CPU).
    pub cpu: f64,
    pub wall: f64,
    /// CPU seconds of every run.
    pub runs: Vec<f64>,
    /// Level of the check render.
    pub level: Level,
}

impl Measurement {
    /// One tab-separated line (the fyrox runner's output format).
    pub fn to_line(&self) -> String {
        let runs: Vec<String> = self.runs.iter().map(|r| format!("{r:.6}")).collect();
        format!(
            "{:.3}\t{:.6}\t{:.6}\t{}\t{:.6e}\t{:.6e}\t{:.6e}",
            self.vps,
            self.cpu,
            self.wall,
            runs.join(","),
            self.level.rms,
            self.level.rms_left,
            self.level.rms_right
        )
    }

    pub fn from_line(s: &str) -> Option<Measurement> {
        let f: Vec<&str> = s.split('\t').collect();
        if f.len() != 7 {
            return None;
        }
        Some(Measurement {
            vps: f[0].parse().ok()?,
            cpu: f[1].parse().ok()?,
            wall: f[2].parse().ok()?,
            runs: f[3]
                .split(',')
                .map(|r| r.parse().ok())
                .collect::<Option<Vec<f64>>>()?,
            level: Level {
                rms: f[4].parse().ok()?,
                rms_left: f[5].parse().ok()?,
                rms_right: f[6].parse().ok()?,
                finite: true,
            },
        })
    }
}

/// Check `mix`'s output, then time `cfg.runs` renders of `cfg.seconds` of output each and keep
/// the best (lowest CPU time). The game's per-block updates (W2) are inside the timed loop, as
/// they are in `benches/mix.rs`. The last block of every timed run is checked again, so an
/// engine whose voices die during the run (a fast silent mixer) is caught.
pub fn measure(
    mix: &mut dyn Mix,
    w: Workload,
    n: usize,
    cfg: &Config,
    log: &mut dyn FnMut(String),
) -> Result<Measurement, String> {
    let frames = mix.block_frames();
    let dt = frames as f32 / mix.rate() as f32;
    let mut out = vec![0.0f32; 2 * frames];
    let mut t = 0.0f32;

    // The check: 0.5 s, skipping the first 100 ms (fade-ins, ramps, propagation delays).
    let mut check = Vec::with_capacity(2 * frames * CHECK_BLOCKS);
    for b in 0..CHECK_BLOCKS {
        if w.moving() {
            t += dt;
            mix.update(t);
        }
        mix.render(&mut out);
        if b >= 10 {
            check.extend_from_slice(&out);
        }
    }
    let level = Level::of(&check);
    level
        .check(n)
        .map_err(|e| format!("check before timing: {e}"))?;

    let blocks = (cfg.seconds * f64::from(mix.rate()) / frames as f64).round() as usize;
    let seconds = (blocks * frames) as f64 / f64::from(mix.rate());
    let mut runs = Vec::new();
    let mut best: Option<(f64, f64)> = None;
    for r in 0..cfg.runs {
        let (c0, w0) = (cpu_seconds(), Instant::now());
        for _ in 0..blocks {
            if w.moving() {
                t += dt;
                mix.update(t);
            }
            mix.render(&mut out);
            std::hint::black_box(&mut out);
        }
        let (cpu, wall) = (cpu_seconds() - c0, w0.elapsed().as_secs_f64());
        Level::of(&out)
            .check(n)
            .map_err(|e| format!("check after run {}: {e}", r + 1))?;
        log(format!(
            "    run {}: cpu {cpu:.3} s, wall {wall:.3} s, {:.0} voice-s/cpu-s",
            r + 1,
            n as f64 * seconds / cpu
        ));
        runs.push(cpu);
        if best.is_none_or(|(c, _)| cpu < c) {
            best = Some((cpu, wall));
        }
    }
    let (cpu, wall) = best.expect("at least one run");
    Ok(Measurement {
        vps: n as f64 * seconds / cpu,
        cpu,
        wall,
        runs,
        level,
    })
}
