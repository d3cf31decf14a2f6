"""The written answers to the questions the sheets ask in words (LaTeX text).

Each answer is short, as the sheets ask, and names the derivation that supports it; the
write-up prints that derivation's boxed result right after the answer.
"""

from __future__ import annotations

ACTIVATION_NECESSITY = (
    r"Without a non-linear activation every layer is affine, and a composition of affine "
    r"maps is again one affine map, so a deep network would be no more expressive than a "
    r"single linear layer (linear decision boundaries, linear regression only). The "
    r"non-linearity is what lets depth build non-linear functions, up to universal "
    r"approximation. The derivation below composes the affine layers symbolically."
)

RELU_VS_SIGMOID = (
    r"Back-propagation multiplies one activation derivative per layer. Since "
    r"$\sigma' \le \tfrac14$ and $\tanh' \le 1$, with equality only at $0$, these products "
    r"shrink geometrically with depth (vanishing gradients, at most $4^{-L}$ for $L$ sigmoid "
    r"layers), whereas $\operatorname{ReLU}'(x) = 1$ for every $x > 0$ passes the gradient "
    r"through unchanged. ReLU is also cheaper to evaluate and gives sparse activations; "
    r"its drawback is that units with negative input get no gradient at all."
)

SOFTMAX_STABILITY = (
    r"$e^{z_i}$ overflows to $\infty$ in float64 once $z_i > 709.78$, giving "
    r"$\infty/\infty = \mathrm{NaN}$, and underflows to $0$ for very negative scores, "
    r"giving $0/0$ or $\log 0 = -\infty$ in the loss. The remedy is to subtract "
    r"$m = \max_j z_j$ first: softmax is invariant to shifts, so the result is exact, the "
    r"largest exponent is $e^0 = 1$ and the sum is at least $1$; the log-softmax is computed "
    r"as $z_i - m - \log\sum_j e^{z_j - m}$ (log-sum-exp), fused with the cross-entropy."
)

NEWTON_COST = (
    r"A Newton step $w \leftarrow w - H^{-1}\nabla L$ needs the Hessian of the loss: for a "
    r"network with $p$ parameters that is $p^2$ numbers to store and $O(p^3)$ operations to "
    r"solve with, per step, which is out of reach for millions of parameters. Moreover the "
    r"loss of a network is not convex, its Hessian is indefinite, and a Newton step then "
    r"heads for saddle points or maxima as readily as for minima; with minibatches the "
    r"curvature estimate is also noisy."
)

GD_CONVERGENCE = (
    r"No. Convexity alone does not suffice: the step size must be small compared with the "
    r"curvature. For $f(x) = 5x^2 + 2$ gradient descent converges from every start exactly "
    r"when $0 < \eta < \tfrac15$ and diverges for $\eta > \tfrac15$; in general an "
    r"$L$-smooth convex function needs $\eta < 2/L$. (A convex function may also have no "
    r"minimizer at all, such as $e^x$, and then there is nothing to converge to.)"
)

WEIGHT_SYMMETRY = (
    r"It hinders it. Permuting the hidden units of a layer (and, for ReLU, rescaling them) "
    r"gives a different weight vector with exactly the same loss, so every minimum comes "
    r"with many copies; the loss between two copies is in general higher, so the loss "
    r"surface is non-convex with saddle points and plateaus between equivalent minima, and "
    r"units that start with equal weights get equal gradients and never separate (the "
    r"symmetry must be broken by random initialization). The derivation below exhibits this "
    r"violation of Jensen's inequality for a concrete ReLU network. Since all copies are "
    r"equally good, reaching any one of them is enough."
)

NEWTON_ONE_STEP = (
    r"A strictly convex quadratic $f(x) = \tfrac12 x^T A x - b^T x$ with $A \succ 0$, for "
    r"example $f(x) = 5x^2 + 2$: Newton's step $x_1 = x_0 - A^{-1}(A x_0 - b) = A^{-1} b$ "
    r"lands on the minimizer from every start. Gradient descent needs more steps, in general "
    r"infinitely many to reach the minimizer exactly: it only shrinks the error by a factor "
    r"per step (in one dimension the single step size $\eta = 1/a$ happens to be Newton's "
    r"step)."
)

BATCHNORM_BATCH_ONE = (
    r"With one example per batch the batch mean is the example itself, so $x - \mu = 0$ and "
    r"the batch variance is $0$: the normalized value is $0$ and the layer outputs $\beta$ "
    r"whatever its input, so no information and no gradient reach the layers below, and the "
    r"batch statistics are useless as estimates for inference. Larger batches, or "
    r"normalizations over features rather than over the batch (layer or group "
    r"normalization), avoid this."
)

BATCHNORM_PAPER = (
    r"Santurkar, Tsipras, Ilyas and Madry (2018) find that the success of batch "
    r"normalization has little to do with reducing internal covariate shift: networks with "
    r"noise injected after each BatchNorm layer, which creates a large covariate shift, "
    r"train just as well, and BatchNorm does not necessarily reduce that shift. Its real "
    r"effect is to make the optimization landscape markedly smoother: the loss and its "
    r"gradients become more Lipschitz (smaller gradient magnitudes and smaller "
    r"$\beta$-smoothness), so gradients are more predictive of the loss a step away. This "
    r"permits larger learning rates and makes training faster and less sensitive to "
    r"initialization and hyperparameters; they prove the smoothing effect and observe it "
    r"also for other normalizations ($\ell_p$ instead of the variance). The derivation "
    r"below shows the mechanism on a quadratic: the admissible step size is $2/L$, so a "
    r"smaller smoothness constant $L$ allows a larger learning rate."
)

HIGHER_DIMENSIONS = (
    r"Yes. In $d$ dimensions one tiles $[-B, B]^d$ with small boxes: a box "
    r"$\prod_i (a_i, b_i)$ is the indicator of an intersection of $2d$ half-spaces, built "
    r"from $2d$ step neurons whose sum is passed through one more step neuron with threshold "
    r"$2d - \tfrac12$ (an AND), and the output sums $f(\text{centre}) \cdot "
    r"\text{indicator}$ over all boxes. The practical problem is the curse of "
    r"dimensionality: with $N$ boxes per axis one needs $N^d$ boxes and about $(2d + 1)N^d$ "
    r"neurons, astronomically many for an image ($d = 784$), and as many regions to be "
    r"filled with training data; step units also have zero gradient, so such networks "
    r"cannot be trained by gradient descent. Practical networks rely on smooth activations, "
    r"depth and the structure of real data instead."
)

AFFINE_GEOMETRY = (
    r"Append a constant coordinate: with $\tilde x = (x_1, \dots, x_n, 1)$ and "
    r"$\tilde w = (w_1, \dots, w_n, b)$ one has $\sum_i w_i x_i + b = \tilde w^T \tilde x$, "
    r"a linear map of $\tilde x$. Geometrically the inputs live on the affine hyperplane "
    r"$\tilde x_{n+1} = 1$ of $\mathbb{R}^{n+1}$, and the neuron's decision hyperplane "
    r"$w^T x + b = 0$, which in general misses the origin, is the trace on that plane of the "
    r"hyperplane $\tilde w^T \tilde x = 0$ through the origin of $\mathbb{R}^{n+1}$."
)

NN_NONCONVEX = (
    r"No. Swapping two hidden units (weight-space symmetry) maps a set of weights to "
    r"another with exactly the same loss; if the loss were convex, the midpoint of the two "
    r"would be at least as good, but in general it is worse, which violates Jensen's "
    r"inequality. The derivation below exhibits such a pair for a concrete ReLU network."
)
