"""The pure core of bedstretch: values in, values out.

No I/O, no clock, no randomness, standard library only (see README.md in this folder;
``tests/core/test_purity.py`` enforces it).
"""
