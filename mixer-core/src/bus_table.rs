//! The controller's mirror of the bus graph: what it knows of every bus and effect slot, and
//! the solo rules (the original's, SIMVX-ORIGINAL §7.2) folded into one gate per bus.

use crate::id::BusId;

/// What the controller knows of one effect slot.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SlotMirror {
    /// The effect kind (tag) in the slot, if any.
    pub kind: Option<&'static str>,
    pub offset: usize,
    pub len: usize,
}

impl SlotMirror {
    pub const EMPTY: Self = Self {
        kind: None,
        offset: 0,
        len: 0,
    };
}

/// The controller's mirror of a bus slot.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BusMirror<const E: usize> {
    pub live: bool,
    pub parent: Option<BusId>,
    /// Own level, linear.
    pub volume: f32,
    pub mute: bool,
    pub solo: bool,
    /// The gain last sent to the renderer (level × mute × solo gate); NaN before the first.
    pub sent: f32,
    pub chain: [SlotMirror; E],
}

impl<const E: usize> BusMirror<E> {
    pub const DEAD: Self = Self {
        live: false,
        parent: None,
        volume: 1.0,
        mute: false,
        solo: false,
        sent: 1.0,
        chain: [SlotMirror::EMPTY; E],
    };
    pub const MASTER: Self = Self {
        live: true,
        ..Self::DEAD
    };
}

/// The solo gate of every bus: all open when no bus but Master is soloed; else open for Master,
/// for soloed buses and everything routed into them, and for everything on their way out.
pub(crate) fn solo_gates<const B: usize, const E: usize>(buses: &[BusMirror<E>; B]) -> [bool; B] {
    let soloed = |i: usize| i != 0 && buses[i].live && buses[i].solo;
    if !(0..B).any(soloed) {
        return [true; B];
    }
    let mut gates = [false; B];
    gates[0] = true;
    for i in 0..B {
        if !buses[i].live {
            continue;
        }
        // Walk i's route to the output: if it meets a soloed bus, i feeds it (or is it).
        let mut at = Some(i);
        let mut steps = 0;
        while let Some(b) = at {
            if soloed(b) {
                gates[i] = true;
                break;
            }
            at = buses[b].parent.map(BusId::index).filter(|&p| p < B);
            steps += 1;
            if steps > B {
                break;
            }
        }
        // A soloed bus opens every bus on its way out.
        if soloed(i) {
            let mut at = buses[i].parent.map(BusId::index);
            let mut steps = 0;
            while let Some(b) = at.filter(|&p| p < B) {
                gates[b] = true;
                at = buses[b].parent.map(BusId::index);
                steps += 1;
                if steps > B {
                    break;
                }
            }
        }
    }
    gates
}
