"""The dialogue layer: pure logic, no telephony.

- ``loader``  YAML script -> :class:`model.Script`, errors with file:line:column
- ``graph``   graph rules (targets, reachability, dead ends) and model building
- ``engine``  :class:`engine.DialogSession`, one call's conversation
- ``nlu``     intents and slots from ASR text (``nlu_rules`` holds the phrase tables)
- ``numbers`` / ``dates``  amounts and dates as people say them
- ``speak``   amounts and dates as words for TTS
- ``emotion`` neutral/negative/angry per caller turn from text and acoustic cues
- ``lint``    authoring rules (unhandled intents, prompt length, forbidden wording)
- ``draw``    the state machine as a Graphviz picture
- ``convtest`` scripted conversations in YAML as regression tests

The format is documented in docs/dialogue.md; the schema is ``dialog.schema.json``.
"""
