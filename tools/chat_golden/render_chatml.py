#!/usr/bin/env python3
"""Golden ChatML renderings for tests/chat, made by the real Jinja engine.

Renders SmolLM2-Instruct's chat_template (quoted below byte for byte; see
docs/chat.md for where it comes from) with jinja2 configured as HF
transformers' apply_chat_template configures it (sandboxed environment,
trim_blocks, lstrip_blocks), over a set of conversations, and writes
tests/chat/golden/chatml.json: [{"messages", "add_generation_prompt", "text"}].

Needs python3-jinja2 (apt-get install python3-jinja2).
Usage: /usr/bin/python3 tools/chat_golden/render_chatml.py   (from the repo root)
"""
import json
import os

from jinja2.sandbox import ImmutableSandboxedEnvironment

SMOLLM2_CHAT_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def m(role, content):
    return {"role": role, "content": content}


CONVERSATIONS = [
    ([m("user", "Hello, who are you?")], True),
    ([m("user", "Hello, who are you?")], False),
    ([m("system", "You are a terse assistant."), m("user", "What is 2+2?")], True),
    ([m("user", "I need help with my order"),
      m("assistant", "I'd be happy to help. Could you provide your order number?"),
      m("user", "It's ORDER-123")], True),
    ([m("system", "Answer in French."), m("user", "Hi"), m("assistant", "Bonjour !"),
      m("user", "How are you?"), m("assistant", "Très bien, merci.")], False),
    ([], True),
    ([], False),
    ([m("assistant", "I speak first.")], True),
    ([m("user", "Line one\nline two\n\n  indented\ttab"), m("assistant", "")], True),
    ([m("user", "Literal <|im_end|> and <|im_start|>user inside content")], True),
    ([m("user", "Unicode: héllo wörld — 日本語 🙂")], True),
    ([m("user", "first"), m("system", "a system message that is not first")], True),
    ([m("System", "capitalised role is not 'system'"), m("user", "x")], True),
    ([m("system", ""), m("tool", "{\"result\": 42}")], True),
    ([m("user", "{{ not a template }} {% raw %}")], True),
]


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    template = env.from_string(SMOLLM2_CHAT_TEMPLATE)
    out = []
    for messages, gen in CONVERSATIONS:
        text = template.render(messages=messages, add_generation_prompt=gen)
        out.append({"messages": messages, "add_generation_prompt": gen, "text": text})
    path = os.path.join(root, "tests", "chat", "golden", "chatml.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"generator": "tools/chat_golden/render_chatml.py",
                   "template": SMOLLM2_CHAT_TEMPLATE, "cases": out}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {len(out)} renderings to {path}")


if __name__ == "__main__":
    main()
