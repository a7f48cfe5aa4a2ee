/**
 * "hushcode: Check Setup": the server's own `hushcode doctor --json --no-editors` (the llama.cpp
 * build against this CPU, the model, the engine, a real completion with its time, the network
 * guard), run with the server command in use; each check becomes a line in the output channel,
 * and a notification says the verdict. The report's shape is the command line's (docs/install.md).
 */
export interface DoctorCheck {
  check: string;
  status: string; // ok, warn, fail, info, skip
  detail: string;
  fix: string | null;
}

export interface DoctorVerdict {
  lines: string[];
  failed: number;
  warned: number;
  summary: string;
}

const LABEL: Record<string, string> = { ok: 'ok', warn: 'warn', fail: 'FAIL', info: 'info', skip: 'skip' };

/** The doctor's JSON output, or undefined when it is not a list of checks. */
export function parseDoctor(stdout: string): DoctorCheck[] | undefined {
  try {
    const parsed: unknown = JSON.parse(stdout);
    if (Array.isArray(parsed) && parsed.every((c) => c && typeof c.check === 'string' && typeof c.status === 'string')) {
      return parsed as DoctorCheck[];
    }
  } catch {
    // not JSON: an old server, or a crash (the caller shows stderr)
  }
  return undefined;
}

/** One line per check, as the command line prints them, and the verdict. */
export function doctorVerdict(checks: DoctorCheck[]): DoctorVerdict {
  const width = Math.max(0, ...checks.map((c) => c.check.length));
  const lines = checks.map((c) => {
    const fix = c.fix ? `  [fix: ${c.fix}]` : '';
    return `${(LABEL[c.status] ?? c.status).padEnd(5)} ${c.check.padEnd(width)}  ${c.detail}${fix}`;
  });
  const count = (status: string) => checks.filter((c) => c.status === status).length;
  const failed = count('fail');
  const warned = count('warn');
  const parts = [`${count('ok')} ok`, ...(warned ? [`${warned} warn`] : []), ...(failed ? [`${failed} FAIL`] : [])];
  const summary = failed
    ? `problems found (${parts.join(', ')})`
    : `everything needed works (${parts.join(', ')})`;
  return { lines, failed, warned, summary };
}
