/**
 * Parse the Python literals Ultralytics writes into ONNX metadata_props with `str(value)`:
 * `{0: 'dial'}`, `[640, 640]`, `[5, 3]`, `{0: ['top', 'bottom']}`, `True`, `None`, numbers.
 */
export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

export class PyLiteralError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PyLiteralError';
  }
}

export function parsePythonLiteral(text: string): PyValue {
  const p = new Parser(text);
  const value = p.value();
  p.skipSpace();
  if (!p.atEnd()) throw new PyLiteralError(`unexpected text at ${p.pos}: ${text.slice(p.pos, p.pos + 10)}`);
  return value;
}

/** Like parsePythonLiteral but returns undefined instead of throwing. */
export function tryParsePythonLiteral(text: string | undefined): PyValue | undefined {
  if (text === undefined) return undefined;
  try {
    return parsePythonLiteral(text);
  } catch {
    return undefined;
  }
}

class Parser {
  pos = 0;
  constructor(private readonly s: string) {}

  atEnd(): boolean {
    return this.pos >= this.s.length;
  }

  skipSpace(): void {
    while (!this.atEnd() && /\s/.test(this.s[this.pos] as string)) this.pos++;
  }

  value(): PyValue {
    this.skipSpace();
    const c = this.s[this.pos];
    if (c === '{') return this.dict();
    if (c === '[' || c === '(') return this.list(c === '[' ? ']' : ')');
    if (c === "'" || c === '"') return this.str();
    if (c !== undefined && /[-+0-9.]/.test(c)) return this.num();
    for (const [word, v] of [
      ['True', true],
      ['False', false],
      ['None', null],
    ] as const) {
      if (this.s.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    throw new PyLiteralError(`unexpected ${c === undefined ? 'end' : `'${c}'`} at ${this.pos}`);
  }

  private expect(ch: string): void {
    this.skipSpace();
    if (this.s[this.pos] !== ch) throw new PyLiteralError(`expected '${ch}' at ${this.pos}`);
    this.pos++;
  }

  private dict(): PyValue {
    this.expect('{');
    const out: Record<string, PyValue> = {};
    this.skipSpace();
    while (this.s[this.pos] !== '}') {
      const key = this.value();
      this.expect(':');
      out[String(key)] = this.value();
      this.skipSpace();
      if (this.s[this.pos] === ',') this.pos++;
      else if (this.s[this.pos] !== '}') throw new PyLiteralError(`expected ',' or '}' at ${this.pos}`);
      this.skipSpace();
      if (this.atEnd()) throw new PyLiteralError('unterminated dict');
    }
    this.pos++;
    return out;
  }

  private list(close: string): PyValue {
    this.pos++;
    const out: PyValue[] = [];
    this.skipSpace();
    while (this.s[this.pos] !== close) {
      out.push(this.value());
      this.skipSpace();
      if (this.s[this.pos] === ',') this.pos++;
      else if (this.s[this.pos] !== close) throw new PyLiteralError(`expected ',' or '${close}' at ${this.pos}`);
      this.skipSpace();
      if (this.atEnd()) throw new PyLiteralError('unterminated list');
    }
    this.pos++;
    return out;
  }

  private str(): string {
    const quote = this.s[this.pos];
    this.pos++;
    let out = '';
    while (!this.atEnd() && this.s[this.pos] !== quote) {
      let ch = this.s[this.pos] as string;
      if (ch === '\\') {
        this.pos++;
        const esc = this.s[this.pos] ?? '';
        ch = esc === 'n' ? '\n' : esc === 't' ? '\t' : esc;
      }
      out += ch;
      this.pos++;
    }
    if (this.atEnd()) throw new PyLiteralError('unterminated string');
    this.pos++;
    return out;
  }

  private num(): number {
    const m = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(this.s.slice(this.pos));
    if (!m) throw new PyLiteralError(`bad number at ${this.pos}`);
    this.pos += m[0].length;
    return Number(m[0]);
  }
}
