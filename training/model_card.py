"""MODEL_CARD.md for a trained bundle, written from its metrics so no figure is typed by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from detector.policy import Policy


def _pct(value: Any) -> str:
    return "n/a" if value is None or value != value else f"{100 * value:.2f} %"


def _rate_table(title: str, rates: dict[str, dict[str, Any]]) -> list[str]:
    lines = [f"| {title} | n | rate |", "|---|---:|---:|"]
    lines += [f"| {k} | {v['n']} | {_pct(v['rate'])} |" for k, v in rates.items()]
    return lines + [""]


def render(config: Any, manifest: dict[str, Any], policy: Policy, metrics: dict[str, Any]) -> str:
    test = metrics["test"]
    svp = test.get("smile_vs_personal", {})
    at = test["at_policy_threshold"]
    rows = manifest["training_data"]["rows"]
    lines = [
        f"# Model card: {manifest['name']} {manifest['version']}",
        "",
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
        "## Model",
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
        "",
        "## Training data",
        f"`{manifest['training_data']['file']}` (sha256 `{manifest['training_data']['sha256'][:16]}…`): "
        f"{rows['train']} train / {rows['val']} validation / {rows['test']} test messages, split by group "
        "(mailbox owner, template, sender) so no group and no duplicate text crosses splits. See data/DATASHEET.md.",
        "",
        "## Metrics on the group-disjoint test split",
        f"- smile vs personal ROC-AUC: **{svp.get('roc_auc', float('nan')):.4f}**",
        f"- recall of smile at 1 % FPR on personal: **{_pct(svp.get('recall_at_1pct_fpr'))}**; at 5 %: "
        f"{_pct(svp.get('recall_at_5pct_fpr'))}",
        f"- at the shipped threshold: FPR on personal {_pct(at['fpr_personal']['rate'])} "
        f"(n={at['fpr_personal']['n']}), smile flagged {_pct(at['recall_smile']['rate'])}, "
        f"smile given the verdict `smile` {_pct(at['smile_called_smile']['rate'])}",
        "",
        *_rate_table("FPR on personal, by channel", at["fpr_personal_by_channel"]),
        *_rate_table("FPR on personal, by length", at["fpr_personal_by_length"]),
        *_rate_table("smile flagged, by channel", at["recall_smile_by_channel"]),
        "Confusion (rows: true label, columns: verdict):",
        "",
        "| label | personal | smile | bulk | error |",
        "|---|---:|---:|---:|---:|",
        *[f"| {label} | " + " | ".join(str(v) for v in row.values()) + " |" for label, row in test["confusion"].items()],
        "",
        "## False positives",
        "The personal test messages scored highest (ids only; read them in the corpus):",
        "",
        *[f"- `{r['id']}` ({r['channel']}): {r['score']:.3f} {r['verdict']} {', '.join(r['codes'])}"
          for r in metrics["worst_false_positives"]],
        "",
        "## Known limits",
        "- Short messages (a line or two) carry little evidence either way; see the length table.",
        "- The smile class is the project's own template library: outreach written in styles it does not cover, "
        "and templates reworded per recipient (by hand or by an LLM), are harder than these figures suggest.",
        "- Personal email comes mostly from Enron employees (1999–2002 business mail) and 2002 mailing-list users; "
        "LinkedIn, video and voicemail personal messages are a few hundred hand-written ones. Non-native writers, "
        "other languages and other eras are not measured.",
        "- Enron text is lower-cased and re-detokenised by the corpus builder; the model lower-cases everything, so "
        "case carries no signal for it (the MERGE_GLITCH rule still reads case).",
        "- Voice: this bundle scores text only.",
        "",
    ]
    return "\n".join(lines)


def write_model_card(path: Path, config: Any, manifest: dict[str, Any], policy: Policy, metrics: dict[str, Any]) -> None:
    path.write_text(render(config, manifest, policy, metrics), encoding="utf-8")
