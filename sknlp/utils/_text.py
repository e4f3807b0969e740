"""What kind of text a corpus holds."""


def is_cjk(ch):
    """Whether the character ``ch`` is a CJK ideograph (Chinese characters and their
    compatibility forms)."""
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def mostly_chinese(texts, *, sample=2000):
    """Whether most of the characters of ``texts`` (the first ``sample`` of them) are CJK
    ideographs, with no spaces between words: such text reads best as characters."""
    letters = [ch for text in texts[:sample] for ch in text if not ch.isspace()]
    return bool(letters) and sum(map(is_cjk, letters)) / len(letters) > 0.3
