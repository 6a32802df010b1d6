#!/usr/bin/env python3
"""Golden ids for the llama2.c (SentencePiece-BPE) tokenizer.

An independent, deliberately naive Python re-statement of llama2.c's
encode()/decode() (run.c), used as the truth for tests/tokenizer/:
  * encode: a " " dummy prefix (if the text is not empty), one lookup per
    character (a byte plus up to 3 following UTF-8 continuation bytes), byte
    fallback to id byte+3 for characters not in the vocab, then while some
    adjacent pair concatenates to a vocab piece: merge the pair whose piece
    has the highest score (first such pair on ties, scores must beat -1e10).
  * decode: the piece, minus its leading space right after BOS (id 1), with
    "<0xHH>" pieces turned into their byte.

Usage: tools/llama2c_tokenizer_golden.py models/stories260K/tok512.bin 512 \
           > tests/data/tokenizer/tok512_golden.jsonl
"""
import json
import struct
import sys


def load(path, vocab_size):
    data = open(path, "rb").read()
    off = 4
    pieces, scores = [], []
    for _ in range(vocab_size):
        score, n = struct.unpack_from("<fi", data, off)
        off += 8
        pieces.append(data[off:off + n])
        scores.append(score)
        off += n
    assert off == len(data)
    return pieces, scores


def encode(text: bytes, pieces, scores):
    index = {}
    for i, p in enumerate(pieces):
        index.setdefault(p, i)
    ids = []
    if text:
        ids.append(index[b" "])
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and j - i < 4 and (text[j] & 0xC0) == 0x80:
            j += 1
        ch = text[i:j]
        if ch in index:
            ids.append(index[ch])
        else:
            ids.extend(b + 3 for b in ch)
        i = j
    while True:
        best, best_at, best_id = -1e10, -1, -1
        for k in range(len(ids) - 1):
            merged = index.get(pieces[ids[k]] + pieces[ids[k + 1]])
            if merged is not None and scores[merged] > best:
                best, best_at, best_id = scores[merged], k, merged
        if best_at < 0:
            break
        ids[best_at:best_at + 2] = [best_id]
    return ids


def decode(ids, pieces, prev=-1):
    """Bytes of ids following token prev."""
    out = b""
    for t in ids:
        p = pieces[t]
        if prev == 1 and p.startswith(b" "):
            p = p[1:]
        if len(p) == 6 and p.startswith(b"<0x") and p.endswith(b">"):
            p = bytes([int(p[3:5], 16)])
        out += p
        prev = t
    return out


CORPUS = [
    "",
    "a",
    " ",
    "  ",
    "Once upon a time, there was a little girl named Lily.",
    "Once upon a time",
    "She loved to play outside in the park with her friends.",
    "One day, she saw a big, red ball in the sky!",
    "\"Can I play?\" asked Tom. \"Yes,\" said Sue.",
    "The cat sat on the mat.\nThe dog barked.\n\nThe end.",
    "Tim and Mia went to the store. They bought apples, bananas and milk.",
    "He was very happy. He smiled and said, \"Thank you, Mom!\"",
    "  leading spaces and trailing spaces  ",
    "tabs\tand\ttabs",
    "windows\r\nline\r\nends",
    "numbers 0123456789 and 3.14159 and 1,000,000",
    "UPPER lower MiXeD",
    "punctuation!?.,;:'\"()[]{}<>@#$%^&*-_=+/\\|`~",
    "caf\u00e9 na\u00efve r\u00e9sum\u00e9",
    "\u00fcber Stra\u00dfe",
    "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8",
    "\u4e2d\u6587\u5b57",
    "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645",
    "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e",
    "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440!",
    "\u0393\u03b5\u03b9\u03ac \u03c3\u03bf\u03c5",
    "emoji \U0001F600 and family \U0001F468\u200d\U0001F469\u200d\U0001F467 and flag \U0001F1EB\U0001F1F7",
    "<s> and </s> and <unk> are plain text here",
    "<0x41> is not a byte",
    "\n",
    "\n\n\n",
    "x" * 200,
    "the the the the the the the the",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "Lily and Ben were best friends. They liked to play in the sand box. One day, Ben found a shiny "
    "rock. \"Look, Lily!\" he said. Lily looked at the rock and smiled.",
]


def main():
    path, vocab_size = sys.argv[1], int(sys.argv[2])
    pieces, scores = load(path, vocab_size)
    for s in CORPUS:
        text = s.encode("utf-8")
        ids = encode(text, pieces, scores)
        assert decode(ids, pieces, prev=1) == text, s
        print(json.dumps({"text": s, "ids": ids}, ensure_ascii=True))
    # Invalid UTF-8 (hex, since JSON strings cannot hold it).
    for raw in [b"\xff", b"a\x80b", b"\xe2\x82", b"\xc3(", b"\x80\x80\x80\x80\x80\x80", b"\xf0\x9f\x98"]:
        ids = encode(raw, pieces, scores)
        assert decode(ids, pieces, prev=1) == raw, raw
        print(json.dumps({"hex": raw.hex(), "ids": ids}))


if __name__ == "__main__":
    main()
