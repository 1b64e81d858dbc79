//! Engine-side spatialisation through the offline renderer: distance attenuation, balance for
//! sources around the listener, doppler from velocities, and the listener setters mattering.

mod common;

use common::{dominant_frequency, rms, split_stereo};
use simvx_audio::{
    Attenuation, AudioConfig, Emitter, OfflineBackend, PanLaw, PlayParams, Playback,
    SPEED_OF_SOUND, Sound,
};

fn backend() -> OfflineBackend {
    OfflineBackend::new(&AudioConfig::default()).unwrap()
}

/// A 0.5-amplitude 1 kHz mono tone, 2 s, looping (RMS 0.3536 at unity).
fn tone() -> Sound {
    Sound::tone(1000.0, 0.5, 2.0, 48_000, 1).unwrap()
}

/// An emitter at `position` under the balance law (unity on both sides ahead), so the
/// distance and direction tests read the attenuation alone; `pan_laws_...` tests the laws.
fn emitter_at(position: [f32; 3]) -> Emitter {
    Emitter {
        position,
        min_distance: 2.0,
        max_distance: 50.0,
        rolloff: 1.0,
        attenuation: Attenuation::Inverse,
        pan_law: PanLaw::Balance,
        ..Emitter::default()
    }
}

/// The (left, right) RMS of a spatial tone, after its first quantum.
fn levels(emitter: Emitter) -> (f64, f64) {
    let mut b = backend();
    let p = PlayParams {
        looping: true,
        emitter: Some(emitter),
        ..PlayParams::default()
    };
    b.play_audio(&tone(), &p).unwrap();
    let (l, r) = split_stereo(&b.render_frames(24_000));
    (rms(&l[4800..]), rms(&r[4800..]))
}

/// Tests inverse-distance gain at the min distance, in the middle, and beyond max (held at the
/// max-distance gain): min / (min + rolloff·(d − min)).
#[test]
fn inverse_distance_gain() {
    let unity = 0.5 / std::f64::consts::SQRT_2;
    for (d, gain) in [
        (1.0, 1.0),
        (2.0, 1.0),
        (10.0, 2.0 / 10.0),
        (26.0, 2.0 / 26.0),
        (50.0, 2.0 / 50.0),
        (400.0, 2.0 / 50.0),
    ] {
        let (l, r) = levels(emitter_at([0.0, 0.0, -d]));
        let want = unity * gain;
        assert!(
            (l - want).abs() < want * 0.005,
            "d {d}: left {l}, want {want}"
        );
        assert!(
            (r - want).abs() < want * 0.005,
            "d {d}: right {r}, want {want}"
        );
    }
    // The other models, at one mid distance.
    for (model, gain) in [
        (Attenuation::Linear, 1.0 - (10.0 - 2.0) / (50.0 - 2.0)),
        (Attenuation::Exponential, (10.0f64 / 2.0).powf(-1.0)),
        (Attenuation::None, 1.0),
    ] {
        let (l, _) = levels(Emitter {
            attenuation: model,
            ..emitter_at([0.0, 0.0, -10.0])
        });
        assert!(
            (l - unity * gain).abs() < unity * gain * 0.005,
            "{model:?}: {l}"
        );
    }
}

/// Tests balance for sources at the sides, ahead, behind and above the listener (unrotated:
/// facing −Z, +X to the right), and for a listener turned to face +X.
#[test]
fn balance_around_the_listener() {
    let unity = 0.5 / std::f64::consts::SQRT_2;
    let at = |p: [f32; 3]| {
        levels(Emitter {
            attenuation: Attenuation::None,
            ..emitter_at(p)
        })
    };
    let (l, r) = at([5.0, 0.0, 0.0]);
    assert!(l < 1e-6 && (r - unity).abs() < 1e-3, "right side: {l} {r}");
    let (l, r) = at([-5.0, 0.0, 0.0]);
    assert!((l - unity).abs() < 1e-3 && r < 1e-6, "left side: {l} {r}");
    for p in [[0.0, 0.0, -5.0], [0.0, 0.0, 5.0], [0.0, 5.0, 0.0]] {
        let (l, r) = at(p);
        assert!(
            (l - unity).abs() < 1e-3 && (r - unity).abs() < 1e-3,
            "{p:?}: {l} {r}"
        );
    }
    let (l, r) = at([3.0, 0.0, -3.0]);
    let want_l = unity * (1.0 - std::f64::consts::FRAC_1_SQRT_2);
    assert!(
        (l - want_l).abs() < 1e-3 && (r - unity).abs() < 1e-3,
        "45° right: {l} {r}"
    );

    // Turn the listener to face +X: a source at −Z is now on its left.
    let mut b = backend();
    b.set_listener_direction([1.0, 0.0, 0.0]).unwrap();
    let e = Emitter {
        attenuation: Attenuation::None,
        ..emitter_at([0.0, 0.0, -5.0])
    };
    b.play_audio(
        &tone(),
        &PlayParams {
            looping: true,
            emitter: Some(e),
            ..PlayParams::default()
        },
    )
    .unwrap();
    let (l, r) = split_stereo(&b.render_frames(9600));
    assert!((rms(&l[4800..]) - unity).abs() < 1e-3 && rms(&r[4800..]) < 1e-6);
}

/// Tests doppler: a 1 kHz source approaching or receding at 20 m/s is heard within 0.5 Hz of
/// c/(c ∓ v), and a listener moving toward a still source within 0.5 Hz of (c + v)/c.
#[test]
fn doppler_from_velocities() {
    let c = f64::from(SPEED_OF_SOUND);
    let heard = |emitter_velocity: [f32; 3], listener_velocity: [f32; 3]| {
        let mut b = backend();
        b.set_listener_velocity(listener_velocity).unwrap();
        let e = Emitter {
            velocity: emitter_velocity,
            attenuation: Attenuation::None,
            ..emitter_at([0.0, 0.0, -10.0])
        };
        b.play_audio(
            &tone(),
            &PlayParams {
                looping: true,
                emitter: Some(e),
                ..PlayParams::default()
            },
        )
        .unwrap();
        let (l, _) = split_stereo(&b.render_frames(48_000));
        dominant_frequency(&l[480..], 48_000.0, 800.0, 1200.0)
    };
    let approaching = heard([0.0, 0.0, 20.0], [0.0; 3]);
    assert!(
        (approaching - 1000.0 * c / (c - 20.0)).abs() < 0.5,
        "approaching: {approaching}"
    );
    let receding = heard([0.0, 0.0, -20.0], [0.0; 3]);
    assert!(
        (receding - 1000.0 * c / (c + 20.0)).abs() < 0.5,
        "receding: {receding}"
    );
    let listener = heard([0.0; 3], [0.0, 0.0, -20.0]);
    assert!(
        (listener - 1000.0 * (c + 20.0) / c).abs() < 0.5,
        "listener moving: {listener}"
    );
    let still = heard([0.0; 3], [0.0; 3]);
    eprintln!(
        "doppler: approaching {approaching:.3} Hz, receding {receding:.3} Hz, listener {listener:.3} Hz, still {still:.3} Hz"
    );
    assert!((still - 1000.0).abs() < 0.05, "still: {still}");
}

/// Tests that a moving emitter sweeps smoothly (ramped per quantum: no jump larger than the
/// tone's own), and that the first frame is already attenuated.
#[test]
fn moving_emitter_is_smooth() {
    let mut b = backend();
    let mut e = emitter_at([-20.0, 0.0, -2.0]);
    e.attenuation = Attenuation::Inverse;
    let id = b
        .play_audio(
            &tone(),
            &PlayParams {
                looping: true,
                emitter: Some(e),
                ..PlayParams::default()
            },
        )
        .unwrap();
    let first = b.render_frames(1);
    let dry_first = 0.0f32; // the tone starts at sin(0)
    assert_eq!(first[0], dry_first);
    let mut out = Vec::new();
    for step in 0..400 {
        e.position[0] = -20.0 + step as f32 * 0.1;
        b.set_emitter(id, &e).unwrap();
        out.extend(b.render_frames(128));
    }
    let (l, r) = split_stereo(&out);
    let own = 0.5 * (2.0 * std::f32::consts::PI * 1000.0 / 48_000.0);
    for side in [&l, &r] {
        let step = side
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max);
        assert!(
            step <= own * 1.01,
            "largest step {step}, the tone's own {own}"
        );
    }
}

/// Tests issue 15's pan laws for engine-side emitters, with no attenuation: under the default
/// (the original engine's speaker model) a source at the listener's side is heard in the far
/// ear at −14 dB (0.2) and one straight ahead at −6 dB in each ear; constant power gives −3 dB
/// ahead; the balance law keeps unity ahead and silences the far ear.
#[test]
fn pan_laws_and_the_far_ear() {
    let unity = 0.5 / std::f64::consts::SQRT_2;
    let at = |p: [f32; 3], law: Option<PanLaw>| {
        let e = Emitter {
            position: p,
            attenuation: Attenuation::None,
            ..Emitter::default()
        };
        let (l, r) = levels(Emitter {
            pan_law: law.unwrap_or(e.pan_law),
            ..e
        });
        (l / unity, r / unity)
    };
    let db = |x: f64| 20.0 * x.log10();
    assert_eq!(Emitter::default().pan_law, PanLaw::Speakers);
    let (far, near) = at([5.0, 0.0, 0.0], None);
    println!(
        "default law, source at the right: far ear {:.2} dB, near ear {:.2} dB",
        db(far),
        db(near)
    );
    assert!(
        (far - 0.2).abs() < 1e-3 && (near - 1.0).abs() < 1e-3,
        "{far} {near}"
    );
    let (l, r) = at([0.0, 0.0, -5.0], None);
    assert!(
        (l - 0.5).abs() < 1e-3 && (r - 0.5).abs() < 1e-3,
        "ahead: {l} {r}"
    );
    let (l, r) = at([0.0, 0.0, -5.0], Some(PanLaw::ConstantPower));
    let h = std::f64::consts::FRAC_1_SQRT_2;
    assert!(
        (l - h).abs() < 1e-3 && (r - h).abs() < 1e-3,
        "constant power: {l} {r}"
    );
    let (l, r) = at([5.0, 0.0, 0.0], Some(PanLaw::ConstantPower));
    assert!(
        l < 1e-3 && (r - 1.0).abs() < 1e-3,
        "constant power, right: {l} {r}"
    );
    let (l, r) = at([5.0, 0.0, 0.0], Some(PanLaw::Balance));
    assert!(
        l < 1e-6 && (r - 1.0).abs() < 1e-3,
        "balance, right: {l} {r}"
    );
}
