"""The law-text parser and citations, against the held Henan and Jilin texts."""
import pytest

from creditrules.lawtext import Cite, cn_to_int, int_to_cn, parse_cite, parse_law_text, resolve

from conftest import ROOT


@pytest.fixture(scope="module")
def henan():
    return parse_law_text((ROOT / "policies/henan/source/regulation.txt").read_text(encoding="utf-8"),
                          "regulation", "河南省社會信用條例")


@pytest.mark.parametrize("text,value", [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("六十八", 68),
                                        ("一百", 100), ("一百零二", 102), ("一百一十", 110)])
def test_numerals_round_trip(text, value):
    assert cn_to_int(text) == value
    assert int_to_cn(value) == text


def test_henan_has_68_articles_in_chapters(henan):
    assert sorted(henan.articles) == list(range(1, 69))
    assert henan.traditional
    assert henan.articles[33].chapter == "第四章 守信激勵與失信懲戒"


def test_items_belong_to_their_paragraph(henan):
    art33 = henan.articles[33]
    assert [len(p.items) for p in art33.paragraphs] == [10, 0]     # 33(1) has ten items; 33(2) 前款規定...
    assert art33.paragraphs[1].text.startswith("前款規定行為")
    assert henan.articles[20].paragraphs[0].items[1].text.startswith("在法定期限內未提起行政復議")


def test_reference_to_another_article_mid_text_is_not_an_article(henan):
    # 第三十四條 mentions 第三十二條 inside its first line; article 34 must stay one article
    assert "除采取第三十二條懲戒措施外" in henan.articles[34].paragraphs[0].text


def test_label_omits_paragraph_of_a_single_paragraph_article(henan):
    label, text = resolve(henan, parse_cite("32.1.3", "regulation", {}))
    assert label == "《河南省社會信用條例》第三十二條第（三）項"
    assert text == "在行政管理和公共服務中,限制享受相關便利化措施;"
    label, _ = resolve(henan, parse_cite("33.1.2", "regulation", {}))
    assert label == "《河南省社會信用條例》第三十三條第一款第（二）項"


def test_chinese_and_compact_citations_agree():
    assert parse_cite("第三十三條第一款第（二）項", "regulation", {}) == Cite("regulation", 33, 1, 2)
    assert parse_cite("第三十二条第（三）项", "regulation", {}) == Cite("regulation", 32, 1, 3)
    assert parse_cite("measures:9.1.3", "regulation", {}) == Cite("measures", 9, 1, 3)
    assert parse_cite("《吉林省社会信用条例》第十九条", "d", {"jl": "吉林省社会信用条例"}) == Cite("jl", 19)


@pytest.mark.parametrize("cite,problem", [("69", "not in the held text"), ("32.2", "1 paragraph(s)"),
                                          ("33.1.11", "10 item(s)")])
def test_citations_the_text_lacks_are_refused(henan, cite, problem):
    found = resolve(henan, parse_cite(cite, "regulation", {}))
    assert isinstance(found, str) and problem in found


def test_unparseable_citation():
    with pytest.raises(ValueError, match="not a citation"):
        parse_cite("art 33", "regulation", {})


def test_jilin_bracketed_titles_are_kept():
    law = parse_law_text((ROOT / "policies/jilin/source/regulation-draft.txt").read_text(encoding="utf-8"), "d", "吉林")
    assert len(law.articles) == 59
    assert law.articles[1].title == "立法目的"
    assert law.articles[19].title == "行政处罚信息披露期限"
    assert law.articles[19].paragraphs[0].text.startswith("涉及一般失信行为的行政处罚信息")


def test_debris_is_dropped():
    law = parse_law_text("第一条　甲。\n[bookmark: _GoBack]第二条　乙。\n－2－\n丙。\n", "d", "t")
    assert [p.text for p in law.articles[2].paragraphs] == ["乙。", "丙。"]


def test_the_usual_written_form_of_an_item_is_a_citation():
    """Issue 10(6): 第三十三条第一款第二项 (no brackets) is how the item is usually written."""
    from creditrules.lawtext import Cite, parse_cite
    assert parse_cite("第三十三条第一款第二项", "regulation", {}) == Cite("regulation", 33, 1, 2)
    assert parse_cite("第三十三條第一款第（二）項", "regulation", {}) == Cite("regulation", 33, 1, 2)
    assert parse_cite("第三十三条第二项", "regulation", {}) == Cite("regulation", 33, 1, 2)
