//! The listener's pose, as the game last set it.

use crate::error::{AudioError, vec_not_nan};

/// Where the listener is and how it faces. Defaults: at the origin, still, facing −Z, +Y up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Listener {
    /// Position in world units.
    pub position: [f32; 3],
    /// Velocity in world units per second.
    pub velocity: [f32; 3],
    /// Facing direction.
    pub direction: [f32; 3],
    /// Up vector.
    pub world_up: [f32; 3],
}

impl Default for Listener {
    fn default() -> Self {
        Self {
            position: [0.0; 3],
            velocity: [0.0; 3],
            direction: [0.0, 0.0, -1.0],
            world_up: [0.0, 1.0, 0.0],
        }
    }
}

/// Which field of the [`Listener`] a setter changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Position,
    Velocity,
    Direction,
    WorldUp,
}

impl Listener {
    /// Set `field` to `v`, rejecting NaN (infinities are kept: they only matter once the
    /// spatialiser reads them, and it clamps).
    pub(crate) fn set(&mut self, field: Field, v: [f32; 3]) -> Result<(), AudioError> {
        let (name, slot) = match field {
            Field::Position => ("position", &mut self.position),
            Field::Velocity => ("velocity", &mut self.velocity),
            Field::Direction => ("direction", &mut self.direction),
            Field::WorldUp => ("world_up", &mut self.world_up),
        };
        *slot = vec_not_nan(name, v)?;
        Ok(())
    }
}
