"""Every public sknlp estimator against scikit-learn's applicable checks and our own."""

import warnings

import pytest
import sklearn.utils.estimator_checks as skchecks
from sklearn.base import is_classifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sknlp.neural import LanguageModel, LSTMClassifier
from sknlp.preprocessing import BagOfWords, Tokenizer
from sknlp.utils.discovery import all_estimators
from sknlp.utils.estimator_checks import text_estimator_checks


def tiny_bert_folder():
    """A BERT-style model folder as small as a test can fine-tune in a second: one layer of
    width 32, randomly initialised, with the shipped MiniLM's real word-piece tokenizer.
    It exercises PretrainedClassifier's whole path (the real MiniLM is fine-tuned in
    test_pretrained.py and in the command's quick start)."""
    import tempfile

    import torch
    import transformers

    from sknlp.neural import minilm_path

    folder = tempfile.mkdtemp(prefix="sknlp-tiny-bert-")
    tok = transformers.AutoTokenizer.from_pretrained(minilm_path(), local_files_only=True)
    config = transformers.BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=1,
                                     num_attention_heads=2, intermediate_size=64,
                                     max_position_embeddings=64)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        transformers.BertModel(config).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


TINY_BERT = tiny_bert_folder()

# Small, fast settings per estimator (and extra configurations worth checking).
INIT_PARAMS = {
    "BagOfWords": [{}, {"weighting": "tfidf"}, {"weighting": "nb"}],
    "NGram": [{"ngram_range": (1, 2)}, {"weighting": "nb", "ngram_range": (1, 3)},
              {"hashing": True, "n_features": 256, "weighting": "tfidf"}],
    "NGramSequences": [{"ngram_range": (1, 2)}, {"ngram_range": (1, 3), "min_df": 2}],
    "Tokenizer": [{"maxlen": 20}, {"analyzer": "char", "num_words": 50},
                  {"ngram_range": (1, 2), "maxlen": 30}],
    "DistilledClassifier": [{
        "teacher": make_pipeline(BagOfWords(), LogisticRegression()),
        "student": LSTMClassifier(embedding_dim=8, hidden_size=8, max_epochs=1,
                                  tokenizer=Tokenizer(num_words=300, maxlen=40)),
        "random_state": 0}],
    "LSTMClassifier": [{"embedding_dim": 8, "hidden_size": 8, "max_epochs": 1,
                        "tokenizer": Tokenizer(num_words=300, maxlen=40), "random_state": 0},
                       {"embedding_dim": 8, "hidden_size": 8, "max_epochs": 1, "pooling":
                        "attention", "bidirectional": False,
                        "tokenizer": Tokenizer(num_words=300, maxlen=40)},
                       {"embedding_dim": 8, "hidden_size": 8, "max_epochs": 1,
                        "random_state": 0, "pretrained": LanguageModel(
                            embedding_dim=8, hidden_size=8, max_epochs=1, seq_len=16,
                            random_state=0, tokenizer=Tokenizer(num_words=300, maxlen=None))}],
    "PretrainedClassifier": [{"model": TINY_BERT, "maxlen": 32, "max_epochs": 1,
                              "random_state": 0, "lr": 1e-3}],
    "TransformerClassifier": [{"d_model": 8, "n_heads": 2, "n_layers": 1, "dim_feedforward": 16,
                               "max_epochs": 1, "tokenizer": Tokenizer(num_words=300, maxlen=40),
                               "random_state": 0}],
    "Doc2Vec": [{"vector_size": 8, "min_count": 1, "epochs": 2, "random_state": 0},
                {"vector_size": 8, "min_count": 1, "epochs": 2, "dm": "dm",
                 "ngram_range": (1, 2), "infer_epochs": 3}],
    "FastText": [{"vector_size": 8, "min_count": 1, "epochs": 2, "bucket": 2000,
                  "random_state": 0},
                 {"vector_size": 8, "min_count": 1, "epochs": 2, "bucket": 2000, "max_n": 0,
                  "pooling": "tfidf"}],
    "LanguageModel": [{"embedding_dim": 8, "hidden_size": 8, "max_epochs": 1, "seq_len": 16,
                       "tokenizer": Tokenizer(num_words=300, maxlen=None), "random_state": 0},
                      {"architecture": "transformer", "d_model": 8, "n_heads": 2,
                       "n_layers": 1, "dim_feedforward": 16, "max_epochs": 1, "seq_len": 16,
                       "tokenizer": Tokenizer(num_words=300, maxlen=None)},
                      {"architecture": "transformer", "objective": "causal", "d_model": 8,
                       "n_heads": 2, "n_layers": 1, "dim_feedforward": 16, "max_epochs": 1,
                       "seq_len": 16, "softmax": "full", "random_state": 0}],
    "Seq2Seq": [{"embedding_dim": 8, "hidden_size": 8, "max_epochs": 1, "max_length": 40,
                 "source_tokenizer": Tokenizer(num_words=300, maxlen=40), "random_state": 0},
                {"architecture": "rnn", "embedding_dim": 8, "hidden_size": 8, "max_epochs": 1,
                 "max_length": 40, "source_tokenizer": Tokenizer(num_words=300, maxlen=40)},
                {"architecture": "transformer", "hidden_size": 8, "n_heads": 2, "n_layers": 1,
                 "dim_feedforward": 16, "max_epochs": 1, "max_length": 40,
                 "source_tokenizer": Tokenizer(num_words=300, maxlen=40), "decoding": "beam",
                 "beam_size": 3, "random_state": 0}],
    "Word2Vec": [{"vector_size": 8, "min_count": 1, "epochs": 2, "random_state": 0},
                 {"vector_size": 8, "min_count": 1, "epochs": 2, "pooling": "max"}],
}

SUPERVISED = {("BagOfWords", "nb"), ("NGram", "nb")}
# Estimators whose targets are texts (text in, text out).
TEXT_TARGETS = {"Seq2Seq"}


def targets_for(name, est, X, y):
    """What ``fit`` takes as ``y``: labels, texts (here the first words of each document,
    a copying task any text-to-text model can learn) or nothing."""
    if name in TEXT_TARGETS:
        return [" ".join(str(d).split()[:3]) or "." for d in X]
    if is_classifier(est) or (name, getattr(est, "weighting", None)) in SUPERVISED:
        return y
    return None

# scikit-learn checks that apply to estimators taking documents: they need no data, or
# fail before looking at it (parameter validation, fitted-state checks).
SKLEARN_CHECKS = [
    "check_estimator_cloneable", "check_estimator_repr", "check_no_attributes_set_in_init",
    "check_parameters_default_constructible", "check_get_params_invariance",
    "check_set_params", "check_do_not_raise_errors_in_init_or_set_params",
    "check_mixin_order", "check_estimator_tags_renamed", "check_valid_tag_types",
    "check_param_validation", "check_estimators_unfitted",
    "check_estimator_sparse_tag",
]
TRANSFORMER_CHECKS = ["check_transformers_unfitted", "check_get_feature_names_out_error"]
# Not applicable, with the reason: each feeds numeric 2-D arrays, which a text estimator
# must reject (the text versions are in sknlp.utils.estimator_checks):
# check_fit_idempotent, check_estimators_pickle, check_dict_unchanged,
# check_dont_overwrite_parameters, check_estimators_overwrite_params, check_n_features_in,
# check_fit_check_is_fitted, check_transformer_data_not_an_array,
# check_estimators_empty_data_messages (expects "0 feature(s)" for 2-D input),
# check_requires_y_none (expects numeric-array messages).

ESTIMATORS = all_estimators()

# Checks about documents (containers of str, missing, empty or odd documents, feature names
# of text): they do not apply to estimators that take token ids.
TEXT_ONLY_CHECKS = {"check_container_types", "check_missing_document_rejected",
                    "check_empty_documents_at_transform", "check_unicode_and_large_documents"}


def takes_text(est):
    return est.__sklearn_tags__().input_tags.string


def inputs_for(est, X):
    """What ``est`` takes: the documents themselves, or their token ids (NGramSequences)."""
    return X if takes_text(est) else Tokenizer(num_words=300, maxlen=40).fit_transform(X)


def _configs(transformers_only=False):
    for name, cls in ESTIMATORS:
        if transformers_only and not hasattr(cls, "transform"):
            continue
        for params in INIT_PARAMS.get(name, [{}]):
            yield pytest.param(name, cls, params, id=f"{name}({params})")


def test_every_estimator_has_test_settings():
    missing = [name for name, _ in ESTIMATORS if name not in INIT_PARAMS]
    assert not missing, f"add INIT_PARAMS for {missing} in tests/test_common.py"
    assert {"Tokenizer", "BagOfWords", "NGram", "Word2Vec", "LSTMClassifier",
            "TransformerClassifier", "DistilledClassifier"} <= {n for n, _ in ESTIMATORS}


@pytest.mark.parametrize("check", SKLEARN_CHECKS)
@pytest.mark.parametrize("name,cls,params", list(_configs()))
def test_sklearn_checks(name, cls, params, check):
    _run_sklearn_check(name, cls(**params), check)


@pytest.mark.parametrize("check", TRANSFORMER_CHECKS)
@pytest.mark.parametrize("name,cls,params", list(_configs(transformers_only=True)))
def test_sklearn_transformer_checks(name, cls, params, check):
    if check == "check_get_feature_names_out_error" and not hasattr(cls,
                                                                   "get_feature_names_out"):
        pytest.skip(f"{name} outputs id sequences, whose positions have no feature names")
    _run_sklearn_check(name, cls(**params), check)


def _run_sklearn_check(name, estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        getattr(skchecks, check)(name, estimator)


@pytest.mark.parametrize("check_name,check", text_estimator_checks())
@pytest.mark.parametrize("name,cls,params", list(_configs()))
def test_text_checks(name, cls, params, check_name, check, imdb_tiny):
    X, y = imdb_tiny
    est = cls(**params)
    if not takes_text(est) and check_name in TEXT_ONLY_CHECKS:
        pytest.skip(f"{name} takes token ids, not documents")
    check(est, inputs_for(est, X), targets_for(name, est, X, y))


def test_supervised_tag():
    from sknlp.preprocessing import BagOfWords

    assert BagOfWords(weighting="nb").__sklearn_tags__().target_tags.required
    assert not BagOfWords().__sklearn_tags__().target_tags.required
    assert BagOfWords().__sklearn_tags__().input_tags.string
