"""An article's Markdown renders through one function (models/kb/rendering.py): tables, code and
links come out as HTML; scripts, event handlers, javascript: and data: links, and images from
elsewhere than our files or https are named by `problems` (the API refuses them) and never
survive `render` either."""

from __future__ import annotations

import pytest

from models.kb import rendering

DANGEROUS = {
    "<script>alert(1)</script>Hello": "<script> is not allowed",
    "Hi <img src=/kb/files/1 onerror=alert(1)>": "the onerror attribute of <img> (an event handler)",
    "[click](javascript:alert(1))": "a link to javascript:",
    "[click](&#106;avascript:alert(1))": "a link to javascript:",
    '<a href="JaVaScRiPt:alert(1)">x</a>': "a link to javascript:",
    "<javascript:alert(document.cookie)>": "a link to javascript:",
    "[x](data:text/html;base64,PHNjcmlwdD4=)": "a link to data:",
    "![x](data:image/png;base64,iVBORw0KGgo=)": "the image 'data:image/png;base64,iVBORw0KGgo=' is not allowed",
    "![tracker](http://example.com/pixel.gif)": "only our own files (/kb/files/<id>) or https images",
    '<iframe src="https://example.com"></iframe>': "<iframe> is not allowed",
    '<p onclick="steal()">x</p>': "the onclick attribute of <p>",
}


@pytest.mark.parametrize("markdown, says", DANGEROUS.items())
def test_dangerous_markdown_is_named_and_never_rendered(markdown, says):
    found = rendering.problems(markdown)
    assert any(says in p for p in found), found
    html = rendering.render(markdown).lower()  # a refused link stays its text, never a link
    for bad in ("<script", "onerror=", "onclick=", 'href="javascript', 'href="data', 'src="data', "<iframe",
                'src="http:'):
        assert bad not in html, html


def test_a_problem_names_its_line():
    assert rendering.problems("# Title\n\nfine\n\n<script>x</script>") == ["line 5: <script> is not allowed"]


def test_tables_code_links_and_our_images_render():
    md = ("# Printer\n\n| step | what |\n|-----:|------|\n| 1 | **unplug** it |\n\n```python\nprint('<b>')\n```\n\n"
          "See [the guide](https://example.com/guide), [our page](/portal/kb) or "
          "[mail us](mailto:help@example.com).\n\n![diagram](/kb/files/12) ![photo](https://cdn.example.com/p.png)")
    assert rendering.problems(md) == []
    html = rendering.render(md)
    assert "<h1>Printer</h1>" in html and '<th style="text-align:right">step</th>' in html
    assert "<td><strong>unplug</strong> it</td>" in html
    assert "<pre><code class=\"language-python\">print('&lt;b&gt;')\n</code></pre>" in html
    assert '<a href="https://example.com/guide" rel="noopener noreferrer nofollow">the guide</a>' in html
    assert '<a href="/portal/kb" rel="noopener noreferrer nofollow">our page</a>' in html
    assert 'href="mailto:help@example.com"' in html
    assert '<img src="/kb/files/12" alt="diagram">' in html and '<img src="https://cdn.example.com/p.png"' in html


def test_harmless_html_is_kept_or_quietly_dropped_and_the_same_text_renders_the_same():
    md = "<div class=x>Press <kbd>Ctrl</kbd> <span style='color:red'>now</span></div>"
    assert rendering.problems(md) == []
    assert rendering.render(md) == "Press <kbd>Ctrl</kbd> now" == rendering.render(md)


def test_plain_is_the_text_without_markup():
    md = "# Reset\n\nPress *Ctrl* and `F5`,\nthen [reload](https://x.example).\n\n- one\n- two\n\n<script>evil()</script>"
    assert rendering.plain(md) == "Reset\nPress Ctrl and F5, then reload.\none\ntwo"
