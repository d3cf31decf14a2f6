"""Write-ups of the exercise sheets: LaTeX documents, PDFs, web pages, committed proofs, notebooks.

================  =======================================================================
module            job
================  =======================================================================
``layout``        the five sheets as data: problems in order, statements, ids, answers
``answers``       the written answers to the questions asked in words
``document``      one sheet's LaTeX document, assembled from the layout and the catalogue
``texwidth``      width estimates of math-mode LaTeX
``texfit``        displays broken to fit the page (lines, matrix columns, ``\\fitline``)
``texutil``       escaping text, printing numbers reproducibly
``code``          the simulator's functions typeset by latexify-py
``mirrors``       scalar mirrors of simulator functions that latexify cannot typeset
``results``       experiment metrics and plots, or how to produce them
``pictures``      a derivation's figures: TikZ diagram inline, plot as ``figures/fig-ID.png``
``pdf``           the PDF build (latexmk, or pdflatex twice) and its log
``mathml``        math-mode LaTeX as presentation MathML (latex2mathml), source annotated
``htmltext``      the write-ups' text-mode LaTeX as HTML
``html``          the HTML edition: ``DIR/index.html``, its figures and diagrams beside it
``proofs``        ``proofs/<sheet-id>.tex`` and their plots: regenerate, or check them
``notebook``      an nbformat-4 notebook per sheet
``cli``           the ``symnn report`` and ``symnn notebook`` subcommands
================  =======================================================================

Typical use::

    from symnn.report.document import sheet_document
    from symnn.report.pdf import build_pdf
    tex = sheet_document("homework-1")        # or "all"; results=Path("results") for plots

Importing this package imports nothing else, so the command line stays fast.
"""
