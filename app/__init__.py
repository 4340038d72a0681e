"""The composition root: what builds and runs the bot, and what nothing else imports.

``factory`` turns settings into a runtime and a Bolt app with every listener registered, ``dedup``
is that app's verify-then-deduplicate entry, ``http`` serves it (waitress), ``scheduler`` wires the
background duties and ``cli`` is ``followup-bot``. This package imports ``bot``, ``handlers`` and
``storage``; none of them imports it (``tests/test_layout.py`` checks).
"""
