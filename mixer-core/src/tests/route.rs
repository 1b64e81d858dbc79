//! Buses: gains multiply along the route, voices follow a removed bus to its parent, cycles
//! and Master are refused.

use super::*;
use crate::{BusId, Error, PlayParams};

const HALF_DB: f32 = -6.0206;

fn on(bus: u8) -> PlayParams {
    PlayParams {
        bus: BusId(bus),
        ..PlayParams::default()
    }
}

/// Tests that a voice's level is the product of the bus gains along its route.
#[test]
fn bus_gains_multiply() {
    let (mut c, mut r) = stereo();
    c.set_bus(BusId(1), Some(BusId::MASTER), HALF_DB).unwrap();
    c.set_bus(BusId(2), Some(BusId(1)), HALF_DB).unwrap();
    c.play(dc(1.0, 48_000), &on(2)).unwrap();
    near(f64::from(render(&mut r, 64)[0]), 0.25, 1e-5);

    c.set_bus(BusId::MASTER, None, HALF_DB).unwrap();
    let out = render(&mut r, 512);
    near(f64::from(out[1022]), 0.125, 1e-5);
    assert!(
        largest_step(&channel(&out, 0, 2)) < 0.01,
        "bus gain changes are ramped"
    );
}

/// Tests that a bus at −80 dB silences its voices, and others still play.
#[test]
fn silent_bus() {
    let (mut c, mut r) = stereo();
    c.set_bus(BusId(1), Some(BusId::MASTER), -80.0).unwrap();
    c.play(dc(1.0, 48_000), &on(1)).unwrap();
    c.play(dc(0.5, 48_000), &on(0)).unwrap();
    assert!(render(&mut r, 64).iter().all(|&s| s == 0.5));
}

/// Tests removing a bus: its voices and children move to its parent.
#[test]
fn removed_bus_rehomes() {
    let (mut c, mut r) = stereo();
    c.set_bus(BusId(1), Some(BusId::MASTER), HALF_DB).unwrap();
    c.set_bus(BusId(2), Some(BusId(1)), HALF_DB).unwrap();
    c.set_bus(BusId(3), Some(BusId(2)), 0.0).unwrap();
    c.play(dc(1.0, 48_000), &on(2)).unwrap();
    c.play(dc(1.0, 48_000), &on(3)).unwrap();
    near(f64::from(render(&mut r, 64)[0]), 0.5, 1e-5);
    c.remove_bus(BusId(2)).unwrap();
    assert!(!c.bus_exists(BusId(2)));
    let out = render(&mut r, 1024);
    near(f64::from(out[2046]), 1.0, 1e-5); // both voices now through bus 1 alone
    assert_eq!(
        c.play(dc(1.0, 10), &on(2)),
        Err(Error::UnknownBus(BusId(2)))
    );
}

/// Tests that routing cycles, Master's parent and removal, and unknown buses are refused.
#[test]
fn bad_routes_are_refused() {
    let (mut c, _r) = stereo();
    c.set_bus(BusId(1), Some(BusId::MASTER), 0.0).unwrap();
    c.set_bus(BusId(2), Some(BusId(1)), 0.0).unwrap();
    assert!(matches!(
        c.set_bus(BusId(1), Some(BusId(2)), 0.0),
        Err(Error::BusCycle { .. })
    ));
    assert!(matches!(
        c.set_bus(BusId(1), Some(BusId(1)), 0.0),
        Err(Error::BusCycle { .. })
    ));
    assert_eq!(
        c.set_bus(BusId::MASTER, Some(BusId(1)), 0.0),
        Err(Error::MasterBus)
    );
    assert_eq!(c.remove_bus(BusId::MASTER), Err(Error::MasterBus));
    assert_eq!(
        c.set_bus(BusId(9), None, 0.0),
        Err(Error::UnknownBus(BusId(9)))
    );
    assert_eq!(
        c.set_bus(BusId(3), Some(BusId(3)), 0.0),
        Err(Error::UnknownBus(BusId(3)))
    );
    assert_eq!(
        c.play(dc(1.0, 10), &on(3)),
        Err(Error::UnknownBus(BusId(3)))
    );
}

fn largest_step(x: &[f32]) -> f32 {
    x.windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max)
}

/// Master ← Music(1), Master ← SFX(2) ← Sub(3), with a DC voice on each bus whose level names
/// the bus (Master 0.5, Music 0.25, SFX 0.125, Sub 0.0625), so the output says which pass.
fn graph() -> (Ctl, Rnd) {
    let (mut c, r) = stereo();
    c.set_bus(BusId(1), Some(BusId::MASTER), 0.0).unwrap();
    c.set_bus(BusId(2), Some(BusId::MASTER), 0.0).unwrap();
    c.set_bus(BusId(3), Some(BusId(2)), 0.0).unwrap();
    for (bus, level) in [(0, 0.5), (1, 0.25), (2, 0.125), (3, 0.0625)] {
        c.play(dc(level, 480_000), &on(bus)).unwrap();
    }
    (c, r)
}

/// The settled output level after a change (past the 240-frame ramp).
fn settled(r: &mut Rnd) -> f32 {
    render(r, 512)[1022]
}

/// Tests that mute silences a bus and everything routed through it, and unmute restores it.
#[test]
fn mute_silences_bus_and_children() {
    let (mut c, mut r) = graph();
    assert_eq!(settled(&mut r), 0.9375);
    c.set_bus_mute(BusId(2), true).unwrap();
    let out = channel(&render(&mut r, 512), 0, 2);
    assert!(largest_step(&out) < 0.01, "mute is ramped");
    assert_eq!(out[511], 0.75);
    c.set_bus_mute(BusId(2), false).unwrap();
    assert_eq!(settled(&mut r), 0.9375);
    c.set_bus_mute(BusId::MASTER, true).unwrap();
    assert_eq!(settled(&mut r), 0.0);
    assert_eq!(
        c.set_bus_mute(BusId(3 + 1), true),
        Err(Error::UnknownBus(BusId(4)))
    );
}

/// Tests the original's solo rules: a soloed bus passes with what feeds it and what carries it
/// out; the others are gated; Master's own solo is ignored.
#[test]
fn solo_follows_the_original_rules() {
    let (mut c, mut r) = graph();
    c.set_bus_solo(BusId(2), true).unwrap();
    assert_eq!(
        settled(&mut r),
        0.5 + 0.125 + 0.0625,
        "SFX solo: Music gated"
    );
    c.set_bus_solo(BusId(2), false).unwrap();
    c.set_bus_solo(BusId(3), true).unwrap();
    assert_eq!(
        settled(&mut r),
        0.5 + 0.125 + 0.0625,
        "Sub solo: SFX carries it out"
    );
    c.set_bus_solo(BusId(1), true).unwrap();
    assert_eq!(settled(&mut r), 0.9375, "Music and Sub soloed: all pass");
    c.set_bus_solo(BusId(3), false).unwrap();
    assert_eq!(settled(&mut r), 0.5 + 0.25, "Music solo");
    c.set_bus_solo(BusId(1), false).unwrap();
    c.set_bus_solo(BusId::MASTER, true).unwrap();
    assert_eq!(settled(&mut r), 0.9375, "Master's solo is ignored");
    // Solo and mute together: a muted soloed bus is silent.
    c.set_bus_solo(BusId(2), true).unwrap();
    c.set_bus_mute(BusId(2), true).unwrap();
    assert_eq!(settled(&mut r), 0.5);
}

/// Tests that re-routing a bus updates solo gating (the gate follows the graph).
#[test]
fn solo_follows_reroutes() {
    let (mut c, mut r) = graph();
    c.set_bus_solo(BusId(2), true).unwrap();
    assert_eq!(settled(&mut r), 0.6875);
    c.set_bus(BusId(3), Some(BusId(1)), 0.0).unwrap(); // Sub now feeds Music
    assert_eq!(settled(&mut r), 0.5 + 0.125);
}

/// Tests that changing a muted bus's level or route keeps it muted.
#[test]
fn muted_bus_stays_muted_through_set_bus() {
    let (mut c, mut r) = graph();
    c.set_bus_mute(BusId(1), true).unwrap();
    c.set_bus(BusId(1), Some(BusId::MASTER), 6.0).unwrap();
    assert_eq!(settled(&mut r), 0.9375 - 0.25);
}
