"""Activation analysis: one table of activations and the engines that walk it.

=======================  =============================================================
module                   contents
=======================  =============================================================
``table``                the activations as data: pieces, alpha range, oddness,
                         homogeneity, f' in f, the simulator's functions
``functions``            the unevaluated logistic sigmoid of SymPy
``gaussian_integrals``   certified antiderivatives of g(z) phi(z), the FTC and split routes
``erf_terms``            the erf terms of GELU: antiderivatives, the lemma
                         E[erf(c + kZ)] = erf(c / sqrt(1 + 2k^2))
``erf_square``           whole-line lemmas: E[erf(kZ)^2], E[Z^2 erf(kZ)], E[Z^2 erf(kZ)^2]
``growth``               a linear growth bound |f(x)| <= A + B|x| proved by interval arithmetic
``numeric``              30-digit expectations with proved error bounds (Arb); mpmath
                         tanh-sinh quadrature; Monte Carlo
``quadrature``           float64 adaptive Gauss-Legendre expectations: the checks' method
``moments``              E[f(G)], E[f(G)^2], Var f(G) for G ~ N(mu, sigma^2)
``initialization``       the variance-preserving weight variance and its simulation
``zero_sets``            every zero of f'' on a piece, proved (window and tails)
``limits``               one-sided limits of f' at the ends of the pieces, certified
``calculus``             f', f' in f, sup f' by critical points
=======================  =============================================================

The registered ids ``activation-gaussian-moments``, ``initialization-variance`` and
``activation-calculus`` (and the sheet ids ``leaky-relu-gaussian-moments`` and
``sigmoid-identities``) are thin uses of these engines.

>>> from symnn.activation_analysis.table import TABLE
>>> len(TABLE)
11
"""
