//! Measuring helpers shared by the integration tests.
#![allow(dead_code)]

pub mod media;

/// Split interleaved stereo into (left, right).
pub fn split_stereo(samples: &[f32]) -> (Vec<f32>, Vec<f32>) {
    samples.chunks_exact(2).map(|f| (f[0], f[1])).unzip()
}

/// Root mean square.
pub fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|&s| s as f64 * s as f64).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

/// Peak absolute value.
pub fn peak(x: &[f32]) -> f32 {
    x.iter().fold(0.0, |m, s| m.max(s.abs()))
}

/// Magnitude of the DFT of `x` at `freq` Hz (Goertzel), normalised so a sine of amplitude A
/// gives about A.
pub fn magnitude_at(x: &[f32], freq: f64, rate: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / rate;
    let (mut re, mut im) = (0.0, 0.0);
    for (n, &s) in x.iter().enumerate() {
        // Hann window keeps leakage from neighbouring bins out.
        let win = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / x.len() as f64).cos();
        re += s as f64 * win * (w * n as f64).cos();
        im -= s as f64 * win * (w * n as f64).sin();
    }
    2.0 * (re * re + im * im).sqrt() / (x.len() as f64 * 0.5)
}

/// The dominant frequency of `x` between `lo` and `hi` Hz: a coarse scan, then a golden-section
/// refinement of the windowed DFT magnitude, to well under 0.1 Hz for a second of a sine.
pub fn dominant_frequency(x: &[f32], rate: f64, lo: f64, hi: f64) -> f64 {
    let bin = rate / x.len() as f64;
    let mut best = (lo, 0.0);
    let mut f = lo;
    while f <= hi {
        let m = magnitude_at(x, f, rate);
        if m > best.1 {
            best = (f, m);
        }
        f += bin / 2.0;
    }
    let (mut a, mut b) = (best.0 - bin, best.0 + bin);
    let g = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..60 {
        let c = b - g * (b - a);
        let d = a + g * (b - a);
        if magnitude_at(x, c, rate) > magnitude_at(x, d, rate) {
            b = d;
        } else {
            a = c;
        }
    }
    (a + b) / 2.0
}

/// The index of the first sample whose magnitude exceeds `threshold`.
pub fn onset(x: &[f32], threshold: f32) -> Option<usize> {
    x.iter().position(|s| s.abs() > threshold)
}

/// ALSA configurations of the tests' own, loaded with `ALSA_CONFIG_PATH` (standalone: no stock
/// hooks, so no sound server can take over the default PCM).
pub mod alsa {
    use std::path::{Path, PathBuf};
    use std::sync::OnceLock;

    fn dir() -> &'static Path {
        static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
        DIR.get_or_init(|| tempfile::tempdir().expect("temp dir"))
            .path()
    }

    /// A configuration with no usable PCM: cpal fails as on a machine with no sound card.
    pub fn no_device() -> PathBuf {
        let path = dir().join("no-device.conf");
        std::fs::write(
            &path,
            "# no PCM is defined: the default device does not exist\n",
        )
        .unwrap();
        path
    }

    /// A configuration whose default PCM is the `file` plugin over `null`: everything played
    /// is written, raw, in the stream's own format, to `capture`. Not paced in real time.
    pub fn file_device(name: &str, capture: &Path) -> PathBuf {
        let path = dir().join(format!("{name}.conf"));
        std::fs::write(
            &path,
            format!(
                "pcm.!default {{\n  type file\n  slave.pcm \"nullsink\"\n  file \"{}\"\n  format \"raw\"\n}}\npcm.nullsink {{ type null }}\n",
                capture.display()
            ),
        )
        .unwrap();
        path
    }

    /// Like [`file_device`], but only one stream at a time can hold the device, as with an
    /// exclusive hardware device: the plugin pipes to `flock -n LOCK cat > capture`, so a
    /// second stream opened while the first is still open finds the lock taken and nothing
    /// it plays reaches `capture`. The lock is released when the stream that holds it closes.
    pub fn exclusive_file_device(name: &str, capture: &Path) -> PathBuf {
        let path = dir().join(format!("{name}.conf"));
        let lock = dir().join(format!("{name}.lock"));
        std::fs::write(
            &path,
            format!(
                "pcm.!default {{\n  type file\n  slave.pcm \"nullsink\"\n  file \"|exec flock -n {} cat > {}\"\n  format \"raw\"\n}}\npcm.nullsink {{ type null }}\n",
                lock.display(),
                capture.display()
            ),
        )
        .unwrap();
        path
    }

    /// The text of a configuration whose default PCM is the `file` plugin (writing what is
    /// played, raw f32, to `capture`) over a device that keeps real time and accepts only
    /// `rate` Hz, `channels` channels and f32: `tests/alsa/paced.c`, an ALSA I/O plugin
    /// compiled here with `cc` on first use. A device stuck at one rate, as a USB headset
    /// at 44.1 kHz is, and one whose capture grows at the real-time rate (the stock `null`
    /// PCM runs hundreds of times faster).
    pub fn paced_file_config(capture: &Path, rate: u32, channels: u16) -> String {
        format!(
            "pcm_type.paced {{ lib \"{}\" }}\npcm.!default {{\n  type file\n  slave.pcm \"clock\"\n  file \"{}\"\n  format \"raw\"\n}}\npcm.clock {{ type paced file \"/dev/null\" rate {rate} channels {channels} }}\n",
            paced_plugin().display(),
            capture.display()
        )
    }

    /// [`paced_file_config`] written to a configuration file of its own.
    pub fn paced_file_device(name: &str, capture: &Path, rate: u32, channels: u16) -> PathBuf {
        let path = dir().join(format!("{name}.conf"));
        std::fs::write(&path, paced_file_config(capture, rate, channels)).unwrap();
        path
    }

    /// Replace the configuration at `path` by `text` in one step (a rename), as a system
    /// whose default device changes: alsa-lib reloads a changed file on the next open.
    pub fn rewrite(path: &Path, text: &str) {
        let next = path.with_extension("next");
        std::fs::write(&next, text).unwrap();
        std::fs::rename(&next, path).unwrap();
    }

    /// The paced device's plugin, built once per test process.
    fn paced_plugin() -> &'static Path {
        static LIB: OnceLock<PathBuf> = OnceLock::new();
        LIB.get_or_init(|| {
            // The root package's tests, or a member's (the CLI's) one folder down.
            let here = Path::new(env!("CARGO_MANIFEST_DIR"));
            let source = [here, &here.join("..")]
                .iter()
                .map(|root| root.join("tests/alsa/paced.c"))
                .find(|p| p.exists())
                .expect("tests/alsa/paced.c");
            let lib = dir().join("libasound_module_pcm_paced.so");
            let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
            let status = std::process::Command::new(cc)
                .args(["-O2", "-Wall", "-DPIC", "-shared", "-fPIC", "-o"])
                .arg(&lib)
                .arg(&source)
                .arg("-lasound")
                .status()
                .expect("run the C compiler for the paced test device");
            assert!(status.success(), "the paced test device did not compile");
            lib
        })
    }

    /// Interleaved little-endian `f32` samples from a raw capture.
    pub fn read_f32(capture: &Path) -> Vec<f32> {
        std::fs::read(capture)
            .unwrap()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()
    }
}
