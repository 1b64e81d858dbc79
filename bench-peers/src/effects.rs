//! `bench-peers effects`: the cost of a bus running a low-pass, a reverb and a compressor, in
//! simvx-audio and in kira (the one peer with all three), per 480-frame block.
//!
//! Both engines mix the same 16 looping noise voices into one bus (kira: a sub-track) carrying
//! the three effects set alike: a 1 kHz low-pass (simvx Q 0.707; kira's state-variable filter
//! at its default resonance), a Freeverb reverb (room 0.5 / feedback 0.5 in kira's terms,
//! damping 0.5), and a compressor at −24 dB, 4:1, 5 ms attack, 100 ms release. The same voices
//! on a bus with no effects give each engine's baseline; the effects' cost is the difference.
//! CPU time is the process's (`CLOCK_PROCESS_CPUTIME_ID`), the best of the runs.

use crate::common::{self, BLOCK, RATE, VOLUME_DB};

const VOICES: usize = 16;

/// One engine's block renderer.
trait Blocks {
    fn block(&mut self, out: &mut [f32]);
}

struct Simvx(simvx_audio::OfflineBackend);

impl Blocks for Simvx {
    fn block(&mut self, out: &mut [f32]) {
        self.0.render(out);
    }
}

fn simvx(effects: bool, noise: &[f32]) -> Result<Simvx, String> {
    use simvx_audio::{
        AudioBusLayout, AudioConfig, Buses, CompressorParams, Effect, EffectParams, FilterParams,
        OfflineBackend, PlayParams, Playback, ReverbParams, Sound,
    };
    let mut b = OfflineBackend::new(&AudioConfig::default()).map_err(|e| e.to_string())?;
    if effects {
        let mut layout = AudioBusLayout::default();
        for params in [
            EffectParams::LowPass(FilterParams {
                cutoff_hz: 1_000.0,
                q: 0.707,
            }),
            EffectParams::Reverb(ReverbParams::default()),
            EffectParams::Compressor(CompressorParams {
                threshold_db: -24.0,
                ratio: 4.0,
                attack: 0.005,
                release: 0.1,
                knee_db: 0.0,
                makeup_db: 0.0,
            }),
        ] {
            layout
                .add_effect("SFX", Effect::new(params))
                .map_err(|e| e.to_string())?;
        }
        b.sync_bus_layout(&layout).map_err(|e| e.to_string())?;
    }
    let sound = Sound::from_pcm_f32(noise.to_vec(), 1, RATE).map_err(|e| e.to_string())?;
    for _ in 0..VOICES {
        let p = PlayParams {
            bus: "SFX".into(),
            looping: true,
            volume_db: VOLUME_DB,
            ..PlayParams::default()
        };
        b.play_audio(&sound, &p).map_err(|e| e.to_string())?;
    }
    Ok(Simvx(b))
}

struct Kira {
    manager: kira::AudioManager<crate::kira_peer::ManualBackend>,
    _track: kira::track::TrackHandle,
}

impl Blocks for Kira {
    fn block(&mut self, out: &mut [f32]) {
        crate::kira_peer::pull(&mut self.manager, out);
    }
}

fn kira(effects: bool, noise: &[f32]) -> Result<Kira, String> {
    use kira::effect::compressor::CompressorBuilder;
    use kira::effect::filter::{FilterBuilder, FilterMode};
    use kira::effect::reverb::ReverbBuilder;
    use kira::track::TrackBuilder;
    use kira::{AudioManager, AudioManagerSettings};
    let mut manager = AudioManager::<crate::kira_peer::ManualBackend>::new(AudioManagerSettings {
        internal_buffer_size: 128,
        ..AudioManagerSettings::default()
    })
    .map_err(|e| e.to_string())?;
    let mut builder = TrackBuilder::new().sound_capacity(VOICES + 1);
    if effects {
        builder = builder
            .with_effect(
                FilterBuilder::new()
                    .mode(FilterMode::LowPass)
                    .cutoff(1_000.0),
            )
            .with_effect(ReverbBuilder::new().feedback(0.5).damping(0.5))
            .with_effect(
                CompressorBuilder::new()
                    .threshold(-24.0)
                    .ratio(4.0)
                    .attack_duration(std::time::Duration::from_millis(5))
                    .release_duration(std::time::Duration::from_millis(100)),
            );
    }
    let mut track = manager.add_sub_track(builder).map_err(|e| e.to_string())?;
    let data = crate::kira_peer::looping_noise(noise);
    for _ in 0..VOICES {
        track.play(data.clone()).map_err(|e| e.to_string())?;
    }
    Ok(Kira {
        manager,
        _track: track,
    })
}

/// The best CPU seconds per block over `runs` runs of `seconds` of audio, after a second of
/// warm-up checked to be audible and finite.
fn time(
    make: &dyn Fn() -> Result<Box<dyn Blocks>, String>,
    seconds: f64,
    runs: usize,
) -> Result<f64, String> {
    let blocks = (seconds * f64::from(RATE) / BLOCK as f64).ceil() as usize;
    let mut out = vec![0.0f32; 2 * BLOCK];
    let mut best = f64::INFINITY;
    for _ in 0..runs {
        let mut engine = make()?;
        let mut warm = Vec::new();
        for _ in 0..100 {
            engine.block(&mut out);
            warm.extend_from_slice(&out);
        }
        let level = common::Level::of(&warm[warm.len() / 2..]);
        if !(level.rms > 1e-3 && warm.iter().all(|s| s.is_finite())) {
            return Err(format!("silent or not finite (rms {})", level.rms));
        }
        let t0 = common::cpu_seconds();
        for _ in 0..blocks {
            engine.block(&mut out);
            std::hint::black_box(&out);
        }
        best = best.min((common::cpu_seconds() - t0) / blocks as f64);
    }
    Ok(best)
}

/// Run the effects comparison and print its table.
pub fn run(seconds: f64, runs: usize) {
    let noise = common::noise();
    let mut rows = Vec::new();
    for (name, with, without) in [
        (
            "simvx-audio",
            Box::new({
                let n = noise.clone();
                move || simvx(true, &n).map(|e| Box::new(e) as Box<dyn Blocks>)
            }) as Box<dyn Fn() -> Result<Box<dyn Blocks>, String>>,
            Box::new({
                let n = noise.clone();
                move || simvx(false, &n).map(|e| Box::new(e) as Box<dyn Blocks>)
            }) as Box<dyn Fn() -> Result<Box<dyn Blocks>, String>>,
        ),
        (
            "kira",
            Box::new({
                let n = noise.clone();
                move || kira(true, &n).map(|e| Box::new(e) as Box<dyn Blocks>)
            }),
            Box::new({
                let n = noise.clone();
                move || kira(false, &n).map(|e| Box::new(e) as Box<dyn Blocks>)
            }),
        ),
    ] {
        eprintln!("effects: {name} ...");
        let total = time(with.as_ref(), seconds, runs);
        let base = time(without.as_ref(), seconds, runs);
        rows.push((name, total, base));
    }
    println!(
        "| engine | block with the 3 effects | block without | the effects' cost | per 10 ms of audio |"
    );
    println!("|---|---|---|---|---|");
    let mut costs = Vec::new();
    for (name, total, base) in &rows {
        match (total, base) {
            (Ok(t), Ok(b)) => {
                let fx = (t - b).max(0.0);
                costs.push((*name, fx));
                println!(
                    "| {name} | {:.1} µs | {:.1} µs | {:.1} µs | {:.2} % of a core |",
                    t * 1e6,
                    b * 1e6,
                    fx * 1e6,
                    fx / 0.01 * 100.0
                );
            }
            (t, b) => println!("| {name} | {t:?} | {b:?} | n/a | n/a |"),
        }
    }
    if let [(_, ours), (_, theirs)] = costs[..] {
        println!(
            "\nkira's effects cost {:.1}× ours",
            theirs / ours.max(1e-12)
        );
    }
}
