//! SimVX's `AudioClip` (SIMVX-ORIGINAL §9.1) as a [`Sound`], decoded once per clip.
//!
//! A clip is read by its attributes: `path`, `container`, `backend_data`, `sample_rate`,
//! `channels`. A clip holding PCM (`AudioClip.from_pcm`, `AudioClip.tone`) plays at its own
//! declared rate and channel count (the original played it at the backend's, SIMVX-ORIGINAL
//! §17.1); a clip with a file is decoded from the file (by its magic bytes), with the GIL
//! released. The sound is kept on the clip (attribute `_simvx_audio_rs`), so it is decoded once
//! and reused while the clip lives; clips that take no attributes share a small cache keyed by
//! the file's path, size and modification time. A plain `str` or path also works.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyString;
use simvx_audio::{AudioError, Sound};

use crate::errors::{PyResultExt, invalid_stream};
use crate::pcm;

/// Where a clip keeps its decoded sound.
const CACHE_ATTR: &str = "_simvx_audio_rs";

/// Decoded samples kept for clips that cannot carry their sound themselves (or for plain
/// paths), at most: past it the cache starts over.
const PATH_CACHE_SAMPLES: usize = 32 << 20;

/// A clip's decoded sound, with what it was decoded from (so a clip whose source changed is
/// decoded again): its path, and its PCM object itself (held, so its identity cannot be
/// taken by another object). PCM is read once: an array changed in place afterwards is not
/// read again (give the clip a new array, or make a new clip).
#[pyclass(frozen, module = "simvx_audio_rs._native")]
#[derive(Debug)]
pub struct Decoded {
    sound: Sound,
    path: Option<String>,
    data: Option<Py<PyAny>>,
}

type PathKey = (PathBuf, u64, Option<std::time::SystemTime>);

/// The decoded files and the samples they hold.
static PATH_CACHE: Mutex<Option<(HashMap<PathKey, Sound>, usize)>> = Mutex::new(None);

/// The sound of `clip`: an `AudioClip` (or anything with its attributes), a `str` or an
/// `os.PathLike`.
///
/// # Errors
/// `FileNotFoundError` for a missing file; `InvalidStreamError` for an undecodable file, an
/// unknown container, a clip with no audio (`AudioClip.empty()`) or unusable PCM.
pub fn sound_of(py: Python<'_>, clip: &Bound<'_, PyAny>) -> PyResult<Sound> {
    if clip.is_none() {
        return Err(invalid_stream(
            py,
            "no clip given: play_audio needs an AudioClip or a path",
        ));
    }
    if let Ok(s) = clip.cast::<PyString>() {
        return decode_path(py, Path::new(s.to_str()?));
    }
    let attr = |name: &str| -> PyResult<Option<Bound<'_, PyAny>>> {
        match clip.getattr(name) {
            Ok(v) if v.is_none() => Ok(None),
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_instance_of::<pyo3::exceptions::PyAttributeError>(py) => Ok(None),
            Err(e) => Err(e),
        }
    };
    let is_clip = clip.hasattr(pyo3::intern!(py, "container"))?;
    if !is_clip {
        if clip.hasattr(pyo3::intern!(py, "__fspath__"))? {
            let path: PathBuf = clip.extract()?;
            return decode_path(py, &path);
        }
        return Err(invalid_stream(
            py,
            format!(
                "cannot play a {}: pass an AudioClip or a path",
                clip.get_type().name()?
            ),
        ));
    }
    let path = match attr("path")? {
        Some(p) => Some(fspath(py, &p)?),
        None => None,
    };
    let data = attr("backend_data")?;
    let same_data = |held: &Option<Py<PyAny>>| match (held, &data) {
        (None, None) => true,
        (Some(h), Some(d)) => h.as_ptr() == d.as_ptr(),
        _ => false,
    };
    if let Some(cached) = attr(CACHE_ATTR)?
        && let Ok(d) = cached.cast::<Decoded>()
        && same_data(&d.get().data)
        && d.get().path == path
    {
        return Ok(d.get().sound.clone());
    }
    let container: Option<String> = attr("container")?.map(|c| c.str()?.extract()).transpose()?;
    let rate: Option<u32> = attr("sample_rate")?.map(|r| r.extract()).transpose()?;
    let channels: Option<u16> = attr("channels")?.map(|c| c.extract()).transpose()?;
    let declared = rate.is_some() && channels.is_some();
    let sound = match (&data, container.as_deref()) {
        (Some(d), c) if c == Some("pcm") || declared => {
            let (Some(rate), Some(channels)) = (rate, channels) else {
                return Err(invalid_stream(
                    py,
                    "the clip holds PCM but declares no sample_rate and channels (make it with \
                     AudioClip.from_pcm)",
                ));
            };
            pcm::sound_from(py, d, rate, channels)?
        }
        (None, Some("pcm")) => {
            return Err(invalid_stream(
                py,
                format!(
                    "clip {:?} holds no audio (an empty clip): nothing to play",
                    path.as_deref().unwrap_or("")
                ),
            ));
        }
        _ => {
            let Some(p) = path.as_deref().filter(|p| !p.is_empty()) else {
                return Err(invalid_stream(
                    py,
                    "the clip has neither PCM nor a file path",
                ));
            };
            decode_path(py, Path::new(p))?
        }
    };
    let decoded = Decoded {
        sound: sound.clone(),
        path,
        data: data.map(Bound::unbind),
    };
    // A clip with __slots__ (or a frozen dataclass) takes no attribute: it is decoded again
    // next time, or found in the path cache.
    let _ = clip.setattr(CACHE_ATTR, decoded);
    Ok(sound)
}

/// `os.fspath(p)` as a string.
fn fspath(py: Python<'_>, p: &Bound<'_, PyAny>) -> PyResult<String> {
    static FSPATH: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    if let Ok(s) = p.cast::<PyString>() {
        return Ok(s.to_str()?.to_owned());
    }
    let f = crate::once(&FSPATH, py, || {
        Ok(py.import("os")?.getattr("fspath")?.unbind())
    })?;
    let s = f.call1(py, (p,))?;
    s.bind(py).str()?.extract()
}

/// Decode the file at `path` (by its magic bytes), with the GIL released, through the path
/// cache.
fn decode_path(py: Python<'_>, path: &Path) -> PyResult<Sound> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(AudioError::FileNotFound(path.to_path_buf())).py_err(py);
        }
        Err(e) => {
            return Err(invalid_stream(
                py,
                format!("cannot read {}: {e}", path.display()),
            ));
        }
    };
    let key: PathKey = (path.to_path_buf(), meta.len(), meta.modified().ok());
    {
        let cache = PATH_CACHE.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = cache.as_ref().and_then(|(c, _)| c.get(&key)) {
            return Ok(s.clone());
        }
    }
    let owned = path.to_path_buf();
    let sound = py
        .detach(move || simvx_audio::decode_file(&owned))
        .py_err(py)?;
    let samples = sound.frames() * usize::from(sound.channel_count());
    if samples <= PATH_CACHE_SAMPLES {
        let mut cache = PATH_CACHE.lock().unwrap_or_else(|p| p.into_inner());
        let (map, held) = cache.get_or_insert_with(|| (HashMap::new(), 0));
        if *held + samples > PATH_CACHE_SAMPLES {
            map.clear();
            *held = 0;
        }
        *held += samples;
        map.insert(key, sound.clone());
    }
    Ok(sound)
}

/// The file path of a clip given to `open_stream`, and its container (`None` for no clip).
///
/// # Errors
/// As [`sound_of`]'s attribute reads.
pub fn stream_source(
    py: Python<'_>,
    clip: &Bound<'_, PyAny>,
) -> PyResult<Option<(PathBuf, Option<String>)>> {
    if clip.is_none() {
        return Ok(None);
    }
    if let Ok(s) = clip.cast::<PyString>() {
        return Ok(Some((PathBuf::from(s.to_str()?), None)));
    }
    let container: Option<String> = match clip.getattr("container") {
        Ok(c) if !c.is_none() => Some(c.str()?.extract()?),
        _ => None,
    };
    let path = match clip.getattr("path") {
        Ok(p) if !p.is_none() => fspath(py, &p)?,
        _ if clip.hasattr("__fspath__")? => fspath(py, clip)?,
        _ => String::new(),
    };
    Ok(Some((PathBuf::from(path), container)))
}
