//! The lifecycle cases of SPEC §6.

use super::*;

fn backend() -> NullBackend {
    NullBackend::new(48_000, 2, 4)
}

#[test]
fn one_shot_ends_after_its_duration() {
    let mut n = backend();
    let id = n.play(Some(0.5), 0.0, 1.0, false).unwrap();
    n.advance(0.499);
    assert!(n.is_active(id));
    n.advance(0.002);
    assert!(!n.is_active(id));
}

#[test]
fn from_position_and_pitch_shorten_the_countdown() {
    let mut n = backend();
    // (1.0 − 0.4) / 3 = 0.2 s.
    let id = n.play(Some(1.0), 0.4, 3.0, false).unwrap();
    n.advance(0.199);
    assert!(n.is_active(id));
    assert!((n.position(id) - 0.997).abs() < 1e-9);
    n.advance(0.002);
    assert!(!n.is_active(id));
}

#[test]
fn loops_never_end_and_position_wraps() {
    let mut n = backend();
    let id = n.play(Some(0.3), 0.0, 1.0, true).unwrap();
    for _ in 0..1000 {
        n.advance(0.1);
    }
    assert!(n.is_active(id));
    let p = n.position(id);
    assert!(
        p < 0.3 && (p - (100.0f64 % 0.3)).abs() < 1e-6,
        "position {p}"
    );
}

#[test]
fn pause_freezes_the_countdown_and_the_cursor() {
    let mut n = backend();
    let id = n.play(Some(1.0), 0.0, 1.0, false).unwrap();
    n.advance(0.6);
    n.pause(id);
    n.advance(100.0);
    assert!(n.is_active(id));
    assert!((n.position(id) - 0.6).abs() < 1e-9);
    n.resume(id);
    n.resume(id); // a second resume changes nothing
    n.advance(0.39);
    assert!(n.is_active(id));
    n.advance(0.02);
    assert!(!n.is_active(id));
}

#[test]
fn pitch_change_rescales_what_is_left() {
    let mut n = backend();
    let id = n.play(Some(1.0), 0.0, 1.0, false).unwrap();
    n.advance(0.5);
    n.set_pitch(id, 0.5); // 0.5 s of sound left at half speed: 1 s of clock
    n.advance(0.99);
    assert!(n.is_active(id));
    n.advance(0.02);
    assert!(!n.is_active(id));
}

#[test]
fn pitch_is_clamped() {
    let mut n = backend();
    let fast = n.play(Some(16.0), 0.0, f32::INFINITY, false).unwrap();
    let slow = n.play(Some(0.1), 0.0, 0.0, false).unwrap();
    n.advance(0.999);
    assert!(n.is_active(fast) && n.is_active(slow));
    n.advance(0.002);
    assert!(!n.is_active(fast) && !n.is_active(slow));
}

#[test]
fn stale_ids_are_inert() {
    let mut n = backend();
    let id = n.play(Some(1.0), 0.0, 1.0, false).unwrap();
    n.stop(id);
    assert!(!n.is_active(id));
    let reused = n.play(Some(1.0), 0.0, 1.0, false).unwrap();
    assert_ne!(id, reused, "a reused slot gets a new generation");
    n.pause(id);
    n.set_pitch(id, 4.0);
    n.stop(id);
    assert!(n.is_active(reused));
    assert_eq!(n.position(id), 0.0);
    let unknown = NonZeroU64::new(u64::MAX).unwrap();
    assert!(!n.is_active(unknown));
    assert_eq!(n.position(unknown), 0.0);
}

#[test]
fn pool_is_bounded_and_ended_channels_are_reclaimed() {
    let mut n = backend();
    for _ in 0..4 {
        n.play(Some(0.1), 0.0, 1.0, false).unwrap();
    }
    assert_eq!(
        n.play(Some(0.1), 0.0, 1.0, false),
        Err(PoolFull { capacity: 4 })
    );
    n.advance(0.2);
    assert_eq!(n.active_channels(), 0);
    assert!(n.play(Some(0.1), 0.0, 1.0, false).is_ok());
}

#[test]
fn degenerate_sounds() {
    let mut n = backend();
    let empty = n.play(Some(0.0), 0.0, 1.0, true).unwrap();
    assert!(
        !n.is_active(empty),
        "a zero-length loop has nothing to loop"
    );
    let past_end = n.play(Some(1.0), 5.0, 1.0, false).unwrap();
    assert!(!n.is_active(past_end));
    let endless = n.play(None, 0.0, 1.0, false).unwrap();
    n.advance(1e6);
    assert!(n.is_active(endless));
}

#[test]
fn shutdown_ends_everything_and_refuses_more() {
    let mut n = backend();
    let id = n.play(None, 0.0, 1.0, false).unwrap();
    n.shutdown();
    n.shutdown();
    assert!(!n.is_active(id));
    assert!(n.play(Some(1.0), 0.0, 1.0, false).is_err());
    assert!(n.is_shut_down());
}
