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
