"""Audio path: is the voice on a voicemail a person or a text-to-speech engine?"""

from detector.audio.decoding import MAX_BYTES, MAX_SECONDS, SAMPLE_RATE, AudioError, load_audio
from detector.audio.detector import SyntheticVoiceDetector, synthetic_voice

__all__ = ["MAX_BYTES", "MAX_SECONDS", "SAMPLE_RATE", "AudioError", "SyntheticVoiceDetector", "load_audio",
           "synthetic_voice"]
