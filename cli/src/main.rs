//! The `simvx-audio` command: `render`, `play`, `demo`, `info`.

mod monitor;
mod plot;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};
use monitor::Monitor;
use simvx_audio::{
    AudioConfig, AudioError, Backend, Container, HasStreams, PlayParams, Playback, RenderStats,
    Scene, ScenePlayer, Scheduling, Sound, WavFormat, WavStream, make_backend, render_scene,
    render_scene_to, write_wav,
};

/// simvx-audio: render scenes offline, play the demo, show the audio backend.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// The output device to play on, by the id or name `devices` lists (default: the
    /// system's default output).
    #[arg(long, global = true)]
    device: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Render a scene file to WAV, bit-identically on every run and machine.
    Render {
        /// The scene (JSON).
        scene: PathBuf,
        /// The WAV file to write.
        #[arg(short, long)]
        output: PathBuf,
        /// Sample format of the WAV file.
        #[arg(long, value_enum, default_value_t = Format::F32)]
        format: Format,
        /// Frames per render call (any value gives the same output).
        #[arg(long, default_value_t = 480)]
        block: usize,
        /// Fail (exit 1, after writing) on what is otherwise a warning: events after the
        /// scene's end, samples clipped by `--format s16`.
        #[arg(long)]
        strict: bool,
        /// Print every bus's peak and RMS over the render, and the output's EBU R128
        /// integrated loudness.
        #[arg(long)]
        meters: bool,
        /// Also draw the render to this PNG: each channel's waveform envelope, each bus's
        /// level over time and a spectrogram.
        #[arg(long, value_name = "PNG")]
        plot: Option<PathBuf>,
    },
    /// Play a sound file, or a scene (JSON) in real time, through the best backend and wait
    /// for the end.
    Play {
        /// A sound file (wav, ogg, mp3, flac) or a scene (`.json`).
        input: PathBuf,
        /// Loop the sound file (until `--for` runs out, or Ctrl-C).
        #[arg(long = "loop")]
        looping: bool,
        /// Stop after this many seconds.
        #[arg(long = "for", value_name = "SECONDS")]
        limit: Option<f64>,
    },
    /// Play a short built-in scene through the best backend, and write it to a WAV file.
    Demo {
        /// Where to write the offline render of the demo.
        #[arg(short, long, default_value = "demo.wav")]
        output: PathBuf,
    },
    /// Show which backend `make_backend` picks, its device, latency and capabilities.
    Info,
    /// List the output devices (id, name, channels, sample rates); `*` marks the default.
    Devices,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    F32,
    S16,
}

impl From<Format> for WavFormat {
    fn from(f: Format) -> Self {
        match f {
            Format::F32 => WavFormat::F32,
            Format::S16 => WavFormat::S16,
        }
    }
}

/// The demo: a looping low drone on Music, an arpeggio on SFX panned across the field (one
/// note a 44.1 kHz tone), a noise burst, and the drone faded down then stopped.
const DEMO_SCENE: &str = include_str!("../../examples/scenes/demo.json");

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn"))
        .format_timestamp(None)
        .init();
    let cli = Cli::parse();
    let device = cli.device.clone();
    let base = move || AudioConfig {
        device: device.clone(),
        ..AudioConfig::default()
    };
    let result = match cli.command {
        Command::Render {
            scene,
            output,
            format,
            block,
            strict,
            meters,
            plot,
        } => render(
            &scene,
            &output,
            format.into(),
            block,
            strict,
            meters,
            plot.as_deref(),
        ),
        Command::Play {
            input,
            looping,
            limit,
        } => play(&input, looping, limit, base()),
        Command::Demo { output } => demo(&output, base()),
        Command::Info => info(base()),
        Command::Devices => devices(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn print_stats(stats: &RenderStats, sample_rate: u32) {
    println!(
        "frames: {} ({:.3} s at {} Hz)",
        stats.frames,
        stats.frames as f64 / sample_rate as f64,
        sample_rate
    );
    let list = |v: Vec<String>| v.join(" ");
    println!(
        "peak: {}",
        list(stats.peak.iter().map(|p| format!("{p:.6}")).collect())
    );
    println!(
        "rms: {}",
        list(stats.rms.iter().map(|r| format!("{r:.6}")).collect())
    );
    println!("hash: fnv1a64:{:016x}", stats.hash);
}

/// Render `scene` into `output` block by block (memory flat in the scene's length), with a
/// progress bar on a terminal; warn about events after the end and samples clipped by s16
/// (and fail on them with `strict`).
fn render(
    scene: &PathBuf,
    output: &Path,
    format: WavFormat,
    block: usize,
    strict: bool,
    meters: bool,
    plot: Option<&Path>,
) -> Result<(), AudioError> {
    use std::io::IsTerminal;
    let name = scene.display().to_string();
    let scene = Scene::load(scene)?;
    let sounds = scene.load_sounds()?;
    let total = scene.frames();
    let late: Vec<_> = scene.events.iter().filter(|e| e.frame >= total).collect();
    let mut warnings = Vec::new();
    if let Some(first) = late.first() {
        warnings.push(format!(
            "{} event(s) at or after the scene's end ({:.3} s) never apply; the first is event {} at {:.3} s",
            late.len(),
            scene.duration,
            first.index,
            first.frame as f64 / f64::from(scene.sample_rate)
        ));
    }
    let bar = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{elapsed_precise} [{wide_bar}] {percent}% of {msg}, {eta} left",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message(format!("{:.1} s", scene.duration));
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    // Before the file is made: a render too long for a WAV file is refused, not wrapped.
    simvx_audio::wav_fits(total, scene.channels, format)?;
    let mut wav = WavStream::create(output, scene.channels, scene.sample_rate, format)?;
    let mut levels = meters.then(|| Levels::new(scene.channels, scene.sample_rate));
    let mut picture = plot.map(|_| plot::Plot::new(total, scene.channels, scene.sample_rate));
    render_scene_to(
        &scene,
        &sounds,
        block,
        |samples, backend| {
            if let Some(l) = levels.as_mut() {
                l.add(samples, backend);
            }
            if let Some(p) = picture.as_mut() {
                p.add(samples, backend);
            }
            wav.write(samples)
        },
        |done| bar.set_position(done),
    )?;
    bar.finish_and_clear();
    let stats = wav.finish()?;
    println!("wrote {}", output.display());
    print_stats(&stats, scene.sample_rate);
    if let Some(l) = levels {
        l.print();
    }
    if let (Some(p), Some(path)) = (picture, plot) {
        p.save(path, &name)?;
        println!("plotted {}", path.display());
    }
    // On stderr: it varies from run to run, and stdout is the render's (repeatable) record.
    if let Some(mib) = peak_memory_mib() {
        eprintln!("peak memory: {mib:.1} MiB");
    }
    if stats.clipped > 0 {
        warnings.push(format!(
            "{} sample(s) beyond full scale were clipped by --format s16",
            stats.clipped
        ));
    }
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    if strict && !warnings.is_empty() {
        return Err(AudioError::InvalidParameter {
            name: "--strict",
            reason: format!("{} warning(s)", warnings.len()),
        });
    }
    Ok(())
}

/// What `render --meters` gathers: every bus's meter windows, and the output's loudness.
struct Levels {
    /// Per bus: (windows seen, peak, sum of mean squares, windows summed), per channel.
    buses: std::collections::BTreeMap<String, (u32, [f32; 2], [f64; 2], u32)>,
    loudness: Option<ebur128::EbuR128>,
}

impl Levels {
    fn new(channels: u16, rate: u32) -> Self {
        Self {
            buses: Default::default(),
            loudness: ebur128::EbuR128::new(u32::from(channels), rate, ebur128::Mode::I).ok(),
        }
    }

    /// After a block: take the meter windows that completed, and feed the loudness meter.
    fn add(&mut self, samples: &[f32], backend: &simvx_audio::OfflineBackend) {
        if let Some(l) = self.loudness.as_mut() {
            let _ = l.add_frames_f32(samples);
        }
        for name in backend.bus_names() {
            let Ok(r) = backend.meter(&name) else {
                continue;
            };
            let e = self.buses.entry(name).or_insert((0, [0.0; 2], [0.0; 2], 0));
            if r.windows > e.0 {
                e.0 = r.windows;
                for c in 0..2 {
                    e.1[c] = e.1[c].max(r.peak[c]);
                    e.2[c] += f64::from(r.rms[c]) * f64::from(r.rms[c]);
                }
                e.3 += 1;
            }
        }
    }

    fn print(&self) {
        let db = |x: f64| {
            if x > 0.0 {
                format!("{:.2}", 20.0 * x.log10())
            } else {
                "-inf".into()
            }
        };
        for (name, (_, peak, sum, n)) in &self.buses {
            let rms = |c: usize| {
                if *n == 0 {
                    0.0
                } else {
                    (sum[c] / f64::from(*n)).sqrt()
                }
            };
            println!(
                "meter {name}: peak {} {} dBFS, rms {} {} dBFS",
                db(f64::from(peak[0])),
                db(f64::from(peak[1])),
                db(rms(0)),
                db(rms(1))
            );
        }
        match self
            .loudness
            .as_ref()
            .and_then(|l| l.loudness_global().ok())
        {
            Some(lufs) if lufs.is_finite() => {
                println!("loudness: {lufs:.2} LUFS integrated (EBU R128)")
            }
            _ => println!("loudness: below the gate (silence)"),
        }
    }
}

/// This process's peak resident memory, where the system says (Linux: `VmHWM`).
fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn describe(backend: &Backend) {
    let info = backend.info();
    println!("backend: {}", info.kind);
    println!("device: {}", info.device);
    if !info.reason.is_empty() {
        println!("why: {}", info.reason);
    }
    println!(
        "format: {} Hz, {} channels, {}",
        info.sample_rate, info.channels, info.sample_format
    );
    if info.is_converted() {
        println!(
            "device format: {} Hz, {} channels (the device shim converts)",
            info.device_sample_rate, info.device_channels
        );
    }
    match (info.buffer_frames, info.latency_seconds) {
        (Some(frames), Some(latency)) => {
            println!(
                "latency: {:.1} ms (2 periods of {frames} frames)",
                latency * 1000.0
            )
        }
        _ => println!("latency: n/a (no device: nothing is heard)"),
    }

    println!(
        "capabilities: {}",
        backend.list_capabilities().strings().join(", ")
    );
}

/// List the output devices.
fn devices() -> Result<(), AudioError> {
    let list = simvx_audio::output_devices()?;
    if list.is_empty() {
        println!("no output devices listed");
    }
    for d in list {
        let rates: Vec<String> = d
            .sample_rates
            .iter()
            .map(|&(lo, hi)| {
                if lo == hi {
                    format!("{lo}")
                } else {
                    format!("{lo}-{hi}")
                }
            })
            .collect();
        // Runs of counts as ranges: "1-64", not sixty-four numbers.
        let mut channels: Vec<String> = Vec::new();
        let mut k = 0;
        while k < d.channels.len() {
            let start = d.channels[k];
            let mut end = start;
            while k + 1 < d.channels.len() && d.channels[k + 1] == end + 1 {
                k += 1;
                end = d.channels[k];
            }
            channels.push(if end > start {
                format!("{start}-{end}")
            } else {
                format!("{start}")
            });
            k += 1;
        }
        println!(
            "{} {} ({}): channels {}; Hz {}",
            if d.is_default { "*" } else { " " },
            d.id,
            d.name,
            if channels.is_empty() {
                "?".into()
            } else {
                channels.join(", ")
            },
            if rates.is_empty() {
                "?".into()
            } else {
                rates.join(", ")
            },
        );
    }
    Ok(())
}

fn info(config: AudioConfig) -> Result<(), AudioError> {
    let backend = make_backend(&config)?;
    describe(&backend);
    Ok(())
}

/// Play `scene` on `backend` with every voice call (play, stop, pause, resume, open a stream,
/// fades, volume, pan and pitch, tweened or not) at its exact frame: they are all submitted at
/// once, stamped with their frame on the backend's timeline, a quarter of a second ahead of the
/// scene's start. The other calls (listener, buses, feeding) are made as the timeline reaches
/// their frame, so they land within one device period of it. Then wait out the scene.
fn play_live<'s>(
    backend: &mut Backend,
    monitor: &mut Monitor,
    scene: &'s Scene,
    sounds: &'s std::collections::BTreeMap<String, Sound>,
) -> Result<ScenePlayer<'s>, AudioError> {
    println!(
        "playing {} ({:.1} s) through the {} backend...",
        scene.file,
        scene.duration,
        backend.kind()
    );
    let rate = backend.info().sample_rate;
    let origin = backend.now_frames() + u64::from(rate) / 4;
    let mut player = ScenePlayer::new(scene, sounds).starting_at(origin, rate);
    let (ahead, timed): (Vec<_>, Vec<_>) = scene.events.iter().partition(|e| player.schedules(e));
    for event in ahead {
        player.apply(backend, event)?;
    }
    for event in timed {
        wait_for_frame(backend, monitor, player.frame_of(event), rate);
        player.apply(backend, event)?;
    }
    let end = origin + (scene.duration * f64::from(rate)).round() as u64;
    wait_for_frame(backend, monitor, end, rate);
    monitor.clear();
    Ok(player)
}

/// Sleep until the backend's timeline reaches `frame`, showing what happens meanwhile.
fn wait_for_frame(backend: &mut Backend, monitor: &mut Monitor, frame: u64, rate: u32) {
    loop {
        let now = backend.now_frames();
        if now >= frame {
            return;
        }
        let left = Duration::from_secs_f64((frame - now) as f64 / f64::from(rate.max(1)));
        monitor.wait(backend, left.min(Duration::from_millis(2)));
    }
}

/// Play a sound file or a scene; `looping` loops a sound file, `limit` stops after that many
/// seconds. Device events are printed as they happen, and a status line drawn on a terminal.
fn play(
    input: &Path,
    looping: bool,
    limit: Option<f64>,
    base: AudioConfig,
) -> Result<(), AudioError> {
    if let Some(s) = limit.filter(|s| !(s.is_finite() && *s >= 0.0)) {
        return Err(AudioError::InvalidParameter {
            name: "--for",
            reason: format!("{s} is not a number of seconds"),
        });
    }
    let scene = input
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        .then(|| Scene::load(input))
        .transpose()?;
    // A scene's pool and real-voice limit are the backend's.
    let config = match &scene {
        Some(s) => AudioConfig {
            voices: s.voices,
            real_voices: s.real_voices,
            ..base
        },
        None => base,
    };
    let mut backend = make_backend(&config)?;
    describe(&backend);
    let mut monitor = Monitor::new();
    // The null backend follows the wall clock, so channels end exactly as on a device.
    if let Some(mut null) = backend.as_null() {
        null.use_wall_clock();
    }
    let started = Instant::now();
    let until = limit.map(|s| started + Duration::from_secs_f64(s));
    if let Some(scene) = scene {
        let sounds = scene.load_sounds()?;
        play_live(&mut backend, &mut monitor, &scene, &sounds)?;
    } else {
        let (id, margin) = if let Some(streams) = backend.streams().filter(|_| streamable(input)) {
            // Compressed files stream from disk on a decoder thread: memory stays bounded
            // whatever the file's length.
            println!("streaming {} ...", input.display());
            let id = streams.open_stream(0.0, "Master", 1.0, looping, Some(input), 0.0)?;
            (id, None)
        } else {
            let sound = Sound::from_file(input)?;
            println!(
                "playing {} ({:.2} s, {} Hz, {} channels{}) through the {} backend...",
                input.display(),
                sound.duration(),
                sound.rate(),
                sound.channel_count(),
                if looping { ", looping" } else { "" },
                backend.kind()
            );
            let params = PlayParams {
                looping,
                ..PlayParams::default()
            };
            let id = backend.play_audio(&sound, &params)?;
            // The end, with a margin for the device's buffer.
            (
                id,
                Some(started + Duration::from_secs_f64(sound.duration() + 2.0)),
            )
        };
        let _ = std::io::Write::flush(&mut std::io::stdout());
        while backend.is_channel_active(id) {
            let now = Instant::now();
            if until.is_some_and(|t| now >= t) || (!looping && margin.is_some_and(|t| now >= t)) {
                break;
            }
            monitor.wait(&mut backend, Duration::from_millis(20));
        }
        monitor.clear();
        if let Some((_, e)) = backend
            .streams()
            .and_then(|s| s.take_stream_errors().into_iter().next())
        {
            return Err(e);
        }
    }
    // The last events (a loss in the final block, say) are printed too.
    monitor.tick(&mut backend);
    monitor.clear();
    backend.shutdown();
    println!("done");
    Ok(())
}

/// Whether `path` is a container the backend decodes itself (ogg, mp3, flac).
fn streamable(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 12];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    matches!(
        Container::detect(&head[..n]),
        Container::Ogg | Container::Mp3 | Container::Flac
    )
}

fn demo(output: &Path, config: AudioConfig) -> Result<(), AudioError> {
    let mut backend = make_backend(&config)?;
    describe(&backend);
    let scene = Scene::parse(DEMO_SCENE, "the demo", PathBuf::from("."))?;
    let sounds = scene.load_sounds()?;
    if let Some(mut null) = backend.as_null() {
        null.use_wall_clock();
    }
    let mut monitor = Monitor::new();
    let player = play_live(&mut backend, &mut monitor, &scene, &sounds)?;
    let mut active: Vec<&str> = ["drone", "n1", "n2", "n3", "n4", "hit"]
        .into_iter()
        .filter(|name| {
            player
                .channel(name)
                .is_some_and(|id| backend.is_channel_active(id))
        })
        .collect();
    if active.is_empty() {
        active.push("none");
    }
    println!("channels still active at the end: {}", active.join(", "));
    backend.shutdown();

    let samples = render_scene(&scene, &sounds, 480, |_| {})?;
    let stats = write_wav(
        output,
        &samples,
        scene.channels,
        scene.sample_rate,
        WavFormat::F32,
    )?;
    println!("wrote {}", output.display());
    print_stats(&stats, scene.sample_rate);
    Ok(())
}
