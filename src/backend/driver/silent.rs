//! [`SilentClock`]: the renderer driven in real time with its output discarded, for a device
//! backend whose device is gone (sounds keep their state and still end on time).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::device::Slot;

/// Drives the renderer in real time, discarding the output, when no device is left.
#[derive(Debug)]
pub(super) struct SilentClock {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl SilentClock {
    pub(super) fn start(slot: Slot, rate: u32, channels: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("simvx-audio silent clock".into())
            .spawn(move || {
                let chunk = (rate as usize / 100).max(1);
                let mut scratch = vec![0.0f32; chunk * channels.max(1)];
                let start = Instant::now();
                let mut done = 0u64;
                while !flag.load(Ordering::Acquire) {
                    let due = (start.elapsed().as_secs_f64() * f64::from(rate)) as u64;
                    while done < due {
                        let n = (due - done).min(chunk as u64) as usize;
                        if let Some(mut r) = slot.take() {
                            r.render(&mut scratch[..n * channels.max(1)]);
                            slot.store(Some(r));
                        }
                        done += n as u64;
                    }
                    // Parked, not asleep: a stop wakes it at once (a device stream waits
                    // for the renderer while it stops).
                    std::thread::park_timeout(Duration::from_millis(5));
                }
            })
            .ok();
        Self { stop, thread }
    }
}

impl Drop for SilentClock {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}
