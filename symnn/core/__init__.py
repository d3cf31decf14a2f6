"""The derivation core: derivations and their steps, certification, parameters, registry.

``derivation`` holds the data model (:class:`~symnn.core.derivation.Derivation`,
:class:`~symnn.core.derivation.Step`), ``certify`` the decision routes that prove a step,
``crosscheck`` the numeric comparison, ``params`` and ``literal`` the safe reading of
parameters, ``registry`` the one table that maps ids to derivations, ``latex`` the printer.
"""
