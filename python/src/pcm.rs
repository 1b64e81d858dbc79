//! PCM held by Python (a numpy array, `bytes`), read into a [`Sound`] with no Python-side copy.
//!
//! numpy arrays are read through numpy's array interface (`__array_interface__`: the data
//! pointer, the element type and the shape), which works on every CPython of the stable ABI
//! from 3.10 on (the buffer protocol joined the stable ABI only in 3.11). The samples are
//! copied once, straight from the array's memory into the sound, which the audio thread then
//! owns.

use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyTuple};
use simvx_audio::Sound;

use crate::errors::{PyResultExt, invalid_stream};

/// Element types the array interface may name.
#[derive(Clone, Copy)]
enum Elem {
    F32,
    F64,
    I16,
}

impl Elem {
    fn parse(typestr: &str) -> Option<Self> {
        // '<' is little-endian, '=' native, '|' not applicable; this crate builds for
        // little-endian hosts only (see the compile-time check below).
        match typestr {
            "<f4" | "=f4" => Some(Self::F32),
            "<f8" | "=f8" => Some(Self::F64),
            "<i2" | "=i2" => Some(Self::I16),
            _ => None,
        }
    }

    fn size(self) -> usize {
        match self {
            Self::F32 => 4,
            Self::F64 => 8,
            Self::I16 => 2,
        }
    }
}

#[cfg(not(target_endian = "little"))]
compile_error!("the array-interface reader assumes a little-endian host");

/// A sound over `data` (a numpy array of float32, float64 or int16, interleaved, 1-D or
/// `(frames, channels)`; or `bytes` of s16) at `rate` Hz with `channels` channels.
pub fn sound_from(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    rate: u32,
    channels: u16,
) -> PyResult<Sound> {
    if let Ok(b) = data.cast::<PyBytes>() {
        return from_bytes(py, b.as_bytes(), Elem::I16, rate, channels);
    }
    if let Ok(b) = data.cast::<PyByteArray>() {
        // Copied out first: a bytearray may be resized by Python code while it is borrowed.
        let bytes = b.to_vec();
        return from_bytes(py, &bytes, Elem::I16, rate, channels);
    }
    // Only a real numpy array: an object's own `__array_interface__` could name any memory.
    let numpy = match py.import("numpy") {
        Ok(m) => m,
        Err(_) => {
            return Err(invalid_stream(
                py,
                "clip PCM must be a numpy array (numpy is not installed) or bytes",
            ));
        }
    };
    if !data.is_instance(&numpy.getattr("ndarray")?)? {
        return Err(invalid_stream(
            py,
            format!(
                "clip PCM must be a numpy array (float32 or int16) or bytes, not {}",
                data.get_type().name()?
            ),
        ));
    }
    // A C-contiguous base-class ndarray (the same object when it already is one; a packed
    // copy for views with strides, and for subclasses, whose interface could be overridden):
    // its interface is numpy's own.
    let array = numpy.call_method1("ascontiguousarray", (data,))?;
    let iface = array
        .getattr("__array_interface__")?
        .cast_into::<PyDict>()?;
    let typestr: String = item(&iface, "typestr")?.extract()?;
    let Some(elem) = Elem::parse(&typestr) else {
        return Err(invalid_stream(
            py,
            format!("clip PCM of dtype {typestr:?}: use float32 or int16"),
        ));
    };
    let shape: Vec<usize> = item(&iface, "shape")?.extract()?;
    if shape.len() == 2 && shape[1] != usize::from(channels) {
        return Err(invalid_stream(
            py,
            format!("clip PCM has shape {shape:?} but the clip declares {channels} channels"),
        ));
    }
    if shape.len() > 2 {
        return Err(invalid_stream(
            py,
            format!("clip PCM has shape {shape:?}: use 1-D or (frames, channels)"),
        ));
    }
    let count: usize = shape.iter().product();
    let data_item = item(&iface, "data")?;
    let (ptr, _readonly): (usize, bool) = data_item.cast::<PyTuple>()?.extract()?;
    let len = count * elem.size();
    if len == 0 {
        return Err(invalid_stream(py, "the clip's PCM has no samples"));
    }
    if ptr == 0 {
        return Err(invalid_stream(
            py,
            "the clip's PCM array has no data pointer",
        ));
    }
    // SAFETY: `array` is a C-contiguous `numpy.ndarray` of the base class, returned by
    // `numpy.ascontiguousarray` (checked to be an ndarray above), so its interface is numpy's
    // own: `count` elements of `elem.size()` bytes at `ptr`, i.e. `len` bytes from `ptr` are
    // its data. We hold a reference to it and the GIL for the whole borrow, so no Python code
    // can free or resize it (numpy refuses to resize an array that is referenced); the bytes
    // are only read, as `u8`, so alignment does not matter. A thread that released the GIL
    // could still write to it concurrently (as with any buffer export), which at worst gives
    // torn samples, never an access outside the array.
    let bytes = unsafe { std::slice::from_raw_parts(ptr as *const u8, len) };
    let sound = from_bytes(py, bytes, elem, rate, channels);
    drop(array);
    sound
}

fn item<'py>(d: &Bound<'py, PyDict>, key: &str) -> PyResult<Bound<'py, PyAny>> {
    d.get_item(key)?.ok_or_else(|| {
        pyo3::exceptions::PyKeyError::new_err(format!("__array_interface__ has no {key:?}"))
    })
}

fn from_bytes(
    py: Python<'_>,
    bytes: &[u8],
    elem: Elem,
    rate: u32,
    channels: u16,
) -> PyResult<Sound> {
    match elem {
        Elem::I16 => {
            let samples = bytes
                .chunks_exact(2)
                .map(|c| i16::from_le_bytes([c[0], c[1]]))
                .collect();
            Sound::from_pcm_i16(samples, channels, rate).py_err(py)
        }
        Elem::F32 => {
            let samples = bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            Sound::from_pcm_f32(samples, channels, rate).py_err(py)
        }
        Elem::F64 => {
            let samples = bytes
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")) as f32)
                .collect();
            Sound::from_pcm_f32(samples, channels, rate).py_err(py)
        }
    }
}
