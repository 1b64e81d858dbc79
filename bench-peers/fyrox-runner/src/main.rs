//! fyrox-sound's side of bench-peers: one workload at one N per invocation, the result on
//! stdout as `RESULT\t…` (or `ERROR\t…`), progress as `LOG\t…`. Run by bench-peers; it can be
//! run by hand too: `cargo run --release -- --workloads w1 --n 256`.

#[path = "../../src/common.rs"]
mod common;

use common::{Config, Mix, RATE, VOLUME, Workload};
use fyrox_sound::algebra::Vector3;
use fyrox_sound::buffer::{DataSource, SoundBufferResource, SoundBufferResourceExtension};
use fyrox_sound::context::{DistanceModel, SoundContext};
use fyrox_sound::engine::SoundEngine;
use fyrox_sound::pool::Handle;
use fyrox_sound::source::{SoundSource, SoundSourceBuilder, Status};

struct Engine {
    engine: SoundEngine,
    context: SoundContext,
    voices: Vec<Handle<SoundSource>>,
    buf: Vec<(f32, f32)>,
    w: Workload,
}

fn v3(p: [f32; 3]) -> Vector3<f32> {
    Vector3::new(p[0], p[1], p[2])
}

fn setup(w: Workload, n: usize) -> Result<Engine, String> {
    // Headless: no output device; we call State::render ourselves.
    let engine = SoundEngine::without_device();
    let context = SoundContext::new();
    engine.state().add_context(context.clone());
    let buffer = SoundBufferResource::new_generic(DataSource::Raw {
        sample_rate: RATE as usize,
        channel_count: 1,
        samples: common::noise(),
    })
    .map_err(|e| format!("sound buffer: {e:?}"))?;
    let mut voices = Vec::with_capacity(n);
    {
        let mut state = context.state();
        state.set_distance_model(DistanceModel::InverseDistance);
        // Facing −Z with +Y up, as every engine here (fyrox's default basis faces +Z).
        state
            .listener_mut()
            .set_orientation_rh(Vector3::new(0.0, 0.0, -1.0), Vector3::new(0.0, 1.0, 0.0));
        for i in 0..n {
            let (p, _) = common::motion(w, i, n, 0.0);
            let source = SoundSourceBuilder::new()
                .with_buffer(buffer.clone())
                .with_status(Status::Playing)
                .with_looping(true)
                .with_gain(VOLUME)
                .with_pitch(f64::from(common::pitch(w, i, n)))
                // W0: 2D only (no distance gain, centre pan); W1/W2: fully spatial, inverse
                // distance from a radius of 1 m.
                .with_spatial_blend_factor(if w == Workload::Plain { 0.0 } else { 1.0 })
                .with_position(v3(p))
                .with_radius(1.0)
                .with_rolloff_factor(1.0)
                .build()
                .map_err(|e| format!("source: {e:?}"))?;
            voices.push(state.add_source(source));
        }
    }
    Ok(Engine {
        engine,
        context,
        voices,
        buf: Vec::new(),
        w,
    })
}

impl Mix for Engine {
    fn rate(&self) -> u32 {
        fyrox_sound::context::SAMPLE_RATE
    }

    fn update(&mut self, t: f32) {
        let n = self.voices.len();
        let mut state = self.context.state();
        for (i, &h) in self.voices.iter().enumerate() {
            let (p, v) = common::motion(self.w, i, n, t);
            let source = state.source_mut(h);
            source.set_position(v3(p));
            // fyrox-sound has no Doppler: the game computes the ratio and sets the pitch.
            source.set_pitch(f64::from(
                common::pitch(self.w, i, n) * common::doppler_ratio(p, v),
            ));
        }
    }

    fn render(&mut self, out: &mut [f32]) {
        self.buf.resize(out.len() / 2, (0.0, 0.0));
        self.engine.state().render(&mut self.buf);
        for (o, &(l, r)) in out.chunks_exact_mut(2).zip(&self.buf) {
            o[0] = l;
            o[1] = r;
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cfg = match Config::from_args(&args) {
        Ok(c) => c,
        Err(e) => {
            println!("ERROR\t{e}");
            std::process::exit(2);
        }
    };
    for &w in &cfg.workloads {
        for &n in &cfg.ns {
            let mut log = |s: String| println!("LOG\t{s}");
            let outcome = setup(w, n)
                .map_err(|e| format!("fyrox-sound setup: {e}"))
                .and_then(|mut e| common::measure(&mut e, w, n, &cfg, &mut log))
                .map_err(|e| format!("fyrox: {e}"));
            match outcome {
                Ok(m) => println!("RESULT\t{}", m.to_line()),
                Err(e) => println!("ERROR\t{e}"),
            }
        }
    }
}
