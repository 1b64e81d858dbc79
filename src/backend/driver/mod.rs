//! How samples leave a backend: the drivers beneath the one implementation of the facets.
//!
//! A driver owns the renderer (or the slot a device callback takes it from) and decides what
//! happens around each call: a [`Device`] recovers from a lost device first, a [`Clock`]
//! catches the renderer up with its clock; an [`Offline`] driver renders only when pulled.
//! [`Live`] is the one [`make_backend`](crate::make_backend) returns: a device, or the null
//! clock when no device opens.

mod clock;
mod device;
mod offline;

pub use clock::{Clock, NullClock};
pub use device::{Device, DeviceEvent, Reopen};
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
/// device (native or legacy timing), or the null clock when no device opens.
#[derive(Debug)]
pub struct Live(pub(crate) LiveDriver);

#[derive(Debug)]
pub(crate) enum LiveDriver {
    Device(Box<Device>),
    Null(Clock),
}

impl Driver for Live {}

impl sealed::Ops for Live {
    fn before(&mut self, mixer: &mut Mixer) {
        match &mut self.0 {
            LiveDriver::Device(d) => d.before(mixer),
            LiveDriver::Null(c) => c.before(mixer),
        }
    }
    fn before_query(&mut self, mixer: &mut Mixer) {
        match &mut self.0 {
            LiveDriver::Device(d) => d.before_query(mixer),
            LiveDriver::Null(c) => c.before_query(mixer),
        }
    }
    fn info(&self) -> &BackendInfo {
        match &self.0 {
            LiveDriver::Device(d) => d.info(),
            LiveDriver::Null(c) => c.info(),
        }
    }
    fn has_streams(&self) -> bool {
        match &self.0 {
            LiveDriver::Device(d) => d.has_streams(),
            LiveDriver::Null(c) => c.has_streams(),
        }
    }
    fn release(&mut self) {
        match &mut self.0 {
            LiveDriver::Device(d) => d.release(),
            LiveDriver::Null(c) => c.release(),
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
