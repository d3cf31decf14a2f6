"""The layout of the write-ups: each sheet's problems in order, as data.

A :class:`Sheet` lists its :class:`Problem` entries in the sheet's own order. A problem
carries the sheet's label (``"Problem 1"``, ``"Exercise 6.3(b)"``), a short typeset
statement, the catalogue ids that answer it, a written answer for the questions asked in
words, and the simulator functions its cross-checks use. The document builder and the
notebooks iterate this table; they never dispatch on a sheet or an id. Statements are
paraphrased from the sheets; the ids follow the project's problem catalogue; the written
answers live in :mod:`symnn.report.answers`.

>>> sheet("homework-1").problems[0].label
'Problem 1(a)'
>>> sheet("no-such-sheet")
Traceback (most recent call last):
...
symnn.errors.UnknownIdError: unknown sheet 'no-such-sheet'; known: nn-assignment-2, \
ml-assignment-2, homework-1, exercise-sheet-6, seminar-1, your-own-networks, activations, \
matrix-calculus
"""

from __future__ import annotations

from dataclasses import dataclass, field

from symnn.errors import UnknownIdError
from symnn.report import answers


@dataclass(frozen=True)
class Problem:
    """One problem (or sub-question) of a sheet.

    Attributes:
        label: the sheet's own label, e.g. ``"Question 2"`` or ``"Exercise 6.3(c)"``.
        title: a short heading.
        statement: the question, paraphrased (LaTeX text).
        ids: catalogue ids (derivations or experiments) that answer it, in order.
        answer: a written answer (LaTeX text) for a question asked in words.
        code: names of the simulator functions its cross-checks use
            (see :data:`symnn.report.code.FUNCTIONS`).
    """

    label: str
    title: str
    statement: str
    ids: tuple[str, ...] = ()
    answer: str | None = None
    code: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sheet:
    """One exercise sheet: its id, title, the seed it comes from, its problems in order."""

    id: str
    title: str
    source: str
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    def ids(self) -> list[str]:
        """Every catalogue id the sheet uses, first occurrence first."""
        seen: dict[str, None] = {}
        for problem in self.problems:
            seen.update(dict.fromkeys(problem.ids))
        return list(seen)


_SOFTMAX = r"\operatorname{softmax}"

NN_ASSIGNMENT_2 = Sheet("nn-assignment-2", "Neural networks: Assignment 2", "6 March 2024", (
    Problem("Problem 1", "The name of softmax",
            rf"For $z \in \mathbb{{R}}^d$ compute $\lim_{{C \to \infty}} {_SOFTMAX}(Cz)$ and "
            rf"$\lim_{{C \to -\infty}} {_SOFTMAX}(Cz)$.",
            ("softmax-limit",), code=("softmax",)),
    Problem("Problem 2", "ReLU of a Gaussian",
            r"Let $G \sim \mathcal{N}(0, 1)$ and, for $0 \le \alpha \le 1$, "
            r"$\operatorname{ReLU}_\alpha(x) = x$ for $x \ge 0$ and $\alpha x$ for $x < 0$. "
            r"Compute $\mathbb{E}[Y]$ and $\operatorname{Var}[Y]$ for "
            r"$Y = \operatorname{ReLU}_\alpha(G)$.",
            ("leaky-relu-gaussian-moments",), code=("leaky_relu",)),
    Problem("Problem 3", "Power of linear neural networks",
            r"For $d \ge 3$ let $\chi(x) = \prod_{i=1}^d x_i$ on $\{-1, 1\}^d$. Find $n$, "
            r"$W \in \mathbb{R}^{n \times d}$, $b, v \in \mathbb{R}^n$ such that "
            r"$\Phi(x) = v^T(Wx + b)$ equals $\chi(x)$ for every $x \in \{-1, 1\}^d$, or prove "
            r"that this is impossible.",
            ("parity-not-linear",)),
    Problem("Problem 4", "Early stopping and a variable learning rate",
            r"Extend the course's MNIST network (sigmoid units, cross-entropy, L2 "
            r"regularization, minibatch SGD) with early stopping (stop when the validation "
            r"accuracy has not improved for several epochs) and a learning-rate schedule "
            r"(at such a plateau divide $\eta$ by 10, three times). Does the test accuracy "
            r"improve?",
            ("mnist-early-stopping",), code=("sigmoid", "cross_entropy")),
    Problem("Problem 5", "Fashion-MNIST",
            r"Explore the Fashion-MNIST data and train a convolutional model on it. What test "
            r"accuracy can be reached?",
            ("fashion-cnn",), code=("relu", "softmax_cross_entropy")),
))

ML_ASSIGNMENT_2 = Sheet("ml-assignment-2", "Machine Learning Assignment 2: Neural Networks",
                        "November 2023", (
    Problem("Question 1", "Gradients of a two-layer ReLU network",
            r"For $y_k = w^{(2)} f(x_k W^{(1)} + b^{(1)})^T + b^{(2)}$ with "
            r"$f = \operatorname{ReLU}$, the sheet's data $X$, $t$ and parameters $W^{(1)}$, "
            r"$b^{(1)}$, $w^{(2)}$, $b^{(2)}$, and the loss "
            r"$L = \frac12 \sum_{k=1}^4 (y_k - t_k)^2$, compute the gradients of $L$ with "
            r"respect to $W^{(1)}$, $w^{(2)}$, $b^{(1)}$ and $b^{(2)}$, explaining the process.",
            ("two-layer-relu-gradients",), code=("relu", "relu_prime", "quadratic")),
    Problem("Question 2", "Softmax with cross-entropy",
            r"For $E = -\sum_k t_k \log \frac{\exp(y_k)}{\sum_i \exp(y_i)}$ derive and simplify "
            r"$\partial E / \partial y_i$. How does it simplify for a one-hot target?",
            ("softmax-cross-entropy-gradient",), code=("log_softmax", "softmax_cross_entropy")),
    Problem("Question 3", "The learning rate of gradient descent",
            r"Gradient descent $x_{n+1} = x_n - \eta f'(x_n)$ minimizes $f(x) = 5x^2 + 2$. For "
            r"which $\eta$ does it converge to the minimum from every starting point? Explain.",
            ("gd-convergence-quadratic",)),
))

HOMEWORK_1 = Sheet("homework-1", "Homework 1", "February 2024", (
    Problem("Problem 1(a)", "A box from two step neurons",
            r"With unit-step neurons $y = \sigma(\langle w, x \rangle + b)$, realize the box "
            r"$f(x) = h$ for $0 < x < \delta$ and $f(x) = 0$ otherwise by a network with two "
            r"hidden neurons and a summing output neuron; give all weights and biases.",
            ("box-function",), code=("unit_step",)),
    Problem("Problem 1(b)", "Approximation by boxes",
            r"Using (a), argue that any smooth bounded $f$ on $[-B, B]$ can be approximated "
            r"closely by a network with one hidden layer of step neurons.",
            ("universal-approximation",), code=("unit_step",)),
    Problem("Problem 1(c)", "Inputs in $d$ dimensions",
            r"Does the argument of (b) extend to inputs $x \in \mathbb{R}^d$? If so, what are "
            r"the practical issues of such networks; if not, why not?",
            ("universal-approximation",), answer=answers.HIGHER_DIMENSIONS),
    Problem("Problem 2", "The Jacobian of softmax",
            rf"For $y = {_SOFTMAX}(z)$, $z \in \mathbb{{R}}^n$, show that "
            r"$J_{ij} = \partial y_i / \partial z_j = y_i(\delta_{ij} - y_j)$ (hint: compute "
            r"$\partial \log y_i / \partial z_j$).",
            ("softmax-jacobian",), code=("softmax",)),
    Problem("Problem 3", "A dense Fashion-MNIST classifier",
            r"Train a dense network with hidden layers of 256, 128 and 64 ReLU units on "
            r"Fashion-MNIST; show the training and test loss curves, report the test accuracy, "
            r"and show the predicted class probabilities of three test images.",
            ("fashion-mlp",), code=("relu", "softmax_cross_entropy")),
    Problem("Problem 4", "Back-propagation by hand",
            r"Implement the backward pass of each operation by hand, without automatic "
            r"differentiation, and compute the gradient of the loss for every parameter.",
            ("manual-backprop",), code=("relu_prime", "sigmoid_prime", "softmax_cross_entropy")),
))

EXERCISE_SHEET_6 = Sheet("exercise-sheet-6", "Exercise Sheet 6: Machine Learning Basics",
                         "December 2023", (
    Problem("Exercise 6.1", "Activation functions",
            r"Show for $x \in \mathbb{R}$: (a) $\sigma(-x) = 1 - \sigma(x)$; (b) "
            r"$\tanh x = 2\sigma(2x) - 1$; (c) $\sigma'(x) = (1 - \sigma(x))\sigma(x) = "
            r"\sigma(-x)\sigma(x)$; (d) $\tanh'(x) = 4(1 - \sigma(2x))\sigma(2x)$.",
            ("sigmoid-identities",), code=("sigmoid", "sigmoid_prime", "tanh", "tanh_prime")),
    Problem("Exercise 6.2(a)", "Local minima of convex functions",
            r"For a convex differentiable $f\colon \mathbb{R}^n \to \mathbb{R}$ prove that every "
            r"local minimum $x^*$ is global: $f(x^*) \le f(y)$ for every $y$.",
            ("convex-local-min-global",)),
    Problem("Exercise 6.2(b)", "The squared error is convex",
            r"Prove that $\lVert Xw - Y \rVert_2^2$ is a convex function of $w$.",
            ("mse-convex",)),
    Problem("Exercise 6.2(c)", "Are neural networks convex?",
            r"Is the loss of a neural network a convex function of its weights in general? "
            r"Justify the answer.",
            ("nn-nonconvex",), answer=answers.NN_NONCONVEX, code=("relu",)),
    Problem("Exercise 6.3(a)", "Why activation functions?",
            r"Why are activation functions necessary?",
            ("activation-necessity",), answer=answers.ACTIVATION_NECESSITY),
    Problem("Exercise 6.3(b)", "ReLU against sigmoid and tanh",
            r"What benefit does ReLU have over the sigmoid and tanh activations?",
            ("relu-vs-sigmoid",), answer=answers.RELU_VS_SIGMOID,
            code=("sigmoid_prime", "tanh_prime", "relu_prime")),
    Problem("Exercise 6.3(c)", "Numerics of softmax",
            r"What numerical issues may arise with the softmax activation, and how can they be "
            r"prevented?",
            ("softmax-stability",), answer=answers.SOFTMAX_STABILITY, code=("softmax", "log_softmax")),
    Problem("Exercise 6.3(d)", "Newton's method for neural networks",
            r"Why is Newton's method hardly applicable to training neural networks?",
            ("newton-one-step",), answer=answers.NEWTON_COST),
    Problem("Exercise 6.3(e)", "Gradient descent on convex functions",
            r"Does gradient descent always converge to the minimum of a convex function?",
            ("gd-convergence-quadratic",), answer=answers.GD_CONVERGENCE),
    Problem("Exercise 6.3(f)", "Weight-space symmetry",
            r"Does weight-space symmetry help or hinder optimization? Think of how it shapes "
            r"the loss surface.",
            ("nn-nonconvex",), answer=answers.WEIGHT_SYMMETRY),
    Problem("Exercise 6.3(g)", "Newton's method in one step",
            r"Give a function on which Newton's method reaches the optimum in one step. Does "
            r"gradient descent need more or fewer steps?",
            ("newton-one-step",), answer=answers.NEWTON_ONE_STEP),
    Problem("Exercise 6.3(h)", "BatchNorm with batch size one",
            r"What problem does batch normalization cause for a batch size of one?",
            ("batchnorm-batch-one",), answer=answers.BATCHNORM_BATCH_ONE),
    Problem("Exercise 6.4", "How batch normalization helps optimization",
            r"Summarize the main result of Santurkar et al. (2018), \emph{How Does Batch "
            r"Normalization Help Optimization?}, in a few sentences.",
            ("gd-convergence-quadratic",), answer=answers.BATCHNORM_PAPER),
    Problem("Exercise 6.5", "Forward pass of a fully connected network",
            r"For the 4-3-2 network without biases, with ReLU hidden units and a softmax "
            r"output, and the sheet's $W^{(1)}$ and $W^{(2)}$, perform one forward pass showing "
            r"every intermediate value ($h_1 = \dots$, $o_1 = \dots$).",
            ("forward-pass",), code=("relu", "softmax")),
    Problem("Exercise 6.6", "Training a feed-forward network",
            r"(a) Set up the course's compute cluster (not part of this write-up). (b) Split "
            r"Fashion-MNIST into training, validation and test sets. (c) Train a network with "
            r"at least two hidden layers by plain SGD for 10 epochs and report the training, "
            r"validation and test accuracy.",
            ("fashion-ffnn-sgd",), code=("relu", "softmax_cross_entropy")),
))

SEMINAR_1 = Sheet("seminar-1", "Deep Learning (SS 2021): Seminar 1", "summer semester 2021", (
    Problem("Assignment 1", "Affine maps as linear maps",
            r"For a neuron $y = f(\sum_{i=1}^n w_i x_i + b)$ show that the affine map given by "
            r"$(w, b)$ becomes a linear map when the input space is extended by one dimension. "
            r"Give a geometric interpretation.",
            ("affine-as-linear",), answer=answers.AFFINE_GEOMETRY),
    Problem("Assignment 2(a)", "Shift invariance of softmax",
            r"Show that softmax is invariant to adding the same number to all scores $x$.",
            ("softmax-shift-invariance",), code=("softmax",)),
    Problem("Assignment 2(b)", "Softmax keeps the arg max",
            rf"Show $\arg\max_i {_SOFTMAX}(x)_i = \arg\max_i \log {_SOFTMAX}(x)_i = "
            r"\arg\max_i x_i$.",
            ("softmax-argmax",), code=("softmax", "log_softmax")),
    Problem("Assignment 2(c)", "Softmax of scaled scores",
            r"Show that when all scores are scaled by a large positive number, softmax "
            r"approaches the arg-max indicator $I_i(x) = 1$ if $i = \arg\max_j x_j$ and $0$ "
            r"otherwise.",
            ("softmax-limit",), code=("softmax",)),
    Problem("Assignment 3(a)", "Networks with the identity activation",
            r"For $F = f \circ A^2 \circ f \circ A^1$ with affine $A^k x = W^k x + b^k$ and $f$ "
            r"the identity, show that $F$ is equivalent to a single affine layer.",
            ("activation-necessity",)),
    Problem("Assignment 3(b)", "Rescaling a ReLU network",
            r"For $f = \operatorname{ReLU}$ show that $(W^1, b^1) \to (\lambda W^1, \lambda b^1)$ "
            r"and $(W^2, b^2) \to (\lambda^{-1} W^2, b^2)$ with $\lambda > 0$ leave $F$ unchanged.",
            ("relu-rescaling",), code=("relu",)),
    Problem("Assignment 4", "Logistic regression on separable data",
            r"For $p(y \mid x; w) = S(y w^T x)$ with $y = \pm 1$: (a) show that on linearly "
            r"separable training data the log-likelihood has no finite maximizer (for a "
            r"classifying $w$, $\alpha w$ with $\alpha > 1$ does better); (b) show that the "
            r"regularizer $\lambda \lVert w \rVert^2$, $\lambda > 0$, fixes this.",
            ("logistic-separable",), code=("sigmoid",)),
    Problem("Assignment 5", "The Hopfield network",
            r"For $x_i(t+1) = \operatorname{sign}(\sum_{j \ne i} w_{ij} x_j(t))$ with sequential "
            r"updates and symmetric weights, prove that $\mathcal{H}(x) = -\frac12 x^T W x$ "
            r"never increases, and conclude that the network reaches a fixed point.",
            ("hopfield-lyapunov",)),
))

YOUR_OWN_NETWORKS = Sheet("your-own-networks", "Your own networks: certified back-propagation",
                          "symnn's extension of ml-assignment-2 Q1", (
    Problem("Network", "Back-propagation through any network",
            r"For a fully connected network with one activation per layer and a loss summed over "
            r"the examples, derive $\partial L / \partial W^{(l)}$, $\partial L / \partial b^{(l)}$ "
            r"and the error signals $\delta^{(l)}$ of every layer (here the default: a symbolic "
            r"2-2-1 network, tanh then identity, squared loss).",
            ("network-gradients",), code=("tanh", "tanh_prime", "quadratic")),
))

ACTIVATIONS = Sheet("activations", "Activations: Gaussian moments, initialisation, calculus",
                    "symnn's extension of nn-assignment-2 P2 and exercise-sheet-6 6.1", (
    Problem("Table", "Every activation",
            r"For each activation $f$ compute $\mathbb{E} f(Z)$ and $\operatorname{Var} f(Z)$ for "
            r"$Z \sim N(0, 1)$, and the weight variance that preserves the variance of the "
            r"pre-activations.",
            ("activation-table",)),
    Problem("Moments", "GELU of a Gaussian",
            r"Compute the mean and variance of $\operatorname{GELU}(G) = G\,\Phi(G)$ for "
            r"$G \sim N(0, 1)$, exactly where possible.",
            ("activation-gaussian-moments",)),
    Problem("Initialisation", "He initialisation",
            r"Why does He initialisation use the weight variance $2/n$ for ReLU networks?",
            ("initialization-variance",), code=("relu",)),
    Problem("Calculus", "The derivative of GELU",
            r"Can $\operatorname{GELU}'$ be written in terms of $\operatorname{GELU}$? How large "
            r"can it be?",
            ("activation-calculus",)),
))

MATRIX_CALCULUS = Sheet("matrix-calculus", "Matrix calculus: gradients of matrix expressions",
                        "symnn's extension of homework-1 Q2 and exercise-sheet-6 6.2", (
    Problem("Least squares", "The gradient of a least-squares loss",
            r"For $X \in \mathbb{R}^{5 \times 3}$, $y \in \mathbb{R}^5$ find "
            r"$\nabla_w \tfrac12 \|Xw - y\|^2$ in matrix notation.",
            ("matrix-gradient",)),
))

#: The sheets in the catalogue's order.
SHEETS = (NN_ASSIGNMENT_2, ML_ASSIGNMENT_2, HOMEWORK_1, EXERCISE_SHEET_6, SEMINAR_1, YOUR_OWN_NETWORKS,
          ACTIVATIONS, MATRIX_CALCULUS)


def sheets() -> dict[str, Sheet]:
    """Every sheet, by id, in the catalogue's order."""
    return {item.id: item for item in SHEETS}


def sheet(id: str) -> Sheet:
    """The :class:`Sheet` ``id``, or :class:`~symnn.errors.UnknownIdError` naming the known ones."""
    known = sheets()
    if id not in known:
        raise UnknownIdError("sheet", id, list(known))
    return known[id]


def sheet_ids(target: str) -> list[str]:
    """``"all"`` -> every sheet id; a sheet id -> ``[id]`` (checked)."""
    if target == "all":
        return list(sheets())
    return [sheet(target).id]
