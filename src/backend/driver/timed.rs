//! Device calls with a deadline: a device can block in a call for ever (an ALSA `file`
//! plugin writing into a FIFO nobody reads blocks in `open`), so every open runs on a thread
//! of its own and its caller waits for it at most [`OPEN_TIMEOUT`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::mpsc::sync_channel;
use std::time::Duration;

use platform_cpal::DeviceError;

/// The longest a caller waits for a device to open (making a backend, or the watcher
/// reopening one). A healthy device opens in milliseconds.
pub(crate) const OPEN_TIMEOUT: Duration = Duration::from_secs(2);

/// An open that timed out and may still be running: no second one is started while it is,
/// so a device that hangs every open costs one blocked thread, not one per retry.
#[derive(Debug, Default, Clone)]
pub(super) struct Hung(Option<Arc<AtomicBool>>);

impl Hung {
    /// Whether the last open that timed out is still blocked.
    pub(super) fn still(&self) -> bool {
        self.0.as_ref().is_some_and(|r| r.load(Ordering::Acquire))
    }
}

/// Whether a stream's callback may take the renderer: pending while its open runs, then
/// open (the opener kept the stream) or abandoned (its open returned after its deadline; it
/// only ever plays silence, and is dropped). Shared by the callback and its opener.
#[derive(Debug, Clone, Default)]
pub(super) struct Gate(Arc<AtomicU8>);

const PENDING: u8 = 0;
const OPEN: u8 = 1;
const ABANDONED: u8 = 2;

impl Gate {
    /// Whether the callback may render.
    pub(super) fn is_open(&self) -> bool {
        self.0.load(Ordering::Acquire) == OPEN
    }

    /// Let the callback render, unless the stream was abandoned; whether it may.
    pub(super) fn open(&self) -> bool {
        match self
            .0
            .compare_exchange(PENDING, OPEN, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => true,
            Err(now) => now == OPEN,
        }
    }

    /// Give the stream up, unless it was opened already; whether it was given up.
    fn abandon(&self) -> bool {
        self.0
            .compare_exchange(PENDING, ABANDONED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}

/// Run `open` on its own thread and wait at most `limit` for it. `open` gets the stream's
/// [`Gate`]; with `eager` the gate opens as soon as `open` returns (on its thread, so the
/// stream renders from its first callback), else the caller opens it when it is ready for the
/// stream to render. After a timeout the gate is abandoned, `hung` remembers the thread until
/// it returns, and whatever it returns then (a stream, say) is dropped on that thread.
pub(super) fn open_within<T: Send + 'static>(
    limit: Duration,
    hung: &mut Hung,
    eager: bool,
    open: impl FnOnce(Gate) -> Result<T, DeviceError> + Send + 'static,
) -> Result<(T, Gate), DeviceError> {
    let timed_out = || DeviceError::TimedOut {
        doing: "opening the device",
        seconds: limit.as_secs_f64(),
    };
    if hung.still() {
        return Err(timed_out());
    }
    let gate = Gate::default();
    let running = Arc::new(AtomicBool::new(true));
    let (flag, g) = (running.clone(), gate.clone());
    let (tx, rx) = sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("simvx-audio open".into())
        .spawn(move || {
            let r = open(g.clone());
            if eager && r.is_ok() {
                g.open();
            }
            // Unsent (the caller stopped waiting): dropped here, with the stream in it.
            let _ = tx.send(r);
            flag.store(false, Ordering::Release);
        });
    if let Err(e) = spawned {
        return Err(DeviceError::Unsupported(format!(
            "no thread to open the device on: {e}"
        )));
    }
    let r = match rx.recv_timeout(limit) {
        Ok(r) => r,
        Err(_) if gate.abandon() => {
            hung.0 = Some(running);
            return Err(timed_out());
        }
        // Opened at the deadline: its result is on its way.
        Err(_) => rx.recv().unwrap_or_else(|_| Err(timed_out())),
    };
    r.map(|t| (t, gate))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests that an open that hangs costs its caller the limit and is abandoned (its gate
    /// never opens, even when it returns later), that no second one starts while it hangs, and
    /// that one that returns in time is handed back, its gate open when eager.
    #[test]
    fn a_hanging_open_is_left_behind() {
        let mut hung = Hung::default();
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let (late_tx, late) = std::sync::mpsc::channel::<Gate>();
        let r = open_within(Duration::from_millis(50), &mut hung, true, move |g| {
            let _ = wait.recv();
            late_tx.send(g).unwrap();
            Ok(1)
        });
        assert!(matches!(r, Err(DeviceError::TimedOut { .. })));
        assert!(hung.still());
        let r = open_within(Duration::from_secs(5), &mut hung, true, |_| Ok(2));
        assert!(
            matches!(r, Err(DeviceError::TimedOut { .. })),
            "a second open started"
        );
        release.send(()).unwrap();
        let g = late.recv().unwrap();
        while hung.still() {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(
            !g.is_open(),
            "a stream opened after its deadline was let render"
        );
        let (v, g) = open_within(Duration::from_secs(5), &mut hung, true, |_| Ok(3)).unwrap();
        assert_eq!(v, 3);
        assert!(g.is_open());
        let (_, g) = open_within(Duration::from_secs(5), &mut hung, false, |_| Ok(4)).unwrap();
        assert!(!g.is_open());
        assert!(g.open() && g.is_open());
    }
}
