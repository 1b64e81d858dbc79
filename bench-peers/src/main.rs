//! bench-peers: simvx-audio against kira, rodio, oddio and fyrox-sound on the same workloads,
//! each driven through its offline / manual render path. See README.md.

#[path = "common.rs"]
mod common;
mod effects;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::num::NonZero;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use common::{Config, Measurement, Mix, RATE, VOLUME, VOLUME_DB, Workload};

type Outcome = Result<Measurement, String>;

const ENGINES: [&str; 5] = ["simvx", "kira", "rodio", "oddio", "fyrox"];

// ---------------------------------------------------------------------------------------------
// simvx-audio: OfflineBackend, its own emitters (inverse attenuation, balance pan, Doppler).
// ---------------------------------------------------------------------------------------------

mod simvx {
    use super::*;
    use simvx_audio::{
        Attenuation, AudioConfig, ChannelId, Emitter, OfflineBackend, PlayParams, Playback, Sound,
    };

    pub struct Engine {
        backend: OfflineBackend,
        voices: Vec<(ChannelId, Emitter)>,
        w: Workload,
    }

    pub fn setup(w: Workload, n: usize, noise: &[f32]) -> Result<Engine, String> {
        let config = AudioConfig {
            voices: n,
            ..AudioConfig::default()
        };
        let mut backend = OfflineBackend::new(&config).map_err(|e| e.to_string())?;
        let sound = Sound::from_pcm_f32(noise.to_vec(), 1, RATE).map_err(|e| e.to_string())?;
        let mut voices = Vec::with_capacity(n);
        for i in 0..n {
            let (position, velocity) = common::motion(w, i, n, 0.0);
            let emitter = Emitter {
                position,
                velocity,
                attenuation: Attenuation::Inverse,
                min_distance: 1.0,
                ..Emitter::default()
            };
            let params = PlayParams {
                volume_db: VOLUME_DB,
                looping: true,
                pitch: common::pitch(w, i, n),
                emitter: (w != Workload::Plain).then_some(emitter),
                ..PlayParams::default()
            };
            let id = backend
                .play_audio(&sound, &params)
                .map_err(|e| e.to_string())?;
            voices.push((id, emitter));
        }
        Ok(Engine { backend, voices, w })
    }

    impl Mix for Engine {
        fn update(&mut self, t: f32) {
            let n = self.voices.len();
            for (i, (id, e)) in self.voices.iter_mut().enumerate() {
                (e.position, e.velocity) = common::motion(self.w, i, n, t);
                self.backend.set_emitter(*id, e).expect("set_emitter");
            }
        }

        fn render(&mut self, out: &mut [f32]) {
            self.backend.render(out);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// kira: an AudioManager on a backend of ours that keeps the Renderer and lets us call it (kira's
// own MockBackend renders into a buffer it never shows, so its output could not be checked).
// ---------------------------------------------------------------------------------------------

mod kira_peer {
    use super::*;
    use kira::backend::{Backend, Renderer};
    use kira::listener::ListenerHandle;
    use kira::sound::static_sound::{StaticSoundData, StaticSoundHandle, StaticSoundSettings};
    use kira::track::{MainTrackBuilder, SpatialTrackBuilder, SpatialTrackHandle};
    use kira::{AudioManager, AudioManagerSettings, Capacities, Decibels, Frame, Tween};

    /// The manual backend: `AudioManager` hands it the renderer; we pull blocks from it the way
    /// kira's cpal backend does in its callback (`on_start_processing`, then `process`).
    pub struct ManualBackend {
        pub(crate) renderer: Option<Renderer>,
    }

    impl Backend for ManualBackend {
        type Settings = ();
        type Error = String;

        fn setup(_: (), _internal_buffer_size: usize) -> Result<(Self, u32), String> {
            Ok((ManualBackend { renderer: None }, RATE))
        }

        fn start(&mut self, renderer: Renderer) -> Result<(), String> {
            self.renderer = Some(renderer);
            Ok(())
        }
    }

    pub struct Engine {
        manager: AudioManager<ManualBackend>,
        _listener: Option<ListenerHandle>,
        voices: Vec<(Option<SpatialTrackHandle>, StaticSoundHandle)>,
        w: Workload,
    }

    /// Spatial-track distances: kira attenuates from 0 dB at `min` to −60 dB at `max`, linear in
    /// dB (Easing::Linear); (1, 28) puts 10 m at −20 dB = 0.1, the inverse model's gain there.
    pub const DISTANCES: (f32, f32) = (1.0, 28.0);

    fn v3(p: [f32; 3]) -> mint::Vector3<f32> {
        mint::Vector3 {
            x: p[0],
            y: p[1],
            z: p[2],
        }
    }

    pub fn setup(w: Workload, n: usize, noise: &[f32]) -> Result<Engine, String> {
        let settings = AudioManagerSettings::<ManualBackend> {
            capacities: Capacities {
                sub_track_capacity: n + 1,
                ..Capacities::default()
            },
            main_track_builder: MainTrackBuilder::new().sound_capacity(n + 1),
            // kira's default; its parameters (positions, rates) are updated per 128-frame chunk.
            internal_buffer_size: 128,
            backend_settings: (),
        };
        let mut manager = AudioManager::<ManualBackend>::new(settings)?;
        let data = looping_noise(noise);
        let mut voices = Vec::with_capacity(n);
        let listener = if w == Workload::Plain {
            for _ in 0..n {
                let h = manager.play(data.clone()).map_err(|e| e.to_string())?;
                voices.push((None, h));
            }
            None
        } else {
            // Identity orientation: facing −Z, +X to the right, as for every engine here.
            let listener = manager
                .add_listener(
                    v3([0.0; 3]),
                    mint::Quaternion {
                        v: v3([0.0; 3]),
                        s: 1.0,
                    },
                )
                .map_err(|e| e.to_string())?;
            for i in 0..n {
                let (p, _) = common::motion(w, i, n, 0.0);
                let mut track = manager
                    .add_spatial_sub_track(
                        &listener,
                        v3(p),
                        SpatialTrackBuilder::new()
                            .distances(DISTANCES)
                            .sound_capacity(1)
                            .sub_track_capacity(1),
                    )
                    .map_err(|e| e.to_string())?;
                let h = track
                    .play(data.playback_rate(f64::from(common::pitch(w, i, n))))
                    .map_err(|e| e.to_string())?;
                voices.push((Some(track), h));
            }
            Some(listener)
        };
        Ok(Engine {
            manager,
            _listener: listener,
            voices,
            w,
        })
    }

    impl Mix for Engine {
        fn update(&mut self, t: f32) {
            let n = self.voices.len();
            for (i, (track, sound)) in self.voices.iter_mut().enumerate() {
                let (p, v) = common::motion(self.w, i, n, t);
                // kira has no Doppler: the game computes the ratio and sets the rate, each
                // block, with kira's default 10 ms tween (one block).
                let rate = common::pitch(self.w, i, n) * common::doppler_ratio(p, v);
                sound.set_playback_rate(f64::from(rate), Tween::default());
                if let Some(track) = track {
                    track.set_position(v3(p), Tween::default());
                }
            }
        }

        fn render(&mut self, out: &mut [f32]) {
            pull(&mut self.manager, out);
        }
    }

    /// `noise` as a looping kira sound at the bench's level.
    pub fn looping_noise(noise: &[f32]) -> StaticSoundData {
        let frames: Arc<[Frame]> = noise.iter().map(|&s| Frame::from_mono(s)).collect();
        StaticSoundData {
            sample_rate: RATE,
            frames,
            settings: StaticSoundSettings::new()
                .loop_region(..)
                .volume(Decibels(VOLUME_DB)),
            slice: None,
        }
    }

    /// One block from `manager`'s renderer, as kira's cpal backend takes it in its callback.
    pub fn pull(manager: &mut AudioManager<ManualBackend>, out: &mut [f32]) {
        let r = manager
            .backend_mut()
            .renderer
            .as_mut()
            .expect("kira started its renderer");
        r.on_start_processing();
        r.process(out, 2);
    }
}

// ---------------------------------------------------------------------------------------------
// rodio: a `mixer::mixer` whose `MixerSource` we pull samples from, no output device.
// ---------------------------------------------------------------------------------------------

mod rodio_peer {
    use super::*;
    use rodio::buffer::SamplesBuffer;
    use rodio::mixer::MixerSource;
    use rodio::source::Spatial;
    use rodio::{Source, SpatialPlayer};

    /// Ears 0.1 m either side of the origin (rodio's spatialiser takes two ear positions).
    const LEFT_EAR: [f32; 3] = [-0.1, 0.0, 0.0];
    const RIGHT_EAR: [f32; 3] = [0.1, 0.0, 0.0];

    pub struct Engine {
        source: MixerSource,
        // Keeps the mixer's input side alive.
        _mixer: rodio::mixer::Mixer,
        players: Vec<SpatialPlayer>,
        w: Workload,
    }

    pub fn setup(w: Workload, n: usize, noise: &[f32]) -> Result<Engine, String> {
        let two = NonZero::new(2u16).unwrap();
        let one = NonZero::new(1u16).unwrap();
        let rate = NonZero::new(RATE).unwrap();
        let (mixer, source) = rodio::mixer::mixer(two, rate);
        // One preloaded looping sound: `repeat_infinite` buffers its input, and clones of the
        // `Repeat` share that buffer, so the noise is held once for all voices.
        let looped = SamplesBuffer::new(one, rate, noise.to_vec()).repeat_infinite();
        let mut players = Vec::new();
        for i in 0..n {
            let (p, _) = common::motion(w, i, n, 0.0);
            let pitch = common::pitch(w, i, n);
            match w {
                // Static workloads: the cheapest graph rodio offers, sources straight into the
                // mixer (no Player, no periodic control callbacks).
                Workload::Plain => mixer.add(looped.clone().amplify(VOLUME)),
                Workload::Game => mixer.add(Spatial::new(
                    looped.clone().speed(pitch).amplify(VOLUME),
                    p,
                    LEFT_EAR,
                    RIGHT_EAR,
                )),
                // Moving voices need handles: one SpatialPlayer per voice, as a game would.
                Workload::Doppler => {
                    let player = SpatialPlayer::connect_new(&mixer, p, LEFT_EAR, RIGHT_EAR);
                    player.set_volume(VOLUME);
                    player.set_speed(pitch);
                    player.append(looped.clone());
                    players.push(player);
                }
            }
        }
        Ok(Engine {
            source,
            _mixer: mixer,
            players,
            w,
        })
    }

    impl Mix for Engine {
        fn update(&mut self, t: f32) {
            let n = self.players.len();
            for (i, player) in self.players.iter().enumerate() {
                let (p, v) = common::motion(self.w, i, n, t);
                player.set_emitter_position(p);
                // rodio has no Doppler: the game computes the ratio and sets the speed.
                player.set_speed(common::pitch(self.w, i, n) * common::doppler_ratio(p, v));
            }
        }

        fn render(&mut self, out: &mut [f32]) {
            for s in out.iter_mut() {
                *s = self.source.next().unwrap_or(0.0);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// oddio: `Mixer` (W0) or `SpatialScene` (W1, W2) run by `oddio::run`.
// ---------------------------------------------------------------------------------------------

mod oddio_peer {
    use super::*;
    use oddio::{
        Cycle, FixedGain, Frames, Mixer, MonoToStereo, Spatial, SpatialOptions, SpatialScene, Speed,
    };

    /// Propagation-delay buffer of `play_buffered`: room for 20 m of delay plus 100 ms.
    const MAX_DISTANCE: f32 = 20.0;
    const BUFFER_SECONDS: f32 = 0.1;

    enum Graph {
        Plain(Mixer<[f32; 2]>),
        Spatial(SpatialScene),
    }

    pub struct Engine {
        graph: Graph,
        // Keeps the control sides alive.
        _mixer_control: Option<oddio::MixerControl<[f32; 2]>>,
        _scene_control: Option<oddio::SpatialSceneControl>,
        handles: Vec<Spatial>,
        _speeds: Vec<oddio::SpeedControl>,
        w: Workload,
    }

    pub fn setup(w: Workload, n: usize, noise: &[f32]) -> Result<Engine, String> {
        let frames = Frames::from_slice(RATE, noise);
        if w == Workload::Plain {
            let (mut control, mixer) = Mixer::<[f32; 2]>::new();
            for _ in 0..n {
                control.play(MonoToStereo::new(FixedGain::new(
                    Cycle::new(frames.clone()),
                    VOLUME_DB,
                )));
            }
            return Ok(Engine {
                graph: Graph::Plain(mixer),
                _mixer_control: Some(control),
                _scene_control: None,
                handles: Vec::new(),
                _speeds: Vec::new(),
                w,
            });
        }
        // Pitch makes the signal non-seekable (Speed is not Seek), so voices go through
        // `play_buffered`: the signal is rendered into a ring and each ear reads it at its
        // propagation delay, which gives oddio's own Doppler (no game-side ratio needed).
        let (mut control, scene) = SpatialScene::new();
        let mut handles = Vec::with_capacity(n);
        let mut speeds = Vec::with_capacity(n);
        for i in 0..n {
            let (p, v) = common::motion(w, i, n, 0.0);
            let (mut speed, signal) =
                Speed::new(FixedGain::new(Cycle::new(frames.clone()), VOLUME_DB));
            speed.set_speed(common::pitch(w, i, n));
            let h = control.play_buffered(
                signal,
                SpatialOptions {
                    position: p.into(),
                    velocity: v.into(),
                    // Inverse attenuation from 1 m: radius / distance.
                    radius: 1.0,
                },
                MAX_DISTANCE,
                RATE,
                BUFFER_SECONDS,
            );
            handles.push(h);
            speeds.push(speed);
        }
        Ok(Engine {
            graph: Graph::Spatial(scene),
            _mixer_control: None,
            _scene_control: Some(control),
            handles,
            _speeds: speeds,
            w,
        })
    }

    impl Mix for Engine {
        fn update(&mut self, t: f32) {
            let n = self.handles.len();
            for (i, h) in self.handles.iter_mut().enumerate() {
                let (p, v) = common::motion(self.w, i, n, t);
                h.set_motion(p.into(), v.into(), false);
            }
        }

        fn render(&mut self, out: &mut [f32]) {
            let frames = oddio::frame_stereo(out);
            match &mut self.graph {
                Graph::Plain(m) => oddio::run(m, RATE, frames),
                Graph::Spatial(s) => oddio::run(s, RATE, frames),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// fyrox-sound: a separate package and process (see fyrox-runner/Cargo.toml for why).
// ---------------------------------------------------------------------------------------------

struct Fyrox {
    dir: PathBuf,
    binary: Option<PathBuf>,
    build_error: Option<String>,
}

impl Fyrox {
    fn new() -> Fyrox {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fyrox-runner");
        Fyrox {
            binary: None,
            build_error: None,
            dir,
        }
    }

    fn build(&mut self) {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let target = self.dir.join("target");
        eprintln!("building fyrox-runner (fyrox-sound) in release ...");
        let t0 = Instant::now();
        let status = Command::new(cargo)
            .args(["build", "--release", "--manifest-path"])
            .arg(self.dir.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(&target)
            .stdout(Stdio::null())
            .status();
        match status {
            Ok(s) if s.success() => {
                eprintln!("  built in {:.0} s", t0.elapsed().as_secs_f64());
                self.binary = Some(target.join("release").join("fyrox-runner"));
            }
            Ok(s) => self.build_error = Some(format!("fyrox-runner did not build ({s})")),
            Err(e) => self.build_error = Some(format!("cannot run cargo: {e}")),
        }
    }

    fn run(&self, cfg: &Config, w: Workload, n: usize) -> Outcome {
        let bin = match (&self.binary, &self.build_error) {
            (Some(b), _) => b,
            (None, Some(e)) => return Err(e.clone()),
            (None, None) => return Err("fyrox-runner not built".into()),
        };
        let mut child = Command::new(bin)
            .args(cfg.to_args(w, n))
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start fyrox-runner: {e}"))?;
        let mut outcome = Err("fyrox-runner printed no result".to_string());
        for line in BufReader::new(child.stdout.take().expect("piped")).lines() {
            let line = line.map_err(|e| e.to_string())?;
            if let Some(log) = line.strip_prefix("LOG\t") {
                eprintln!("{log}");
            } else if let Some(r) = line.strip_prefix("RESULT\t") {
                outcome = Measurement::from_line(r)
                    .ok_or_else(|| format!("unreadable fyrox-runner result: {r}"));
            } else if let Some(e) = line.strip_prefix("ERROR\t") {
                outcome = Err(e.to_string());
            }
        }
        let status = child.wait().map_err(|e| e.to_string())?;
        if !status.success() && outcome.is_ok() {
            outcome = Err(format!("fyrox-runner exited with {status}"));
        }
        outcome
    }
}

// ---------------------------------------------------------------------------------------------

fn run_in_process(engine: &str, w: Workload, n: usize, noise: &[f32], cfg: &Config) -> Outcome {
    let mut log = |s: String| eprintln!("{s}");
    let mut mix: Box<dyn Mix> = match engine {
        "simvx" => {
            Box::new(simvx::setup(w, n, noise).map_err(|e| format!("simvx-audio setup: {e}"))?)
        }
        "kira" => Box::new(kira_peer::setup(w, n, noise).map_err(|e| format!("kira setup: {e}"))?),
        "rodio" => {
            Box::new(rodio_peer::setup(w, n, noise).map_err(|e| format!("rodio setup: {e}"))?)
        }
        "oddio" => {
            Box::new(oddio_peer::setup(w, n, noise).map_err(|e| format!("oddio setup: {e}"))?)
        }
        other => return Err(format!("unknown engine {other}")),
    };
    common::measure(mix.as_mut(), w, n, cfg, &mut log).map_err(|e| format!("{engine}: {e}"))
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let effects = args.first().is_some_and(|a| a == "effects");
    if effects {
        args.remove(0);
    }
    let cfg = match Config::from_args(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    if effects {
        effects::run(cfg.seconds, cfg.runs);
        return;
    }
    let engines: Vec<&str> = ENGINES.into_iter().filter(|e| cfg.wants(e)).collect();
    let started = Instant::now();
    let noise = common::noise();

    // Build the fyrox side first, so no compiler runs while anything is timed.
    let mut fyrox = Fyrox::new();
    if engines.contains(&"fyrox") {
        fyrox.build();
    }

    let mut results: HashMap<(Workload, usize, &str), Outcome> = HashMap::new();
    for &w in &cfg.workloads {
        for &n in &cfg.ns {
            for &engine in &engines {
                eprintln!(
                    "[{:>6.0} s] {engine} {} N={n}",
                    started.elapsed().as_secs_f64(),
                    w.label()
                );
                let outcome = if engine == "fyrox" {
                    fyrox.run(&cfg, w, n)
                } else {
                    run_in_process(engine, w, n, &noise, &cfg)
                };
                match &outcome {
                    Ok(m) => eprintln!(
                        "    -> {:.0} voice-s/cpu-s (check rms {:.4}, L {:.4}, R {:.4}; best cpu {:.3} s, wall {:.3} s)",
                        m.vps, m.level.rms, m.level.rms_left, m.level.rms_right, m.cpu, m.wall
                    ),
                    Err(e) => eprintln!("    -> no result: {e}"),
                }
                results.insert((w, n, engine), outcome);
            }
        }
    }
    print_table(&cfg, &engines, &results);
    eprintln!("total {:.0} s", started.elapsed().as_secs_f64());
}

fn print_table(
    cfg: &Config,
    engines: &[&str],
    results: &HashMap<(Workload, usize, &str), Outcome>,
) {
    let mut notes: Vec<String> = Vec::new();
    let mut note = |e: &str| -> usize {
        match notes.iter().position(|x| x == e) {
            Some(i) => i + 1,
            None => {
                notes.push(e.to_string());
                notes.len()
            }
        }
    };
    let mut out = String::new();
    out.push_str(&format!(
        "\nvoice-seconds mixed per CPU-second (process CPU time, best of {} run{} of {} s of output; higher is better)\n\n",
        cfg.runs,
        if cfg.runs == 1 { "" } else { "s" },
        cfg.seconds
    ));
    out.push_str(&format!("{:<11} {:>5}", "workload", "N"));
    for e in engines {
        out.push_str(&format!(" {:>10}", e));
    }
    let ratio = engines.contains(&"simvx") && engines.len() > 1;
    if ratio {
        out.push_str(&format!(" {:>16}", "simvx/best-peer"));
    }
    out.push('\n');
    for &w in &cfg.workloads {
        for &n in &cfg.ns {
            out.push_str(&format!("{:<11} {:>5}", w.label(), n));
            let mut best_peer: Option<(f64, &str)> = None;
            for &e in engines {
                let cell = match results.get(&(w, n, e)) {
                    Some(Ok(m)) => {
                        if e != "simvx" && best_peer.is_none_or(|(v, _)| m.vps > v) {
                            best_peer = Some((m.vps, e));
                        }
                        format!("{:.0}", m.vps)
                    }
                    Some(Err(err)) => format!("n/a[{}]", note(err)),
                    None => "-".into(),
                };
                out.push_str(&format!(" {cell:>10}"));
            }
            if ratio {
                let cell = match (results.get(&(w, n, "simvx")), best_peer) {
                    (Some(Ok(s)), Some((p, name))) => format!("{:.2} ({name})", s.vps / p),
                    _ => "-".into(),
                };
                out.push_str(&format!(" {cell:>16}"));
            }
            out.push('\n');
        }
    }
    let ratios: Vec<f64> = results
        .values()
        .filter_map(|r| r.as_ref().ok())
        .map(|m| m.wall / m.cpu)
        .collect();
    if !ratios.is_empty() {
        let lo = ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = ratios.iter().copied().fold(0.0, f64::max);
        out.push_str(&format!(
            "\nwall/CPU time of the best runs: {lo:.3} to {hi:.3} (1 = the render had a core to itself)\n"
        ));
    }
    if !notes.is_empty() {
        out.push('\n');
        for (i, n) in notes.iter().enumerate() {
            out.push_str(&format!("[{}] {}\n", i + 1, n));
        }
    }
    out.push_str(
        "\nfyrox-sound renders at its fixed 44.1 kHz (10 ms = 441 frames); every other engine at 48 kHz.\n\
         W2: kira, rodio and fyrox have no Doppler, the bench computes the ratio per block and sets the rate;\n\
         simvx and oddio do their own. Per-peer caveats: README.md.\n",
    );
    print!("{out}");
    std::io::stdout().flush().ok();
}
