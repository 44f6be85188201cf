"""Exact toy autoregressive models over ``{0, ..., V-1}^L``.

Sequence spaces enumerated exactly, seeded base models, validity constraints,
nested policy families (product, order-1 and order-2 Markov, tabular), their
projections (I-projection of ``p_beta``, M-projection and Amari
alpha-divergence projections of ``p_*``), the diversity metrics, and the
exact policy-gradient flows.
"""
