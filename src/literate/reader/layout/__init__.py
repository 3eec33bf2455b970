"""Where the text is on a page: the line cut (``segment``), strips for tall pages
(``strips``), and Markdown from lines (``markdown``). Pure image and geometry code, no model."""
