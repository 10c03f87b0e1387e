/**
 * A structural check of PromQL written in this repository: brackets balanced and properly nested,
 * string literals closed, range selectors holding a duration. Not a parser: it catches the edit
 * that breaks a rule before Prometheus (or the operator's admission webhook) rejects it in the
 * cluster, with a message naming the rule.
 */
const OPEN: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };
const CLOSE = new Set(Object.values(OPEN));

/** Problems found in `expr`; empty when it looks well formed. */
export function promqlProblems(expr: string): string[] {
  const problems: string[] = [];
  const stack: { ch: string; at: number }[] = [];
  let quote: string | undefined;
  for (let i = 0; i < expr.length; i++) {
    const ch = expr[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') {
      quote = ch;
    } else if (OPEN[ch]) {
      stack.push({ ch, at: i });
    } else if (CLOSE.has(ch)) {
      const top = stack.pop();
      if (!top) problems.push(`unmatched "${ch}" at ${i}`);
      else if (OPEN[top.ch] !== ch) problems.push(`"${top.ch}" at ${top.at} closed by "${ch}" at ${i}`);
      else if (ch === ']' && !/^(\d+[smhdwy])+(:(\d+[smhdwy])+)?$/.test(expr.slice(top.at + 1, i).trim())) {
        problems.push(`range selector "[${expr.slice(top.at + 1, i)}]" at ${top.at} is not a duration`);
      }
    }
  }
  if (quote) problems.push(`unterminated ${quote} string`);
  for (const open of stack) problems.push(`unclosed "${open.ch}" at ${open.at}`);
  if (expr.trim() === '') problems.push('empty expression');
  return problems;
}

/** Throws naming the rule when its expression is malformed. */
export function checkPromql(rule: string, expr: string): string {
  const problems = promqlProblems(expr);
  if (problems.length) throw new Error(`rule ${rule}: malformed PromQL (${problems.join('; ')}): ${expr}`);
  return expr;
}
