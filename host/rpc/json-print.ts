// Prints a JSON value the way lightning-cli does by default: three-space
// indentation, `"key": value`, `[]` / `{}` when empty, and every string and
// number exactly as the daemon wrote it (no re-encoding, so u64 amounts stay
// exact).
import { rawText, type JsonNode } from './json-scan.js';

export function prettyJson(n: JsonNode, indent = ''): string {
  const next = `${indent}   `;
  switch (n.type) {
    case 'array':
      if (n.items.length === 0) return '[]';
      return `[\n${n.items.map((x) => next + prettyJson(x, next)).join(',\n')}\n${indent}]`;
    case 'object':
      if (n.members.length === 0) return '{}';
      return `{\n${n.members.map((m) => `${next}${rawText(m.key)}: ${prettyJson(m.value, next)}`).join(',\n')}\n${indent}}`;
    default:
      return rawText(n);
  }
}
