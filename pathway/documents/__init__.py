"""The case file's papers (PDF) and their words: the consent form, a referral letter to a
partner and the case summary for a transfer (``kinds.py``); Jinja2 templates laid out by
WeasyPrint (``renderer.py``); the data each paper gets is already cut down to what it may say
(``papers.py``), read by ``pathway.app.documents``; every word in Polish and English
(``words.py``, also the words of the case page's notes). No I/O here but the rendering."""
