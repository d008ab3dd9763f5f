"""Batches (CONTRACT.md section 6): JSONL read robustly, record by record, from real bytes in real files."""
import dataclasses
import io
import json
import random
import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditrules import records
from creditrules.records import MAX_LINE_BYTES, Record, iter_jsonl

BOM = b"\xef\xbb\xbf"
NAME, ID = "张三", "110105194912310021"


def read(tmp_path, data: bytes, name="batch.jsonl"):
    path = tmp_path / name
    path.write_bytes(data)
    return list(iter_jsonl(path))


def test_good_lines_are_records_with_index_and_line(tmp_path):
    got = read(tmp_path, b'{"id": "a"}\n\n   \n{"id": "b"}\r\n\t\n{"id": "c"}')      # no final newline
    assert [(r.index, r.line, r.data, r.error) for r in got] == [
        (0, 1, {"id": "a"}, None), (1, 4, {"id": "b"}, None), (2, 6, {"id": "c"}, None)]
    assert all(r.ok for r in got)


def test_a_bom_at_the_start_is_dropped(tmp_path):
    [r] = read(tmp_path, BOM + b'{"id": "a"}\n')
    assert r.data == {"id": "a"} and r.line == 1
    [r] = read(tmp_path, BOM + b"\n" + b'{"id": "a"}\n')                             # a BOM alone: a blank line
    assert (r.index, r.line) == (0, 2)


def test_line_separators_inside_a_string_do_not_cut_the_record(tmp_path):
    text = 'a\u2028b\u2029c\x85d\re\x1cf\x1dg\x1eh\x0bi\x0cj'
    line = json.dumps({"name": text}, ensure_ascii=False).encode("utf-8")
    assert len(line.decode("utf-8").splitlines()) > 1                  # what str.splitlines would have done
    got = read(tmp_path, line + b"\n" + b'{"id": 2}\n')
    assert [r.data for r in got] == [{"name": text}, {"id": 2}] and [r.line for r in got] == [1, 2]


def test_invalid_utf8_spoils_only_its_line(tmp_path):
    got = read(tmp_path, b'{"id": 1}\n{"name": "\xe5\xbc\xa0\xff"}\n{"id": 3}\n')
    assert [r.data for r in got] == [{"id": 1}, None, {"id": 3}]
    bad = got[1].error
    assert bad.code == "bad-encoding" and (bad.position.line, bad.position.column) == (2, 12)   # the byte after 张
    assert got[1].index == 1


def test_duplicate_keys_are_refused_naming_the_key_not_the_values(tmp_path):
    [r] = read(tmp_path, json.dumps({"name": NAME}, ensure_ascii=False).encode()[:-1]
               + f', "subject_id": "{ID}", "subject_id": "{ID[:-1]}0"}}\n'.encode())
    assert r.data is None and r.error.code == "duplicate-key" and "`subject_id`" in r.error.message
    assert r.error.position.column == 52                                         # the second `"subject_id"`
    assert NAME not in str(r.error) and ID[:10] not in str(r.error)
    [r] = read(tmp_path, b'{"a": {"b": 1, "b": 2}}\n')                                  # nested objects too
    assert r.error.code == "duplicate-key" and "`b`" in r.error.message


@pytest.mark.parametrize("line,code", [
    (b"[" * 100_000 + b"]" * 100_000, "too-deep"),
    (b'{"a": ' * 50_000 + b"1" + b"}" * 50_000, "too-deep"),
    (b"[" * 200_000, "too-deep"),                               # unclosed as well
    (b"[1, 2]", "not-an-object"),
    (b'"' + NAME.encode() + b'"', "not-an-object"),
    (b"null", "not-an-object"),
    (b"17", "not-an-object"),
    (b'{"n": NaN}', "bad-json"),
    (b'{"n": -Infinity}', "bad-json"),
    (b'{"n": 1e999}', "bad-json"),
    (b'{"n": ' + b"9" * 5_000 + b"}", "bad-json"),
    (b'{"name": "' + NAME.encode() + b'", "id": ' + ID.encode() + b',}', "bad-json"),
    (b'{"name": "' + NAME.encode() + b'" "id": "' + ID.encode() + b'"}', "bad-json"),
    (b'{"name": "' + NAME.encode() + b'\x01"}', "bad-json"),
    (b'{"id": "a"} {"id": "b"}', "bad-json"),
    (b"\xef\xbb\xbf" + b'{"id": "a"}', "bad-json"),                        # a BOM anywhere but the start
    (b"\x00\x00", "bad-json"),
])
def test_a_bad_line_is_a_positioned_error_that_does_not_quote_the_record(tmp_path, line, code):
    got = read(tmp_path, b'{"id": 1}\n' + line + b"\n" + b'{"id": 3}\n')
    assert [r.data for r in got] == [{"id": 1}, None, {"id": 3}], got[1].error
    error = got[1].error
    assert error.code == code and error.position.line == 2 and error.position.column >= 1
    assert NAME not in error.message and ID[:8] not in error.message and ID[:8] not in error.hint
    assert "Expecting" not in error.message                          # said in plain words


def test_a_huge_line_is_refused_without_being_held(tmp_path):
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as f:
        f.write(b'{"id": 1}\n')
        f.write(b'{"name": "' + b"x" * (5 * MAX_LINE_BYTES) + b'"}\n')
        f.write(b'{"id": 3}\n')
        f.write(b"y" * (2 * MAX_LINE_BYTES))                        # and at the very end, without a newline
    tracemalloc.start()
    try:
        got = list(iter_jsonl(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [(r.line, r.data, r.error and r.error.code) for r in got] == [
        (1, {"id": 1}, None), (2, None, "too-long"), (3, {"id": 3}, None), (4, None, "too-long")]
    assert "5,000,0" in got[1].error.message
    assert peak < 4 * MAX_LINE_BYTES


def test_memory_stays_flat_over_a_long_file(tmp_path):
    path = tmp_path / "long.jsonl"
    line = json.dumps({"id": "e", "subject": {"type": "legal_person", "name": NAME * 100}}, ensure_ascii=False)
    with path.open("wb") as f:
        for _ in range(30_000):                                    # about 20 MB
            f.write(line.encode() + b"\n")
    tracemalloc.start()
    try:
        count = sum(1 for r in iter_jsonl(path) if r.ok)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 30_000 and peak < 2 * 2 ** 20


class Endless(io.RawIOBase):
    """A stream that never ends (a pipe that stays open): records must come before its end."""

    def readable(self):
        return True

    def readinto(self, buffer):
        data = b'{"id": "x"}\n' * (len(buffer) // 12)
        buffer[:len(data)] = data
        return len(data)


def test_records_stream_from_a_binary_stream_before_its_end():
    stream = iter_jsonl(io.BufferedReader(Endless()))
    first = [next(stream) for _ in range(3)]
    assert [(r.index, r.line, r.data) for r in first] == [(i, i + 1, {"id": "x"}) for i in range(3)]
    stream.close()


def test_stdin_like_streams_text_and_binary():
    raw = io.BytesIO(BOM + b'{"id": 1}\n{"id": \n')
    raw.name = "<stdin>"
    got = list(iter_jsonl(raw))
    assert got[0].data == {"id": 1} and str(got[1].error.position) == "<stdin>:2:8"
    text = io.TextIOWrapper(io.BytesIO(b'{"id": "\xe2\x80\xa8"}\n'), encoding="utf-8")
    assert [r.data for r in iter_jsonl(text, name="-")] == [{"id": "\u2028"}]
    with pytest.raises(TypeError):
        list(iter_jsonl(io.StringIO('{"id": 1}\n')))


def test_a_record_is_frozen_and_says_its_error_in_the_contract_shape(tmp_path):
    [bad] = read(tmp_path, b"[]\n")
    with pytest.raises(dataclasses.FrozenInstanceError):
        bad.index = 3
    item = bad.error_item()
    assert item == {"index": 0, "line": 1, "error": {"code": "not-an-object", "message": bad.error.message,
                                                      "position": f"{tmp_path / 'batch.jsonl'}:1:1"}}


# ---- the property: good records survive any garbage around them --------------------------------------------

JSON_TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=12) | st.sampled_from(
    ["\u2028", "a\u2029b", "\r", "\x85", "\ufeff", "张三\n", "\"{[", "\\"])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-10 ** 30, max_value=10 ** 30)
    | st.floats(allow_nan=False, allow_infinity=False) | JSON_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(JSON_TEXT, inner, max_size=4),
    max_leaves=12)
GOOD = st.dictionaries(JSON_TEXT, JSON_VALUES, max_size=5)
GARBAGE = st.one_of(
    st.binary(max_size=60),
    st.text(max_size=30).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from([b"", b"   ", b"\r", b"{", b"}", b"[]", b'{"a": 1, "a": 2}', b'{"n": NaN}', b"[" * 70,
                     b"\xff\xfe\xfd", b"\xe2\x80\xa8", b'"\xe2\x80\xa8"', b"null", b"{" * 70 + b"}" * 70,
                     BOM + b"{}", b'{"x": 1e999}']),
).map(lambda b: b.replace(b"\n", b""))


class Trickle(io.RawIOBase):
    """A stream that returns short reads of random sizes, so lines straddle reads."""

    def __init__(self, data: bytes, seed: int):
        self.data, self.at, self.random = data, 0, random.Random(seed)

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(len(buffer), self.random.randint(1, 9), len(self.data) - self.at)
        buffer[:n] = self.data[self.at:self.at + n]
        self.at += n
        return n


@given(lines=st.lists(st.tuples(st.booleans(), GOOD, GARBAGE, st.booleans()), max_size=25),
       bom=st.booleans(), final_newline=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_every_good_record_is_yielded_in_order_with_its_line_whatever_garbage_is_around(lines, bom, final_newline,
                                                                                         seed):
    physical, good_at = [], {}
    for is_good, good, garbage, crlf in lines:
        if is_good:
            good_at[len(physical) + 1] = good
            physical.append(json.dumps(good, ensure_ascii=False).encode("utf-8") + (b"\r" if crlf else b""))
        else:
            physical.append(garbage)
    data = (BOM if bom else b"") + b"\n".join(physical) + (b"\n" if final_newline and physical else b"")
    for stream in (io.BytesIO(data), io.BufferedReader(Trickle(data, seed), buffer_size=8)):
        got = list(iter_jsonl(stream))
        by_line = {r.line: r for r in got}
        for line, good in good_at.items():
            assert by_line[line].error is None and by_line[line].data == good
        assert [r.index for r in got] == list(range(len(got)))
        assert [r.line for r in got] == sorted(by_line) and len(by_line) == len(got)
        as_read = [((BOM if bom else b"") + raw).removeprefix(BOM) if i == 0 else raw for i, raw in enumerate(physical)]
        blank = {i + 1 for i, raw in enumerate(as_read) if not raw.strip(b" \t\r")}
        assert set(by_line) == set(range(1, len(physical) + 1)) - blank
        assert all((r.data is None) != (r.error is None) for r in got)
        assert all(isinstance(r, Record) and (r.data is None or isinstance(r.data, dict)) for r in got)


def test_chunk_boundaries_do_not_matter(monkeypatch, tmp_path):
    body = b"".join(json.dumps({"i": i, "t": "\u2028" * (i % 7)}).encode() + b"\n" for i in range(200))
    monkeypatch.setattr(records, "CHUNK", 7)
    got = read(tmp_path, BOM + body)
    assert [r.data["i"] for r in got] == list(range(200)) and [r.line for r in got] == list(range(1, 201))


@pytest.mark.parametrize("sign", ["", "-"])
def test_a_whole_number_of_more_than_max_digits_is_refused_whatever_its_sign(tmp_path, sign):
    ok = sign + "9" * records.MAX_DIGITS
    over = sign + "9" * (records.MAX_DIGITS + 1)        # 101 digits: passed when unsigned, before
    got = read(tmp_path, f'{{"n": {ok}}}\n{{"n": {over}}}\n'.encode())
    assert got[0].ok and got[0].data["n"] == int(ok)
    assert not got[1].ok and "more than 100 digits" in got[1].error.message
