// The tokenizer golden corpus: >= 1000 varied strings, built deterministically
// (fixed seed) from hand-written pieces covering prose, code, numbers,
// whitespace runs, CRLF, 20+ scripts, emoji (ZWJ sequences, flags, skin
// tones), special tokens inside text, contractions and edge cases.

const PROSE = [
  "The quick brown fox jumps over the lazy dog.",
  "It's a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.",
  "I'm sure you'll agree: we've done what they'd asked, and it's fine.",
  "She said, \"Don't worry—it'll work.\" He wasn't convinced.",
  "Call me Ishmael. Some years ago—never mind how long precisely—having little or no money in my purse...",
  "In 1969, Apollo 11 landed on the Moon; Neil Armstrong's first words were broadcast worldwide.",
  "SmolLM2 is a family of compact language models available in three sizes: 135M, 360M, and 1.7B parameters.",
  "What is the capital of France? The capital of France is Paris.",
  "Hello, world!",
  "Mr. O'Neil's dog's bone. THE DOG'S BONE. 'quoted' ''double'' '''triple'''",
  "e-mail: someone@example.com, URL: https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct?x=1&y=2#frag",
  "Prices: $3.99, €4,50, £100, ¥1000, 50% off!!!",
  "A list:\n- first item\n- second item\n  - nested item\n\n1. one\n2. two",
  "(parentheses) [brackets] {braces} <angles> «guillemets» „quotes“ ‘single’ “double”",
  "Ellipsis… en–dash — em—dash · middle dot • bullet ¶ pilcrow § section",
  "naïve café résumé coöperate façade jalapeño Ångström Zürich São Paulo",
];

const CODE = [
  "def add(a, b):\n    return a + b\n",
  "for (int i = 0; i < n; ++i) {\n\tsum += x[i] * y[i];\n}",
  "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 42); return 0; }",
  "const f = async (x) => { await g(x?.y ?? 0); };",
  "SELECT id, name FROM users WHERE age >= 18 ORDER BY name DESC;",
  "<div class=\"box\"><p>Hi &amp; bye</p></div>",
  "{\"key\": [1, 2.5, -3e10, true, null], \"nested\": {\"a\": \"b\"}}",
  "fn main() -> Result<(), Box<dyn Error>> { let v: Vec<u8> = vec![0xff; 16]; Ok(()) }",
  "if x != nil && len(x) > 0 { return x[0] } // comment",
  "    indented with four spaces\n        and eight\n\t\ttwo tabs",
  "a=b+c*d/e-f%g^h|i&j~k!l?m:n;o,p.q",
  "x_1 = np.zeros((3, 4), dtype=np.float32)  # shape [3, 4]",
  "git commit -m \"Fix bug #123\" && ./build.sh --release 2>&1 | tee log.txt",
];

const NUMBERS = [
  "0", "7", "42", "123456789", "3.14159265358979", "-273.15", "1e-9", "6.022e23", "1,000,000", "2024-11-21",
  "12:34:56", "v1.2.3", "0x1F", "192.168.0.1", "+1 (555) 123-4567", "100%", "1/2 + 3/4 = 5/4", "007", "9999999999999999",
  "½ ¾ ² ³ ⅓ Ⅳ Ⅻ ① ⑩", "٠١٢٣٤٥٦٧٨٩", "०१२३४५६७८९", "１２３", "๑๒๓",
];

const SCRIPTS = [
  "English text with ordinary words.",
  "Français : « Je ne sais pas ! » dit-il.",
  "Deutsch: Größe, Übermaß, Straße, ÄÖÜ äöü ß",
  "Español: ¿Dónde está la biblioteca? ¡Aquí!",
  "Русский: Съешь же ещё этих мягких французских булок, да выпей чаю.",
  "Українська: Привіт, як справи? Ґанок, їжак, єнот.",
  "Ελληνικά: Ξεσκεπάζω την ψυχοφθόρα βδελυγμία.",
  "中文：我能吞下玻璃而不伤身体。你好，世界！",
  "日本語：いろはにほへと ちりぬるを カタカナ 漢字。",
  "한국어: 다람쥐 헌 쳇바퀴에 타고파. 안녕하세요!",
  "العربية: مرحبا بالعالم، كيف حالك؟",
  "עברית: שלום עולם, מה שלומך?",
  "हिन्दी: नमस्ते दुनिया, आप कैसे हैं?",
  "বাংলা: আমি তোমাকে ভালোবাসি।",
  "தமிழ்: வணக்கம் உலகம்",
  "తెలుగు: నమస్కారం ప్రపంచం",
  "ไทย: สวัสดีชาวโลก ภาษาไทย",
  "Tiếng Việt: Xin chào thế giới, tôi là người Việt.",
  "Türkçe: Pijamalı hasta yağız şoföre çabucak güvendi.",
  "Polski: Zażółć gęślą jaźń.",
  "Čeština: Příliš žluťoučký kůň úpěl ďábelské ódy.",
  "ქართული: გამარჯობა მსოფლიო",
  "Հայերեն: Բարեւ աշխարհ",
  "አማርኛ: ሰላም ዓለም",
  "ᚠᛇᚻ᛫ᛒᛦᚦ runes",
  "Ꭰ Cherokee ᏣᎳᎩ",
  "ગુજરાતી: નમસ્તે",
  "ਪੰਜਾਬੀ: ਸਤ ਸ੍ਰੀ ਅਕਾਲ",
  "ಕನ್ನಡ: ನಮಸ್ಕಾರ",
  "മലയാളം: നമസ്കാരം",
  "සිංහල: ආයුබෝවන්",
  "မြန်မာ: မင်္ဂလာပါ",
  "ខ្មែរ: សួស្តី",
  "ᠮᠣᠩᠭᠣᠯ Mongolian",
  "Ϣ Coptic ⲁⲃⲅ, Gothic 𐌰𐌱𐌲, Deseret 𐐀𐐁",
  "Math: ∀x∈ℝ, ∃y: x²+y²≥0 ⇒ √(x²) = |x|; ∑ᵢ aᵢ ≤ ∞ 𝔸𝕓𝒞",
];

const EMOJI = [
  "😀", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷🇯🇵🇺🇸", "🧑🏾‍💻", "❤️", "✨🚀🔥", "👩‍❤️‍💋‍👨", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "1️⃣ #️⃣", "🙂🙃",
  "I love 🍕 and 🍣!", "ok 👌🏻👌🏼👌🏽👌🏾👌🏿",
];

const SPECIAL = [
  "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n",
  "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n",
  "text<|endoftext|>more text",
  "<|im_start|><|im_end|><|endoftext|>",
  "<|im_start", "im_end|>", "<|im_end|", "<<|im_start|>>", "< |im_start| >", "<|IM_START|>",
  "<repo_name>smolc<file_sep>main.cpp<filename>x.py<gh_stars>100",
  "<jupyter_start><jupyter_text>hi<jupyter_code>print(1)<jupyter_output>1<empty_output>",
  "<issue_start>bug<issue_comment>fix<issue_closed>", "<reponame>", " <|im_start|> ", "\n<|im_end|>\n",
];

const WHITESPACE = [
  " ", "  ", "   ", "\t", "\t\t", "\n", "\n\n", "\r\n", "\r\n\r\n", " \n ", "\t \t", "    x", "x    ", "x    y",
  "a \t b", "line1\r\nline2\r\n", "\u00a0nbsp\u00a0", "\u3000ideographic\u3000space", "\u2003em\u2002en\u2009thin",
  "\u0085nel\u0085", "\ufeffbom", "\u2028ls\u2029ps", "\u000bvt\u000cff", "\u200bzwsp\u200b", "trailing   ",
  "   leading", " \n\n  \t x", "a\u00a0\u00a0b", "\u202f\u205f\u1680x",
];

const SHORT = [
  "", "a", "A", "z", " ", ".", "'", "'s", "'S", "'t", "'re", "'ve", "'m", "'ll", "'d", "''", "'x", "s'", "9", "é", "中",
  "😀", "\n", "\t", "\r", "\u0000", "\u0001", "\u007f", "\u0080", "\u00ff", "~", "`", "\\", "\"", "<", ">", "|",
  "\u0004", "a\u0004b", "!\u0006!", "\u0013\u0014\u0016\u001d", "x\u001dy",
  "don't", "DON'T", "y'all", "rock'n'roll", "it''s", " 's", "x's's", "'ll've",
];

function rng(seed) {
  // mulberry32
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function buildCorpus() {
  const out = [];
  const seen = new Set();
  const add = (s) => {
    if (!seen.has(s)) {
      seen.add(s);
      out.push(s);
    }
  };
  for (const group of [SHORT, PROSE, CODE, NUMBERS, SCRIPTS, EMOJI, SPECIAL, WHITESPACE]) group.forEach(add);
  const all = [...PROSE, ...CODE, ...NUMBERS, ...SCRIPTS, ...EMOJI, ...SPECIAL, ...WHITESPACE, ...SHORT];
  const seps = [" ", "  ", "\n", "\r\n", "\t", "", " \n", "\n\n", ", ", " - ", "   \t "];
  const r = rng(20241121);
  const pick = (arr) => arr[Math.floor(r() * arr.length)];
  // Random mixtures of 2..5 pieces.
  while (out.length < 900) {
    const k = 2 + Math.floor(r() * 4);
    let s = pick(all);
    for (let i = 1; i < k; ++i) s += pick(seps) + pick(all);
    add(s);
  }
  // Random substrings (by code point) of longer pieces, so splits land anywhere.
  const long = [...PROSE, ...CODE, ...SCRIPTS, ...SPECIAL].map((s) => Array.from(s));
  while (out.length < 1100) {
    const cps = pick(long);
    const a = Math.floor(r() * cps.length);
    const b = a + 1 + Math.floor(r() * Math.min(30, cps.length - a));
    add(cps.slice(a, b).join(""));
  }
  // Random digit / whitespace / punctuation soup.
  const soup = ["0", "1", "5", "9", " ", "  ", "\t", "\n", ".", ",", "-", "'", "s", "a", "Z", "é", "中", "😀", "\u00a0", "_", "$"];
  while (out.length < 1200) {
    let s = "";
    const n = 1 + Math.floor(r() * 24);
    for (let i = 0; i < n; ++i) s += pick(soup);
    add(s);
  }
  // A few long ones.
  add(PROSE.join(" ").repeat(8));
  add("a".repeat(3000));
  add(" ".repeat(1000) + "x");
  add("1234567890".repeat(100));
  add("😀".repeat(200));
  return out;
}
