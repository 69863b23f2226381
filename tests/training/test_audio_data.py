"""Audio loaders on tiny fixtures laid out like ASVspoof (protocol file + flac/) and like label folders."""

import wave
from pathlib import Path

import pytest

from training.audio_data import read_asvspoof, read_label_folders
from training.dataset import DatasetError


def write_wav(path: Path, seconds: float = 0.05, rate: int = 8000) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x01" * int(seconds * rate))
    return path


@pytest.fixture
def asvspoof_2019(tmp_path):
    audio = tmp_path / "ASVspoof2019_LA_train"
    for name in ("LA_T_1000001", "LA_T_1000002", "LA_T_1000003", "LA_T_1000004"):
        write_wav(audio / "flac" / f"{name}.wav")
    (audio / "flac" / "LA_T_1000005.wav").write_bytes(b"")
    protocol = tmp_path / "ASVspoof2019.LA.cm.train.trn.txt"
    protocol.write_text(
        "LA_0079 LA_T_1000001 - - bonafide\n"
        "LA_0079 LA_T_1000002 - A01 spoof\n"
        "LA_0080 LA_T_1000003 - - bonafide\n"
        "LA_0080 LA_T_1000004 - A16 spoof\n"
        "\n"
        "LA_0081 LA_T_1000005 - A02 spoof\n"
        "LA_0081 LA_T_9999999 - A03 spoof\n"
        "garbled line\n"
    )
    return protocol, audio


def test_asvspoof_2019_protocol_reads_labels_speakers_attacks_and_reports_bad_lines(asvspoof_2019):
    protocol, audio = asvspoof_2019
    found = read_asvspoof(protocol, audio)
    assert [(i.id, i.label, i.speaker, i.attack) for i in found.items] == [
        ("LA_T_1000001", "human", "LA_0079", None),
        ("LA_T_1000002", "synthetic", "LA_0079", "A01"),
        ("LA_T_1000003", "human", "LA_0080", None),
        ("LA_T_1000004", "synthetic", "LA_0080", "A16"),
    ]
    assert all(i.path.is_file() and i.group == i.speaker for i in found.items)
    assert [p.split(":")[1] for p in found.problems] == ["6", "7", "8"]
    assert "is empty" in found.problems[0] and "not found" in found.problems[1] and "bonafide|spoof" in found.problems[2]
    frame = found.frame()
    assert list(frame.columns[:3]) == ["id", "channel", "audio_path"] and set(frame["label"]) == {"human", "synthetic"}


def test_asvspoof_2021_df_key_file_layout(tmp_path):
    audio = tmp_path / "ASVspoof2021_DF_eval"
    write_wav(audio / "flac" / "DF_E_2000011.wav")
    write_wav(audio / "flac" / "DF_E_2000013.wav")
    key = tmp_path / "trial_metadata.txt"
    key.write_text(
        "LA_0023 DF_E_2000011 nocodec asvspoof A14 spoof notrim progress traditional_vocoder - - - -\n"
        "LA_0023 DF_E_2000013 low_mp3 vcc2020 - bonafide notrim eval - - - - -\n"
    )
    found = read_asvspoof(key, audio)
    assert [(i.label, i.attack) for i in found.items] == [("synthetic", "A14"), ("human", None)]
    assert found.problems == []


def test_asvspoof_without_usable_lines_or_folders_is_a_clear_error(tmp_path):
    (tmp_path / "audio").mkdir()
    protocol = tmp_path / "p.txt"
    protocol.write_text("LA_0001 LA_T_1 - - bonafide\n")
    with pytest.raises(DatasetError, match="no usable lines.*not found"):
        read_asvspoof(protocol, tmp_path / "audio")
    with pytest.raises(DatasetError, match="no such audio folder"):
        read_asvspoof(protocol, tmp_path / "nowhere")


def test_label_folders_with_and_without_speaker_subfolders(tmp_path):
    write_wav(tmp_path / "real" / "alice" / "a1.wav")
    write_wav(tmp_path / "real" / "alice" / "a2.wav")
    write_wav(tmp_path / "real" / "b1.wav")
    write_wav(tmp_path / "Fake" / "tts_voice1" / "x.wav")
    (tmp_path / "Fake" / "notes.txt").write_text("not audio")
    (tmp_path / "real" / "empty.wav").write_bytes(b"")
    found = read_label_folders(tmp_path)
    by_id = {i.id: i for i in found.items}
    assert set(by_id) == {"real/alice/a1", "real/alice/a2", "real/b1", "Fake/tts_voice1/x"}
    assert by_id["real/alice/a1"].group == by_id["real/alice/a2"].group == "alice"
    assert by_id["real/b1"].speaker is None and by_id["real/b1"].group == "real/b1"
    assert by_id["Fake/tts_voice1/x"].label == "synthetic" and by_id["real/b1"].label == "human"
    assert sorted(p.split(":")[0] for p in found.problems) == ["Fake/notes.txt", "real/empty.wav"]


def test_unknown_label_folder_is_refused_naming_the_allowed_ones(tmp_path):
    write_wav(tmp_path / "maybe" / "a.wav")
    with pytest.raises(DatasetError, match="must be named one of.*'maybe'"):
        read_label_folders(tmp_path)
