"""A tiny CSS-selector view over HTML for markup tests (lxml + cssselect2, both already installed)."""

import cssselect2
import lxml.html


class Node:
    def __init__(self, wrapper):
        self._w = wrapper
        self._e = wrapper.etree_element

    def select_one(self, css):
        found = self._w.query(css)
        return Node(found) if found is not None else None

    def select(self, css):
        return [Node(w) for w in self._w.query_all(css)]

    def __getitem__(self, key):
        return self._e.attrib[key]

    def get(self, key, default=None):
        return self._e.attrib.get(key, default)

    def has_attr(self, key):
        return key in self._e.attrib

    def get_text(self):
        return self._e.text_content()

    @property
    def name(self):
        return self._e.tag

    @property
    def legend(self):
        return self.select_one("legend")

    def __repr__(self):
        return lxml.html.tostring(self._e, encoding="unicode")[:200]


def BeautifulSoup(html, _parser=None):  # noqa: N802 - mirrors the familiar name
    root = lxml.html.document_fromstring(html) if "<html" in html[:500] else lxml.html.fragment_fromstring(html, create_parent="div")
    return Node(cssselect2.ElementWrapper.from_html_root(root))
