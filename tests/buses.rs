//! Bus layouts: the original's layout rules, JSON round trips, and `sync_bus_layout` on a
//! mixing backend (custom buses usable, gains multiply, removal re-homes, mute and solo).

mod common;

use simvx_audio::{
    AudioBusLayout, AudioConfig, AudioError, Buses, EFFECT_TAGS, Effect, EffectParams, EqBand,
    EqParams, OfflineBackend, PlayParams, Playback, Scene, Sound, render_scene,
};

fn dc(level: f32) -> Sound {
    Sound::from_pcm_f32(vec![level; 96_000], 1, 48_000).unwrap()
}

fn on(bus: &str) -> PlayParams {
    PlayParams {
        bus: bus.into(),
        ..Default::default()
    }
}

/// The settled left sample after a change (past every ramp).
fn settled(b: &mut OfflineBackend) -> f32 {
    b.render_frames(1024)[2046]
}

/// Tests the layout rules: defaults, add (duplicates, unknown targets), remove (re-homing,
/// Master protected), cycles refused when made, level clamp, NaN refused.
#[test]
fn layout_rules() {
    let mut l = AudioBusLayout::default();
    assert_eq!(l.bus_names(), ["Master", "Music", "SFX", "Voice", "UI"]);
    assert!(
        l.buses()[1..]
            .iter()
            .all(|b| b.send_to() == "Master" && b.volume_db() == 0.0)
    );
    l.add_bus("Ambience", -6.0, "Music").unwrap();
    l.add_bus("Wind", 3.0, "Ambience").unwrap();
    assert_eq!(
        l.add_bus("Wind", -20.0, "").unwrap().volume_db(),
        3.0,
        "duplicate unchanged"
    );
    assert!(matches!(
        l.add_bus("X", 0.0, "Nope"),
        Err(AudioError::UnknownBus { name, .. }) if name == "Nope"
    ));
    match l.set_send_to("Music", "Wind") {
        Err(AudioError::InvalidLayout(m)) => assert!(m.contains("cycle"), "{m}"),
        other => panic!("expected a cycle error, got {other:?}"),
    }
    assert!(l.set_send_to("Music", "Music").is_err());
    l.set_volume_db("Wind", 99.0).unwrap();
    assert_eq!(l.get_bus("Wind").unwrap().volume_db(), 24.0);
    assert!(matches!(
        l.set_volume_db("Wind", f32::NAN),
        Err(AudioError::InvalidParameter {
            name: "volume_db",
            ..
        })
    ));
    l.remove_bus("Ambience").unwrap();
    assert_eq!(
        l.get_bus("Wind").unwrap().send_to(),
        "Music",
        "re-homed to the removed bus's target"
    );
    l.remove_bus("Music").unwrap();
    assert_eq!(l.get_bus("Wind").unwrap().send_to(), "Master");
    assert!(l.remove_bus("Master").is_err());
    l.remove_bus("not there").unwrap();
    match l.get_bus("Sfx") {
        Err(AudioError::UnknownBus { available, .. }) => {
            assert_eq!(available, ["Master", "SFX", "UI", "Voice", "Wind"])
        }
        other => panic!("{other:?}"),
    }
}

/// Tests that a layout with every effect type round-trips through JSON in the original's
/// dictionary shape.
#[test]
fn layout_round_trips_through_json() {
    let mut l = AudioBusLayout::default();
    l.set_mute("Music", true).unwrap();
    l.set_solo("SFX", true).unwrap();
    l.add_bus("Custom", -3.5, "SFX").unwrap();
    for tag in EFFECT_TAGS {
        let mut e = Effect::default_for(tag).unwrap();
        e.enabled = tag != "delay";
        l.add_effect("Custom", e).unwrap();
    }
    let mut eq = EqParams::empty();
    eq.push(EqBand {
        freq: 250.0,
        gain_db: -3.0,
        ..EqBand::default()
    });
    l.add_effect("UI", Effect::new(EffectParams::ParametricEq(eq)))
        .unwrap();
    let json = serde_json::to_value(&l).unwrap();
    assert_eq!(json[1]["mute"], true);
    assert_eq!(json[5]["name"], "Custom");
    assert_eq!(json[5]["effects"][1]["type"], "lowpass");
    assert_eq!(json[5]["effects"][1]["params"]["q"], 0.707);
    assert_eq!(json[5]["effects"][6]["enabled"], false);
    let back: AudioBusLayout = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, l);
    assert_eq!(serde_json::to_value(&back).unwrap(), json);
}

/// Tests the errors of a bad layout document: they say what and where.
#[test]
fn bad_layout_documents() {
    let err = |text: &str| match AudioBusLayout::from_json(&serde_json::from_str(text).unwrap()) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("accepted {text}"),
    };
    let e = err(r#"[{"name": "Master", "effects": [{"type": "chorus"}]}]"#);
    assert!(
        e.contains("bus 0")
            && e.contains("effects[0]")
            && e.contains("chorus")
            && e.contains("lowpass"),
        "{e}"
    );
    let e =
        err(r#"[{"name": "Master", "effects": [{"type": "lowpass", "params": {"cutof_hz": 1}}]}]"#);
    assert!(e.contains("cutof_hz") && e.contains("cutoff_hz"), "{e}");
    // A send to a bus listed later is routed once every bus exists (the original refused it,
    // so a layout rerouted with set_send_to could not load its own JSON); a send to no bus
    // at all, or a cycle, is still an error.
    let fwd = r#"[{"name": "A", "send_to": "B"}, {"name": "B"}]"#;
    let l = AudioBusLayout::from_json(&serde_json::from_str(fwd).unwrap()).unwrap();
    assert_eq!(l.get_bus("A").unwrap().send_to(), "B");
    let e = err(r#"[{"name": "A", "send_to": "C"}, {"name": "B"}]"#);
    assert!(e.contains("unknown bus \"C\""), "{e}");
    let e = err(r#"[{"name": "A", "send_to": "B"}, {"name": "B", "send_to": "A"}]"#);
    assert!(e.contains("cycle"), "{e}");
    let e = err(r#"[{"name": "A", "volume": 1}]"#);
    assert!(e.contains("volume"), "{e}");
}

/// Tests sync on a mixing backend: custom buses become usable, gains multiply along the
/// route, mute and solo apply, and removing a bus moves its voices to its parent.
#[test]
fn sync_routes_levels_mute_solo_and_removal() {
    let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
    assert!(matches!(
        b.play_audio(&dc(1.0), &on("Wind")),
        Err(AudioError::UnknownBus { .. })
    ));
    let mut l = AudioBusLayout::default();
    l.add_bus("Ambience", -6.0206, "Music").unwrap();
    l.add_bus("Wind", -6.0206, "Ambience").unwrap();
    l.set_volume_db("Music", -6.0206).unwrap();
    b.sync_bus_layout(&l).unwrap();
    b.play_audio(&dc(1.0), &on("Wind")).unwrap();
    let level = settled(&mut b);
    assert!((level - 0.125).abs() < 1e-4, "three −6 dB buses: {level}");

    b.play_audio(&dc(0.5), &on("SFX")).unwrap();
    l.set_mute("Ambience", true).unwrap();
    b.sync_bus_layout(&l).unwrap();
    assert!(
        (settled(&mut b) - 0.5).abs() < 1e-6,
        "muted Ambience silences Wind"
    );
    l.set_mute("Ambience", false).unwrap();
    l.set_solo("Wind", true).unwrap();
    b.sync_bus_layout(&l).unwrap();
    assert!(
        (settled(&mut b) - 0.125).abs() < 1e-4,
        "Wind soloed: SFX gated"
    );
    l.set_solo("Wind", false).unwrap();

    l.remove_bus("Ambience").unwrap();
    b.sync_bus_layout(&l).unwrap();
    let level = settled(&mut b);
    assert!(
        (level - (0.25 + 0.5)).abs() < 1e-4,
        "Wind now sends to Music: {level}"
    );
    l.remove_bus("Wind").unwrap();
    b.sync_bus_layout(&l).unwrap();
    assert!(
        (settled(&mut b) - (0.5 + 0.5)).abs() < 1e-4,
        "Wind's voice moved to Music"
    );
    assert!(matches!(
        b.play_audio(&dc(1.0), &on("Wind")),
        Err(AudioError::UnknownBus { .. })
    ));
    // Idempotent: the same layout again changes nothing.
    let before = b.render_frames(256);
    b.sync_bus_layout(&l).unwrap();
    assert_eq!(b.render_frames(256)[..], before[..]);
}

/// Tests the layout limits: too many effects on a bus, too many buses.
#[test]
fn sync_refuses_what_does_not_fit() {
    let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
    let mut l = AudioBusLayout::default();
    for _ in 0..=simvx_audio::MAX_EFFECTS {
        l.add_effect("SFX", Effect::default_for("gain").unwrap())
            .unwrap();
    }
    assert!(matches!(
        b.sync_bus_layout(&l),
        Err(AudioError::InvalidLayout(_))
    ));
    let mut l = AudioBusLayout::default();
    for i in 0..simvx_audio::MAX_BUSES {
        l.add_bus(&format!("b{i}"), 0.0, "Master").unwrap();
    }
    assert!(matches!(
        b.sync_bus_layout(&l),
        Err(AudioError::InvalidLayout(_))
    ));
}

/// Tests a scene's `buses` and its `sync_bus_layout` calls, and that a bad layout in a scene
/// names the field.
#[test]
fn scenes_carry_layouts() {
    let text = r#"{
        "duration": 0.5, "channels": 2,
        "buses": [{"name": "Master"}, {"name": "Quiet", "volume_db": -6.0206, "send_to": "Master"}],
        "sounds": {"t": {"tone": {"frequency": 1000, "amplitude": 0.5, "seconds": 1, "sample_rate": 48000}}},
        "events": [
            {"at": 0.0, "call": "play_audio", "channel": "a", "sound": "t", "bus": "Quiet"},
            {"at": 0.25, "call": "sync_bus_layout", "layout": [{"name": "Master"}, {"name": "Quiet", "send_to": "Master"}]}
        ]}"#;
    let scene = Scene::parse(text, "<test>", ".".into()).unwrap();
    let sounds = scene.load_sounds().unwrap();
    let out = render_scene(&scene, &sounds, 480, |_| {}).unwrap();
    let (l, _) = common::split_stereo(&out);
    let first = common::rms(&l[..11_000]);
    let second = common::rms(&l[13_000..]);
    assert!((first - 0.1768).abs() < 0.001, "{first}");
    assert!((second - 0.3536).abs() < 0.001, "{second}");

    let bad = text.replace(r#""volume_db": -6.0206"#, r#""volume_db": "loud""#);
    let e = Scene::parse(&bad, "<test>", ".".into())
        .unwrap_err()
        .to_string();
    assert!(e.contains("buses") && e.contains("volume_db"), "{e}");
}

/// Tests that running out of effect memory is a typed error naming the bus, the effect and
/// the setting to raise.
#[test]
fn effect_memory_error_is_typed() {
    let mut b = OfflineBackend::new(&AudioConfig {
        effect_memory_mib: 1,
        ..AudioConfig::default()
    })
    .unwrap();
    let mut layout = AudioBusLayout::default();
    layout
        .add_effect("SFX", Effect::default_for("delay").unwrap())
        .unwrap();
    match b.sync_bus_layout(&layout) {
        Err(e @ AudioError::EffectMemory { .. }) => {
            let text = e.to_string();
            let AudioError::EffectMemory {
                bus,
                effect,
                needed_mib,
                total_mib,
                ..
            } = e
            else {
                unreachable!()
            };
            assert_eq!((bus.as_str(), effect, total_mib), ("SFX", "delay", 1));
            assert!(needed_mib > 1.0, "{needed_mib}");
            assert!(text.contains("effect_memory_mib"), "{text}");
        }
        other => panic!("expected EffectMemory, got {other:?}"),
    }
    // The rest of the layout still works: a reverb fits.
    let mut layout = AudioBusLayout::default();
    layout
        .add_effect("SFX", Effect::default_for("reverb").unwrap())
        .unwrap();
    b.sync_bus_layout(&layout).unwrap();
}

/// Tests issue 14's meters: a 1 kHz sine of amplitude 0.5 on SFX reads peak −6.02 dBFS and
/// RMS −9.03 dBFS on SFX and on the output, a bus at −6 dB reads 6 dB less than what goes
/// into it, an idle bus reads silence, and metering changes no bit of the mix.
#[test]
fn meters_read_peak_and_rms() {
    let render = |meters: bool| {
        let mut b = OfflineBackend::new(&AudioConfig {
            meters,
            ..AudioConfig::default()
        })
        .unwrap();
        let sine = Sound::tone(1_000.0, 0.5, 2.0, 48_000, 1).unwrap();
        b.play_audio(
            &sine,
            &PlayParams {
                bus: "SFX".into(),
                looping: true,
                ..PlayParams::default()
            },
        )
        .unwrap();
        let out = b.render_frames(48_000);
        (b, out)
    };
    let (mut b, metered) = render(true);
    let (_, plain) = render(false);
    assert!(metered == plain, "metering changes nothing in the mix");
    for reading in [b.meter("SFX").unwrap(), b.output_meter()] {
        println!(
            "meter: peak {:.4} dBFS, rms {:.4} dBFS, {} windows",
            reading.peak_db()[0],
            reading.rms_db()[0],
            reading.windows
        );
        assert!(reading.windows >= 19, "{reading:?}");
        for c in 0..2 {
            let (peak, rms) = (reading.peak_db()[c], reading.rms_db()[c]);
            assert!((peak + 6.0206).abs() < 0.01, "peak {peak} dBFS");
            assert!((rms + 9.0309).abs() < 0.01, "rms {rms} dBFS");
        }
    }
    assert_eq!(b.meter("Music").unwrap().peak, [0.0, 0.0]);
    assert!(b.meter("Nope").is_err());
    let mut layout = AudioBusLayout::default();
    layout.set_volume_db("SFX", -6.0).unwrap();
    b.sync_bus_layout(&layout).unwrap();
    b.render_frames(9_600);
    let rms = b.meter("SFX").unwrap().rms_db()[0];
    assert!((rms + 15.0309).abs() < 0.01, "after the bus's level: {rms}");
}

/// Tests the output tap: read every block, it holds exactly what the render wrote (the same
/// bits); a tap too small for what is not read drops frames and counts them instead of
/// waiting; a recorder writes the tap to a WAV file equal to the render.
#[test]
fn the_tap_copies_the_output() {
    let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
    let sine = Sound::tone(440.0, 0.5, 1.0, 48_000, 1).unwrap();
    b.play_audio(
        &sine,
        &PlayParams {
            pan: 0.3,
            looping: true,
            ..PlayParams::default()
        },
    )
    .unwrap();
    b.render_frames(480);
    let tap = b.open_tap(0.1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tap.wav");
    let mut rec = tap.record(&path, simvx_audio::WavFormat::F32).unwrap();
    let mut rendered = Vec::new();
    for _ in 0..50 {
        rendered.extend(b.render_frames(480));
        rec.pump().unwrap();
    }
    let stats = rec.finish().unwrap();
    assert_eq!(stats.frames, 50 * 480);
    let wav: Vec<f32> = hound::WavReader::open(&path)
        .unwrap()
        .samples::<f32>()
        .map(Result::unwrap)
        .collect();
    assert!(wav == rendered, "the tap holds the render, bit for bit");
    assert_eq!(b.tap_dropped(), 0);
    // Not read for 0.2 s: a 0.1 s tap keeps the first 0.1 s and counts the rest as dropped.
    b.render_frames(9_600);
    let mut got = Vec::new();
    assert_eq!(tap.read_into(&mut got), 4_800);
    assert_eq!(b.tap_dropped(), 4_800);
    b.close_tap().unwrap();
    b.render_frames(480);
    assert_eq!(tap.available(), 0, "closed: nothing more comes");
    assert!(b.open_tap(0.0).is_err());
}

/// Tests spectrum bands from the tap: a 1 kHz sine at 0.5 on the output reads −6.02 dBFS
/// (within 0.5 dB) in the band holding 1 kHz, and far less two octaves away.
#[test]
fn spectrum_bands_from_the_tap() {
    let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
    let sine = Sound::tone(1_000.0, 0.5, 1.0, 48_000, 1).unwrap();
    b.play_audio(
        &sine,
        &PlayParams {
            looping: true,
            ..PlayParams::default()
        },
    )
    .unwrap();
    let tap = b.open_tap(1.0).unwrap();
    b.render_frames(9_600);
    let mut got = Vec::new();
    tap.read_into(&mut got);
    let bands = simvx_audio::spectrum(&got, 2, 48_000, 30);
    assert_eq!(bands.len(), 30);
    let at = |hz: f32| {
        bands
            .iter()
            .find(|b| b.low_hz <= hz && hz < b.high_hz)
            .unwrap()
    };
    let one_k = at(1_000.0);
    assert!((one_k.db + 6.02).abs() < 0.5, "{one_k:?}");
    assert!(at(250.0).db < one_k.db - 40.0, "{:?}", at(250.0));
    assert!(at(4_000.0).db < one_k.db - 40.0, "{:?}", at(4_000.0));
}

/// Tests a bus tap and the loudness read from it: with a −23 dBFS 1 kHz sine on SFX (EBU Tech
/// 3341's first case) and a 200 Hz tone on Music, the SFX tap holds SFX alone, after its level
/// (no 200 Hz; peak 0.0708), its loudness reads −23.0 LUFS momentary and integrated (within
/// 0.1 LU), −29.0 with SFX at −6 dB, and the output tap reads the sum; a bus tap changes no
/// bit of the mix.
#[test]
fn a_bus_tap_gives_the_bus_loudness() {
    let run = |tap_bus: bool| {
        let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
        let sine = Sound::tone(1_000.0, 0.070_794_6, 1.0, 48_000, 1).unwrap();
        let low = Sound::tone(200.0, 0.2, 1.0, 48_000, 1).unwrap();
        for (sound, bus) in [(&sine, "SFX"), (&low, "Music")] {
            let params = PlayParams {
                bus: bus.into(),
                looping: true,
                ..PlayParams::default()
            };
            b.play_audio(sound, &params).unwrap();
        }
        let tap = tap_bus.then(|| b.open_bus_tap("SFX", 1.0).unwrap());
        (b, tap)
    };
    let (mut plain, _) = run(false);
    let (mut b, tap) = run(true);
    let mut loudness = simvx_audio::Loudness::new(tap.unwrap()).unwrap();
    let mut first = Vec::new();
    for block in 0..400 {
        let out = b.render_frames(2_400);
        assert!(
            out == plain.render_frames(2_400),
            "block {block}: the mix changed"
        );
        if block == 0 {
            loudness.tap().read_into(&mut first);
        } else {
            loudness.update();
        }
    }
    assert_eq!(b.tap_dropped(), 0);
    let (left, _) = common::split_stereo(&first);
    let peak = common::peak(&left);
    let low = common::magnitude_at(&left, 200.0, 48_000.0);
    assert!(
        (peak - 0.070_794_6).abs() < 1e-4 && low < 1e-5,
        "peak {peak}, 200 Hz {low}"
    );
    let (m, i) = (loudness.momentary(), loudness.integrated());
    println!("SFX tap: momentary {m:.3} LUFS, integrated {i:.3} LUFS (EBU 3341 case 1: -23.0)");
    assert!((m + 23.0).abs() < 0.1 && (i + 23.0).abs() < 0.1, "{m} {i}");

    let mut layout = AudioBusLayout::default();
    layout.set_volume_db("SFX", -6.0).unwrap();
    b.sync_bus_layout(&layout).unwrap();
    b.render_frames(4_800);
    loudness.reset();
    for _ in 0..50 {
        b.render_frames(4_800);
        loudness.update();
    }
    let i = loudness.integrated();
    println!("SFX at -6 dB: integrated {i:.3} LUFS");
    assert!((i + 29.0).abs() < 0.1, "{i}");

    // The output tap replaces the bus tap, and reads both buses.
    let mut out = simvx_audio::Loudness::new(b.open_tap(1.0).unwrap()).unwrap();
    for _ in 0..50 {
        b.render_frames(4_800);
        out.update();
    }
    assert!(out.integrated() > i + 3.0, "{} vs {i}", out.integrated());
    assert!(b.open_bus_tap("Nope", 1.0).is_err());
}
