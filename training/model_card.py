"""MODEL_CARD.md for a trained bundle, written from its metrics so no figure is typed by hand.

`render` writes the sections every kind shares (use, misuse, data, metrics, false positives,
limits); each kind supplies its own "Model" section (see `text_tfidf_section`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from detector.policy import Policy
from training.plots import PLOTS

SPLIT_RULES = {
    "column": "by the data's own `split` column",
    "group": "by a seeded hash of each row's `group`, so no group crosses splits",
    "id": "by a seeded hash of each row's `id` (no `group` column: near-duplicates may cross splits, which flatters the figures)",
}


def _pct(value: Any) -> str:
    return "n/a" if value is None or value != value else f"{100 * value:.2f} %"


def _num(value: Any) -> str:
    return "n/a" if value is None or value != value else f"{value:.4f}"


def _rate_table(title: str, rates: dict[str, dict[str, Any]]) -> list[str]:
    lines = [f"| {title} | n | rate |", "|---|---:|---:|"]
    lines += [f"| {k} | {v['n']} | {_pct(v['rate'])} |" for k, v in rates.items()]
    return lines + [""]


def _separation_table(title: str, rows: dict[str, dict[str, Any]]) -> list[str]:
    lines = [f"| {title} | personal | smile | ROC-AUC | recall @1 % FPR | recall @5 % FPR |", "|---|---:|---:|---:|---:|---:|"]
    lines += [f"| {k} | {v['n_personal']} | {v['n_smile']} | {_num(v['roc_auc'])} | {_pct(v['recall_at_1pct_fpr'])} | "
              f"{_pct(v['recall_at_5pct_fpr'])} |" for k, v in rows.items()]
    return lines + [""]


def text_tfidf_section(config: Any, policy: Policy) -> list[str]:
    """The model section of a text_tfidf bundle's card: what the model reads, how the policy was fitted, and its
    blend weights."""
    return [
        f"Hashed word {tuple(config.word_ngrams)} and character {tuple(config.char_ngrams)} n-grams (TF-IDF, no stored "
        "vocabulary) over identity-masked, lower-cased text, multinomial logistic regression over personal / smile / "
        "bulk; then a sign-constrained logistic blend of the text model's logit and the signals, fitted on the "
        f"validation split, with the threshold ({policy.threshold:.4f}) chosen on out-of-fold validation scores "
        f"for at most {_pct(policy.target_fpr)} false positives on personal messages.",
        "",
        "| blend term | weight (logit points) |",
        "|---|---:|",
        f"| intercept | {policy.intercept:.3f} |",
        *[f"| {code} | {w:.3f} |" for code, w in policy.weights.items()],
    ]


def _recall_table(title: str, rows: dict[str, dict[str, Any]], columns: Sequence[str]) -> list[str]:
    names = {"recall_at_1pct_fpr": "recall @1 % FPR", "recall_at_5pct_fpr": "recall @5 % FPR",
             "recall_at_policy_threshold": "recall @ threshold"}
    lines = [f"| {title} | n | " + " | ".join(names[c] for c in columns) + " |", "|---|---:|" + "---:|" * len(columns)]
    lines += [f"| {k} | {v['n']} | " + " | ".join(_pct(v.get(c)) for c in columns) + " |" for k, v in rows.items()]
    return lines + [""]


def heldout_section(metrics: dict[str, Any]) -> list[str]:
    """The headline: outreach from repositories the model never trained on, then the repository CV."""
    held, cv = metrics.get("repo_heldout"), metrics.get("repo_cv")
    if not held:
        return []
    all_columns = ("recall_at_1pct_fpr", "recall_at_5pct_fpr", "recall_at_policy_threshold")
    lines = [
        "## Headline: outreach from repositories it never saw",
        f"Public third-party templates (`public_outreach`, filled for new readers by the project's filler) from the "
        f"test split's repositories, none of which the model or the policy was fitted on, against the "
        f"{held['n_personal']} personal test messages (thresholds for 1 % / 5 % FPR taken on those; the bundle's own "
        "threshold was chosen on validation only):",
        "",
        f"- **recall at 1 % FPR: {_pct(held.get('recall_at_1pct_fpr'))}**; at 5 %: {_pct(held.get('recall_at_5pct_fpr'))};"
        f" at the bundle's threshold: {_pct(held.get('recall_at_policy_threshold'))} (n={held['n']}, ROC-AUC "
        f"{_num(held.get('roc_auc'))})",
    ]
    if cv:
        lines += [
            f"- leave-repository-group-out cross-validation ({cv['k']} folds by repository group, the template library "
            "one more group; each fold's text model and policy fitted without its repositories): recall at 1 % FPR "
            f"mean **{_pct(cv['recall_at_1pct_fpr']['mean'])}**, worst fold **{_pct(cv['recall_at_1pct_fpr']['worst'])}**;"
            f" at 5 %: mean {_pct(cv['recall_at_5pct_fpr']['mean'])}, worst {_pct(cv['recall_at_5pct_fpr']['worst'])};"
            f" at each fold's validation threshold: mean {_pct(cv['recall_at_policy_threshold']['mean'])}, worst "
            f"{_pct(cv['recall_at_policy_threshold']['worst'])}",
            "",
            *_recall_table("CV fold", {f"{f['fold'] + 1}: {', '.join(f['groups'][:3])}{' …' if len(f['groups']) > 3 else ''}": f
                                       for f in cv["folds"]}, all_columns),
        ]
    lines.append("")
    for name in ("family", "channel", "author"):
        lines += _recall_table(f"test split, by {name}", held[f"by_{name}"], all_columns)
        if cv:
            lines += _recall_table(f"CV pooled, by {name}", cv[f"by_{name}"], ("recall_at_1pct_fpr",))
    return lines


def _render(manifest: dict[str, Any], metrics: dict[str, Any], model_section: Sequence[str]) -> str:
    test = metrics["test"]
    svp = test.get("smile_vs_personal", {})
    at = test["at_policy_threshold"]
    data = manifest["training_data"]
    rows = data["rows"]
    fp_reasons = at.get("false_positive_reasons", {})
    flagged_personal = sum(n for v, n in test["confusion"].get("personal", {}).items() if v in ("smile", "bulk"))
    lines = [
        f"# Model card: {manifest['name']} {manifest['version']}",
        "",
        *heldout_section(metrics),
        "## Intended use",
        "Tell the recipient of a message that claims to be personal (email, LinkedIn, SMS, video-message and "
        "voicemail transcripts) whether it was written for them or mass-produced: `smile` (a template dressed as "
        "personal), `bulk` (honest mass mail or impersonal spam) or `personal`. The score is a calibrated "
        "probability that the message was mass-produced; it is advice to a person, shown with its reasons.",
        "",
        "## Not for",
        "Deleting or hiding mail unattended; judging the sender's honesty or intent; any decision about a person. "
        "It is not a general spam filter (phishing and malware are out of scope) and not an authorship detector.",
        "",
        f"## Model (`{manifest['kind']}`)",
        *model_section,
        "",
        "## Training data",
        f"`{data['file']}` (sha256 `{data['sha256'][:16]}…`): {rows['train']} train / {rows['val']} validation / "
        f"{rows['test']} test messages, split {SPLIT_RULES.get(data.get('split_by', 'column'), data.get('split_by'))}"
        f" (seed {manifest['config']['seed']}). The corpus builder's output splits by mailbox owner, template and "
        "sender, and public outreach by repository; see data/DATASHEET.md for its sources.",
        "",
        "## Metrics on the test split (all outreach, the template library's included)",
        f"- smile vs personal ROC-AUC: **{_num(svp.get('roc_auc'))}**",
        f"- recall of smile at 1 % FPR on personal: **{_pct(svp.get('recall_at_1pct_fpr'))}**; at 5 %: "
        f"{_pct(svp.get('recall_at_5pct_fpr'))}",
        f"- at the bundle's threshold: FPR on personal {_pct(at['fpr_personal']['rate'])} "
        f"(n={at['fpr_personal']['n']}), smile flagged {_pct(at['recall_smile']['rate'])}, "
        f"smile given the verdict `smile` {_pct(at['smile_called_smile']['rate'])}",
        "",
        *_separation_table("by channel", test.get("smile_vs_personal_by_channel", {})),
        *_separation_table("by length", test.get("smile_vs_personal_by_length", {})),
        *_rate_table("FPR on personal, by channel", at["fpr_personal_by_channel"]),
        *_rate_table("FPR on personal, by length", at["fpr_personal_by_length"]),
        *_rate_table("smile flagged, by channel", at["recall_smile_by_channel"]),
        *_rate_table("smile flagged, by length", at.get("recall_smile_by_length", {})),
        "Confusion (rows: true label, columns: verdict):",
        "",
        "| label | personal | smile | bulk | error |",
        "|---|---:|---:|---:|---:|",
        *[f"| {label} | " + " | ".join(str(v) for v in row.values()) + " |" for label, row in test["confusion"].items()],
        "",
        "Plots: " + ", ".join(f"[{name.replace('_', '-')}]({file})" for name, file in PLOTS.items()) + ".",
        "",
        "## False positives",
        f"{flagged_personal} of {at['fpr_personal']['n']} personal test messages were flagged. Reasons that pushed "
        "them over the threshold (count of messages): "
        + (", ".join(f"`{code}` {n}" for code, n in fp_reasons.items()) or "none") + ".",
        "",
        "The personal test messages scored highest (ids only; read them in the data):",
        "",
        *[f"- `{r['id']}` ({r['channel']}): {r['score']:.3f} {r['verdict']} {', '.join(r['codes'])}"
          for r in metrics["worst_false_positives"]],
        "",
        "## Known limits",
        "- Short messages (a line or two) carry little evidence either way; see the length tables.",
        "- Reworded templates: the smile class is the project's own template library and 589 public templates from "
        "52 repositories (the headline measures the unseen ones); outreach in styles neither covers, and templates "
        "reworded per recipient (by hand or by an LLM), are harder than these figures suggest.",
        "- Non-native writers: in the project's corpus, personal email comes mostly from Enron employees (1999–2002 "
        "business mail) and 2002 mailing-list users, native English business writing. Plain, formulaic or "
        "translated English from non-native writers may read as templated; other languages and eras are not measured.",
        "- The corpus's Enron text is lower-cased and re-detokenised; the text model lower-cases everything, so "
        "case carries no signal for it (the MERGE_GLITCH rule still reads case).",
        "- LinkedIn, video and voicemail personal messages are a few hundred hand-written ones; per-channel figures "
        "with small n are noisy.",
        "- Unseen voices: this bundle scores text (and transcripts) only; it says nothing about whether a voice is "
        "synthetic, and voices, accents and recording conditions it was never shown are outside what it measures.",
        "",
    ]
    return "\n".join(lines)


def write_model_card(path: Path, manifest: dict[str, Any], metrics: dict[str, Any], model_section: Sequence[str]) -> None:
    """Write the bundle's MODEL_CARD.md from its manifest, its test metrics and its kind's model section."""
    path.write_text(_render(manifest, metrics, model_section), encoding="utf-8")
