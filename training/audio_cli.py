"""`sincere data build-audio` and `sincere train-voice`: the audio corpus and the voice bundle."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def build_audio(
    corpora: Annotated[Path, typer.Option("--corpora", help="The shared corpora folder (holds audio/).")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write clips/, index.csv and report.json into.")],
    seed: Annotated[int, typer.Option(help="Seed for script fills, digit strings and channel settings.")] = 13,
    jobs: Annotated[int, typer.Option(help="Worker processes.")] = 2,
    templates: Annotated[Path, typer.Option(help="Template library folder.")] = DATA_DIR / "templates",
    vocoded_share: Annotated[float, typer.Option(help="Share of human clips also copied through each vocoder "
                                                      "(WORLD, Griffin-Lim) as synthetic training clips; 0: none.")] = 0.0,
    excerpt_share: Annotated[float | None, typer.Option(help="Share of human and TTS clips also cut to a short "
                                                             "(0.7-1.5 s) excerpt of their own; 0: none. Default: "
                                                             "the shipped corpus's (training.audio_corpus.EXCERPT_SHARE).")] = None,
) -> None:
    """Build the audio corpus: human speech vs TTS voicemail drops, in every phone channel."""
    import json

    from training.audio_corpus import AudioCorpusError, build_audio_corpus
    from training.telephone import ChannelError
    from training.tts import TTSError

    try:
        report = build_audio_corpus(corpora, templates, out, seed, jobs, log=typer.echo, vocoded_share=vocoded_share,
                                    **({} if excerpt_share is None else {"excerpt_share": excerpt_share}))
    except (AudioCorpusError, ChannelError, TTSError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(report.summary["by_label_content"], indent=1))
    typer.echo(f"wrote {report.clips:,} clips, {report.rows:,} channel variants: {report.path}")


def train_voice(
    corpus: Annotated[Path, typer.Option("--corpus", help="Folder written by `sincere data build-audio`.")],
    out: Annotated[Path, typer.Option("--out", help="Voice bundle folder to write.")],
    jobs: Annotated[int, typer.Option(help="Worker processes for feature extraction.")] = 2,
) -> None:
    """Train the synthetic-voice bundle; engine- and speaker-held-out EER tables go to its model card."""
    from training.audio_train import train_voice_bundle

    try:
        metrics = train_voice_bundle(corpus, out, jobs, log=typer.echo)
    except (FileNotFoundError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"wrote {out}: engine-held-out telephone EER worst {metrics['worst_engine_telephone_eer']:.3f}, "
               f"mean {metrics['mean_engine_telephone_eer']:.3f}")


def register_audio(data_app: typer.Typer, app: typer.Typer) -> None:
    """Add `data build-audio` and `train-voice` to the training CLI, which calls this so the audio commands stay
    in their own module."""
    data_app.command("build-audio")(build_audio)
    app.command("train-voice")(train_voice)
