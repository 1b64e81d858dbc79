//! Tweens of volume, pan and pitch, computed in the renderer along their curves.

use simvx_audio::{
    AudioConfig, Curve, OfflineBackend, PlayParams, Playback, Scheduling, Sound, Tween, Tweening,
};

fn dc() -> Sound {
    Sound::from_pcm_f32(vec![0.5; 4_800], 1, 48_000).unwrap()
}

fn looping() -> PlayParams {
    PlayParams {
        looping: true,
        ..PlayParams::default()
    }
}

fn tween(seconds: f64, curve: Curve) -> Tween {
    Tween {
        seconds,
        curve,
        ..Tween::default()
    }
}

/// Tests a volume tween linear in dB (0 to −12 dB over 0.3 s): every frame's level is
/// `0.5 · 10^(−12 t / 20)` within 1e-5, the same bits at every block size, then it holds.
#[test]
fn a_volume_tween_follows_its_curve() {
    let n = 14_400;
    let mut reference: Option<Vec<f32>> = None;
    for block in [1, 100, 480, 20_000] {
        let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
        let id = b.play_audio(&dc(), &looping()).unwrap();
        b.tween_audio_2d(id, -12.0, 0.0, tween(0.3, Curve::Exponential))
            .unwrap();
        let mut out = Vec::new();
        while out.len() < (n + 4_800) * 2 {
            let k = block.min(n + 4_800 - out.len() / 2);
            out.extend(b.render_frames(k));
        }
        let l: Vec<f32> = out.chunks_exact(2).map(|f| f[0]).collect();
        for (k, s) in l[..n].iter().enumerate() {
            let want = 0.5 * 10f64.powf(-12.0 * k as f64 / n as f64 / 20.0);
            assert!(
                (f64::from(*s) - want).abs() < 1e-5,
                "block {block} frame {k}: {s} vs {want}"
            );
        }
        let held = 0.5 * 10f32.powf(-12.0 / 20.0);
        assert!(l[n..].iter().all(|s| (s - held).abs() < 1e-6));
        match &reference {
            None => reference = Some(out),
            Some(r) => assert!(*r == out, "block {block}"),
        }
    }
}

/// Tests a pan tween: left and right follow the balance law along the curve.
#[test]
fn a_pan_tween_moves_the_balance() {
    let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
    let id = b.play_audio(&dc(), &looping()).unwrap();
    b.tween_audio_2d(id, 0.0, 1.0, tween(0.1, Curve::Linear))
        .unwrap();
    let out = b.render_frames(9_600);
    for k in (0..4_800).step_by(97) {
        let pan = k as f32 / 4_800.0;
        let (l, r) = (out[2 * k], out[2 * k + 1]);
        assert!((l - 0.5 * (1.0 - pan)).abs() < 2e-5, "{k}: {l}");
        assert!((r - 0.5).abs() < 2e-5, "{k}: {r}");
    }
    assert!(
        out[2 * 4_800..]
            .chunks_exact(2)
            .all(|f| f[0] == 0.0 && f[1] == 0.5)
    );
}

/// Tests a pitch tween linear in cents from 1 to 2 over 1 s: the cursor covers
/// `∫ 2^t dt = 1/ln 2` seconds of the sound, within a frame's worth.
#[test]
fn a_pitch_tween_glides_in_cents() {
    let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
    let long = Sound::from_pcm_f32(vec![0.1; 48_000 * 4], 1, 48_000).unwrap();
    let id = b.play_audio(&long, &PlayParams::default()).unwrap();
    b.tween_pitch(id, 2.0, tween(1.0, Curve::Exponential))
        .unwrap();
    b.render_frames(48_000);
    let pos = b.get_playback_position(id);
    let want = 1.0 / std::f64::consts::LN_2;
    assert!((pos - want).abs() < 2.0 / 48_000.0, "{pos} vs {want}");
    b.render_frames(4_800);
    let after = b.get_playback_position(id);
    assert!(
        (after - pos - 0.2).abs() < 2.0 / 48_000.0,
        "then pitch 2: {}",
        after - pos
    );
}

/// Tests that the newest value wins: an untweened update replaces a running tween.
#[test]
fn an_update_replaces_a_tween() {
    let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
    let id = b.play_audio(&dc(), &looping()).unwrap();
    b.tween_audio_2d(id, -40.0, 0.0, tween(1.0, Curve::Linear))
        .unwrap();
    b.render_frames(4_800);
    b.update_audio_2d(id, -6.0206, 0.0).unwrap();
    let out = b.render_frames(9_600);
    assert!(out[2 * 4_800..].iter().all(|s| (s - 0.25).abs() < 1e-5));
}

/// Tests a tween starting at a frame of the timeline, and NaN refused.
#[test]
fn a_tween_starts_at_its_frame_and_nan_is_refused() {
    let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
    let id = b.play_audio(&dc(), &looping()).unwrap();
    let start = b.now_frames() + 1_000;
    b.tween_audio_2d(
        id,
        -80.0,
        0.0,
        Tween {
            seconds: 0.01,
            curve: Curve::Linear,
            start_at: start,
        },
    )
    .unwrap();
    let out = b.render_frames(2_000);
    assert!(
        out[..2 * 1_000].iter().all(|s| *s == 0.5),
        "untouched before its frame"
    );
    assert!(out[2 * 1_001] < 0.5 && out[2 * 1_480..].iter().all(|s| *s == 0.0));
    assert!(
        b.tween_pitch(id, f32::NAN, tween(0.1, Curve::Linear))
            .is_err()
    );
    assert!(
        b.tween_audio_2d(id, 0.0, 0.0, tween(f64::NAN, Curve::Linear))
            .is_err()
    );
}

/// Tests the scene vocabulary: `"tween"` on update_audio_2d, update_audio_3d and set_pitch.
#[test]
fn scenes_tween() {
    let json = r#"{"sample_rate": 48000, "channels": 2, "duration": 1.0,
        "sounds": {"a": {"tone": {"frequency": 440, "amplitude": 0.5, "seconds": 2.0}}},
        "events": [
            {"at": 0.0, "call": "play_audio", "channel": "a", "sound": "a", "loop": true},
            {"at": 0.1, "call": "update_audio_2d", "channel": "a", "volume_db": -20, "pan": 0.5,
             "tween": {"seconds": 0.2, "curve": "exponential"}},
            {"at": 0.4, "call": "set_pitch", "channel": "a", "pitch": 1.5, "tween": {"seconds": 0.1}},
            {"at": 0.6, "call": "update_audio_3d", "channel": "a", "volume_db": 0, "pan": 0, "pitch": 1,
             "tween": {"seconds": 0.3, "curve": "smoothstep"}}
        ]}"#;
    let scene = simvx_audio::Scene::parse(json, "<t>", ".".into()).unwrap();
    let sounds = scene.load_sounds().unwrap();
    let out = simvx_audio::render_scene(&scene, &sounds, 480, |_| {}).unwrap();
    for block in [7, 1_024] {
        assert!(simvx_audio::render_scene(&scene, &sounds, block, |_| {}).unwrap() == out);
    }
    let bad = json.replace(r#""curve": "smoothstep""#, r#""curve": "wobbly""#);
    let e = simvx_audio::Scene::parse(&bad, "<t>", ".".into()).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("tween.curve"), "{e}");
}

/// Tests a bus volume tweened through `sync_bus_layout_tweened`: Music ducked from 0 to
/// −12 dB over 0.3 s, linear in dB, is `0.5 · 10^(−12 t / 20)` within 1e-5 at every frame,
/// the same bits at every block size, starting at its frame; then a plain sync (no tween)
/// replaces it with the short ramp.
#[test]
fn a_bus_volume_tween_follows_its_curve() {
    use simvx_audio::{AudioBusLayout, Buses};
    let n = 14_400;
    let start = 1_000u64;
    let layout = |db: f32| {
        let mut l = AudioBusLayout::default();
        l.set_volume_db("Music", db).unwrap();
        l
    };
    let mut reference: Option<Vec<f32>> = None;
    for block in [1, 100, 480, 20_000] {
        let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
        b.play_audio(
            &dc(),
            &PlayParams {
                bus: "Music".into(),
                ..looping()
            },
        )
        .unwrap();
        let t = Tween {
            start_at: start,
            ..tween(0.3, Curve::Exponential)
        };
        b.sync_bus_layout_tweened(&layout(-12.0), t).unwrap();
        let total = n + 4_800 + start as usize;
        let mut out = Vec::new();
        while out.len() < total * 2 {
            let k = block.min(total - out.len() / 2);
            out.extend(b.render_frames(k));
        }
        let l: Vec<f32> = out.chunks_exact(2).map(|f| f[0]).collect();
        assert!(
            l[..start as usize].iter().all(|&s| s == 0.5),
            "block {block}"
        );
        for (k, s) in l[start as usize..start as usize + n].iter().enumerate() {
            let want = 0.5 * 10f64.powf(-12.0 * k as f64 / n as f64 / 20.0);
            assert!(
                (f64::from(*s) - want).abs() < 1e-5,
                "block {block} frame {k}: {s} vs {want}"
            );
        }
        let held = 0.5 * 10f32.powf(-12.0 / 20.0);
        assert!(
            l[start as usize + n..]
                .iter()
                .all(|s| (s - held).abs() < 1e-6)
        );
        match &reference {
            None => reference = Some(out),
            Some(r) => assert!(*r == out, "block {block}"),
        }
    }
    // A sync without a tween mid-tween: the short ramp to the new level wins.
    let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
    b.play_audio(
        &dc(),
        &PlayParams {
            bus: "Music".into(),
            ..looping()
        },
    )
    .unwrap();
    b.sync_bus_layout_tweened(&layout(-40.0), tween(2.0, Curve::Linear))
        .unwrap();
    b.render_frames(4_800);
    b.sync_bus_layout(&layout(0.0)).unwrap();
    let out = b.render_frames(4_800);
    assert!((out[2 * 4_000] - 0.5).abs() < 1e-6, "{}", out[2 * 4_000]);
}

/// Tests an emitter tween: a voice 1 m in front of the listener moved to 4 m over 0.5 s
/// (inverse-distance attenuation) follows `1 / distance` along the way within 0.5 %, lands on
/// 0.25, and renders the same bits at every block size.
#[test]
fn an_emitter_tween_moves_the_source() {
    use simvx_audio::Emitter;
    // The balance law: unity ahead, so the level is the attenuation alone.
    let at = |d: f32| Emitter {
        position: [0.0, 0.0, -d],
        pan_law: simvx_audio::PanLaw::Balance,
        ..Emitter::default()
    };
    let n = 24_000;
    let mut reference: Option<Vec<f32>> = None;
    for block in [128, 480, 5_000] {
        let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
        let params = PlayParams {
            emitter: Some(at(1.0)),
            ..looping()
        };
        let id = b.play_audio(&dc(), &params).unwrap();
        b.render_frames(480);
        b.tween_emitter(id, &at(4.0), tween(0.5, Curve::Linear))
            .unwrap();
        let mut out = Vec::new();
        while out.len() < 2 * (n + 4_800) {
            let k = block.min(n + 4_800 - out.len() / 2);
            out.extend(b.render_frames(k));
        }
        let l: Vec<f32> = out.chunks_exact(2).map(|f| f[0]).collect();
        for k in (256..n).step_by(1_000) {
            let d = 1.0 + 3.0 * k as f64 / n as f64;
            let want = 0.5 / d;
            let got = f64::from(l[k]);
            assert!(
                (got / want - 1.0).abs() < 0.005,
                "block {block} frame {k}: {got} vs {want}"
            );
        }
        assert!(l[n + 256..].iter().all(|s| (s - 0.125).abs() < 1e-6));
        match &reference {
            None => reference = Some(out),
            Some(r) => assert!(*r == out, "block {block}"),
        }
    }
}
