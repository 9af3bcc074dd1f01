/**
 * A reader for the small part of YAML that cloudbuild.yaml uses, for tests (no YAML parser is
 * installed): block mappings and sequences, `- key: value` items, flow sequences of scalars,
 * plain, 'single' and "double" quoted scalars, `|` literal blocks, comments. Every scalar stays
 * a string, as Cloud Build reads them. Anything beyond that subset (anchors, aliases, tags,
 * folded blocks, flow mappings, tabs, several documents, a plain scalar a full parser would
 * read differently) throws instead of being guessed at.
 */
export type Yaml = string | Yaml[] | { [key: string]: Yaml };

interface Line {
  indent: number;
  text: string;
  number: number;
}

const KEY = /^([A-Za-z_][\w-]*):(?: (.*))?$/;

export function parseYamlSubset(source: string): Yaml {
  const raw = source.split('\n');
  if (raw.some((line) => line.includes('\t'))) throw new Error('Tabs are outside the YAML subset.');
  const reader = new Reader(raw);
  const value = reader.block(0);
  if (reader.peek() !== null) throw reader.fail('Unexpected content after the document.');
  return value;
}

class Reader {
  private index = 0;

  constructor(private readonly raw: string[]) {}

  /** The next line that is neither blank nor a comment, without consuming it. */
  peek(): Line | null {
    for (let i = this.index; i < this.raw.length; i++) {
      const text = this.raw[i]!;
      const trimmed = text.trim();
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      if (trimmed === '---' || trimmed === '...') throw new Error(`Line ${i + 1}: several documents are outside the subset.`);
      this.index = i;
      return { indent: text.length - text.trimStart().length, text: trimmed, number: i + 1 };
    }
    this.index = this.raw.length;
    return null;
  }

  fail(message: string): Error {
    return new Error(`Line ${this.index + 1}: ${message}`);
  }

  block(minIndent: number): Yaml {
    const line = this.peek();
    if (line === null || line.indent < minIndent) throw this.fail('Expected a nested block.');
    return isItem(line.text) ? this.sequence(line.indent) : this.mapping(line.indent);
  }

  private mapping(indent: number): Yaml {
    const result: { [key: string]: Yaml } = {};
    for (let line = this.peek(); line !== null && line.indent === indent; line = this.peek()) {
      const match = KEY.exec(line.text);
      if (!match || isItem(line.text)) throw this.fail(`Expected "key: value", found "${line.text}".`);
      const key = match[1]!;
      if (key in result) throw this.fail(`Duplicate key "${key}".`);
      this.index++;
      result[key] = this.value(match[2] ?? '', indent);
    }
    const next = this.peek();
    if (next !== null && next.indent > indent) throw this.fail('Unexpected indentation.');
    return result;
  }

  private sequence(indent: number): Yaml {
    const result: Yaml[] = [];
    for (let line = this.peek(); line !== null && line.indent === indent && isItem(line.text); line = this.peek()) {
      const content = line.text === '-' ? '' : line.text.slice(2);
      const contentIndent = indent + 2 + (content.length - content.trimStart().length);
      if (KEY.test(content.trim()) && !isQuoted(content.trim())) {
        // `- key: value`: a mapping whose first key sits on the dash's line.
        this.raw[this.index] = ' '.repeat(contentIndent) + content.trim();
        result.push(this.mapping(contentIndent));
      } else {
        this.index++;
        result.push(this.value(content.trim(), indent));
      }
    }
    return result;
  }

  /** The value after `key:` or `- ` of a node at `indent`. */
  private value(text: string, indent: number): Yaml {
    if (text === '' || text.startsWith('#')) {
      const next = this.peek();
      if (next !== null && (next.indent > indent || (next.indent === indent && isItem(next.text)))) {
        return this.block(next.indent);
      }
      throw this.fail('An empty value is outside the subset.');
    }
    if (text === '|') return this.literal(indent);
    return scalar(text, this.index);
  }

  /** A `|` block: lines indented deeper than the key, indentation removed, one final newline. */
  private literal(indent: number): string {
    const lines: string[] = [];
    let blockIndent: number | null = null;
    while (this.index < this.raw.length) {
      const text = this.raw[this.index]!;
      const lineIndent = text.length - text.trimStart().length;
      if (text.trim() !== '') {
        if (lineIndent <= indent) break;
        blockIndent ??= lineIndent;
        if (lineIndent < blockIndent) throw this.fail('A literal block line is less indented than its first line.');
      }
      lines.push(text.trim() === '' ? '' : text.slice(blockIndent!));
      this.index++;
    }
    while (lines.length > 0 && lines.at(-1) === '') lines.pop();
    if (lines.length === 0) throw this.fail('An empty literal block is outside the subset.');
    return `${lines.join('\n')}\n`;
  }
}

function isItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

function isQuoted(text: string): boolean {
  return text.startsWith("'") || text.startsWith('"');
}

function scalar(text: string, index: number): Yaml {
  const fail = (message: string) => new Error(`Line ${index + 1}: ${message}`);
  if (/^[&*!>{%@`]/.test(text)) throw fail(`"${text}" is outside the subset.`);
  if (text.startsWith('[')) return flowSequence(text, fail);
  if (isQuoted(text)) {
    const [value, rest] = quoted(text, fail);
    if (rest.trim() !== '' && !rest.trim().startsWith('#')) throw fail(`Text after a quoted scalar: "${rest}".`);
    return value;
  }
  const plain = text.replace(/\s+#.*$/, '');
  if (plain.includes(': ') || plain.endsWith(':')) throw fail(`"${plain}" would be a mapping in YAML.`);
  return plain;
}

function quoted(text: string, fail: (message: string) => Error): [value: string, rest: string] {
  const quote = text[0]!;
  let value = '';
  for (let i = 1; i < text.length; i++) {
    const char = text[i]!;
    if (quote === "'" && char === "'") {
      if (text[i + 1] === "'") {
        value += "'";
        i++;
        continue;
      }
      return [value, text.slice(i + 1)];
    }
    if (quote === '"' && char === '\\') {
      const escaped = text[++i];
      const known: Record<string, string> = { n: '\n', t: '\t', '"': '"', '\\': '\\', '/': '/' };
      if (escaped === undefined || !(escaped in known)) throw fail(`Unknown escape \\${escaped ?? ''}.`);
      value += known[escaped];
      continue;
    }
    if (quote === '"' && char === '"') return [value, text.slice(i + 1)];
    value += char;
  }
  throw fail('Unterminated quoted scalar.');
}

function flowSequence(text: string, fail: (message: string) => Error): Yaml[] {
  const items: Yaml[] = [];
  let rest = text.slice(1).trimStart();
  if (rest.startsWith(']')) return items;
  for (;;) {
    let item: string;
    if (isQuoted(rest)) {
      [item, rest] = quoted(rest, fail);
    } else {
      const end = rest.search(/[,\]]/);
      if (end < 0) throw fail('Unterminated flow sequence.');
      item = rest.slice(0, end).trim();
      if (item === '' || /[[{:#]/.test(item)) throw fail(`"${item}" in a flow sequence is outside the subset.`);
      rest = rest.slice(end);
    }
    items.push(item);
    rest = rest.trimStart();
    if (rest.startsWith(',')) {
      rest = rest.slice(1).trimStart();
      continue;
    }
    if (!rest.startsWith(']')) throw fail('Expected "," or "]" in a flow sequence.');
    if (rest.slice(1).trim() !== '' && !rest.slice(1).trim().startsWith('#')) throw fail('Text after a flow sequence.');
    return items;
  }
}
