//! What `play` shows while it plays: every device event as it happens (stdout, one line each,
//! so a script or a test can follow them), and on a terminal a status line (stderr) with the
//! device's state and the output's meters.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use simvx_audio::Backend;

/// How often the status line is redrawn.
const REDRAW: Duration = Duration::from_millis(100);
/// How often the backend is asked for news while waiting.
const TICK: Duration = Duration::from_millis(10);

/// The events printer and status line of one `play`.
#[derive(Debug)]
pub struct Monitor {
    /// Draw the status line (stderr is a terminal).
    status: bool,
    /// A status line is on screen.
    shown: bool,
    drawn: Instant,
    started: Instant,
}

impl Monitor {
    /// A monitor that draws its status line only when stderr is a terminal.
    pub fn new() -> Self {
        let now = Instant::now();
        Self {
            status: std::io::stderr().is_terminal(),
            shown: false,
            drawn: now,
            started: now,
        }
    }

    /// Print the device events that happened since the last call, then redraw the status line
    /// if it is due.
    pub fn tick(&mut self, backend: &mut Backend) {
        let events = backend.take_device_events();
        if !events.is_empty() {
            self.clear();
            let mut out = std::io::stdout().lock();
            for e in events {
                let _ = writeln!(out, "device: {e}");
            }
            let _ = out.flush();
        }
        if self.status && self.drawn.elapsed() >= REDRAW {
            self.drawn = Instant::now();
            let line = status_line(backend, self.started.elapsed());
            eprint!("\r\x1b[K{line}");
            self.shown = true;
        }
    }

    /// Wait `d`, ticking meanwhile.
    pub fn wait(&mut self, backend: &mut Backend, d: Duration) {
        let end = Instant::now() + d;
        loop {
            self.tick(backend);
            let now = Instant::now();
            if now >= end {
                return;
            }
            std::thread::sleep((end - now).min(TICK));
        }
    }

    /// Take the status line off the screen (before other output, and at the end).
    pub fn clear(&mut self) {
        if self.shown {
            eprint!("\r\x1b[K");
            self.shown = false;
        }
    }
}

/// `  12.3 s  native hw:0 (48000 Hz, 2 ch)  out -6.0/-9.0 dBFS  voices 3+0`.
fn status_line(backend: &Backend, elapsed: Duration) -> String {
    let info = backend.info();
    let format = if info.is_converted() {
        format!(
            "{} Hz {} ch, converted from {} Hz {} ch",
            info.device_sample_rate, info.device_channels, info.sample_rate, info.channels
        )
    } else {
        format!("{} Hz, {} ch", info.sample_rate, info.channels)
    };
    let meter = match backend.meter("Master") {
        Ok(m) if m.windows > 0 => {
            let db = |x: f32| {
                if x.is_finite() {
                    format!("{x:.1}")
                } else {
                    "-inf".into()
                }
            };
            let (p, r) = (m.peak_db(), m.rms_db());
            format!(
                "out peak {} {} rms {} {} dBFS",
                db(p[0]),
                db(p[1]),
                db(r[0]),
                db(r[1])
            )
        }
        _ => "out --".into(),
    };
    let v = backend.voice_counts();
    format!(
        "{:>7.1} s  {} {} ({format})  {meter}  voices {}+{}",
        elapsed.as_secs_f64(),
        info.kind,
        info.device,
        v.real,
        v.virtualized
    )
}
