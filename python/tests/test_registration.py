"""The entry point, SimVX's registry, and being the backend SimVX picks (SPEC §10)."""

from __future__ import annotations

from importlib.metadata import entry_points

from conftest import HERE, no_device_config, null_device_config, run_child

COMPETITOR = HERE / "competitor"

# What SimVX's make_backend() returns, from a fresh interpreter.
PICK = """
import json, logging
from importlib.metadata import entry_points
from simvx.core import audio_backend
names = [ep.name for ep in entry_points(group=audio_backend.BACKEND_ENTRY_POINT_GROUP)]
b = audio_backend.make_backend(sample_rate=48000, nchannels=2)
print(json.dumps({"chosen": type(b).__name__, "kind": getattr(b, "kind", None),
                  "discovered": names, "registry": list(audio_backend._REGISTRY)}))
b.shutdown()
"""


def test_the_wheel_declares_the_entry_point():
    eps = [ep for ep in entry_points(group="simvx.audio.backends") if ep.name == "simvx-audio-rs"]
    assert len(eps) == 1
    assert eps[0].value == "simvx_audio_rs:register"
    assert eps[0].dist.name == "simvx-audio-rs"


def test_simvx_make_backend_picks_ours_on_a_device():
    out = run_child(PICK, alsa=null_device_config())
    assert out["chosen"] == "StreamingAudioBackend"
    assert out["kind"] == "native"
    assert out["registry"][0] == "simvx-audio-rs"


def test_ours_is_picked_even_when_a_competitor_registers_first():
    out = run_child(PICK, alsa=null_device_config(), path_first=[COMPETITOR])
    # The competitor is found (and registered) first, and starts even with no sound card...
    assert out["discovered"].index("miniaudio") < out["discovered"].index("simvx-audio-rs")
    # ...yet ours is tried first and chosen; the competitor stays registered behind it.
    assert out["chosen"] == "StreamingAudioBackend"
    assert out["registry"] == ["simvx-audio-rs", "miniaudio"]


def test_without_the_preference_discovery_order_decides():
    out = run_child(PICK, alsa=null_device_config(), path_first=[COMPETITOR],
                    env={"SIMVX_AUDIO_RS_PREFER": "0"})
    assert out["registry"] == ["miniaudio", "simvx-audio-rs"]
    assert out["chosen"] == "MiniaudioBackend"


def test_with_no_device_the_factory_raises_and_simvx_falls_back_to_the_next():
    out = run_child(PICK, alsa=no_device_config(), path_first=[COMPETITOR])
    assert out["chosen"] == "MiniaudioBackend"
    assert "'simvx-audio-rs' failed to start" in out["_stderr"]
    assert "no audio device could be opened" in out["_stderr"]


def test_with_no_device_and_nothing_else_simvx_uses_its_legacy_mixer():
    out = run_child(PICK, alsa=no_device_config())
    assert out["chosen"] == "_LegacyMiniaudioBackend"


def test_with_fallback_disabled_simvx_raises_backend_unavailable():
    code = """
    import json
    from simvx.core import audio_backend
    from simvx.core.audio_errors import AudioBackendUnavailable
    try:
        audio_backend.make_backend()
        print(json.dumps({"raised": None}))
    except AudioBackendUnavailable as e:
        print(json.dumps({"raised": type(e).__name__, "msg": str(e),
                          "cause": type(e.__cause__).__name__}))
    """
    out = run_child(code, alsa=no_device_config(), env={"SIMVX_ALLOW_LEGACY_AUDIO": "0"})
    assert out["raised"] == "AudioBackendUnavailable"
    assert "simvx-audio-rs" in out["msg"]
    # Our own error is SimVX's class too (the package uses SimVX's types when it can).
    assert out["cause"] == "AudioBackendUnavailable"


def test_the_factory_is_called_as_simvx_calls_it():
    code = """
    import json, simvx_audio_rs as sa
    b = sa.factory(sample_rate=44100, nchannels=2)
    print(json.dumps({"info": b.info, "simvx": sa.USING_SIMVX}))
    b.shutdown()
    """
    out = run_child(code, alsa=null_device_config())
    assert out["simvx"] is True
    assert out["info"]["kind"] == "native"
    assert out["info"]["sample_rate"] == 44100
    assert out["info"]["latency_seconds"] <= 0.020


def test_a_logging_handler_may_call_back_into_the_backend():
    # The first list_capabilities() delivers queued warnings to logging; a handler that calls
    # the backend again must not deadlock.
    code = """
    import json, logging, simvx_audio_rs as sa
    r = sa.OfflineRenderer()
    calls = []
    class Reenter(logging.Handler):
        def emit(self, record):
            calls.append(len(r.list_capabilities()))
    logging.getLogger("simvx.audio").addHandler(Reenter())
    ch = r.open_stream(buffer_seconds=0.01)
    r.feed_audio_chunk(ch, b"\\0" * 40000)  # more than fits: one warning queued
    caps = r.list_capabilities()
    print(json.dumps({"caps": len(caps), "calls": calls}))
    """
    out = run_child(code, timeout=30)
    assert out["caps"] > 10
    assert out["calls"] == [out["caps"]], "the handler ran, and called back in"
