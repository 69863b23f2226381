"""Labelled audio from outside the project: the ASVspoof protocol-file layout and plain
folder-per-label trees, read into one item list with the project's labels (human / synthetic).

Listing only: files are not decoded here, so a researcher's 100k-clip set lists in seconds.
A protocol line that cannot be used (too few fields, no key, a missing or empty file) is
reported in `problems` with its line number and the rest is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from training.dataset import DatasetError

AUDIO_EXTENSIONS = (".flac", ".wav", ".mp3", ".m4a", ".ogg", ".amr")
ASVSPOOF_KEYS = {"bonafide": "human", "spoof": "synthetic"}
FOLDER_LABELS = {
    **{name: "human" for name in ("bonafide", "bona-fide", "human", "real", "genuine")},
    **{name: "synthetic" for name in ("spoof", "synthetic", "fake", "tts", "deepfake")},
}
"""Folder names accepted as labels (case-insensitive) and the label each stands for."""


@dataclass(frozen=True)
class AudioItem:
    """One labelled clip of an outside set, with what a group-aware split and a per-attack report need."""

    id: str
    path: Path
    label: str
    """'human' or 'synthetic'."""
    speaker: str | None
    attack: str | None
    """ASVspoof system id (A01…A19) for spoofed clips; None otherwise."""
    group: str
    """What a group-aware split keeps together: the speaker when known, else the clip."""


@dataclass
class AudioSet:
    """What a reader listed: the usable clips, and one problem line per entry it had to leave out."""

    items: list[AudioItem] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def frame(self) -> pd.DataFrame:
        """Contract-shaped rows (id, channel, audio_path) plus label, group, speaker and attack."""
        rows = [{"id": i.id, "channel": "voicemail", "audio_path": str(i.path), "label": i.label, "group": i.group,
                 "speaker": i.speaker, "attack": i.attack} for i in self.items]
        return pd.DataFrame(rows, columns=["id", "channel", "audio_path", "label", "group", "speaker", "attack"])


def _find(audio_dir: Path, name: str, extensions: tuple[str, ...]) -> Path | None:
    for folder in (audio_dir, audio_dir / "flac", audio_dir / "wav"):
        for ext in ("", *extensions):
            candidate = folder / f"{name}{ext}"
            if candidate.is_file():
                return candidate
    return None


def read_asvspoof(protocol: Path, audio_dir: Path, extensions: tuple[str, ...] = AUDIO_EXTENSIONS) -> AudioSet:
    """ASVspoof 2019 LA / 2021 LA and DF protocol or key files, whitespace-separated:
    `SPEAKER FILE ... [ATTACK] KEY ...` with KEY `bonafide` or `spoof` (2019: `LA_0079 LA_T_1138215 - - bonafide`;
    2021 DF: `LA_0023 DF_E_2000011 nocodec asvspoof A14 spoof notrim progress …`). The key is the first
    field that is one; the attack is the field before it. Audio is looked up as FILE(.flac|.wav…) in
    `audio_dir` or its `flac/` sub-folder."""
    protocol, audio_dir = Path(protocol), Path(audio_dir)
    if not protocol.is_file():
        raise DatasetError(f"{protocol}: no such protocol file")
    if not audio_dir.is_dir():
        raise DatasetError(f"{audio_dir}: no such audio folder")
    found = AudioSet()
    with protocol.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, 1):
            fields = line.split()
            if not fields or fields[0].startswith("#"):
                continue
            where = f"{protocol.name}:{number}"
            key_at = next((i for i, f in enumerate(fields) if f in ASVSPOOF_KEYS), None)
            if len(fields) < 3 or key_at is None or key_at < 2:
                found.problems.append(f"{where}: expected 'SPEAKER FILE ... bonafide|spoof'")
                continue
            speaker, name = fields[0], fields[1]
            path = _find(audio_dir, name, extensions)
            if path is None or path.stat().st_size == 0:
                found.problems.append(f"{where}: audio file {name} {'is empty' if path else 'not found'} in {audio_dir}")
                continue
            attack = fields[key_at - 1] if key_at >= 3 and fields[key_at - 1] != "-" else None
            label = ASVSPOOF_KEYS[fields[key_at]]
            found.items.append(AudioItem(name, path, label, speaker, attack if label == "synthetic" else None, speaker))
    if not found.items:
        raise DatasetError(f"{protocol}: no usable lines ({len(found.problems)} problem(s); first: "
                           f"{found.problems[0] if found.problems else 'the file is empty'})")
    return found


def read_label_folders(root: Path, extensions: tuple[str, ...] = AUDIO_EXTENSIONS) -> AudioSet:
    """`root/<label>/[<speaker>/...]/<clip>` with label folders named as in FOLDER_LABELS; a clip's
    first sub-folder under its label folder, when there is one, is taken as its speaker."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: no such folder")
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    unknown = [p.name for p in folders if p.name.lower() not in FOLDER_LABELS]
    if unknown or not folders:
        raise DatasetError(f"{root}: label folders must be named one of {sorted(FOLDER_LABELS)}; "
                           f"found {unknown or 'none'}")
    found = AudioSet()
    for folder in folders:
        label = FOLDER_LABELS[folder.name.lower()]
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            relative = path.relative_to(root)
            if path.suffix.lower() not in extensions:
                found.problems.append(f"{relative}: not an audio file ({', '.join(extensions)})")
                continue
            if path.stat().st_size == 0:
                found.problems.append(f"{relative}: empty file")
                continue
            inner = path.relative_to(folder).parts
            speaker = inner[0] if len(inner) > 1 else None
            clip_id = relative.with_suffix("").as_posix()
            found.items.append(AudioItem(clip_id, path, label, speaker, None, speaker or clip_id))
    if not found.items:
        raise DatasetError(f"{root}: no audio files under {[p.name for p in folders]}")
    return found
