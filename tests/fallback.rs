//! The make_backend chain on a machine with no audio device (an ALSA configuration with no
//! PCM, loaded in a child process): native fails with no device, so legacy is skipped and the
//! chain ends at null with one loud warning per cause; forbidden, it is an error.

mod common;

use std::process::Command;
use std::sync::{Mutex, OnceLock};

use simvx_audio::{
    AudioConfig, AudioError, BackendKind, Capability, DeviceError, FallbackPolicy, LOG_TARGET,
    Playback, make_backend,
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

/// Tests the whole chain: no device, so one loud warning (null: legacy timing cannot help
/// without a device), once per cause, and BackendUnavailable when forbidden.
#[test]
fn chain_falls_back_to_null_and_warns_once() {
    if std::env::var_os("SIMVX_FALLBACK_CHILD").is_none() {
        let out = Command::new(std::env::current_exe().unwrap())
            .args([
                "chain_falls_back_to_null_and_warns_once",
                "--exact",
                "--test-threads=1",
            ])
            .env("SIMVX_FALLBACK_CHILD", "1")
            .env("ALSA_CONFIG_PATH", common::alsa::no_device())
            .env_remove("SIMVX_ALLOW_LEGACY_AUDIO")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
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
    assert_eq!(w.len(), 1, "{w:#?}");
    assert!(
        w[0].contains("AUDIO IS SILENT")
            && w[0].contains("null")
            && w[0].contains("DeviceNotAvailable"),
        "{}",
        w[0]
    );

    // Same cause again: no new warning.
    let again = make_backend(&allow).expect("null again");
    assert_eq!(again.kind(), BackendKind::Null);
    assert_eq!(warnings().len(), 1, "warnings repeated");

    // Forbidden: a typed error naming the cause, and no backend.
    let forbid = AudioConfig {
        fallback: FallbackPolicy::Forbid,
        ..AudioConfig::default()
    };
    match make_backend(&forbid) {
        Err(e @ AudioError::BackendUnavailable { .. }) => {
            let AudioError::BackendUnavailable { cause, source } = &e else {
                unreachable!()
            };
            assert!(cause.contains("no usable output device"), "{cause}");
            assert!(cause.contains("disabled"), "{cause}");
            // The device's own error stays reachable, typed, through `source()`.
            assert!(
                matches!(source, Some(DeviceError::Unavailable { .. })),
                "{source:?}"
            );
            let chained = std::error::Error::source(&e).expect("a source");
            assert_eq!(chained.to_string(), source.as_ref().unwrap().to_string());
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
