"""Readable names of results: the key of ``Derivation.result`` as a reader writes it.

Results are stored under Python keys (``eta_max``, ``jacobian_in_y``, ``dL_dW1``). A
boxed result shows the key as mathematics and words instead, read from the key itself,
so that every derivation is named by one rule:

==========================  ======================================  ==========================
key                         rule                                    typeset
==========================  ======================================  ==========================
``eta_max``                 Greek word, then ``max``/``min``        :math:`\\eta_{\\max}`
``sigma_prime_max``         ``prime`` after a symbol                :math:`\\sigma'_{\\max}`
``theta_A``                 a symbol, then a capital or digit       :math:`\\theta_{A}`
``delta1``, ``b1_matrix``   a letter and its layer                  :math:`\\delta^{(1)}`, :math:`b^{(1)}` ...
``dL_dW1``                  ``dX_dY``                               :math:`\\partial L / \\partial W^{(1)}`
``sigma_prime_argmax``      ``argmax`` after a symbol               :math:`\\operatorname{argmax} \\sigma'`
``jacobian_in_y``           other words in text (:data:`WORDS`)     Jacobian in :math:`y`
==========================  ======================================  ==========================

A few keys the rules would name badly are named in :data:`KEYS`.

>>> result_title("eta_max")
'\\\\eta_{\\\\max}'
>>> result_title("jacobian_in_y")
'\\\\text{Jacobian in } y'
>>> result_title("finite_maximizer")
'\\\\text{finite maximizer}'
>>> is_words(result_title("finite_maximizer")), is_words(result_title("dL_dW1"))
(True, False)
"""

from __future__ import annotations

import re

_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "lambda", "mu", "xi", "pi",
          "sigma", "tau", "phi", "chi", "psi", "omega", "Delta", "Sigma", "Phi", "Omega", "Gamma"}
#: Functions named in keys, set as the operators they are.
_OPERATORS = {"tanh": r"\tanh", "log": r"\log", "exp": r"\exp"}
#: Words of keys spelled out or capitalised (any other word is shown as it is).
WORDS = {
    "jacobian": "Jacobian", "hessian": "Hessian", "psd": "positive semidefinite", "gd": "GD",
    "elu": "ELU", "gelu": "GELU", "silu": "SiLU", "abs": "absolute value",
    "1d": "1-d", "relu": "ReLU", "jensen": "Jensen", "newton": "Newton",
}  # fmt: skip
_SUBSCRIPTS = {"max": r"\max", "min": r"\min"}
#: Keys the rules above would name badly, named here.
KEYS = {
    "delta_H": r"\Delta H", "delta_H_flip": r"\Delta H \text{ of one flip}",
    "log_sum_exp": r"\text{log-sum-exp}", "log_softmax": r"\text{log-softmax}",
    "relu_prime_positive": r"\operatorname{ReLU}'(x)\big|_{x > 0}",
    "sup_abs_derivative": r"\text{supremum of the absolute derivative}",
    "sup_derivative": r"\text{supremum of the derivative}",
    "sup_attained_at": r"\text{supremum attained at}",
}  # fmt: skip
_LETTER = re.compile(r"^([A-Za-z])(\d*)$")


def _symbol(token: str) -> str | None:
    """The math of a token that is a symbol on its own (``eta``, ``W1``, ``tanh``), else None."""
    if token in _GREEK:
        return "\\" + token
    if token in _OPERATORS:
        return _OPERATORS[token]
    greek_digit = re.fullmatch(r"([A-Za-z]+?)(\d+)", token)
    if greek_digit and greek_digit.group(1) in _GREEK:
        return rf"\{greek_digit.group(1)}^{{({greek_digit.group(2)})}}"
    letter = _LETTER.match(token)
    if letter:
        return letter.group(1) + (f"^{{({letter.group(2)})}}" if letter.group(2) else "")
    return None


def result_title(key: str) -> str:
    """The math-mode LaTeX naming the result ``key`` (see the module table)."""
    if key in KEYS:
        return KEYS[key]
    derivative = re.fullmatch(r"d([A-Za-z]\d*)_d([A-Za-z]\d*)", key)
    if derivative:
        top, bottom = (_symbol(part) for part in derivative.groups())
        return rf"\partial {top} / \partial {bottom}"
    pieces: list[tuple[str, str]] = []  # ("math" | "text", content)
    tokens = key.split("_")
    for token in tokens:
        previous = pieces[-1] if pieces else None
        if previous and previous[0] == "math":
            if token == "argmax":
                pieces[-1] = ("math", rf"\operatorname{{argmax}} {previous[1]}")
                continue
            if token == "prime":
                pieces[-1] = ("math", previous[1] + "'")
                continue
            if token in _SUBSCRIPTS or (re.fullmatch(r"[A-Z0-9]", token) and "_" not in previous[1]):
                pieces[-1] = ("math", previous[1] + f"_{{{_SUBSCRIPTS.get(token, token)}}}")
                continue
        symbol = _symbol(token)
        if len(tokens) == 1 and token in _OPERATORS:
            symbol = None  # a function named alone is the function's row or result, in words
        if symbol is not None and token not in WORDS:
            pieces.append(("math", symbol))
        else:
            word = WORDS.get(token, token)
            if pieces and pieces[-1][0] == "text":
                pieces[-1] = ("text", f"{pieces[-1][1]} {word}")
            else:
                pieces.append(("text", word))
    return _joined(pieces)


def _joined(pieces: list[tuple[str, str]]) -> str:
    out = []
    for index, (kind, content) in enumerate(pieces):
        if kind == "math":
            out.append(content)
            continue
        before = " " if index > 0 else ""
        after = " " if index < len(pieces) - 1 else ""
        out.append(rf"\text{{{before}{content}{after}}}")
    return " ".join(out)


def is_words(title: str) -> bool:
    """True when a title is words only (shown as ``words: value``, not ``symbol = value``)."""
    return re.fullmatch(r"\\text\{[^{}]*\}", title) is not None
