//! How samples leave a backend: the drivers beneath the one implementation of the facets.
//!
//! A driver owns the renderer (or the slot a device callback takes it from) and decides what
//! happens around each call: a [`Device`] recovers from a lost device first, a [`Clock`]
//! catches the renderer up with its clock; an [`Offline`] driver renders only when pulled.
//! [`Live`] is the one [`make_backend`](crate::make_backend) returns: a device, or the null
//! clock when no device opens.

mod clock;
mod device;
mod event;
mod offline;
mod silent;
mod timed;
mod watch;

pub use clock::{Clock, NullClock};
pub use device::{Device, Reopen};
pub use event::DeviceEvent;
pub use offline::Offline;

use crate::backend::{BackendInfo, Mixer};

/// What a [`Backend`](crate::Backend) runs on. Sealed: the drivers are this crate's.
pub trait Driver: sealed::Ops + std::fmt::Debug {}

pub(crate) mod sealed {
    use crate::backend::{BackendInfo, Mixer};

    /// The driver's side of every call.
    pub trait Ops {
        /// Before a call: recover a lost device, catch up with a clock.
        fn before(&mut self, mixer: &mut Mixer);
        /// Before a query (activity, position, room in a stream): as `before`, and a clock
        /// catches up exactly, so the answer is as of now.
        fn before_query(&mut self, mixer: &mut Mixer) {
            self.before(mixer);
        }
        /// What the backend is and runs on.
        fn info(&self) -> &BackendInfo;
        /// What happened to the device since the last call (none without one).
        fn take_events(&mut self) -> Vec<super::DeviceEvent> {
            Vec::new()
        }
        /// Whether the backend has the streaming facets.
        fn has_streams(&self) -> bool;
        /// `shutdown`: stop driving the renderer and free the device. Idempotent.
        fn release(&mut self);
        /// The device driver, where there is one.
        fn device(&self) -> Option<&super::Device> {
            None
        }
        /// The device driver, where there is one.
        fn device_mut(&mut self) -> Option<&mut super::Device> {
            None
        }
    }
}

/// The driver [`make_backend`](crate::make_backend) picks at run time: the default output
/// device (native or legacy timing), or the null clock when no device opens. That null clock
/// keeps looking for a device (a watcher thread tries one every second) and, when one opens,
/// the backend moves onto it at the next call: every channel plays on from where the clock had
/// taken it, and the game can take the events ([`Backend::take_device_events`]:
/// `FellBackToSilent` at the start, then `BackOnDevice`).
///
/// [`Backend::take_device_events`]: crate::Backend::take_device_events
#[derive(Debug)]
pub struct Live(pub(crate) LiveDriver);

#[derive(Debug)]
pub(crate) enum LiveDriver {
    Device(Box<Device>),
    Null(Box<NullLive>),
}

/// The null clock of a [`Live`] backend, and the watcher looking for a device for it.
#[derive(Debug)]
pub(crate) struct NullLive {
    pub(crate) clock: Clock,
    pub(crate) looking: Option<Box<Device>>,
}

impl Live {
    /// On the null clock, when the watcher has opened a device: hand it the renderer (caught
    /// up with the clock) and become a device backend.
    fn move_to_device(&mut self, mixer: &mut Mixer) {
        let LiveDriver::Null(null) = &mut self.0 else {
            return;
        };
        let Some(device) = null.looking.as_mut() else {
            return;
        };
        device.poll();
        if !device.has_device() {
            return;
        }
        let Some(device) = null.looking.take() else {
            return;
        };
        let LiveDriver::Null(null) = std::mem::replace(&mut self.0, LiveDriver::Device(device))
        else {
            return;
        };
        let renderer = null.clock.into_renderer(mixer);
        if let LiveDriver::Device(device) = &mut self.0 {
            device.adopt(renderer);
        }
    }
}

impl Driver for Live {}

impl sealed::Ops for Live {
    fn before(&mut self, mixer: &mut Mixer) {
        self.move_to_device(mixer);
        match &mut self.0 {
            LiveDriver::Device(d) => d.before(mixer),
            LiveDriver::Null(n) => n.clock.before(mixer),
        }
    }
    fn before_query(&mut self, mixer: &mut Mixer) {
        self.move_to_device(mixer);
        match &mut self.0 {
            LiveDriver::Device(d) => d.before_query(mixer),
            LiveDriver::Null(n) => n.clock.before_query(mixer),
        }
    }
    fn info(&self) -> &BackendInfo {
        match &self.0 {
            LiveDriver::Device(d) => d.info(),
            LiveDriver::Null(n) => n.clock.info(),
        }
    }
    fn has_streams(&self) -> bool {
        match &self.0 {
            LiveDriver::Device(d) => d.has_streams(),
            LiveDriver::Null(n) => n.clock.has_streams(),
        }
    }
    fn release(&mut self) {
        match &mut self.0 {
            LiveDriver::Device(d) => d.release(),
            LiveDriver::Null(n) => {
                // Stop looking: a backend shut down does not move onto a device.
                n.looking = None;
                n.clock.release();
            }
        }
    }
    fn take_events(&mut self) -> Vec<DeviceEvent> {
        match &mut self.0 {
            LiveDriver::Device(d) => d.take_events(),
            LiveDriver::Null(n) => n
                .looking
                .as_mut()
                .map_or_else(Vec::new, |d| d.take_events()),
        }
    }
    fn device(&self) -> Option<&Device> {
        match &self.0 {
            LiveDriver::Device(d) => Some(d),
            LiveDriver::Null(_) => None,
        }
    }
    fn device_mut(&mut self) -> Option<&mut Device> {
        match &mut self.0 {
            LiveDriver::Device(d) => Some(d),
            LiveDriver::Null(_) => None,
        }
    }
}
