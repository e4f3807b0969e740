"""How torch tensors and Hugging Face tokenizers are written to sknlp model files."""

import torch

from .._persist import ModelFileError, register_codec

_DTYPES = {"float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8",
           "uint8", "bool"}


def _write_tensor(t, writer):
    t = t.detach().cpu()
    dtype = str(t.dtype).removeprefix("torch.")
    if dtype == "bfloat16":
        t = t.float()  # numpy has no bfloat16: stored as float32, cast back on load
    return {"array": writer.array(t.numpy()), "dtype": dtype}


def _read_tensor(node, reader):
    value = node["__tensor__"]
    if isinstance(value, str):  # files of sknlp 0.1.0.dev0: {"__tensor__": name, "dtype": ..}
        value = {"array": value, "dtype": node.get("dtype")}
    dtype = value.get("dtype")
    if dtype not in _DTYPES:
        raise ModelFileError(f"malformed model file: tensor dtype {dtype!r}")
    t = torch.from_numpy(reader.array(value["array"], kinds="biuf").copy())
    return t.to(getattr(torch, dtype))


def _write_hf_tokenizer(tok, writer):
    return str(tok.name_or_path)


def _read_hf_tokenizer(node, reader):
    from ._hf import load_tokenizer

    path = node["__hf_tokenizer__"]
    if not isinstance(path, str):
        raise ModelFileError("malformed model file: a tokenizer path that is not a string")
    return load_tokenizer(path)  # a local folder only: never downloads, runs no remote code


register_codec("__tensor__", accepts=lambda obj: isinstance(obj, torch.Tensor),
               write=_write_tensor, read=_read_tensor)
register_codec("__hf_tokenizer__",
               accepts=lambda obj: type(obj).__module__.startswith(("transformers", "tokenizers"))
               and hasattr(obj, "name_or_path"),
               write=_write_hf_tokenizer, read=_read_hf_tokenizer)
