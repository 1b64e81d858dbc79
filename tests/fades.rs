//! Fades computed in the renderer (SIMVX-ORIGINAL §10.4's player fades, sample accurate):
//! each frame's level is on its curve, whatever the block size, on every backend.

use simvx_audio::{
    AudioConfig, Curve, Fading, NullBackend, OfflineBackend, PlayParams, Playback, Sound,
};

/// A constant 0.5 (mono, 48 kHz, looping): the output is 0.5 × the level, frame by frame.
fn dc() -> Sound {
    Sound::from_pcm_f32(vec![0.5; 4_800], 1, 48_000).unwrap()
}

fn looping() -> PlayParams {
    PlayParams {
        looping: true,
        ..PlayParams::default()
    }
}

fn left(out: &[f32]) -> Vec<f32> {
    out.chunks_exact(2).map(|f| f[0]).collect()
}

fn render_in_blocks(b: &mut OfflineBackend, frames: usize, block: usize) -> Vec<f32> {
    let mut out = Vec::new();
    while out.len() < frames * 2 {
        let n = block.min(frames - out.len() / 2);
        out.extend(b.render_frames(n));
    }
    out
}

/// Tests the must-show: a 0.5 s `equal_power` fade out follows `cos(tπ/2)` sample by sample
/// (within 2e-6 of full scale), then the channel ends; the same bits at every block size.
#[test]
fn an_equal_power_fade_out_follows_its_formula() {
    let n = 24_000;
    let mut reference = None;
    for block in [1, 37, 480, 1024, 30_000] {
        let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
        let id = b.play_audio(&dc(), &looping()).unwrap();
        b.fade_out(id, 0.5, Curve::EqualPower).unwrap();
        let out = render_in_blocks(&mut b, n + 1_000, block);
        let l = left(&out);
        let worst = (0..n)
            .map(|k| {
                let want = 0.5 * (k as f64 / n as f64 * std::f64::consts::FRAC_PI_2).cos();
                (f64::from(l[k]) - want).abs()
            })
            .fold(0.0, f64::max);
        assert!(worst < 2e-6, "block {block}: {worst}");
        assert!(l[n..].iter().all(|s| *s == 0.0), "silent after the fade");
        assert!(!b.is_channel_active(id), "fade_out stops the channel");
        match &reference {
            None => reference = Some(out),
            Some(r) => assert!(*r == out, "block {block} differs"),
        }
    }
}

/// Tests the must-show: an `equal_power` crossfade between two uncorrelated noises keeps
/// their summed power within 0.1 dB in every 0.1 s window: the output's power against that of
/// the two noises rendered alone, each weighted by the curve's gain at every sample.
#[test]
fn an_equal_power_crossfade_keeps_the_power() {
    let a = Sound::noise(0.5, 4.0, 1, 48_000).unwrap();
    let c = Sound::noise(0.5, 4.0, 2, 48_000).unwrap();
    let n = 96_000; // a 2 s crossfade
    let alone = |sound: &Sound| {
        let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
        b.play_audio(sound, &PlayParams::default()).unwrap();
        left(&b.render_frames(n))
    };
    let (xa, xc) = (alone(&a), alone(&c));
    let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
    let ia = b.play_audio(&a, &PlayParams::default()).unwrap();
    let ic = b.play_audio(&c, &PlayParams::default()).unwrap();
    b.crossfade(ia, ic, 2.0, Curve::EqualPower).unwrap();
    let out = left(&b.render_frames(n));
    let (mut worst, mut exact) = (0.0f64, 0.0f64);
    for w in (0..n).step_by(4_800) {
        let (mut got, mut powers, mut mixture) = (0.0f64, 0.0f64, 0.0f64);
        for k in w..w + 4_800 {
            let q = k as f64 / n as f64 * std::f64::consts::FRAC_PI_2;
            let (ga, gc) = (q.cos() * f64::from(xa[k]), q.sin() * f64::from(xc[k]));
            got += f64::from(out[k]).powi(2);
            powers += ga * ga + gc * gc;
            mixture += (ga + gc).powi(2);
        }
        worst = worst.max((10.0 * (got / powers).log10()).abs());
        exact = exact.max((10.0 * (got / mixture).log10()).abs());
    }
    // The summed power of the two, within 0.1 dB in every window (what is left is the
    // noises' own correlation over 0.1 s)...
    assert!(worst < 0.1, "summed power moved {worst:.3} dB");
    // ...because the output is the equal-power mixture itself, to float precision.
    assert!(exact < 1e-3, "{exact} dB from the ideal mixture");
    b.render_frames(480);
    assert!(!b.is_channel_active(ia) && b.is_channel_active(ic));
    println!(
        "crossfade: summed power within {worst:.3} dB in every 0.1 s window; \
         {exact:.1e} dB from the ideal equal-power mixture"
    );
}

/// Tests fade_in from silence (its first frame is silent, then linear), and fade_to holding
/// its level; a pause holds a running fade.
#[test]
fn fade_in_fade_to_and_pause() {
    let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
    let id = b.play_audio(&dc(), &looping()).unwrap();
    b.fade_in(id, 0.1, Curve::Linear).unwrap();
    let l = left(&b.render_frames(4_800));
    assert_eq!(l[0], 0.0);
    for (k, s) in l.iter().enumerate() {
        assert!(
            (f64::from(*s) - 0.5 * k as f64 / 4_800.0).abs() < 2e-6,
            "{k}: {s}"
        );
    }
    b.fade_to(id, 0.5, 0.1, Curve::SmoothStep).unwrap();
    b.render_frames(2_400);
    b.pause_audio(id).unwrap();
    b.render_frames(9_600);
    b.resume_audio(id).unwrap();
    let l = left(&b.render_frames(14_400));
    // Resumed mid-fade, it goes on to 0.5 and holds there.
    assert!(l[100..2_000].iter().all(|s| *s > 0.25 && *s < 0.5));
    assert!(
        l[4_800..].iter().all(|s| (s - 0.25).abs() < 1e-6),
        "held at 0.5"
    );
    assert!(b.is_channel_active(id));
}

/// Tests the null backend: a fade out then stop ends the channel when the fade lands, on the
/// clock.
#[test]
fn null_ends_a_faded_channel_on_time() {
    let mut b = NullBackend::new(&AudioConfig::default()).unwrap();
    let id = b.play_audio(&dc(), &looping()).unwrap();
    b.fade_out(id, 0.5, Curve::Exponential).unwrap();
    b.clock().advance(0.49);
    assert!(b.is_channel_active(id));
    b.clock().advance(0.02);
    assert!(!b.is_channel_active(id));
}

/// Tests bad input: NaN is refused and changes nothing; a crossfade into itself is refused.
#[test]
fn bad_fades_are_refused() {
    let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
    let id = b.play_audio(&dc(), &looping()).unwrap();
    assert!(b.fade_out(id, f64::NAN, Curve::Linear).is_err());
    assert!(b.fade_to(id, f32::NAN, 0.1, Curve::Linear).is_err());
    assert!(b.crossfade(id, id, 0.1, Curve::Linear).is_err());
    let l = left(&b.render_frames(480));
    assert!(l.iter().all(|s| *s == 0.5));
}

/// Tests the scene vocabulary: `fade_in`, `fade_out`, `fade_to` and `crossfade` with the
/// original's curve names and defaults, applied at their frames (the same bits at any block
/// size), and the errors naming the field.
#[test]
fn scenes_fade() {
    let json = r#"{"sample_rate": 48000, "channels": 2, "duration": 2.0,
        "sounds": {"a": {"noise": {"amplitude": 0.5, "seconds": 3.0, "seed": 1}},
                   "b": {"noise": {"amplitude": 0.5, "seconds": 3.0, "seed": 2}}},
        "events": [
            {"at": 0.0, "call": "play_audio", "channel": "a", "sound": "a"},
            {"at": 0.0, "call": "fade_in", "channel": "a", "seconds": 0.25},
            {"at": 0.5, "call": "fade_to", "channel": "a", "gain": 0.5, "seconds": 0.1, "curve": "smoothstep"},
            {"at": 1.0, "call": "play_audio", "channel": "b", "sound": "b"},
            {"at": 1.0, "call": "crossfade", "channel": "a", "to": "b", "seconds": 0.5},
            {"at": 1.75, "call": "fade_out", "channel": "b", "seconds": 0.2, "curve": "exponential"}
        ]}"#;
    let scene = simvx_audio::Scene::parse(json, "<t>", ".".into()).unwrap();
    let sounds = scene.load_sounds().unwrap();
    let out = simvx_audio::render_scene(&scene, &sounds, 480, |_| {}).unwrap();
    assert_eq!(out[0], 0.0, "fade_in starts from silence");
    let peak = |from: usize, to: usize| {
        out[from * 2..to * 2]
            .iter()
            .fold(0.0f32, |m, s| m.max(s.abs()))
    };
    assert!(peak(0, 1_200) < 0.1, "quiet at the start of the fade in");
    assert!(peak(36_000, 48_000) < 0.26, "held at 0.5");
    assert!(peak(95_000, 96_000) == 0.0, "faded out by 2 s");
    for block in [1, 333, 4_096] {
        assert!(simvx_audio::render_scene(&scene, &sounds, block, |_| {}).unwrap() == out);
    }
    for (bad, field) in [
        (r#""curve": "cubic""#, "curve"),
        (r#""seconds": -1"#, "seconds"),
        (r#""gain": 2.0"#, "gain"),
    ] {
        let call = if field == "gain" {
            "fade_to"
        } else {
            "fade_out"
        };
        let extra = if field == "seconds" {
            ""
        } else {
            r#", "seconds": 0.1"#
        };
        let gain = if field == "gain" {
            ""
        } else if call == "fade_to" {
            r#", "gain": 0.5"#
        } else {
            ""
        };
        let json = format!(
            r#"{{"duration": 1.0, "sounds": {{"a": {{"noise": {{"amplitude": 0.5, "seconds": 1.0, "seed": 1}}}}}},
                "events": [{{"at": 0.0, "call": "play_audio", "channel": "a", "sound": "a"}},
                           {{"at": 0.1, "call": "{call}", "channel": "a", {bad}{extra}{gain}}}]}}"#
        );
        let e = simvx_audio::Scene::parse(&json, "<t>", ".".into()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some(field), "{e}");
    }
}
