"""Corpus tokenization shared by Tokenizer, BagOfWords, NGram and Word2Vec.

The hot path never creates one Python object per token. A corpus is turned into a
*factorized* form: one integer per token occurrence (``codes``), the document each occurrence
belongs to (``doc``) and the distinct token strings (``uniques``, with
``uniques[codes[i]]`` the i-th token). Word tokens are found with numpy on the UTF-8 bytes of
the whole corpus; tokens of up to 8 bytes are packed exactly into one ``uint64`` and
factorized with a hash table, longer ones go through a dict. Vocabulary lookups then happen
once per distinct token instead of once per occurrence.
"""

import string
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from itertools import chain, count
from numbers import Integral

import numpy as np
import pandas as pd

ANALYZERS = ("word", "char")
_SEP = "\x00"  # internal separator byte; documents are joined with it too
_ZERO_WIDTH_JOINERS = {0x200C, 0x200D}


class _UnicodeSeparators(dict):
    """``str.translate`` table for non-ASCII text, filled on first sight of each character.

    Punctuation (P*), separators (Z*), control/format characters (C*) and math, currency
    and modifier symbols (Sm, Sc, Sk) become token separators. Other symbols (So: emoji,
    dingbats) become tokens of their own. Letters, marks (accents, vowel signs) and digits
    stay inside words.
    """

    def __missing__(self, cp):
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cp in _ZERO_WIDTH_JOINERS:
            out = ""
        elif cat == "So":
            out = _SEP + ch + _SEP
        elif cat[0] in "PZC" or cat in ("Sm", "Sc", "Sk"):
            out = _SEP
        else:
            out = ch
        self[cp] = out
        return out


_UNICODE_TABLE = _UnicodeSeparators()
# _TAIL_MASKS[n] keeps the first n bytes of a little-endian uint64
_TAIL_MASKS = np.array([(1 << (8 * n)) - 1 for n in range(8)] + [2**64 - 1], dtype=np.uint64)
_ASCII_CONTROLS = "".join(map(chr, range(32))) + "\x7f"


@dataclass
class Corpus:
    """A tokenized corpus in factorized form.

    Attributes
    ----------
    codes : ndarray of shape (n_tokens,), int32
        Index into ``uniques`` of each token occurrence, in document order.
    doc : ndarray of shape (n_tokens,), int32
        Document of each occurrence (non-decreasing).
    uniques : list of str
        Distinct tokens.
    n_docs : int
        Number of documents, including those without any token.
    orders : ndarray of shape (len(uniques),) or None
        n-gram order of each distinct token, when :func:`interleave_ngrams` made them;
        ``None`` means all are single tokens.
    """

    codes: np.ndarray
    doc: np.ndarray
    uniques: list
    n_docs: int
    orders: np.ndarray = None

    @property
    def lengths(self):
        return np.bincount(self.doc, minlength=self.n_docs)


def _ascii_separator_lut(filters, split):
    lut = np.zeros(256, dtype=bool)
    lut[0] = True
    seps = set(string.punctuation + _ASCII_CONTROLS if filters is None else filters)
    seps |= set(string.whitespace) if split is None else set(split)
    for ch in seps:
        if ord(ch) < 128:
            lut[ord(ch)] = True
    return lut


def _nonascii_table(filters, split):
    """Translate table for non-ASCII characters: default Unicode rules or explicit filters."""
    if filters is None:
        return _UNICODE_TABLE
    table = {ord(ch): _SEP for ch in set(filters) | set(split or "") if ord(ch) >= 128}
    return table


def _translate_nonascii(doc, table):
    # Mostly-ASCII documents hold a handful of distinct non-ASCII characters: replacing
    # those few is much faster than a per-character str.translate of the whole text.
    for ch in {c for c in set(doc) if ord(c) >= 128}:
        out = table[ord(ch)] if ord(ch) in table or isinstance(table, _UnicodeSeparators) else ch
        if out != ch:
            doc = doc.replace(ch, out)
    return doc


_CHUNK_CHARS = 1 << 21


def _chunks(docs, size=_CHUNK_CHARS):
    """Consecutive slices of ``docs`` holding about ``size`` characters each."""
    start, total = 0, 0
    for i, d in enumerate(docs):
        total += len(d)
        if total >= size:
            yield start, docs[start : i + 1]
            start, total = i + 1, 0
    if start < len(docs) or not docs:
        yield start, docs[start:]


def _merge_chunks(parts, n_docs):
    """Combine per-chunk corpora into one, re-coding tokens against a shared table."""
    if len(parts) == 1:
        return parts[0][1]
    table = {}
    codes, docs = [], []
    for offset, part in parts:
        for t in part.uniques:
            table.setdefault(t, len(table))
        remap = np.fromiter((table[t] for t in part.uniques), dtype=np.int32,
                            count=len(part.uniques))
        codes.append(remap[part.codes])
        docs.append(part.doc + offset)
    return Corpus(np.concatenate(codes), np.concatenate(docs), list(table), n_docs)


def _factorize_words(docs, *, lower, filters, split):
    """Word tokens of ``docs``, a few megabytes of text at a time (cache-friendly and
    bounded in memory)."""
    parts = [(start, _factorize_words_chunk(chunk, lower=lower, filters=filters, split=split))
             for start, chunk in _chunks(docs)]
    return _merge_chunks(parts, len(docs))


def _factorize_words_chunk(docs, *, lower, filters, split):
    """Word tokens of ``docs``: maximal runs of non-separator characters."""
    table = _nonascii_table(filters, split)
    encoded = []
    for d in docs:
        if lower:
            d = d.lower()
        if not d.isascii():
            d = _translate_nonascii(d, table)
        encoded.append(d.encode("utf-8", "surrogatepass"))
    ends_of_docs = np.cumsum([len(e) + 1 for e in encoded], dtype=np.int64)
    blob = _SEP.encode().join(encoded) + b"\x00" * 9  # padding for the 8-byte windows
    a = np.frombuffer(blob, dtype=np.uint8)
    sep = _ascii_separator_lut(filters, split)[a]
    word = ~sep
    edges = np.flatnonzero(word[1:] != word[:-1]) + 1
    if word[0]:
        edges = np.concatenate(([0], edges))
    starts, ends = edges[0::2], edges[1::2]
    n_tok = len(starts)
    # tokens per document from 25k searches instead of one search per token
    doc = np.repeat(np.arange(len(docs), dtype=np.int32),
                    np.diff(np.searchsorted(starts, ends_of_docs), prepend=0))
    if n_tok == 0:
        return Corpus(np.zeros(0, np.int32), np.zeros(0, np.int32), [], len(docs))
    lengths = ends - starts
    short = lengths <= 8
    # Pack tokens of <= 8 bytes exactly into a uint64 (tokens never hold a zero byte):
    # read 8 bytes at each start through an unaligned uint64 view, then mask the tail.
    words8 = np.ndarray(shape=(len(blob) - 7,), dtype="<u8", buffer=blob, strides=(1,))
    keys = words8[starts[short]] & _TAIL_MASKS[lengths[short]]
    short_codes, short_uniques = pd.factorize(keys)
    uniques = [
        k.to_bytes(8, "little").rstrip(b"\x00").decode("utf-8", "surrogatepass")
        for k in short_uniques.tolist()
    ]
    codes = np.empty(n_tok, dtype=np.int32)
    codes[short] = short_codes
    if not short.all():
        long_idx = np.flatnonzero(~short)
        table_long = defaultdict(count(len(uniques)).__next__)
        codes[long_idx] = [
            table_long[blob[s:e]]
            for s, e in zip(starts[long_idx].tolist(), ends[long_idx].tolist())
        ]
        uniques.extend(k.decode("utf-8", "surrogatepass") for k in table_long)
    return Corpus(codes, doc, uniques, len(docs))


def _factorize_chars(docs, *, lower, filters, split):
    """Character tokens: one per code point, separators (whitespace, filters) dropped."""
    drop = set(string.whitespace if split is None else split) | set(filters or "")
    lengths = []
    parts = []
    for d in docs:
        if lower:
            d = d.lower()
        parts.append(d)
        lengths.append(len(d))
    cps = np.frombuffer("".join(parts).encode("utf-32-le", "surrogatepass"), dtype="<u4")
    doc = np.repeat(np.arange(len(docs), dtype=np.int32), lengths)
    if drop:
        keep = ~np.isin(cps, np.array([ord(c) for c in drop], dtype="<u4"))
        cps, doc = cps[keep], doc[keep]
    codes, uniq = pd.factorize(cps)
    return Corpus(codes.astype(np.int32), doc, [chr(c) for c in uniq.tolist()], len(docs))


def _factorize_callable(docs, analyzer):
    token_lists = []
    for i, d in enumerate(docs):
        toks = analyzer(d)
        if isinstance(toks, str) or not hasattr(toks, "__iter__"):
            raise TypeError(
                f"the analyzer callable should return a list of tokens, got "
                f"{type(toks).__name__} for document {i}"
            )
        token_lists.append(list(toks))
    lengths = [len(t) for t in token_lists]
    table = defaultdict(count().__next__)
    flat = list(chain.from_iterable(token_lists))
    bad = next((t for t in flat if not isinstance(t, str)), None)
    if bad is not None:
        raise TypeError(f"the analyzer callable returned a non-str token: {bad!r}")
    codes = np.fromiter(map(table.__getitem__, flat), dtype=np.int32, count=len(flat))
    doc = np.repeat(np.arange(len(docs), dtype=np.int32), lengths)
    return Corpus(codes, doc, list(table), len(docs))


def extend_grams(keys, valid, codes, doc, n, base):
    """Keys of the n-grams from those of the (n-1)-grams that start at the same positions.

    This is sknlp's one n-gram rule: the n-gram starting at token ``i`` is ``codes[i : i +
    n]``; a window that crosses a document boundary or holds an unknown token (code < 0) is
    no n-gram. Its key is ``keys[i] * base + codes[i + n - 1]``, where ``keys`` are the
    keys of the (n-1)-grams (the tokens themselves for n = 2). Exact keys of any order are
    ``extend_grams`` applied n - 1 times; keys that stay small at every order come from
    factorizing ``keys`` before each step (as :func:`interleave_ngrams` does).

    Parameters
    ----------
    keys : ndarray of int64, shape (len(codes) - n + 2,)
        Keys of the (n-1)-grams.
    valid : ndarray of bool, same shape
        Which (n-1)-grams exist.
    codes, doc : ndarray
        Token codes and the document of each token.
    n : int
        Order of the n-grams made, >= 2.
    base : int
        Larger than every code.

    Returns
    -------
    keys : ndarray of int64, shape (max(len(codes) - n + 1, 0),)
        Key of the n-gram starting at each position (meaningless where not ``valid``).
    valid : ndarray of bool
    """
    m = max(len(codes) - n + 1, 0)
    last = codes[n - 1 :].astype(np.int64)
    valid = valid[:m] & (doc[:m] == doc[n - 1 :]) & (last >= 0)
    return keys[:m] * base + last, valid


def check_key_space(base, n, remedy):
    """Raise a ValueError when exact keys of n-grams of order ``n`` over ``base`` codes
    would not fit in 62 bits; ``remedy`` says what the user can change."""
    if base ** n >= 2**62:
        raise ValueError(f"{base} distinct tokens and n-grams of order {n} overflow exact "
                         f"64-bit n-gram keys; {remedy}")


def gram_keys(codes, doc, n, base):
    """Exact integer key of every n-gram inside a document (see :func:`extend_grams`).

    The n-gram starting at token ``i`` gets ``sum_j codes[i + j] * base ** (n - 1 - j)``;
    call :func:`check_key_space` first.

    Returns
    -------
    keys : ndarray of int64
    gram_doc : ndarray of int64
        Document of each key.
    """
    keys = codes.astype(np.int64)
    valid = keys >= 0
    for k in range(2, n + 1):
        keys, valid = extend_grams(keys, valid, codes, doc, k, base)
    return keys[valid], doc[: len(valid)][valid].astype(np.int64)


def decode_keys(keys, n, base):
    """Inverse of :func:`gram_keys`: (len(keys), n) array of token codes."""
    out = np.empty((len(keys), n), dtype=np.int64)
    rest = keys.copy()
    for j in range(n - 1, -1, -1):
        rest, out[:, j] = np.divmod(rest, base)
    return out


def gram_index(keys, values):
    """The look-up of known n-grams: their keys sorted, with a value (a feature column, an
    id) for each. A plain ``(keys, values)`` pair of arrays, so that a model file holds no
    object of its own kind; query it with :func:`find_grams`."""
    order = np.argsort(keys, kind="stable")
    return np.asarray(keys, dtype=np.int64)[order], np.asarray(values)[order]


def find_grams(index, query):
    """Which ``query`` keys the :func:`gram_index` ``index`` knows, and their values.

    Returns
    -------
    hit : ndarray of bool, shape (len(query),)
    values : ndarray, shape (hit.sum(),)
    """
    keys, values = index
    if len(keys) == 0:
        return np.zeros(len(query), bool), values[:0]
    pos = np.searchsorted(keys, query)
    pos[pos == len(keys)] = 0
    hit = keys[pos] == query
    return hit, values[pos[hit]]


def interleave_ngrams(corpus, ngram_range, joiner):
    """Replace each token by the n-grams that start at it, orders ``ngram_range``.

    With ``(1, 2)``, ``a b c`` becomes ``a, a b, b, b c, c``: the sequence keeps its order
    and every position carries its token and the n-grams that begin there (n-grams never
    cross documents). Distinct n-grams are found with :func:`extend_grams` over the
    factorized (n-1)-grams, ``(n-1)-gram id * n_tokens + next token``, so keys never
    overflow and no string is built per occurrence.

    Parameters
    ----------
    corpus : Corpus
        Single tokens.
    ngram_range : tuple (min_n, max_n)
        Orders to emit, ``1 <= min_n <= max_n``.
    joiner : str
        Put between the tokens of an n-gram's string (``""`` for characters).

    Returns
    -------
    corpus : Corpus
        With ``orders`` set.
    """
    lo, hi = ngram_range
    tokens = corpus.codes.astype(np.int64)
    n_u = len(corpus.uniques)
    gram, valid, names = tokens, np.ones(len(tokens), bool), corpus.uniques
    pos, codes, ranks, uniques, orders = [], [], [], [], []
    for n in range(1, hi + 1):
        if n > 1:
            keys, valid = extend_grams(gram, valid, tokens, corpus.doc, n, n_u)
            found, distinct = pd.factorize(keys[valid])
            gram = np.full(len(keys), -1, dtype=np.int64)
            gram[valid] = found
            distinct = np.asarray(distinct, dtype=np.int64)
            names = [names[p] + joiner + corpus.uniques[t]
                     for p, t in zip((distinct // n_u).tolist(), (distinct % n_u).tolist())]
        if n >= lo:
            at = np.flatnonzero(valid)
            pos.append(at)
            codes.append(gram[at] + len(uniques))
            ranks.append(np.full(len(at), n - lo, dtype=np.int64))
            uniques.extend(names)
            orders.append(np.full(len(names), n, dtype=np.int16))
    pos, codes, ranks = np.concatenate(pos), np.concatenate(codes), np.concatenate(ranks)
    orders = np.concatenate(orders)
    order = np.argsort(pos * (hi - lo + 1) + ranks, kind="stable")
    codes = codes[order]
    if len(set(uniques)) < len(uniques):  # a callable's tokens may hold the joiner
        table = {}
        remap = np.array([table.setdefault(t, len(table)) for t in uniques], dtype=np.int64)
        merged = np.full(len(table), hi, dtype=np.int16)
        np.minimum.at(merged, remap, orders)
        codes, uniques, orders = remap[codes], list(table), merged
    return Corpus(codes.astype(np.int32), corpus.doc[pos[order]], uniques, corpus.n_docs,
                  orders)


def check_ngram_range(ngram_range):
    """Raise a ValueError unless ``ngram_range`` is ``(min_n, max_n)``, 1 <= min_n <= max_n."""
    r = ngram_range
    if not (isinstance(r, (tuple, list)) and len(r) == 2
            and all(isinstance(v, Integral) and not isinstance(v, bool) for v in r)
            and 1 <= r[0] <= r[1]):
        raise ValueError(f"ngram_range should be (min_n, max_n) with 1 <= min_n <= max_n, "
                         f"got {r!r}")


def ngram_range_of(estimator):
    """``estimator.ngram_range`` as a tuple; ``(1, 1)`` for objects pickled before it existed."""
    return tuple(getattr(estimator, "ngram_range", (1, 1)))


def factorize(docs, *, analyzer="word", lower=True, filters=None, split=None,
              ngram_range=(1, 1)):
    """Tokenize ``docs`` into a :class:`Corpus`.

    Parameters
    ----------
    docs : list of str
        Validated documents.
    analyzer : {"word", "char"} or callable
        ``"word"``: maximal runs of letters, marks and digits (Unicode-aware: accents and
        CJK runs stay whole; emoji are tokens of their own). ``"char"``: one token per
        character. A callable maps one document to a list of tokens (e.g. ``jieba.lcut``).
    lower : bool
        Lowercase before tokenizing (ignored for a callable analyzer).
    filters : str or None
        Characters treated as separators. ``None``: all Unicode punctuation, symbols and
        control characters for ``"word"``; nothing beyond whitespace for ``"char"``.
    split : str or None
        Extra separator characters; ``None`` means whitespace.
    ngram_range : tuple (min_n, max_n), default=(1, 1)
        Emit, at each position, the n-grams of these orders that start there (see
        :func:`interleave_ngrams`); n-grams of characters are joined with nothing, others
        with a space.

    Returns
    -------
    corpus : Corpus
    """
    check_ngram_range(ngram_range)
    if callable(analyzer):
        corpus = _factorize_callable(docs, analyzer)
    elif analyzer == "word":
        corpus = _factorize_words(docs, lower=lower, filters=filters, split=split)
    elif analyzer == "char":
        corpus = _factorize_chars(docs, lower=lower, filters=filters, split=split)
    else:
        raise ValueError(f"analyzer should be 'word', 'char' or a callable, got {analyzer!r}")
    if tuple(ngram_range) == (1, 1):
        return corpus
    return interleave_ngrams(corpus, ngram_range, "" if analyzer == "char" else " ")


def ngrams(tokens, n):
    """The n-grams of a token sequence as lists: ``[[w1, w2], [w2, w3], ...]`` for ``n=2``.

    Parameters
    ----------
    tokens : sequence
        Tokens (str or ids) of one document.
    n : int
        Order of the n-grams, >= 1.

    Returns
    -------
    grams : list of list

    Examples
    --------
    >>> from sknlp.preprocessing import ngrams
    >>> ngrams(["the", "movie", "was", "great"], 2)
    [['the', 'movie'], ['movie', 'was'], ['was', 'great']]
    """
    if n < 1:
        raise ValueError(f"n should be >= 1, got {n}")
    tokens = list(tokens)
    return [tokens[i : i + n] for i in range(len(tokens) - n + 1)]


def first_occurrence(codes, n_uniques):
    """Position of the first occurrence of each code (for stable tie-breaking)."""
    first = np.full(n_uniques, len(codes), dtype=np.int64)
    # Assigning in reverse order leaves the smallest position for repeated codes.
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1, dtype=np.int64)
    return first


def document_frequency(doc, codes, n_docs, n_codes):
    """Number of documents holding each code (``doc`` and ``codes`` aligned, codes >= 0)."""
    import scipy.sparse as sp

    if len(codes) == 0:
        return np.zeros(n_codes, dtype=np.int64)
    presence = sp.csr_matrix((np.ones(len(codes), dtype=np.int32), (doc, codes)),
                             shape=(n_docs, n_codes))
    presence.sum_duplicates()  # one entry per (document, code) pair
    return np.bincount(presence.indices, minlength=n_codes)


def smooth_idf(df, n_docs):
    """Inverse document frequency as scikit-learn's ``TfidfTransformer(smooth_idf=True)``
    computes it: ``ln((1 + n) / (1 + df)) + 1``, as if one extra document held every term."""
    return np.log((1.0 + n_docs) / (1.0 + np.asarray(df, dtype=np.float64))) + 1.0


def min_df_count(min_df, n_docs):
    """``min_df`` as a count of documents: an int is one, a float a share of ``n_docs``."""
    from numbers import Integral

    return min_df if isinstance(min_df, Integral) else min_df * n_docs


def lookup(uniques, mapping, default=-1):
    """Map each distinct token through ``mapping`` (one dict lookup per distinct token)."""
    get = mapping.get
    return np.fromiter((get(t, default) for t in uniques), dtype=np.int32, count=len(uniques))


def pad_ragged(ids, doc, n_docs, *, maxlen, padding, truncating, dtype=np.int32):
    """Lay ragged per-document ids (``ids`` grouped by non-decreasing ``doc``) in a matrix.

    Returns an array of shape ``(n_docs, maxlen)`` filled with 0 (padding) around the ids.
    ``truncating="pre"`` drops the start of long documents, ``"post"`` their end;
    ``padding="pre"`` puts the zeros before the ids, ``"post"`` after them.
    """
    out = np.zeros((n_docs, maxlen), dtype=dtype)
    if len(ids) == 0:
        return out
    lengths = np.bincount(doc, minlength=n_docs)
    starts = np.cumsum(lengths) - lengths
    kept = np.minimum(lengths, maxlen)  # (n_docs,)
    head = lengths - kept if truncating == "pre" else np.zeros_like(kept)  # dropped ids
    left = maxlen - kept if padding == "pre" else np.zeros_like(kept)  # left padding
    # flat index in ``out`` of the i-th id: i - starts[d] - head[d] + left[d] + d * maxlen
    itype = np.int32 if max(n_docs * maxlen, len(ids)) < 2**31 else np.int64
    rows = np.arange(n_docs, dtype=itype) * itype(maxlen)
    base = rows - starts.astype(itype) - head.astype(itype) + left.astype(itype)
    flat = np.arange(len(ids), dtype=itype)
    flat += base[doc]
    if (lengths > maxlen).any():
        pos = flat - (rows + left.astype(itype))[doc]  # column - left padding
        keep = (pos >= 0) & (pos < kept[doc])
        flat, ids = flat[keep], ids[keep]
    out.ravel()[flat] = ids
    return out
