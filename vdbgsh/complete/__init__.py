"""Completion: analyse the text before the cursor into a typed suggestion, then match candidates for it.

``context`` says what is being typed; ``candidates`` answers from the schema and ``matching`` ranks, both pure;
``live`` (with ``sources`` and ``query_cache``) asks the guest for the ids and names the schema only calls "str";
``prompt_completer`` is the one module that imports prompt_toolkit.
"""
