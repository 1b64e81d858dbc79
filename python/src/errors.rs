//! [`AudioError`] as Python exceptions: SimVX's own classes (`simvx.core.audio_errors`) where
//! SimVX is importable, the package's equivalents of the same shape where it is not (both come
//! from `simvx_audio_rs._compat`), and `FileNotFoundError` for a missing file.

use pyo3::exceptions::PyFileNotFoundError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PySet};
use simvx_audio::AudioError;

/// The exception classes, looked up once.
struct Classes {
    audio_error: Py<PyAny>,
    unknown_bus: Py<PyAny>,
    invalid_stream: Py<PyAny>,
    capability: Py<PyAny>,
    unavailable: Py<PyAny>,
    invalid_parameter: Py<PyAny>,
    no_free_voice: Py<PyAny>,
    shut_down: Py<PyAny>,
    backlog_full: Py<PyAny>,
    invalid_layout: Py<PyAny>,
}

fn classes(py: Python<'_>) -> PyResult<&'static Classes> {
    static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();
    crate::once(&CLASSES, py, || {
        let m = py.import("simvx_audio_rs._compat")?;
        let get = |name: &str| m.getattr(name).map(Bound::unbind);
        Ok(Classes {
            audio_error: get("AudioError")?,
            unknown_bus: get("UnknownBusError")?,
            invalid_stream: get("InvalidStreamError")?,
            capability: get("AudioCapabilityError")?,
            unavailable: get("AudioBackendUnavailable")?,
            invalid_parameter: get("InvalidParameterError")?,
            no_free_voice: get("NoFreeVoiceError")?,
            shut_down: get("BackendShutdownError")?,
            backlog_full: get("CommandBacklogFullError")?,
            invalid_layout: get("InvalidLayoutError")?,
        })
    })
}

/// The Python exception for `e`.
pub fn to_py(py: Python<'_>, e: AudioError) -> PyErr {
    match build(py, &e) {
        Ok(err) => err,
        Err(lookup) => lookup,
    }
}

fn build(py: Python<'_>, e: &AudioError) -> PyResult<PyErr> {
    let c = classes(py)?;
    let msg = e.to_string();
    let simple = |cls: &Py<PyAny>| -> PyResult<PyErr> {
        Ok(PyErr::from_value(cls.bind(py).call1((msg.clone(),))?))
    };
    match e {
        AudioError::UnknownBus { name, available } => {
            let kwargs = [("available", PyList::new(py, available)?)].into_py_dict(py)?;
            let err = c
                .unknown_bus
                .bind(py)
                .call((name.as_str(),), Some(&kwargs))?;
            Ok(PyErr::from_value(err))
        }
        AudioError::FileNotFound(path) => Ok(PyFileNotFoundError::new_err((
            2,
            "No such file or directory",
            path.display().to_string(),
        ))),
        AudioError::InvalidStream(_) => simple(&c.invalid_stream),
        AudioError::Capability {
            capability,
            backend,
            advertised,
        } => {
            let kwargs = pyo3::types::PyDict::new(py);
            kwargs.set_item("backend", backend)?;
            kwargs.set_item("advertised", PySet::new(py, advertised)?)?;
            kwargs.set_item(
                "remediation",
                "Use stream_mode='memory', or a backend on an audio device (the null backend has \
                 no streaming).",
            )?;
            let err = c
                .capability
                .bind(py)
                .call((capability.as_str(),), Some(&kwargs))?;
            Ok(PyErr::from_value(err))
        }
        AudioError::BackendUnavailable { .. } => simple(&c.unavailable),
        AudioError::InvalidParameter { .. } => simple(&c.invalid_parameter),
        AudioError::NoFreeVoice { .. } => simple(&c.no_free_voice),
        AudioError::Shutdown => simple(&c.shut_down),
        AudioError::CommandBacklogFull { .. } => simple(&c.backlog_full),
        AudioError::InvalidLayout(_)
        | AudioError::BusCycle { .. }
        | AudioError::MasterBus
        | AudioError::EffectMemory { .. } => simple(&c.invalid_layout),
        _ => simple(&c.audio_error),
    }
}

/// `InvalidStreamError(msg)`, for clips this crate cannot read.
pub fn invalid_stream(py: Python<'_>, msg: impl Into<String>) -> PyErr {
    to_py(py, AudioError::InvalidStream(msg.into()))
}

/// An extension trait: `.py_err(py)?` on facade results.
pub trait PyResultExt<T> {
    /// Map the facade's error to its Python exception.
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> PyResultExt<T> for Result<T, AudioError> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, e))
    }
}

use pyo3::types::IntoPyDict;
