"""Stage 2: block segmentation."""

from __future__ import annotations

import sys

from thresher.config import SegmentationConfig
from thresher.features.blocks import FLAG_BITS, segment
from thresher.features.document import parse


def _blocks(html: str):  # type: ignore[no-untyped-def]
    return segment(parse(html))


def test_inline_elements_stay_in_their_block() -> None:
    blocks = _blocks('<div><p>One <b>bold</b> and <a href="/x">a link</a> here.</p><p>Two.</p></div>')
    assert [b.text for b in blocks] == ["One bold and a link here.", "Two."]
    assert blocks[0].n_tokens == 6 and blocks[0].n_link_tokens == 2
    assert blocks[0].tag == "p" and blocks[0].xpath == "/html/body[1]/div[1]/p[1]"


def test_text_around_nested_blocks_forms_separate_blocks() -> None:
    blocks = _blocks("<div>before<p>inside</p>after</div>")
    assert [b.text for b in blocks] == ["before", "inside", "after"]
    assert blocks[0].xpath == blocks[2].xpath == "/html/body[1]/div[1]"


def test_scripts_styles_forms_controls_and_hidden_elements_are_skipped() -> None:
    html = (
        "<body><script>var a='x y';</script><style>p{}</style><p>seen</p>"
        "<div hidden>gone</div><div style='display: none'>gone</div><select><option>gone</option></select>"
        "<p aria-hidden='true'>gone</p><noscript>gone</noscript>tail</body>"
    )
    assert [b.text for b in _blocks(html)] == ["seen", "tail"]


def test_streamed_react_segments_are_read_though_hidden() -> None:
    # React streaming SSR parks late content in <div hidden id="S:n"> until its script runs;
    # on two corpus pages the whole story is there.  Other hidden divs stay skipped.
    html = (
        "<body><p>shell</p><div hidden id='S:0'><p>the story</p></div>"
        "<div hidden id='S:menu'>gone</div><div hidden id='B:1'>gone</div></body>"
    )
    assert [b.text for b in _blocks(html)] == ["shell", "the story"]


_POSTS = "".join(f"<p>Post {i}: a reply long enough to be a real forum post about the topic.</p>" for i in range(6))


def test_noscript_is_read_only_where_it_holds_the_page() -> None:
    # Usual noscripts (tracking pixels, "enable JavaScript") are never read.
    short = "<body><noscript><img src='p.gif'>Please enable JavaScript.</noscript><p>The story.</p></body>"
    assert [b.text for b in _blocks(short)] == ["The story."]
    # Discourse forums render posts with JavaScript and put them in <noscript> for crawlers.
    forum = f"<body><header><a href='/'>Forum</a></header><noscript><div class='post'>{_POSTS}</div></noscript></body>"
    assert [b.text for b in _blocks(forum)][1:] == [
        f"Post {i}: a reply long enough to be a real forum post about the topic." for i in range(6)
    ]
    # libxml2 lets an unclosed <div> inside an early <noscript> swallow the rest of the page.
    swallowed = f"<body><noscript><div id='nojs'></noscript><div id='main'>{_POSTS}</div></body>"
    blocks = _blocks(swallowed)
    assert len(blocks) == 6 and blocks[0].xpath == "/html/body[1]/noscript[1]/div[1]/div[1]/p[1]"
    # A noscript copy beside a longer visible page stays skipped.
    copy = f"<body><main>{_POSTS}<p>And a visible afterword.</p></main><noscript>{_POSTS}</noscript></body>"
    assert len(_blocks(copy)) == 7 and all("noscript" not in b.xpath for b in _blocks(copy))


def test_hidden_element_is_read_only_where_it_holds_the_page() -> None:
    # Shop and app pages ship the story in a display:none tab that a script reveals; skipping
    # it leaves a page of menus (two corpus pages).
    tab = f"<body><div class='bar'><a href='/'>Home</a></div><div style='display:none'>{_POSTS}</div></body>"
    assert [b.text for b in _blocks(tab)][1:] == [
        f"Post {i}: a reply long enough to be a real forum post about the topic." for i in range(6)
    ]
    never = SegmentationConfig(hidden_page_ratio=0.0)
    assert [b.text for b in segment(parse(tab), never)] == ["Home"]
    # Hidden elements inside the revealed one stay skipped.
    nested = tab.replace("</div></body>", "<p hidden>gone</p></div></body>")
    assert "gone" not in [b.text for b in _blocks(nested)]
    # Not when the visible page holds more than a fifth as much text: a hidden copy, a closed modal.
    story = "".join(f"<p>Visible paragraph {i} of the story, long enough to count.</p>" for i in range(3))
    visible = f"<body><main>{story}</main><div hidden>{_POSTS}</div></body>"
    assert len(_blocks(visible)) == 3 and all("div" not in b.xpath for b in _blocks(visible))
    # Not a hidden menu, however long (shops' mega-menus outweigh the page).
    menu = f"<body><p>Price: 12 EUR</p><nav><div style='display:none'>{_POSTS}</div></nav></body>"
    assert [b.text for b in _blocks(menu)] == ["Price: 12 EUR"]
    # Nor short hidden text (the rule needs SegmentationConfig.noscript_min_chars).
    assert [b.text for b in _blocks("<body><div hidden>Sign in to continue.</div></body>")] == []


def test_elements_after_the_end_of_the_page_are_read() -> None:
    # libxml2 stops at </html>; browsers put the rest in <body>, and one corpus template prints
    # its whole article there.
    late = "<html><body><nav><a href='/'>Home</a></nav></body></html>\n<div><p>The late article.</p></div>"
    assert [b.text for b in _blocks(late)] == ["Home", "The late article."]
    assert _blocks(late)[1].xpath == "/html/body[1]/div[1]/p[1]"
    # Only white space or a comment after </html>: nothing moves.
    ended = "<html><body><p>Story.</p></body></html>\n<!-- cached -->\n"
    assert [(b.text, b.xpath) for b in _blocks(ended)] == [("Story.", "/html/body[1]/p[1]")]


def test_br_makes_a_line_break_inside_the_block() -> None:
    assert _blocks("<p>line one<br>line  two<br><br></p>")[0].text == "line one\nline two"


def test_source_newlines_are_plain_white_space() -> None:
    assert _blocks("<p>line\n   one</p>")[0].text == "line one"


def test_zero_width_non_joiner_is_kept() -> None:
    assert _blocks("<p>می‌شود</p>")[0].text == "می\u200cشود"


def test_ancestor_flags_and_class_tokens() -> None:
    block = _blocks('<nav class="mainMenu top-nav"><ul><li id="item-3"><a href="/">Home</a></li></ul></nav>')[0]
    assert block.flags & FLAG_BITS["nav"] and block.flags & FLAG_BITS["li"] and block.flags & FLAG_BITS["list"]
    assert not block.flags & FLAG_BITS["article"]
    assert not block.flags & FLAG_BITS["a"]  # the link is inline inside the block, not around it
    assert block.own_attr == ("item",)
    assert block.ancestor_attr == ("main", "menu", "top", "nav")


def test_list_items_share_a_container_and_heading_is_recorded() -> None:
    blocks = _blocks("<h2>Latest</h2><ul><li>a</li><li>b</li></ul><ul><li>c</li></ul>")
    assert blocks[1].container == blocks[2].container != blocks[3].container
    assert blocks[1].heading == "Latest"


def test_blocks_without_word_tokens_are_dropped() -> None:
    assert [b.text for b in _blocks("<p>|</p><p>»</p><p>word</p>")] == ["word"]


def test_deep_nesting_does_not_recurse() -> None:
    depth = 100_000
    html = "<div>" * depth + "deep text" + "</div>" * depth
    limit = sys.getrecursionlimit()
    blocks = _blocks(html)
    assert sys.getrecursionlimit() == limit
    assert any("deep text" in b.text for b in blocks) or blocks == []


def test_empty_document_has_no_blocks() -> None:
    assert _blocks("") == []


def test_hidden_link_does_not_change_link_counting() -> None:
    block = _blocks('<p><a hidden href="/x">gone</a> plain words <a href="/y">link</a> end</p>')[0]
    assert block.text == "plain words link end"
    assert block.n_link_tokens == 1


def test_links_and_images_belong_to_their_block() -> None:
    blocks = _blocks(
        '<div><a href="/orphan"><img src="logo.png"></a></div>'
        '<ul><li><a href="/news/1"><img src="t.jpg"></a><a href="/news/1">Storm hits</a></li>'
        "<li>plain item</li></ul>"
    )
    assert [(b.text, b.hrefs, b.n_images) for b in blocks] == [
        ("Storm hits", ("/news/1", "/news/1"), 1),
        ("plain item", (), 0),
    ]
