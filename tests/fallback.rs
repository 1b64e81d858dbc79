//! The make_backend chain on a machine with no device shim: native → legacy → null, each
//! fallback warned about once per process, and the chain refused when fallback is forbidden.

use std::sync::{Mutex, OnceLock};

use simvx_audio::{
    AudioConfig, AudioError, BackendKind, Capability, FallbackPolicy, LOG_TARGET, Playback,
    make_backend,
};

struct Capture;

static LOGS: Mutex<Vec<(log::Level, String, String)>> = Mutex::new(Vec::new());

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        LOGS.lock().unwrap().push((
            record.level(),
            record.target().to_string(),
            record.args().to_string(),
        ));
    }
    fn flush(&self) {}
}

/// The tests of this binary share the process-wide "warned once" set, so they run in one test.
fn install() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        log::set_logger(&Capture).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
    });
}

fn warnings() -> Vec<String> {
    LOGS.lock()
        .unwrap()
        .iter()
        .filter(|(l, t, _)| *l == log::Level::Warn && t == LOG_TARGET)
        .map(|(_, _, m)| m.clone())
        .collect()
}

/// Tests the whole chain: falls back to null with two loud warnings (legacy, then null),
/// warns only once per cause, and refuses with BackendUnavailable when forbidden.
#[test]
fn chain_falls_back_to_null_and_warns_once() {
    install();
    let allow = AudioConfig {
        fallback: FallbackPolicy::Allow,
        ..AudioConfig::default()
    };
    let mut backend = make_backend(&allow).expect("null fallback");
    assert_eq!(backend.kind(), BackendKind::Null);
    assert_eq!(backend.info().device, "none");
    assert_eq!(backend.info().buffer_frames, None);
    assert_eq!(backend.list_capabilities().strings(), vec!["play.basic"]);
    assert!(backend.streaming().is_none());
    match backend.require_streaming() {
        Err(AudioError::Capability {
            capability,
            backend,
            advertised,
        }) => {
            assert_eq!(capability, Capability::Streaming.as_str());
            assert_eq!(backend, "null");
            assert_eq!(advertised, vec!["play.basic".to_string()]);
        }
        other => panic!("expected a capability error, got {:?}", other.err()),
    }

    let w = warnings();
    assert_eq!(w.len(), 2, "{w:#?}");
    assert!(
        w[0].contains("native audio backend failed") && w[0].contains("100 ms"),
        "{}",
        w[0]
    );
    assert!(
        w[1].contains("AUDIO IS SILENT") && w[1].contains("null"),
        "{}",
        w[1]
    );

    // Same causes again: no new warnings.
    let again = make_backend(&allow).expect("null again");
    assert_eq!(again.kind(), BackendKind::Null);
    assert_eq!(warnings().len(), 2, "warnings repeated");

    // Forbidden: a typed error naming the cause, and no backend.
    let forbid = AudioConfig {
        fallback: FallbackPolicy::Forbid,
        ..AudioConfig::default()
    };
    match make_backend(&forbid) {
        Err(AudioError::BackendUnavailable { cause }) => {
            assert!(cause.contains("no device shim"), "{cause}");
            assert!(cause.contains("disabled"), "{cause}");
        }
        other => panic!("expected BackendUnavailable, got {other:?}"),
    }

    // A bad configuration is refused before any device is tried.
    let bad = AudioConfig { voices: 0, ..allow };
    assert!(matches!(
        make_backend(&bad),
        Err(AudioError::InvalidParameter { name: "voices", .. })
    ));
}
