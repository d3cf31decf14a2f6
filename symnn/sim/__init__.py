"""The NumPy neural-network simulator: layers with hand-written backward passes.

Everything here is vectorised NumPy (plus the standard library); nothing imports SymPy.
Batches are rows: dense inputs have shape (batch, features) and ``Dense`` computes
``x @ W + b`` with ``W`` of shape (in, out); images are NCHW.

=================  ==========================================================
module             contents
=================  ==========================================================
``activations``    identity, unit_step, sigmoid, tanh, relu, leaky_relu, softmax,
                   log_softmax, their derivatives, and the activation layers
``smooth_activations``  softplus, elu, gelu, silu, hardtanh, absolute, derivatives, layers
``layers``         Dense, Flatten, Dropout (and re-exports of the ones below)
``conv``           Conv2D (im2col)
``pooling``        MaxPool2D
``fusion``         training-loop steps: a ReLU next to a MaxPool2D runs in its pass, a
                   Conv2D before one computes only the outputs the pooling reads
``batchnorm``      BatchNorm (dense and spatial)
``losses``         Quadratic, CrossEntropy, SoftmaxCrossEntropy
``network``        Sequential, mlp
``optimizers``     SGD, Momentum, Adam (with L2 weight decay ``lmbda``)
``schedules``      Constant, StepDecay, PlateauDivide, EarlyStopping
``train``          train, evaluate, History
``split_batch``    SplitSteps: a minibatch's forward and backward shared among helpers
``share_process``  ProcessShare: one share of each minibatch in a helper process
``blas_threads``   OpenBLAS's thread count inside a block
``checkpoint``     atomic checkpoints for resumable training
``gradcheck``      finite-difference checks, manual_backprop_table
``hopfield``       Hopfield energy, sequential updates with the tie rule, runs to a fixed point
=================  ==========================================================

>>> import numpy as np
>>> from symnn.sim import Dense, Sigmoid, Sequential
>>> net = Sequential([Dense(np.zeros((2, 1))), Sigmoid()])
>>> net.forward(np.array([[1.0, 2.0]]))
array([[0.5]])
"""

from symnn.sim.activations import (
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
    UnitStep,
    identity,
    leaky_relu,
    leaky_relu_prime,
    log_softmax,
    relu,
    relu_prime,
    sigmoid,
    sigmoid_prime,
    softmax,
    tanh,
    tanh_prime,
    unit_step,
)
from symnn.sim.base import Layer
from symnn.sim.batchnorm import BatchNorm
from symnn.sim.conv import Conv2D
from symnn.sim.history import History
from symnn.sim.layers import Dense, Dropout, Flatten
from symnn.sim.losses import CrossEntropy, Loss, Quadratic, SoftmaxCrossEntropy, one_hot
from symnn.sim.network import Sequential, mlp, predicted_labels
from symnn.sim.optimizers import SGD, Adam, Momentum, Optimizer, l2_penalty
from symnn.sim.pooling import MaxPool2D
from symnn.sim.schedules import Constant, EarlyStopping, PlateauDivide, Schedule, StepDecay
from symnn.sim.smooth_activations import (
    ELU,
    GELU,
    Abs,
    HardTanh,
    SiLU,
    Softplus,
    absolute,
    absolute_prime,
    elu,
    elu_prime,
    gelu,
    gelu_prime,
    hardtanh,
    hardtanh_prime,
    silu,
    silu_prime,
    softplus,
    softplus_prime,
)
from symnn.sim.split_batch import SplitSteps, split_parts
from symnn.sim.train import Evaluation, evaluate, train

__all__ = [
    "ELU", "GELU", "SGD", "Abs", "Adam", "BatchNorm", "Constant", "Conv2D", "CrossEntropy", "Dense",
    "Dropout", "EarlyStopping", "Evaluation", "Flatten", "HardTanh", "History", "Identity", "Layer",
    "LeakyReLU", "Loss", "MaxPool2D", "Momentum", "Optimizer", "PlateauDivide", "Quadratic", "ReLU",
    "Schedule", "Sequential", "SiLU", "Sigmoid", "Softmax", "SoftmaxCrossEntropy", "Softplus",
    "SplitSteps", "StepDecay", "Tanh", "UnitStep", "absolute", "absolute_prime", "elu", "elu_prime",
    "evaluate",
    "gelu", "gelu_prime", "hardtanh", "hardtanh_prime", "identity", "l2_penalty", "leaky_relu",
    "leaky_relu_prime", "log_softmax", "mlp", "one_hot", "predicted_labels", "relu", "relu_prime",
    "sigmoid", "sigmoid_prime", "silu", "silu_prime", "softmax", "softplus", "softplus_prime",
    "split_parts", "tanh", "tanh_prime", "train", "unit_step",
]  # fmt: skip
