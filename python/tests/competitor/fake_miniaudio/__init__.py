"""Stand-in of ``simvx.audio.miniaudio``: a factory that always starts."""


class MiniaudioBackend:
    """Inert: it only says it was chosen."""

    kind = "miniaudio-standin"

    def __init__(self, sample_rate=48000, nchannels=2):
        self.sample_rate = sample_rate

    def shutdown(self):
        pass


def register():
    from simvx.core.audio_backend import register_backend

    register_backend("miniaudio", MiniaudioBackend)
