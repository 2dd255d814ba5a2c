// Rejected values are echoed in errors and logs cut to a readable length: a
// 10 kB string pasted by mistake must not fill a terminal or a log line.

/** Longest echo of a rejected value, in characters. */
export const MAX_ECHO_CHARS = 80;

/** `s` itself when short, else its start and end around "...(N chars)...". */
export function cut(s: string, max = MAX_ECHO_CHARS): string {
  if (s.length <= max) return s;
  const keep = Math.max(8, Math.floor((max - 20) / 2));
  return `${s.slice(0, keep)}...(${s.length} chars)...${s.slice(-keep)}`;
}
