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
    /// The chain a [`replace_chain`](crate::Controller::replace_chain) took out, ringing out
    /// in the renderer until frame `outgoing_until` (its memory is in use until then).
    pub outgoing: [SlotMirror; E],
    pub outgoing_until: u64,
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
        outgoing: [SlotMirror::EMPTY; E],
        outgoing_until: 0,
    };
    pub const MASTER: Self = Self {
        live: true,
        ..Self::DEAD
    };
}

/// First fit for `need` floats in an arena of `memory_len` among the regions `buses` use at
/// frame `now` (chains of live buses, and chains still ringing out), ignoring the region of
/// chain slot `own` (the slot being replaced, whose memory the same command frees).
pub(crate) fn find_memory<const B: usize, const E: usize>(
    buses: &[BusMirror<E>; B],
    memory_len: usize,
    now: u64,
    need: usize,
    own: (usize, usize),
) -> Option<usize> {
    let in_use = |b: usize, s: usize| {
        let bus = &buses[b];
        let r = if s < E {
            ((b, s) != own).then_some(bus.chain[s])?
        } else {
            (bus.outgoing_until > now).then_some(bus.outgoing[s - E])?
        };
        (bus.live && r.len > 0).then_some(r)
    };
    let regions = || (0..B).flat_map(move |b| (0..2 * E).filter_map(move |s| in_use(b, s)));
    let fits = |start: usize| {
        let end = start.checked_add(need)?;
        if end > memory_len {
            return None;
        }
        regions()
            .all(|r| end <= r.offset || r.offset + r.len <= start)
            .then_some(start)
    };
    // Candidates: the start of the arena, and the end of every region in use.
    fits(0).or_else(|| regions().filter_map(|r| fits(r.offset + r.len)).min())
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
