//! The controller side of every backend: the core's [`Controller`](mixer_core::Controller)
//! with its backlog, bus names, the streams table, the listener and the one shutdown state.
//! [`Backend`](crate::Backend) implements the facets over it.

use std::collections::VecDeque;
use std::sync::Arc;

use mixer_core::{Backlog, BusId, Queued, VoiceId};

use crate::backend::ChannelId;
use crate::bus::Effect;
use crate::config::{DEFAULT_BUSES, MAX_BUSES, MAX_EFFECTS, MAX_VOICES, POOL};
use crate::error::{AudioError, CoreContext};
use crate::listener::{Field, Listener};
use crate::stream::{Source, Streams};

/// Discrete commands the queue to the audio thread holds between two blocks: enough to start
/// every voice of the pool in one block. More wait in the controller's backlog.
pub(crate) const COMMAND_QUEUE: usize = MAX_VOICES;

pub(crate) type SharedMem = mixer_core::Shared<Source, POOL, COMMAND_QUEUE>;
pub(crate) type CoreController = mixer_core::Controller<
    Source,
    Arc<SharedMem>,
    POOL,
    MAX_BUSES,
    MAX_EFFECTS,
    Pending,
    COMMAND_QUEUE,
>;
pub(crate) type CoreRenderer = mixer_core::Renderer<
    Source,
    Arc<SharedMem>,
    Box<[f32]>,
    POOL,
    MAX_BUSES,
    MAX_EFFECTS,
    COMMAND_QUEUE,
>;

/// Where discrete commands wait on the game thread while the queue to the audio thread is
/// full: in order, up to a configured bound
/// ([`AudioConfig::max_pending_commands`](crate::AudioConfig::max_pending_commands)).
#[derive(Debug)]
pub(crate) struct Pending {
    queue: VecDeque<Queued<Source>>,
    limit: usize,
}

impl Backlog<Queued<Source>> for Pending {
    fn push_back(&mut self, item: Queued<Source>) -> Result<(), Queued<Source>> {
        if self.queue.len() >= self.limit {
            return Err(item);
        }
        self.queue.push_back(item);
        Ok(())
    }
    fn push_front(&mut self, item: Queued<Source>) -> Result<(), Queued<Source>> {
        self.queue.push_front(item);
        Ok(())
    }
    fn pop_front(&mut self) -> Option<Queued<Source>> {
        self.queue.pop_front()
    }
    fn len(&self) -> usize {
        self.queue.len()
    }
    fn capacity(&self) -> usize {
        self.limit
    }
}

/// What the mixer last pushed for one bus slot: `sync_bus_layout` compares against it and
/// sends only the differences.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BusState {
    pub name: String,
    pub volume_db: f32,
    pub mute: bool,
    pub solo: bool,
    pub parent: Option<BusId>,
    pub effects: Vec<Effect>,
}

/// The controller side of a backend (crate-internal: it appears in the sealed driver
/// trait's signatures, so it is `pub` in a private module).
#[derive(Debug)]
pub struct Mixer {
    /// Boxed: ~75 KB with 4096 voices, too big to move around a test thread's stack.
    pub(crate) controller: Box<CoreController>,
    /// Per core bus slot: the bus living there, as last pushed.
    pub(crate) buses: Vec<Option<BusState>>,
    /// Bumped when a slot's bus is removed, so a [`BusHandle`](crate::BusHandle) to it
    /// no longer resolves (to the slot's next bus).
    pub(crate) bus_epochs: Vec<u32>,
    /// Streaming channels.
    pub(crate) streams: Streams,
    /// Output channels.
    output_channels: u16,
    listener: Listener,
    /// The one shutdown state: after `shutdown`, every call is refused.
    pub(crate) shut_down: bool,
    /// The backlog's bound, for the error that names it.
    max_pending: usize,
    /// The effect memory in MiB, for the error that names it.
    pub(crate) effect_memory_mib: u32,
    /// The tag this backend's channel ids carry.
    pub(crate) tag: u16,
}

impl Mixer {
    /// A mixer and its renderer, with the default buses and `memory` floats of effect memory.
    ///
    /// An unoptimised build copies the core's controller (about 200 KB: a record per voice
    /// slot) through several stack frames on the way out of `split_into`, more than a 2 MB
    /// thread (a test's) may hold, so such a build makes it on a builder thread with room.
    pub(crate) fn new(
        config: mixer_core::Config,
        memory: usize,
        max_pending: usize,
    ) -> Result<(Self, Box<CoreRenderer>), AudioError> {
        if cfg!(debug_assertions) {
            let built = std::thread::Builder::new()
                .name("simvx-audio-build".into())
                .stack_size(64 << 20)
                .spawn(move || Self::build(config, memory, max_pending));
            // A thread that cannot be made (resource limits): build here.
            if let Ok(thread) = built {
                return thread
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            }
        }
        Self::build(config, memory, max_pending)
    }

    fn build(
        config: mixer_core::Config,
        memory: usize,
        max_pending: usize,
    ) -> Result<(Self, Box<CoreRenderer>), AudioError> {
        // Built in place: the facade's `Shared` is a few MB (mailboxes, a 4096-command queue).
        let memory_mib = ((memory * 4) >> 20) as u32;
        let mut shared = Arc::<SharedMem>::new_uninit();
        SharedMem::init(Arc::get_mut(&mut shared).expect("a fresh Arc is unique"));
        // SAFETY: `init` initialised it.
        let shared = unsafe { shared.assume_init() };
        let memory = vec![0.0f32; memory].into_boxed_slice();
        // Built in place on the heap: a renderer is ~1 MB, too big to move around the
        // stack of a test thread in an unoptimised build.
        let mut place = Box::<CoreRenderer>::new_uninit();
        let controller = mixer_core::split_into(shared, memory, config, &mut place)
            .map_err(AudioError::Core)?
            .0;
        // SAFETY: `split_into` returned `Ok`, so it initialised the renderer in `place`.
        let renderer = unsafe { place.assume_init() };
        let controller = controller.with_backlog(Pending {
            queue: VecDeque::new(),
            limit: max_pending,
        });
        let mut mixer = Self {
            controller: Box::new(controller),
            buses: vec![None; MAX_BUSES],
            bus_epochs: vec![0; MAX_BUSES],
            streams: Streams::default(),
            output_channels: config.channels,
            listener: Listener::default(),
            shut_down: false,
            max_pending,
            effect_memory_mib: memory_mib,
            tag: crate::channel::next_tag(),
        };
        let state = |name: &str, parent| BusState {
            name: name.into(),
            volume_db: 0.0,
            mute: false,
            solo: false,
            parent,
            effects: Vec::new(),
        };
        mixer.buses[0] = Some(state(DEFAULT_BUSES[0], None));
        for (i, name) in DEFAULT_BUSES.iter().enumerate().skip(1) {
            let bus = BusId(i as u8);
            mixer
                .controller
                .set_bus(bus, Some(BusId::MASTER), 0.0)
                .map_err(AudioError::Core)?;
            mixer.buses[i] = Some(state(name, Some(BusId::MASTER)));
        }
        Ok((mixer, renderer))
    }

    /// A mixer and its renderer for `config` (already checked ranges become errors here).
    pub(crate) fn for_config(
        config: &crate::AudioConfig,
    ) -> Result<(Self, Box<CoreRenderer>), AudioError> {
        Self::new(
            config.core()?,
            config.effect_memory_floats()?,
            config.max_pending_commands,
        )
    }

    /// The core slot of the bus called `name`.
    pub(crate) fn slot_of(&self, name: &str) -> Option<usize> {
        self.buses
            .iter()
            .position(|b| b.as_ref().is_some_and(|b| b.name == name))
    }

    /// The bus called `name`.
    pub(crate) fn bus_id(&self, name: &str) -> Result<BusId, AudioError> {
        self.slot_of(name)
            .map(|i| BusId(i as u8))
            .ok_or_else(|| AudioError::UnknownBus {
                name: name.into(),
                available: self.bus_names(),
            })
    }

    /// Every bus's name, sorted.
    pub(crate) fn bus_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .buses
            .iter()
            .flatten()
            .map(|b| b.name.clone())
            .collect();
        names.sort();
        names
    }

    /// The name of bus `b` (the slot number for one with no name, which cannot happen).
    pub(crate) fn bus_name(&self, b: BusId) -> String {
        self.buses
            .get(b.index())
            .and_then(|s| s.as_ref())
            .map_or_else(|| format!("(bus slot {})", b.0), |s| s.name.clone())
    }

    /// The listener as last set.
    pub(crate) fn listener(&self) -> &Listener {
        &self.listener
    }

    /// Voices in use at once, at most.
    pub(crate) fn capacity(&self) -> usize {
        self.controller.voice_limit()
    }

    pub(crate) fn live(&mut self) -> Result<&mut CoreController, AudioError> {
        if self.shut_down {
            Err(AudioError::Shutdown)
        } else {
            Ok(&mut self.controller)
        }
    }

    pub(crate) fn err(&self, e: mixer_core::Error) -> AudioError {
        let bus_name = |b: BusId| self.bus_name(b);
        let cx = CoreContext {
            capacity: self.controller.voice_limit(),
            backlog: self.max_pending,
            bus_name: &bus_name,
        };
        AudioError::from_core(e, &cx)
    }

    pub(crate) fn control(
        &mut self,
        id: ChannelId,
        f: impl FnOnce(&mut CoreController, VoiceId) -> Result<(), mixer_core::Error>,
    ) -> Result<(), AudioError> {
        let v = match id.voice(self.tag) {
            Some(v) => v,
            None => return Ok(()),
        };
        let r = f(self.live()?, v);
        r.map_err(|e| self.err(e))
    }

    pub(crate) fn set_listener(&mut self, field: Field, v: [f32; 3]) -> Result<(), AudioError> {
        self.live()?;
        let mut next = self.listener;
        next.set(field, v)?;
        let core = mixer_core::spatial::Listener {
            position: next.position,
            velocity: next.velocity,
            forward: next.direction,
            up: next.world_up,
        };
        self.controller.set_listener(&core);
        self.listener = next;
        Ok(())
    }
}

impl Mixer {
    /// `(sample_rate, channels)` of PCM fed to streams: the mixer's rate; mono for a mono
    /// output, else stereo.
    pub(crate) fn stream_format_now(&self) -> (u32, u16) {
        (self.controller.sample_rate(), self.output_channels.min(2))
    }

    /// Forget the streams whose channels have ended.
    pub(crate) fn prune_streams(&mut self) {
        self.controller.collect();
        let (c, tag) = (&self.controller, self.tag);
        self.streams
            .retain(|id| id.voice(tag).is_some_and(|v| c.is_active(v)));
    }
}
