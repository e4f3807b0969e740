"""DistilledClassifier: a large teacher trains a small neural student."""

from numbers import Integral, Real

import numpy as np
import torch.nn.functional as F
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.frozen import FrozenEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_parameter_constraints
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, has_fit_parameter
from torch import nn

from ..base import TextInputMixin
from ..utils._validation import check_documents
from ._base import _check_labels, _is_language_model
from ._engine import check_params


class DistillationLoss(nn.Module):
    """Knowledge-distillation loss on targets ``[hard label or -1, teacher logits...]``.

    ``kind="kl"`` (Hinton, Vinyals & Dean, "Distilling the Knowledge in a Neural Network",
    2015): ``alpha * CE(y, student) + (1 - alpha) * T^2 * KL(softmax(t / T) ||
    softmax(s / T))``, the cross-entropy taken over labelled rows only. ``kind="mse"``
    (Tang et al., "Distilling Task-Specific Knowledge from BERT into Simple Neural
    Networks", 2019): the mean squared error between student and teacher logits in place of
    the KL term.
    """

    takes_sample_weight = True  # _TextClassifierNet passes per-document weights

    def __init__(self, temperature=2.0, alpha=0.5, kind="kl"):
        super().__init__()
        self.temperature = temperature
        self.alpha = alpha
        self.kind = kind

    def forward(self, logits, target, sample_weight=None):
        hard = target[:, 0].long()  # (B,), -1 for unlabelled rows
        teacher = target[:, 1:].to(logits.dtype)  # (B, K)
        T = self.temperature
        labelled = hard >= 0
        if sample_weight is None:
            if self.kind == "kl":
                soft = F.kl_div(F.log_softmax(logits / T, dim=-1),
                                F.softmax(teacher / T, dim=-1), reduction="batchmean") * T * T
            else:
                soft = F.mse_loss(logits, teacher)
            if labelled.any() and self.alpha > 0:
                hard_loss = F.cross_entropy(logits[labelled], hard[labelled])
            else:
                hard_loss = logits.sum() * 0.0
            return self.alpha * hard_loss + (1.0 - self.alpha) * soft
        # Each document's terms multiplied by its weight; weights of 1 give the means above.
        w = sample_weight.to(logits.dtype)
        if self.kind == "kl":
            rows = F.kl_div(F.log_softmax(logits / T, dim=-1), F.softmax(teacher / T, dim=-1),
                            reduction="none").sum(-1) * T * T
        else:
            rows = ((logits - teacher) ** 2).mean(-1)
        soft = (w * rows).sum() / len(w)
        if labelled.any() and self.alpha > 0:
            ce = F.cross_entropy(logits[labelled], hard[labelled], reduction="none")
            hard_loss = (w[labelled] * ce).sum() / labelled.sum()
        else:
            hard_loss = logits.sum() * 0.0
        return self.alpha * hard_loss + (1.0 - self.alpha) * soft


def teacher_logits(teacher, X):
    """Logits of a fitted classifier: ``decision_function`` when it exists (two-class scores
    ``s`` become ``[-s/2, s/2]``), else the log of ``predict_proba`` (logits up to a
    per-row constant, which softmax ignores)."""
    if hasattr(teacher, "decision_function"):
        try:
            d = np.asarray(teacher.decision_function(X), dtype=np.float64)
            return np.column_stack([-d / 2, d / 2]) if d.ndim == 1 else d
        except AttributeError:  # e.g. a pipeline whose last step lacks it
            pass
    proba = np.asarray(teacher.predict_proba(X), dtype=np.float64)
    return np.log(np.clip(proba, 1e-7, 1.0))


def _fit_weighted(estimator, X, y, sample_weight):
    """``estimator.fit(X, y)`` with ``sample_weight`` where given: to the last step of a
    pipeline, or to an estimator whose ``fit`` takes it; a clear error otherwise."""
    if sample_weight is None:
        return estimator.fit(X, y)
    if hasattr(estimator, "steps"):
        name, last = estimator.steps[-1]
        if not has_fit_parameter(last, "sample_weight"):
            raise TypeError(f"sample_weight: the teacher's last step {name!r} "
                            f"({type(last).__name__}) does not take sample_weight")
        return estimator.fit(X, y, **{f"{name}__sample_weight": sample_weight})
    if not has_fit_parameter(estimator, "sample_weight"):
        raise TypeError(f"sample_weight: the teacher ({type(estimator).__name__}) does not "
                        "take sample_weight")
    return estimator.fit(X, y, sample_weight=sample_weight)


def count_parameters(estimator):
    """Learned parameters of a fitted estimator: network weights, linear coefficients, and
    those of every step, member or wrapped estimator."""
    if isinstance(estimator, FrozenEstimator):
        return count_parameters(estimator.estimator)
    if hasattr(estimator, "n_parameters_"):
        return int(estimator.n_parameters_)
    if hasattr(estimator, "steps"):
        return sum(count_parameters(step) for _, step in estimator.steps)
    if hasattr(estimator, "estimators_"):
        return sum(count_parameters(e) for e in estimator.estimators_)
    total = 0
    for attr in ("coef_", "intercept_", "feature_log_prob_", "class_log_prior_"):
        value = getattr(estimator, attr, None)
        if value is not None:
            total += int(np.size(value))
    return total


def augment(docs, *, kind, n_copies, mask_prob, rng):
    """Augmented copies of documents (Tang et al., 2019): ``"mask"`` replaces each token
    with ``"<mask>"`` with probability ``mask_prob``; ``"ngram"`` keeps a random window of
    consecutive tokens covering half to all of the document; ``"both"`` alternates between
    copies. Tokens come from sknlp's tokenizing engine, keeping case and punctuation for the
    teacher: whitespace-separated words, or characters for text without spaces (Chinese)."""
    from ..preprocessing._text import factorize

    spaced = np.array([" " in doc for doc in docs], dtype=bool)
    token_lists = [None] * len(docs)
    for is_spaced, analyzer in ((True, "word"), (False, "char")):
        rows = np.flatnonzero(spaced == is_spaced)
        if not len(rows):
            continue
        corpus = factorize([docs[i] for i in rows], analyzer=analyzer, lower=False,
                           filters="", split=None)  # split on whitespace only
        tokens = np.asarray(corpus.uniques, dtype=object)[corpus.codes]
        bounds = np.cumsum(corpus.lengths)[:-1]
        for i, part in zip(rows.tolist(), np.split(tokens, bounds)):
            token_lists[i] = part
    out = []
    for copy in range(n_copies):
        how = kind if kind != "both" else ("mask" if copy % 2 == 0 else "ngram")
        for doc, tokens, is_spaced in zip(docs, token_lists, spaced.tolist()):
            n = len(tokens)
            if n == 0:
                out.append(doc)
                continue
            if how == "mask":
                tokens = np.where(rng.random_sample(n) >= mask_prob, tokens, "<mask>")
            else:
                width = rng.randint(max(1, n // 2), n + 1)
                start = rng.randint(0, n - width + 1)
                tokens = tokens[start : start + width]
            out.append((" " if is_spaced else "").join(tokens.tolist()))
    return out


class DistilledClassifier(TextInputMixin, ClassifierMixin, BaseEstimator):
    """A small neural student trained to imitate a large teacher (knowledge distillation).

    ``fit`` fits the teacher on the labelled rows (or takes it as is when wrapped in
    scikit-learn's ``FrozenEstimator``), has it label the *transfer set*, then trains the
    student on the teacher's soft targets and the true labels with :class:`DistillationLoss`.
    Following scikit-learn's semi-supervised convention (as ``SelfTrainingClassifier``),
    rows with ``y == -1`` are unlabelled text that only the teacher labels; ``augment``
    adds perturbed copies of the transfer set (Tang et al., 2019). ``predict``,
    ``predict_proba`` and ``score`` use the student only.

    Parameters
    ----------
    teacher : classifier
        Any classifier or pipeline with ``predict_proba`` or ``decision_function``: an
        n-gram linear pipeline, a :class:`TransformerClassifier`, a fine-tuned pretrained
        model, a soft-voting ensemble. Wrap a fitted one in ``FrozenEstimator``.
    student : LSTMClassifier or TransformerClassifier
        The small network to train (unfitted; cloned). One with ``pretrained=`` starts
        from its language model as its own ``fit`` would: a fitted one is used as it is
        (it is only read), an unfitted one is first fitted on every text of ``X``.
    temperature : float, default=2.0
        Softmax temperature ``T`` of teacher and student in the KL term.
    alpha : float, default=0.5
        Weight of the cross-entropy with the true labels; ``1 - alpha`` weighs the teacher.
    loss : {"kl", "mse"}, default="kl"
        KL divergence of softened distributions (Hinton et al., 2015) or MSE on logits
        (Tang et al., 2019).
    augment : {"mask", "ngram", "both"} or None, default=None
        Add augmented copies of the transfer set, labelled by the teacher.
    n_augment : int, default=1
        Augmented copies per document.
    mask_prob : float, default=0.1
        Token masking probability of ``"mask"``.
    random_state : int, RandomState instance or None, default=None
        Seeds the augmentation and, when the student's own ``random_state`` is None, the
        student's training, so that a seeded DistilledClassifier is reproducible.

    Attributes
    ----------
    teacher_ : classifier
        The fitted (or frozen) teacher.
    student_ : LSTMClassifier or TransformerClassifier
        The distilled student.
    classes_ : ndarray
        Labels, in the teacher's order.
    compression_ratio_ : float
        Teacher parameters / student parameters (linear models' weights included).
    agreement_ : float
        Share of the (non-augmented) transfer set on which student and teacher predict the
        same label.
    n_transfer_ : int
        Documents the student was trained on, augmented copies included.
    """

    _parameter_constraints = {
        "teacher": "no_validation",
        "student": "no_validation",
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "alpha": [Interval(Real, 0, 1, closed="both")],
        "loss": [StrOptions({"kl", "mse"})],
        "augment": [StrOptions({"mask", "ngram", "both"}), None],
        "n_augment": [Interval(Integral, 1, None, closed="left")],
        "mask_prob": [Interval(Real, 0, 1, closed="both")],
        "random_state": ["random_state"],
    }

    def __init__(self, *, teacher, student, temperature=2.0, alpha=0.5, loss="kl",
                 augment=None, n_augment=1, mask_prob=0.1, random_state=None):
        self.teacher = teacher
        self.student = student
        self.temperature = temperature
        self.alpha = alpha
        self.loss = loss
        self.augment = augment
        self.n_augment = n_augment
        self.mask_prob = mask_prob
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        """Fit the teacher (unless frozen), then distil it into the student.

        Parameters
        ----------
        X : iterable of str
            Documents, labelled and unlabelled.
        y : array-like of shape (n_docs,)
            Labels; ``-1`` marks an unlabelled document (transfer set only).
        sample_weight : array-like of shape (n_docs,), default=None
            Weight of each document: the teacher is fitted with the labelled rows' weights
            (the last step of a pipeline receives them), and each document's terms of the
            distillation loss, its augmented copies' too, are multiplied by its weight.

        Returns
        -------
        self
        """
        validate_parameter_constraints(self._parameter_constraints, self.get_params(deep=False),
                                       caller_name=type(self).__name__)
        docs = check_documents(X)
        y = np.asarray(y, dtype=object if np.asarray(y).dtype.kind in "OUS" else None)
        if y.ndim != 1 or len(y) != len(docs):
            raise ValueError(f"X and y have different lengths: {len(docs)} documents, "
                             f"{len(y)} labels")
        if not hasattr(self.student, "_train"):
            raise TypeError("student should be an sknlp neural classifier (LSTMClassifier or "
                            f"TransformerClassifier), got {type(self.student).__name__}")
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, y, dtype=np.float32,
                                                 ensure_non_negative=True)
        unlabelled = np.array([v == -1 or v == "-1" for v in y.tolist()])
        labelled_docs = [d for d, u in zip(docs, unlabelled) if not u]
        y_lab = _check_labels(y[~unlabelled])
        if len(np.unique(y_lab.astype(str))) < 2:
            raise ValueError("the labelled rows (y != -1) should hold at least 2 classes")
        if isinstance(self.teacher, FrozenEstimator):
            self.teacher_ = self.teacher
        else:
            self.teacher_ = _fit_weighted(clone(self.teacher), labelled_docs, y_lab,
                                          None if sample_weight is None
                                          else sample_weight[~unlabelled])
        self.classes_ = np.asarray(self.teacher_.classes_)
        transfer = list(docs)
        rng = check_random_state(self.random_state)
        student = clone(self.student)
        lm = getattr(self.student, "pretrained", None)
        if _is_language_model(lm):  # the clone unfits it; it is only read (or cloned, fitted)
            student.set_params(pretrained=lm)
        check_params(student)  # the checks its own fit makes: a bad student fails here
        student._check_params()
        if self.random_state is not None and student.random_state is None:
            student.set_params(random_state=int(rng.randint(2**31 - 1)))
        if self.augment is not None:
            transfer += augment(docs, kind=self.augment, n_copies=self.n_augment,
                                mask_prob=self.mask_prob, rng=rng)
        logits = teacher_logits(self.teacher_, transfer)
        hard = np.full(len(transfer), -1.0)
        index = {c: i for i, c in enumerate(self.classes_.tolist())}
        for i in np.flatnonzero(~unlabelled):
            if y[i] not in index:
                raise ValueError(f"label {y[i]!r} is not among the teacher's classes "
                                 f"{self.classes_.tolist()}")
            hard[i] = index[y[i]]
        targets = np.column_stack([hard, logits]).astype(np.float32)
        criterion = DistillationLoss(self.temperature, self.alpha, self.loss)
        transfer_weight = None if sample_weight is None else np.tile(
            sample_weight, len(transfer) // len(docs))  # augmented copies: their source's
        # A student with pretrained=LanguageModel starts from it, as its own fit would; an
        # unfitted one learns the language from every original text, labelled or not.
        with student._starting_from(student._fitted_language_model(docs)
                                    if _is_language_model(lm) else None):
            self.student_ = student._train(transfer, self.classes_, targets,
                                           criterion=criterion, sample_weight=transfer_weight)
        self.n_transfer_ = len(transfer)
        self.compression_ratio_ = count_parameters(self.teacher_) / max(
            self.student_.n_parameters_, 1)
        teacher_pred = self.classes_[logits[: len(docs)].argmax(1)]
        self.agreement_ = float(np.mean(self.student_.predict(docs) == teacher_pred))
        return self

    def predict_proba(self, X):
        """Class probabilities of the student.

        Parameters
        ----------
        X : iterable of str
            Documents.

        Returns
        -------
        proba : ndarray of shape (n_docs, n_classes)
        """
        check_is_fitted(self)
        return self.student_.predict_proba(X)

    def predict(self, X):
        """Labels predicted by the student.

        Parameters
        ----------
        X : iterable of str
            Documents.

        Returns
        -------
        y : ndarray of shape (n_docs,)
        """
        check_is_fitted(self)
        return self.student_.predict(X)


