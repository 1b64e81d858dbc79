//! The backend classes, with the original's method names, keyword names, defaults and return
//! types (SIMVX-ORIGINAL §3.1–§3.5, SPEC §10).
//!
//! | class | facets | made by |
//! |---|---|---|
//! | `SimvxAudioBackend` | playback, bus | (the base of the others) |
//! | `StreamingAudioBackend` | + streaming, pacing, draining | `open_device()`, `make_backend()` |
//! | `NullAudioBackend` | playback, bus, tree-bound | `make_backend()` with no device |
//! | `OfflineRenderer` | every facet + `render(frames)` | `OfflineRenderer(...)` |
//!
//! SimVX probes facets structurally (by the methods an object has), so the null backend is a
//! class without the streaming methods rather than one whose streaming methods fail.
//!
//! Locking: each backend keeps its engine behind one mutex, held only while Rust runs (never
//! across Python code, never while an exception object is built), and taken without holding
//! the GIL when it is contended, so Python threads cannot deadlock on it. Calls that may wait
//! (opening a device, decoding, shutting down, rendering offline) release the GIL.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyFrozenSet};
use simvx_audio::{
    AudioConfig, AudioError, Backend, BackendInfo, Buses, ChannelId, HasStreams, OfflineBackend,
    PlayMode, PlayParams, Playback, StreamFacets,
};

use crate::clip;
use crate::errors::{PyResultExt, to_py};
use crate::layout::{Change, Mirror};
use crate::logbridge;
use crate::{lock, once};

/// The engine a backend object drives.
enum Engine {
    /// A device or the null clock, from `make_backend`/`open_device`.
    Live(Backend),
    /// Pulled by `render`.
    Offline(OfflineBackend),
}

impl Engine {
    fn playback(&mut self) -> &mut dyn Playback {
        match self {
            Engine::Live(b) => b,
            Engine::Offline(b) => b,
        }
    }

    fn buses(&mut self) -> &mut dyn Buses {
        match self {
            Engine::Live(b) => b,
            Engine::Offline(b) => b,
        }
    }

    fn streams(&mut self) -> Option<&mut dyn StreamFacets> {
        match self {
            Engine::Live(b) => b.streams(),
            Engine::Offline(b) => b.streams(),
        }
    }

    /// The null backend's clock, when this is the null backend.
    fn null_clock(&mut self) -> Option<simvx_audio::NullClock<'_>> {
        match self {
            Engine::Live(b) => b.as_null(),
            Engine::Offline(_) => None,
        }
    }

    fn info(&self) -> &BackendInfo {
        match self {
            Engine::Live(b) => b.info(),
            Engine::Offline(b) => b.info(),
        }
    }
}

/// The state behind a backend's mutex.
struct State {
    engine: Engine,
    shut_down: bool,
}

/// A Python truth value: any object, read as `if x:` reads it (the original's `loop` took
/// whatever the caller passed).
#[derive(Debug, Clone, Copy)]
pub struct Truthy(bool);

impl<'a, 'py> FromPyObject<'a, 'py> for Truthy {
    type Error = PyErr;

    fn extract(obj: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        obj.is_truthy().map(Truthy)
    }
}

/// A channel id from Python: anything that is not an id this crate issued (0, a negative or
/// huge int, `None`) is inert, as the original's stale ids were.
fn channel(id: &Bound<'_, PyAny>) -> Option<ChannelId> {
    id.extract::<u64>().ok().and_then(ChannelId::from_raw)
}

/// A control's result as the original's callers see it: after `shutdown()` every channel is
/// gone, so a control on one is a no-op (as on any stale id), not an error.
fn control(r: Result<(), AudioError>) -> Result<(), AudioError> {
    match r {
        Err(AudioError::Shutdown) => Ok(()),
        other => other,
    }
}

/// A world position from `play_audio(position=...)`: a sequence of 2 or 3 numbers or an
/// object with `x`, `y` (and `z`) attributes (SimVX's vectors). The original ignores it; it is
/// kept in the channel's parameters.
fn position(p: Option<&Bound<'_, PyAny>>) -> PyResult<[f32; 3]> {
    let Some(p) = p.filter(|p| !p.is_none()) else {
        return Ok([0.0; 3]);
    };
    if let Ok(v) = p.extract::<Vec<f32>>() {
        return match v.as_slice() {
            [x, y] => Ok([*x, *y, 0.0]),
            [x, y, z] => Ok([*x, *y, *z]),
            _ => Err(PyValueError::new_err(format!(
                "position needs 2 or 3 numbers, got {}",
                v.len()
            ))),
        };
    }
    let (Ok(x), Ok(y)) = (p.getattr("x"), p.getattr("y")) else {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "position must be a sequence of 2 or 3 numbers or a vector with x, y (and z), \
             not {}",
            p.get_type().name()?
        )));
    };
    let z: f32 = match p.getattr("z") {
        Ok(z) => z.extract()?,
        Err(_) => 0.0,
    };
    Ok([x.extract()?, y.extract()?, z])
}

/// The playback and bus facets: what every backend has. Instances come from `open_device()`,
/// `make_backend()` and `OfflineRenderer(...)`, as one of the subclasses.
#[pyclass(subclass, frozen, weakref, module = "simvx_audio_rs")]
pub struct SimvxAudioBackend {
    state: Mutex<State>,
    layout: Mutex<Mirror>,
    caps: PyOnceLock<Py<PyFrozenSet>>,
    /// The tree whose `now` clocks a null backend (`bind_tree`), held weakly.
    tree: Mutex<Option<(Py<PyAny>, f64)>>,
    /// Layouts that reached the engine (changed ones only).
    layouts_applied: AtomicU64,
}

impl std::fmt::Debug for SimvxAudioBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimvxAudioBackend").finish_non_exhaustive()
    }
}

impl SimvxAudioBackend {
    fn new(engine: Engine) -> Self {
        Self {
            state: Mutex::new(State {
                engine,
                shut_down: false,
            }),
            layout: Mutex::new(Mirror::default()),
            caps: PyOnceLock::new(),
            tree: Mutex::new(None),
            layouts_applied: AtomicU64::new(0),
        }
    }

    /// Run `f` on the state (pure Rust only: no Python code may run while it is held). Device
    /// work (reopening a lost or underrunning device) never runs here: the device watcher
    /// thread does it.
    fn with<R>(&self, py: Python<'_>, f: impl FnOnce(&mut State) -> R) -> R {
        logbridge::flush(py);
        self.follow_tree(py);
        let mut state = lock(&self.state, py);
        f(&mut state)
    }

    /// Run `f` on the state with the GIL released (for calls that may wait).
    fn detached<R: Send>(&self, py: Python<'_>, f: impl FnOnce(&mut State) -> R + Send) -> R {
        logbridge::flush(py);
        let state = &self.state;
        let r = py.detach(move || f(&mut state.lock().unwrap_or_else(|p| p.into_inner())));
        logbridge::flush(py);
        r
    }

    /// A null backend bound to a tree advances its clock to the tree's `now` first.
    fn follow_tree(&self, py: Python<'_>) {
        let bound = lock(&self.tree, py).as_ref().map(|(t, _)| t.clone_ref(py));
        let Some(weak) = bound else { return };
        let now = weak
            .bind(py)
            .call0()
            .ok()
            .filter(|t| !t.is_none())
            .and_then(|t| t.getattr("now").ok())
            .and_then(|n| n.extract::<f64>().ok());
        let Some(now) = now else { return };
        let mut tree = lock(&self.tree, py);
        let Some((_, last)) = tree.as_mut() else {
            return;
        };
        let dt = now - *last;
        *last = now;
        drop(tree);
        if dt > 0.0 && dt.is_finite() {
            let mut state = lock(&self.state, py);
            if let Some(mut clock) = state.engine.null_clock() {
                clock.advance(dt);
            }
        }
    }
}

#[pymethods]
impl SimvxAudioBackend {
    /// Start `stream` (an `AudioClip`, or a path) and return its channel id.
    ///
    /// `mode`, `position` and `max_distance` are kept with the channel, as in the original,
    /// where players pass final `volume_db`, `pan` and `pitch`. Raises `UnknownBusError`,
    /// `FileNotFoundError`, `InvalidStreamError`, `InvalidParameterError` (NaN),
    /// `NoFreeVoiceError` and, after `shutdown()`, `BackendShutdownError`. `priority` (0 to
    /// 255, an extension of the original) ranks the voice for virtual voices and stealing.
    #[pyo3(signature = (
        stream, *, mode = "non_positional", position = None, volume_db = 0.0, pitch = 1.0,
        r#loop = Truthy(false), bus = "Master", max_distance = 100.0, from_position = 0.0, pan = 0.0,
        gain_db = 0.0, priority = simvx_audio::DEFAULT_PRIORITY
    ))]
    #[allow(clippy::too_many_arguments)]
    fn play_audio(
        &self,
        py: Python<'_>,
        stream: &Bound<'_, PyAny>,
        mode: &str,
        position: Option<&Bound<'_, PyAny>>,
        volume_db: f64,
        pitch: f64,
        r#loop: Truthy,
        bus: &str,
        max_distance: f64,
        from_position: f64,
        pan: f64,
        gain_db: f64,
        priority: u8,
    ) -> PyResult<Option<u64>> {
        let Some(mode) = PlayMode::parse(mode) else {
            return Err(PyValueError::new_err(format!(
                "mode {mode:?}: use \"non_positional\", \"2d\" or \"3d\""
            )));
        };
        let params = PlayParams {
            mode,
            position: self::position(position)?,
            volume_db: volume_db as f32,
            pitch: pitch as f32,
            looping: r#loop.0,
            bus: bus.to_owned(),
            max_distance: max_distance as f32,
            from_position,
            pan: pan as f32,
            gain_db: gain_db as f32,
            emitter: None,
            priority,
        };
        // Shut down: refuse before decoding anything.
        if self.with(py, |s| s.shut_down) {
            return Err(to_py(py, AudioError::Shutdown));
        }
        let sound = clip::sound_of(py, stream)?;
        self.with(py, |s| s.engine.playback().play_audio(&sound, &params))
            .map(|id| Some(id.get()))
            .py_err(py)
    }

    /// End the channel with a short fade. No-op for unknown, finished or stopped ids.
    fn stop_audio(&self, py: Python<'_>, id: &Bound<'_, PyAny>) -> PyResult<()> {
        let Some(id) = channel(id) else { return Ok(()) };
        self.with(py, |s| control(s.engine.playback().stop_audio(id)))
            .py_err(py)
    }

    /// Hold the channel at its cursor.
    fn pause_audio(&self, py: Python<'_>, id: &Bound<'_, PyAny>) -> PyResult<()> {
        let Some(id) = channel(id) else { return Ok(()) };
        self.with(py, |s| control(s.engine.playback().pause_audio(id)))
            .py_err(py)
    }

    /// Continue a paused channel from its cursor.
    fn resume_audio(&self, py: Python<'_>, id: &Bound<'_, PyAny>) -> PyResult<()> {
        let Some(id) = channel(id) else { return Ok(()) };
        self.with(py, |s| control(s.engine.playback().resume_audio(id)))
            .py_err(py)
    }

    /// Replace the channel's level and pan (ramped over a few milliseconds).
    fn update_audio_2d(
        &self,
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        volume_db: f64,
        pan: f64,
    ) -> PyResult<()> {
        let Some(id) = channel(id) else { return Ok(()) };
        self.with(py, |s| {
            control(
                s.engine
                    .playback()
                    .update_audio_2d(id, volume_db as f32, pan as f32),
            )
        })
        .py_err(py)
    }

    /// Replace the channel's level, pan and pitch (ramped over a few milliseconds).
    fn update_audio_3d(
        &self,
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        volume_db: f64,
        pan: f64,
        pitch: f64,
    ) -> PyResult<()> {
        let Some(id) = channel(id) else { return Ok(()) };
        self.with(py, |s| {
            control(s.engine.playback().update_audio_3d(
                id,
                volume_db as f32,
                pan as f32,
                pitch as f32,
            ))
        })
        .py_err(py)
    }

    /// Replace the channel's pitch (streams included).
    fn set_pitch(&self, py: Python<'_>, id: &Bound<'_, PyAny>, pitch: f64) -> PyResult<()> {
        let Some(id) = channel(id) else { return Ok(()) };
        self.with(py, |s| {
            control(s.engine.playback().set_pitch(id, pitch as f32))
        })
        .py_err(py)
    }

    /// The channel's cursor in seconds of its sound (loops wrap); 0.0 for inactive ids.
    fn get_playback_position(&self, py: Python<'_>, id: &Bound<'_, PyAny>) -> f64 {
        let Some(id) = channel(id) else { return 0.0 };
        self.with(py, |s| s.engine.playback().get_playback_position(id))
    }

    /// Whether the channel plays or is paused; False once finished, stopped, or unknown.
    fn is_channel_active(&self, py: Python<'_>, id: &Bound<'_, PyAny>) -> bool {
        let Some(id) = channel(id) else { return false };
        self.with(py, |s| s.engine.playback().is_channel_active(id))
    }

    /// The listener's position.
    fn set_listener_position(&self, py: Python<'_>, x: f64, y: f64, z: f64) -> PyResult<()> {
        let v = [x as f32, y as f32, z as f32];
        self.with(py, |s| {
            control(s.engine.playback().set_listener_position(v))
        })
        .py_err(py)
    }

    /// The listener's velocity (units per second).
    fn set_listener_velocity(&self, py: Python<'_>, x: f64, y: f64, z: f64) -> PyResult<()> {
        let v = [x as f32, y as f32, z as f32];
        self.with(py, |s| {
            control(s.engine.playback().set_listener_velocity(v))
        })
        .py_err(py)
    }

    /// The direction the listener faces.
    fn set_listener_direction(&self, py: Python<'_>, x: f64, y: f64, z: f64) -> PyResult<()> {
        let v = [x as f32, y as f32, z as f32];
        self.with(py, |s| {
            control(s.engine.playback().set_listener_direction(v))
        })
        .py_err(py)
    }

    /// The listener's up vector.
    fn set_listener_world_up(&self, py: Python<'_>, x: f64, y: f64, z: f64) -> PyResult<()> {
        let v = [x as f32, y as f32, z as f32];
        self.with(py, |s| {
            control(s.engine.playback().set_listener_world_up(v))
        })
        .py_err(py)
    }

    /// Make the buses match SimVX's `AudioBusLayout` (cheap when nothing changed: called every
    /// tick). A layout the engine cannot use raises `InvalidLayoutError` (or
    /// `UnknownBusError`) once; the same layout again is a no-op until it changes.
    fn sync_bus_layout(&self, py: Python<'_>, layout: &Bound<'_, PyAny>) -> PyResult<()> {
        // The layout is read with no lock held: reading runs Python code (properties).
        let mut mirror = std::mem::take(&mut *lock(&self.layout, py));
        let change = mirror.read(layout);
        let result = match change {
            Ok(Change::Same) => Ok(()),
            Ok(Change::Bad(e)) => Err(to_py(py, e)),
            Ok(Change::New(l)) => {
                let r = self.with(py, |s| {
                    if s.shut_down {
                        return Ok(());
                    }
                    s.engine.buses().sync_bus_layout(&l)
                });
                // A refused layout is reported once: the same layout again is a no-op.
                if r.is_ok() {
                    self.layouts_applied.fetch_add(1, Ordering::Relaxed);
                }
                r.py_err(py)
            }
            Err(e) => Err(e),
        };
        *lock(&self.layout, py) = mirror;
        result
    }

    /// What this backend can do, as SimVX's `Capability` members.
    fn list_capabilities(&self, py: Python<'_>) -> PyResult<Py<PyFrozenSet>> {
        let caps = once(&self.caps, py, || {
            let strings = self.with(py, |s| s.engine.playback().list_capabilities().strings());
            let cap = py.import("simvx_audio_rs._compat")?.getattr("Capability")?;
            let members = strings
                .into_iter()
                .map(|s| cap.call1((s,)))
                .collect::<PyResult<Vec<_>>>()?;
            Ok(PyFrozenSet::new(py, &members)?.unbind())
        })?;
        Ok(caps.clone_ref(py))
    }

    /// Release everything: stop every channel, close the device (joining its thread). Every
    /// later `play_audio`/`open_stream` raises `BackendShutdownError`; controls are no-ops and
    /// queries report nothing active. Idempotent.
    fn shutdown(&self, py: Python<'_>) {
        self.detached(py, |s| {
            s.engine.playback().shutdown();
            s.shut_down = true;
        });
    }

    /// Which backend this is: `native`, `legacy`, `null` or `offline`.
    #[getter]
    fn kind(&self, py: Python<'_>) -> &'static str {
        self.with(py, |s| s.engine.info().kind.as_str())
    }

    /// What the backend reports about itself: kind, device, buffer_frames, latency_seconds,
    /// sample_rate, channels, sample_format.
    #[getter]
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let info = self.with(py, |s| s.engine.info().clone());
        let d = PyDict::new(py);
        d.set_item("kind", info.kind.as_str())?;
        d.set_item("device", info.device)?;
        d.set_item("buffer_frames", info.buffer_frames)?;
        d.set_item("latency_seconds", info.latency_seconds)?;
        d.set_item("sample_rate", info.sample_rate)?;
        d.set_item("channels", info.channels)?;
        d.set_item("sample_format", info.sample_format)?;
        Ok(d)
    }

    /// How many `sync_bus_layout` calls found a changed layout and sent it to the engine
    /// (the others cost only the reading).
    #[getter]
    fn layouts_applied(&self) -> u64 {
        self.layouts_applied.load(Ordering::Relaxed)
    }

    /// Whether `shutdown()` was called.
    #[getter]
    fn is_shut_down(&self, py: Python<'_>) -> bool {
        self.with(py, |s| s.shut_down)
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, pyo3::types::PyTuple>) {
        self.shutdown(py);
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let (info, shut) = self.with(py, |s| (s.engine.info().clone(), s.shut_down));
        format!(
            "<simvx_audio_rs backend {} on {:?}, {} Hz, {} ch{}>",
            info.kind,
            info.device,
            info.sample_rate,
            info.channels,
            if shut { ", shut down" } else { "" }
        )
    }
}

/// A backend with the streaming, pacing and draining facets: the device backends and the
/// offline renderer.
#[pyclass(extends = SimvxAudioBackend, subclass, frozen, module = "simvx_audio_rs")]
#[derive(Debug)]
pub struct StreamingAudioBackend;

impl StreamingAudioBackend {
    fn base<'a>(slf: &'a Bound<'_, Self>) -> &'a SimvxAudioBackend {
        slf.as_super().get()
    }
}

/// The streams of `s`, which this class always has (a device or offline engine).
fn streams(s: &mut State) -> Result<&mut dyn StreamFacets, AudioError> {
    if s.shut_down {
        return Err(AudioError::Shutdown);
    }
    s.engine.streams().ok_or(AudioError::Shutdown)
}

#[pymethods]
impl StreamingAudioBackend {
    /// Open a streaming channel and return its id. With no clip, or a `wav`/`pcm` one, the
    /// channel is a ring the caller feeds with `feed_audio_chunk` (SimVX's streaming player
    /// decodes WAV itself); `ogg`, `mp3` and `flac` files are decoded by the backend on its
    /// own thread, looping if asked. Raises `UnknownBusError`, `FileNotFoundError`,
    /// `InvalidStreamError` (an `unknown` container), `InvalidParameterError`.
    #[pyo3(signature = (*, volume_db = 0.0, bus = "Master", buffer_seconds = 0.5, r#loop = Truthy(false), stream = None))]
    fn open_stream(
        slf: &Bound<'_, Self>,
        volume_db: f64,
        bus: &str,
        buffer_seconds: f64,
        r#loop: Truthy,
        stream: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let py = slf.py();
        let source = match stream {
            Some(s) => clip::stream_source(py, s)?,
            None => None,
        };
        let file = match source {
            None => None,
            Some((_, Some(c))) if c == "wav" || c == "pcm" => None,
            Some((path, c)) => {
                if path.as_os_str().is_empty() {
                    return Err(crate::errors::invalid_stream(
                        py,
                        "the clip given to open_stream has no file path",
                    ));
                }
                if c.as_deref() == Some("unknown") && path.exists() {
                    return Err(crate::errors::invalid_stream(
                        py,
                        format!(
                            "{}: not a WAV, Ogg Vorbis, MP3 or FLAC file (container not detected)",
                            path.display()
                        ),
                    ));
                }
                Some(path)
            }
        };
        let bus = bus.to_owned();
        let base = Self::base(slf);
        let open = move |s: &mut State| {
            streams(s)?.open_stream(
                volume_db as f32,
                &bus,
                buffer_seconds,
                r#loop.0,
                file.as_deref(),
                0.0,
            )
        };
        // Opening a file starts a decoder and reads the file's header: without the GIL.
        base.detached(py, open).map(ChannelId::get).py_err(py)
    }

    /// Queue interleaved s16 PCM (`bytes`, `bytearray` or anything `bytes()` takes) at
    /// `stream_format()`. Returns the bytes accepted: whole frames that fit (a trailing
    /// partial frame is trimmed); the producer retries the rest. 0 for unknown ids and
    /// backend-decoded channels.
    fn feed_audio_chunk(
        slf: &Bound<'_, Self>,
        id: &Bound<'_, PyAny>,
        chunk: &Bound<'_, PyAny>,
    ) -> PyResult<usize> {
        let py = slf.py();
        let Some(id) = channel(id) else { return Ok(0) };
        let owned;
        let bytes: &[u8] = if let Ok(b) = chunk.cast::<PyBytes>() {
            b.as_bytes()
        } else if let Ok(b) = chunk.cast::<PyByteArray>() {
            owned = b.to_vec();
            &owned
        } else {
            owned = py
                .get_type::<PyBytes>()
                .call1((chunk,))?
                .cast_into::<PyBytes>()?
                .as_bytes()
                .to_vec();
            &owned
        };
        let r = Self::base(slf).with(py, |s| match streams(s) {
            Ok(st) => st.feed_audio_chunk(id, bytes),
            Err(AudioError::Shutdown) => Ok(0),
            Err(e) => Err(e),
        });
        r.py_err(py)
    }

    /// `(sample_rate, channels)` of fed PCM.
    fn stream_format(slf: &Bound<'_, Self>) -> (u32, u16) {
        Self::base(slf).with(slf.py(), |s| match s.engine.streams() {
            Some(st) => st.stream_format(),
            None => (s.engine.info().sample_rate, s.engine.info().channels),
        })
    }

    /// Frames writable now: 0 when full, unknown, or backend-decoded.
    fn frames_available(slf: &Bound<'_, Self>, id: &Bound<'_, PyAny>) -> usize {
        let Some(id) = channel(id) else { return 0 };
        Self::base(slf).with(slf.py(), |s| {
            streams(s).map_or(0, |st| st.frames_available(id))
        })
    }

    /// No more chunks: the channel plays what is queued, then ends. No-op for unknown ids,
    /// backend-decoded channels and repeated calls.
    fn end_of_stream(slf: &Bound<'_, Self>, id: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let Some(id) = channel(id) else { return Ok(()) };
        Self::base(slf)
            .with(py, |s| match streams(s) {
                Ok(st) => st.end_of_stream(id),
                Err(_) => Ok(()),
            })
            .py_err(py)
    }
}

/// The null backend (no device): the engine advanced on a clock, with no mixing, so sounds end
/// exactly when they would on a device. The clock is the bound tree's `now`
/// (`bind_tree(tree)`, as SimVX's own null backend), the game's `advance(seconds)`, or the
/// wall clock (`use_wall_clock()`).
#[pyclass(extends = SimvxAudioBackend, frozen, module = "simvx_audio_rs")]
#[derive(Debug)]
pub struct NullAudioBackend;

#[pymethods]
impl NullAudioBackend {
    /// Move the clock on by `seconds`.
    fn advance(slf: &Bound<'_, Self>, seconds: f64) -> PyResult<()> {
        if !seconds.is_finite() || seconds < 0.0 {
            return Err(PyValueError::new_err(format!(
                "advance({seconds}): seconds must be finite and non-negative"
            )));
        }
        slf.as_super().get().with(slf.py(), |s| {
            if let Some(mut clock) = s.engine.null_clock() {
                clock.advance(seconds);
            }
        });
        Ok(())
    }

    /// Let the wall clock drive the backend from now on.
    fn use_wall_clock(slf: &Bound<'_, Self>) {
        slf.as_super().get().with(slf.py(), |s| {
            if let Some(mut clock) = s.engine.null_clock() {
                clock.use_wall_clock();
            }
        });
    }

    /// Adopt `tree.now` (seconds) as the clock, holding the tree weakly: every later call
    /// first advances the backend to the tree's time.
    fn bind_tree(slf: &Bound<'_, Self>, tree: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let weak = py
            .import("weakref")?
            .getattr("ref")?
            .call1((tree,))?
            .unbind();
        let now = tree
            .getattr("now")
            .and_then(|n| n.extract::<f64>())
            .unwrap_or(0.0);
        let base = slf.as_super().get();
        *lock(&base.tree, py) = Some((weak, now));
        Ok(())
    }

    /// The clock's time in seconds.
    #[getter]
    fn now(slf: &Bound<'_, Self>) -> f64 {
        slf.as_super()
            .get()
            .with(slf.py(), |s| match &mut s.engine {
                Engine::Live(b) => b.as_null().map_or(0.0, |c| c.now()),
                Engine::Offline(_) => 0.0,
            })
    }
}

/// A backend with no device that renders when asked: the same engine, deterministic (the same
/// calls give the same samples on every run and machine). For tests and tools.
///
/// ```python
/// r = OfflineRenderer(sample_rate=48000, nchannels=2)
/// ch = r.play_audio(AudioClip.tone(440.0))
/// block = r.render(4800)  # numpy float32, shape (4800, 2)
/// ```
#[pyclass(extends = StreamingAudioBackend, frozen, module = "simvx_audio_rs")]
#[derive(Debug)]
pub struct OfflineRenderer;

#[pymethods]
impl OfflineRenderer {
    #[new]
    #[pyo3(signature = (sample_rate = 48_000, nchannels = 2, *, voices = DEFAULT_VOICES))]
    fn py_new(
        py: Python<'_>,
        sample_rate: u32,
        nchannels: u16,
        voices: usize,
    ) -> PyResult<PyClassInitializer<Self>> {
        let config = config(sample_rate, nchannels, voices);
        let engine = OfflineBackend::new(&config).py_err(py)?;
        Ok(
            PyClassInitializer::from(SimvxAudioBackend::new(Engine::Offline(engine)))
                .add_subclass(StreamingAudioBackend)
                .add_subclass(OfflineRenderer),
        )
    }

    /// Render the next `frames` frames: a numpy float32 array of shape `(frames, channels)`.
    /// Every call made so far applies at its first frame.
    fn render<'py>(slf: &Bound<'py, Self>, frames: usize) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let base = slf.as_super().as_super().get();
        let samples = base.detached(py, move |s| match &mut s.engine {
            Engine::Offline(b) => b.render_frames(frames),
            Engine::Live(_) => Vec::new(),
        });
        let channels = base.with(py, |s| s.engine.info().channels);
        let bytes = PyByteArray::new_with(py, samples.len() * 4, |buf| {
            for (dst, s) in buf.chunks_exact_mut(4).zip(&samples) {
                dst.copy_from_slice(&s.to_le_bytes());
            }
            Ok(())
        })?;
        let numpy = py.import("numpy").map_err(|e| {
            pyo3::exceptions::PyImportError::new_err(format!(
                "OfflineRenderer.render returns numpy arrays: install numpy \
                 (pip install 'simvx-audio-rs[numpy]'): {e}"
            ))
        })?;
        let array = numpy.call_method1("frombuffer", (bytes, "<f4"))?;
        array.call_method1("reshape", (frames, usize::from(channels)))
    }

    /// Frames rendered so far.
    #[getter]
    fn frames_rendered(slf: &Bound<'_, Self>) -> u64 {
        slf.as_super()
            .as_super()
            .get()
            .with(slf.py(), |s| match &s.engine {
                Engine::Offline(b) => b.frames_rendered(),
                Engine::Live(_) => 0,
            })
    }
}

/// The voice pool of backends made from Python: the engine's largest. The original had no
/// fixed pool (every SimVX player may hold a voice), and an idle voice costs nothing to mix.
pub const DEFAULT_VOICES: usize = simvx_audio::MAX_VOICES;

fn config(sample_rate: u32, nchannels: u16, voices: usize) -> AudioConfig {
    AudioConfig {
        sample_rate,
        channels: nchannels,
        voices,
        ..AudioConfig::default()
    }
}

/// Wrap a live engine in the class its kind calls for.
fn wrap(py: Python<'_>, backend: Backend) -> PyResult<Py<PyAny>> {
    let null = backend.device().is_none();
    let base = SimvxAudioBackend::new(Engine::Live(backend));
    let obj = if null {
        Py::new(
            py,
            PyClassInitializer::from(base).add_subclass(NullAudioBackend),
        )?
        .into_any()
    } else {
        Py::new(
            py,
            PyClassInitializer::from(base).add_subclass(StreamingAudioBackend),
        )?
        .into_any()
    };
    Ok(obj)
}

/// A live engine from `open` (run with the GIL released: it opens devices), wrapped, with the
/// warnings it logged delivered.
fn open_live(
    py: Python<'_>,
    cfg: AudioConfig,
    open: fn(&AudioConfig) -> Result<Backend, AudioError>,
) -> PyResult<Py<PyAny>> {
    let backend = py.detach(move || open(&cfg));
    logbridge::flush(py);
    wrap(py, backend.py_err(py)?)
}

/// Open the default output device with the native timing (≤ 20 ms of buffer), then the legacy
/// timing (about 100 ms, with one loud warning); raise `AudioBackendUnavailable` when no
/// device opens. This is the SimVX factory: SimVX's own chain then decides what follows.
#[pyfunction]
#[pyo3(signature = (sample_rate = 48_000, nchannels = 2, *, voices = DEFAULT_VOICES))]
pub fn open_device(
    py: Python<'_>,
    sample_rate: u32,
    nchannels: u16,
    voices: usize,
) -> PyResult<Py<PyAny>> {
    open_live(
        py,
        config(sample_rate, nchannels, voices),
        simvx_audio::device_backend,
    )
}

/// The best backend available, in order: native, legacy, null (silent, on a clock), warning
/// loudly at every fallback (logger `simvx.audio`). With `SIMVX_ALLOW_LEGACY_AUDIO=0` a
/// native failure raises `AudioBackendUnavailable` instead.
#[pyfunction]
#[pyo3(signature = (sample_rate = 48_000, nchannels = 2, *, voices = DEFAULT_VOICES))]
pub fn make_backend(
    py: Python<'_>,
    sample_rate: u32,
    nchannels: u16,
    voices: usize,
) -> PyResult<Py<PyAny>> {
    open_live(
        py,
        config(sample_rate, nchannels, voices),
        simvx_audio::make_backend,
    )
}

/// The null backend, without trying any device: the engine on a clock the game drives
/// (`advance`, `bind_tree` or `use_wall_clock`), with no mixing. For headless runs (CI, a
/// server) that want no device even where one exists.
#[pyfunction]
#[pyo3(signature = (sample_rate = 48_000, nchannels = 2, *, voices = DEFAULT_VOICES))]
pub fn null_backend(
    py: Python<'_>,
    sample_rate: u32,
    nchannels: u16,
    voices: usize,
) -> PyResult<Py<PyAny>> {
    open_live(
        py,
        config(sample_rate, nchannels, voices),
        simvx_audio::null_backend,
    )
}
