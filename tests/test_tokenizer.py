import re

import numpy as np
import pandas as pd
import pytest

from sknlp.preprocessing import Tokenizer

analyze = Tokenizer().build_analyzer()  # the default word analyzer


def test_vocabulary_is_ordered_by_frequency_after_reserved_ids():
    tok = Tokenizer().fit(["b a a", "c a b"])
    assert tok.vocabulary_ == {"<pad>": 0, "<unk>": 1, "a": 2, "b": 3, "c": 4}
    assert tok.token_counts_.tolist() == [0, 0, 3, 2, 1]
    assert tok.vocab_size_ == 5


def test_frequency_ties_keep_first_occurrence_order():
    tok = Tokenizer(oov_token=None).fit(["zeta alpha", "alpha zeta mid"])
    assert tok.index_to_token_.tolist() == ["<pad>", "zeta", "alpha", "mid"]


def test_num_words_counts_the_reserved_ids():
    docs = ["a a a a b b b c c d e"]
    tok = Tokenizer(num_words=4).fit(docs)  # pad, unk, a, b
    assert tok.vocab_size_ == 4
    assert tok.transform(["a b c d"]).max() < 4
    assert tok.transform(["c"])[0, 0] == 1  # beyond num_words -> OOV
    no_oov = Tokenizer(num_words=4, oov_token=None).fit(docs)  # pad, a, b, c
    assert no_oov.index_to_token_.tolist() == ["<pad>", "a", "b", "c"]


def test_num_words_too_small_is_explained():
    with pytest.raises(ValueError, match="reserved ids"):
        Tokenizer(num_words=2).fit(["a b"])


def test_min_count():
    tok = Tokenizer(min_count=2).fit(["a a b", "c a b"])
    assert set(tok.vocabulary_) == {"<pad>", "<unk>", "a", "b"}


def test_unknown_tokens_go_to_oov_or_are_dropped():
    docs = ["good film", "bad film"]
    assert Tokenizer(maxlen=3).fit(docs).transform(["good plot film"]).tolist() == [[3, 1, 2]]
    assert Tokenizer(maxlen=3, oov_token=None).fit(docs).transform(
        ["good plot film"]).tolist() == [[2, 1, 0]]


@pytest.mark.parametrize("padding,truncating,expected", [
    ("post", "post", [[1, 2, 3], [4, 0, 0]]),
    ("pre", "post", [[1, 2, 3], [0, 0, 4]]),
    ("post", "pre", [[3, 5, 6], [4, 0, 0]]),
    ("pre", "pre", [[3, 5, 6], [0, 0, 4]]),
])
def test_padding_and_truncating(padding, truncating, expected):
    tok = Tokenizer(maxlen=3, padding=padding, truncating=truncating, oov_token=None)
    tok.fit(["a b c x", "a b c d e"])
    assert [tok.vocabulary_[t] for t in "abcxde"] == [1, 2, 3, 4, 5, 6]
    assert tok.transform(["a b c d e", "x"]).tolist() == expected


def test_output_dtype_and_shape(imdb_small):
    X = imdb_small[0]
    Xt = Tokenizer(maxlen=50).fit_transform(X)
    assert Xt.shape == (len(X), 50) and Xt.dtype == np.int32


def test_maxlen_auto_is_the_95th_percentile(imdb_small):
    X = imdb_small[0]
    tok = Tokenizer().fit(X)
    lengths = [len(s) for s in tok.texts_to_sequences(X)]
    assert tok.maxlen_ == int(np.ceil(np.percentile(lengths, 95)))
    fits_whole = np.mean(np.array(lengths) <= tok.maxlen_)
    assert 0.95 <= fits_whole < 0.97
    assert Tokenizer(maxlen=None).fit(X).maxlen_ == max(lengths)


def test_fit_transform_equals_fit_then_transform(imdb_small):
    X = imdb_small[0]
    a = Tokenizer(num_words=500).fit_transform(X)
    b = Tokenizer(num_words=500).fit(X).transform(X)
    np.testing.assert_array_equal(a, b)


def test_word_tokens_match_a_reference_regex_on_real_reviews(imdb_small):
    # An independent definition of the word analyzer on ASCII text: runs of letters and
    # digits, lowercased. The vectorized tokenizer must agree token for token.
    docs = [d for d in imdb_small[0] if d.isascii()]
    tok = Tokenizer(maxlen=None, oov_token=None).fit(docs)
    decoded = tok.inverse_transform(tok.texts_to_sequences(docs))
    expected = [re.findall(r"[^\W_]+", d.lower()) for d in docs]
    assert decoded == expected


def test_inverse_transform_round_trip(imdb_small):
    X = imdb_small[0][:20]
    tok = Tokenizer(maxlen=None).fit(X)
    texts = tok.sequences_to_texts(tok.transform(X))
    assert texts == [" ".join(analyze(d)) for d in X]


def test_inverse_transform_rejects_ids_outside_the_vocabulary():
    tok = Tokenizer().fit(["a b"])
    with pytest.raises(ValueError, match=r"ids should lie in \[0, 4\)"):
        tok.inverse_transform([[0, 9]])


def test_unicode_words_stay_whole():
    tokens = analyze("Café naïve 東京タワー 100% RÉSUMÉ 😀👍 مرحبا بالعالم हिन्दी under_score")
    assert tokens == ["café", "naïve", "東京タワー", "100", "résumé", "😀", "👍", "مرحبا",
                      "بالعالم", "हिन्दी", "under", "score"]


def test_decomposed_accents_and_zero_width_characters():
    assert analyze("cafe\u0301 a\u200bb") == ["cafe\u0301", "a", "b"]


def test_long_tokens_and_mixed_lengths():
    text = "supercalifragilisticexpialidocious a supercalifragilisticexpialidocious ab"
    tok = Tokenizer(oov_token=None).fit([text])
    assert tok.index_to_token_[1] == "supercalifragilisticexpialidocious"
    assert tok.token_counts_[1] == 2


def test_char_analyzer_for_chinese(zh_reviews):
    docs = zh_reviews.data[:200]
    tok = Tokenizer(analyzer="char", maxlen=None).fit(docs)
    first = tok.inverse_transform(tok.transform(docs[:1]))[0]
    assert first == [c for c in docs[0].lower() if not c.isspace()]
    assert tok.sequences_to_texts(tok.transform(["很好"])) == ["很好"]


def test_char_bigrams_follow_each_character_on_real_reviews(zh_reviews):
    docs = zh_reviews.data[:300]
    tok = Tokenizer(analyzer="char", ngram_range=(1, 2), maxlen=None).fit(docs)
    for doc, tokens in zip(docs[:20], tok.inverse_transform(tok.transform(docs[:20]))):
        chars = [c for c in doc.lower() if not c.isspace()]
        expected = []
        for i, c in enumerate(chars):
            expected += [c] + ([c + chars[i + 1]] if i + 1 < len(chars) else [])
        assert tokens == expected
    # the text reads back from the single characters, bigrams left out
    assert tok.sequences_to_texts(tok.transform(docs[:5])) == [
        "".join(c for c in d.lower() if not c.isspace()) for d in docs[:5]]
    assert set(tok.token_orders_[2:].tolist()) == {1, 2}


def test_unknown_ngrams_are_dropped_and_unknown_tokens_become_oov():
    tok = Tokenizer(ngram_range=(1, 2)).fit(["a good film", "a good plot"])
    assert tok.inverse_transform(tok.texts_to_sequences(["a good actor"])) == [
        ["a", "a good", "good", "<unk>"]]
    assert tok.sequences_to_texts(tok.texts_to_sequences(["a good actor"])) == [
        "a good <unk>"]
    bigrams_only = Tokenizer(ngram_range=(2, 2)).fit(["a good film"])
    assert bigrams_only.inverse_transform(bigrams_only.texts_to_sequences(
        ["a good actor"])) == [["a good", "<unk>"]]


def test_ngrams_never_cross_documents_and_keep_row_lengths():
    tok = Tokenizer(analyzer="char", ngram_range=(1, 3), maxlen=None).fit(["ab", "", "c"])
    assert tok.inverse_transform(tok.transform(["ab", "", "c"])) == [
        ["a", "ab", "b"], [], ["c"]]


def test_ngram_of_callable_tokens_that_collides_with_a_token():
    # a custom analyzer may return tokens holding the joining space: "a b" is then
    # both a token and the bigram of "a" and "b", and must be one vocabulary entry
    tok = Tokenizer(analyzer=lambda d: d.split("|"), ngram_range=(1, 2)).fit(["a|b|a b"])
    assert len(tok.vocabulary_) == len(tok.index_to_token_)
    assert tok.token_counts_[tok.vocabulary_["a b"]] == 2


@pytest.mark.parametrize("bad", [(2, 1), (0, 1), (1,), "12", (1.0, 2)])
def test_bad_ngram_range_is_explained(bad):
    with pytest.raises(ValueError, match="ngram_range"):
        Tokenizer(ngram_range=bad).fit(["a b"])


def test_callable_analyzer_with_jieba(zh_reviews):
    jieba = pytest.importorskip("jieba")
    jieba.setLogLevel(60)
    tok = Tokenizer(analyzer=jieba.lcut).fit(zh_reviews.data[:100])
    assert tok.inverse_transform(tok.texts_to_sequences(["这本书很好"]))[0] == [
        t if t in tok.vocabulary_ else "<unk>" for t in jieba.lcut("这本书很好")]


def test_callable_analyzer_must_return_tokens():
    with pytest.raises(TypeError, match="list of tokens"):
        Tokenizer(analyzer=lambda d: d.upper()).fit(["a"])


def test_filters_and_split_like_keras():
    tok = Tokenizer(filters="!,", split=";", lower=False, oov_token=None, maxlen=None)
    tok.fit(["Hello world!;second,third"])
    assert tok.index_to_token_.tolist() == ["<pad>", "Hello world", "second", "third"]


def test_empty_and_unknown_documents_give_padding_rows():
    tok = Tokenizer(maxlen=4, oov_token=None).fit(["a b"])
    assert tok.transform(["", "zz yy", "!!!"]).tolist() == [[0] * 4] * 3


def test_empty_vocabulary_is_a_clear_error():
    with pytest.raises(ValueError, match="empty vocabulary"):
        Tokenizer().fit(["!!!", "...", ""])


def test_a_one_megabyte_document():
    doc = ("word " * 200_000) + "last"
    Xt = Tokenizer(maxlen=None).fit_transform([doc])
    assert Xt.shape == (1, 200_001) and Xt[0, -1] == 3


def test_pandas_series_and_generator(imdb_small):
    X = imdb_small[0][:30]
    tok = Tokenizer(maxlen=40).fit(pd.Series(X))
    np.testing.assert_array_equal(tok.transform(iter(X)), tok.transform(np.array(X)))


def test_set_output_pandas():
    tok = Tokenizer(maxlen=3).fit(["a b c"]).set_output(transform="pandas")
    out = tok.transform(["a b"])
    assert list(out.columns) == ["tokenizer0", "tokenizer1", "tokenizer2"]


def test_min_freq_is_the_old_spelling_of_min_count():
    import pytest

    docs = ["a a b", "c a b", "d"]
    with pytest.warns(FutureWarning, match="min_freq=.*use min_count="):
        old = Tokenizer(min_freq=2).fit(docs)
    assert old.vocabulary_ == Tokenizer(min_count=2).fit(docs).vocabulary_


def test_build_analyzer_shows_each_estimators_tokens():
    from sknlp import NGram, Word2Vec

    doc = "Not bad, not BAD at all"
    assert Tokenizer(lower=False).build_analyzer()(doc)[:2] == ["Not", "bad"]
    grams = NGram(ngram_range=(1, 2)).build_analyzer()(doc)
    assert grams[:3] == ["not", "not bad", "bad"]
    tok = Tokenizer(ngram_range=(1, 2), maxlen=None).fit([doc])
    # the analyzer's tokens are exactly the ones the fitted tokenizer counts
    assert set(grams) == set(tok.vocabulary_) - {tok.oov_token, "<pad>"}
    assert Word2Vec(analyzer="char").build_analyzer()("好看") == ["好", "看"]
