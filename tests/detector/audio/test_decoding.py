"""Bad audio gets a clear AudioError quickly: empty, corrupt, non-audio, silent, too long, too large."""

import wave
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from detector.audio import MAX_BYTES, MAX_SECONDS, SAMPLE_RATE, AudioError, load_audio

DATA = Path(__file__).parent / "data"


def _tone(seconds: float, rate: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def test_reads_a_clip_at_the_telephone_rate():
    x = load_audio(DATA / "human-LJ001-0001.flac")
    assert x.dtype == np.float32 and x.ndim == 1
    assert abs(x.size / SAMPLE_RATE - sf.info(DATA / "human-LJ001-0001.flac").duration) < 0.01


def test_array_input_is_resampled_and_mixed_down():
    stereo = np.stack([_tone(1.0), _tone(1.0)], axis=1)
    x = load_audio(stereo, sample_rate=16000)
    assert x.shape == (SAMPLE_RATE,)
    assert load_audio((_tone(1.0) * 32767).astype(np.int16), 16000).size == SAMPLE_RATE


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_bytes(b""), "empty file"),
    (lambda p: p.write_text("From: a@b.c\n\nnot audio at all\n" * 50), "not a readable audio file"),
    (lambda p: p.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 300), "not a readable audio file"),
    (lambda p: p.write_bytes((DATA / "human-LJ001-0001.flac").read_bytes()[:200]), "audio"),
])
def test_broken_files_give_a_clear_error(tmp_path, make, message):
    path = tmp_path / "clip.wav"
    make(path)
    with pytest.raises(AudioError, match=message):
        load_audio(path)


def test_truncated_wav_is_refused_or_read_without_crashing(tmp_path):
    good = tmp_path / "good.wav"
    sf.write(good, _tone(2.0), 16000, subtype="PCM_16")
    cut = tmp_path / "cut.wav"
    cut.write_bytes(good.read_bytes()[:1000])  # header says 2 s, data stops after 0.03 s
    with pytest.raises(AudioError):
        load_audio(cut)


def test_silent_audio_is_refused(tmp_path):
    path = tmp_path / "silence.wav"
    sf.write(path, np.zeros(SAMPLE_RATE * 3, np.float32), SAMPLE_RATE, subtype="PCM_16")
    with pytest.raises(AudioError, match="silent"):
        load_audio(path)


def test_two_hour_file_is_refused_from_its_header(tmp_path):
    """A 2-hour WAV of near silence (57 MiB, under the size limit) is refused before decoding."""
    path = tmp_path / "two_hours.wav"
    block = np.zeros(SAMPLE_RATE * 60, np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(SAMPLE_RATE)
        for _ in range(120):
            w.writeframes(block.astype(np.uint8).tobytes())
    assert path.stat().st_size < MAX_BYTES
    with pytest.raises(AudioError, match="too long"):
        load_audio(path)


def test_oversized_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.wav"
    with path.open("wb") as fh:  # sparse: no disk used
        fh.truncate(MAX_BYTES + 1)
    with pytest.raises(AudioError, match="MiB"):
        load_audio(path)


@pytest.mark.parametrize("samples, rate, message", [
    (np.zeros(100, np.float32), None, "sample_rate"),
    (_tone(0.1), 16000, "too short"),
    (np.full(16000, np.nan, np.float32), 16000, "NaN"),
    (_tone(1.0), 10, "plausible"),
    (np.zeros((2, 2, 2)), 16000, "array"),
    (np.zeros(int(MAX_SECONDS * 1000) + 1000, np.float32), 1000, "too long"),
])
def test_bad_arrays_give_a_clear_error(samples, rate, message):
    with pytest.raises(AudioError, match=message):
        load_audio(samples, rate)


def test_missing_file(tmp_path):
    with pytest.raises(AudioError, match="no such file"):
        load_audio(tmp_path / "nope.wav")


def test_compressed_formats_decode_through_pyav(tmp_path):
    """AMR-NB, the format phones store voicemail in, which libsndfile cannot read."""
    pytest.importorskip("av", reason="PyAV not installed")
    import shutil
    import subprocess

    if shutil.which("sox") is None:
        pytest.skip("sox not installed (apt-get install sox libsox-fmt-all) to write an AMR-NB file")
    src = tmp_path / "in.wav"
    sf.write(src, _tone(2.0, SAMPLE_RATE), SAMPLE_RATE, subtype="PCM_16")
    amr = tmp_path / "clip.amr"
    done = subprocess.run(["sox", str(src), "-t", "amr-nb", str(amr)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("this sox cannot write AMR-NB (apt-get install libsox-fmt-all)")
    x = load_audio(amr)
    assert abs(x.size / SAMPLE_RATE - 2.0) < 0.1


FORMATS = [  # (container, codec, file ending, codec rate): what phones, apps and browsers hand over
    ("wav", "pcm_s16le", "wav", 16000),
    ("mp3", "libmp3lame", "mp3", 16000),
    ("ipod", "aac", "m4a", 16000),
    ("adts", "aac", "aac", 16000),
    ("amr", "libopencore_amrnb", "amr", 8000),
    ("3gp", "libopencore_amrnb", "3gp", 8000),
    ("ogg", "libopus", "opus", 48000),
    ("ogg", "vorbis", "ogg", 16000),  # written by libsndfile (FFmpeg's own Vorbis encoder is experimental)
    ("flac", "flac", "flac", 16000),
]


def _encode(path: Path, container: str, codec: str, rate: int, seconds: float = 2.0) -> Path:
    from detector.audio.decoding import resample

    samples = resample(_tone(seconds), 16000, rate)
    if codec == "vorbis":
        sf.write(path, samples, rate, format="OGG", subtype="VORBIS")
        return path
    av = pytest.importorskip("av", reason="PyAV not installed (pip install -e '.[audio]')")
    with av.open(str(path), "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return path


@pytest.mark.parametrize("container, codec, ending, rate", FORMATS, ids=[f[2] for f in FORMATS])
def test_every_voicemail_format_decodes_at_the_model_rates(tmp_path, container, codec, ending, rate):
    from detector.audio.decoding import ASR_RATE, duration_seconds

    try:
        path = _encode(tmp_path / f"clip.{ending}", container, codec, rate)
    except Exception as exc:  # an encoder this FFmpeg build lacks is no decoding failure
        pytest.skip(f"cannot write {ending} here ({type(exc).__name__})")
    phone, wide = load_audio(path), load_audio(path, rate=ASR_RATE)
    assert abs(phone.size / SAMPLE_RATE - 2.0) < 0.15 and abs(wide.size / ASR_RATE - 2.0) < 0.15
    assert wide.dtype == np.float32 and np.abs(wide).max() > 0.05
    assert abs(duration_seconds(path) - 2.0) < 0.2


def test_a_caller_s_duration_limit_is_enforced(tmp_path):
    path = tmp_path / "ten.wav"
    sf.write(path, _tone(10.0), 16000, subtype="PCM_16")
    with pytest.raises(AudioError, match="limit 5 s"):
        load_audio(path, max_seconds=5)
    compressed = _encode(tmp_path / "ten.m4a", "ipod", "aac", 16000, seconds=10.0)
    with pytest.raises(AudioError, match="limit 5 s"):
        load_audio(compressed, max_seconds=5)
    assert load_audio(path, max_seconds=5000).size == 10 * SAMPLE_RATE  # never above MAX_SECONDS


def test_corrupt_compressed_audio_gives_a_clear_error(tmp_path):
    good = _encode(tmp_path / "good.m4a", "ipod", "aac", 16000)
    broken = tmp_path / "broken.m4a"
    data = bytearray(good.read_bytes())
    data[64:4096] = b"\x00" * len(data[64:4096])  # the container's index is gone
    broken.write_bytes(bytes(data))
    with pytest.raises(AudioError, match="broken.m4a"):
        load_audio(broken)


def test_duration_is_unknown_for_what_is_not_audio(tmp_path):
    from detector.audio.decoding import duration_seconds

    path = tmp_path / "note.txt"
    path.write_text("not audio\n" * 100)
    assert duration_seconds(path) is None
